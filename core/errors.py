"""One error contract for services, HTML views and the JSON API.

Services raise ApplicationError with a stable ``code`` the mobile app can switch on and a
``message`` already in the customer's language; the API renders
``{"error": {"code", "message", "fields"}}`` with ``status``.
"""

from __future__ import annotations

from enum import StrEnum
from importlib import import_module
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _


class ErrorCode(StrEnum):
    """Base of every domain's error-code enum (``<app>/errors.py``: ``class WalletErrorCode(ErrorCode)``).

    A member's value is the wire code. One code per condition: a condition shared by several
    domains (a frozen account, a missing second factor) is a member of ``CommonErrorCode``
    below and nowhere else. ``error_code_registry()`` lists them all for the OpenAPI document
    and ``docs/api.md``.
    """


class CommonErrorCode(ErrorCode):
    """Conditions every domain can answer."""

    VALIDATION_FAILED = "validation_failed"
    NOT_FOUND = "not_found"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    RATE_LIMITED = "rate_limited"
    ACCOUNT_FROZEN = "account_frozen"
    TWO_FACTOR_REQUIRED = "two_factor_required"
    TWO_FACTOR_INVALID = "two_factor_invalid"
    TWO_FACTOR_LOCKED = "two_factor_locked"
    TWO_FACTOR_SETUP_REQUIRED = "two_factor_setup_required"


def error_code_registry() -> dict[str, ErrorCode]:
    """Every code of every installed app's ``errors`` module: wire code → member."""
    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            import_module(f"{config.name}.errors")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.errors":
                raise
    found: dict[str, ErrorCode] = {}
    pending: list[type[ErrorCode]] = [ErrorCode]
    while pending:
        enum = pending.pop()
        pending.extend(enum.__subclasses__())
        for member in enum:
            if member.value in found and found[member.value] is not member:
                raise RuntimeError(f"error code {member.value!r} is declared twice")
            found[member.value] = member
    return found


class ApplicationError(Exception):
    def __init__(
        self,
        code: ErrorCode | str,
        message: Any,
        *,
        status: int = 400,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = str(code)
        self.message = str(message)
        self.status = status
        self.fields = fields or {}

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


def not_found() -> Http404:
    """The answer for a private object the caller may not see (never 403: no existence leak)."""
    return Http404(_("Not found."))


def validation_failed(fields: dict[str, list[str]]) -> ApplicationError:
    return ApplicationError(
        CommonErrorCode.VALIDATION_FAILED, _("Please correct the highlighted fields."), status=400, fields=fields
    )
