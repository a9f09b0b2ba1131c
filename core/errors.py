"""One error contract for services, HTML views and the JSON API.

Services raise ApplicationError with a stable ``code`` the mobile app can switch on and a
``message`` already in the customer's language; the API renders
``{"error": {"code", "message", "fields"}}`` with ``status``.
"""

from __future__ import annotations

import ast
import functools
import inspect
import io
import textwrap
import tokenize
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

    Each member carries a one-line ``#`` comment saying the condition, on the member's line
    or on the line(s) just above it; ``member.description`` (``describe(member)``) reads it,
    and a test refuses a member without one::

        class WalletErrorCode(ErrorCode):
            INSUFFICIENT_FUNDS = "insufficient_funds"  # amount + fee above the available balance
    """

    @property
    def description(self) -> str:
        """The member's ``#`` comment: the condition that answers this code."""
        return describe(self)


class CommonErrorCode(ErrorCode):
    """Conditions every domain can answer."""

    VALIDATION_FAILED = "validation_failed"  # an input is missing or malformed; `fields` names each one
    NOT_FOUND = "not_found"  # no such object, or one the caller may not see (never 403: no existence leak)
    NOT_AUTHENTICATED = "not_authenticated"  # no credential, or an expired or unknown one
    PERMISSION_DENIED = "permission_denied"  # signed in, but this account or role may not do this
    RATE_LIMITED = "rate_limited"  # too many attempts in the window; wait and try again
    ACCOUNT_FROZEN = "account_frozen"  # the account is frozen: nothing that moves money or changes security
    TWO_FACTOR_REQUIRED = "two_factor_required"  # a sensitive action sent no second-factor code or passkey assertion
    TWO_FACTOR_INVALID = "two_factor_invalid"  # a wrong, replayed or expired second-factor code (TOTP, recovery, SMS)
    TWO_FACTOR_LOCKED = "two_factor_locked"  # too many wrong second-factor codes: the check is locked for a while
    # no second factor (authenticator app or passkey) is set up yet
    TWO_FACTOR_SETUP_REQUIRED = "two_factor_setup_required"
    NO_PHONE = "no_phone"  # the account has no mobile number to send an SMS to
    PHONE_UNAVAILABLE = "phone_unavailable"  # the mobile number belongs to another account; nothing changes
    NO_ACCOUNT = "no_account"  # the inquiry or chat is not linked to a customer account
    INVALID_TRANSITION = "invalid_transition"  # the object's state does not allow this change (already final)


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


class CoreErrorCode(ErrorCode):
    """Core's own checks: uploads, the captcha, and the answers for unknown routes and outages."""

    EMPTY_FILE = "empty_file"  # upload: the file has no content
    TOO_LARGE = "too_large"  # upload: more bytes than allowed, or more pixels (checked before decoding)
    TOO_SMALL = "too_small"  # upload: the image's width or height is below the minimum
    UNSUPPORTED_TYPE = "unsupported_type"  # upload: a recognised file type that is not accepted here
    NOT_AN_IMAGE = "not_an_image"  # upload: the content is no known type where an image was expected
    CORRUPT_FILE = "corrupt_file"  # upload: the content claims a known type but cannot be fully decoded
    UNSAFE_PDF = "unsafe_pdf"  # upload: a PDF with active content, attachments, forms, encryption, or broken
    CAPTCHA_INVALID = "captcha_invalid"  # the security check (captcha) is missing, wrong or expired
    BAD_REQUEST = "bad_request"  # the request could not be read (e.g. a malformed body or header)
    SERVER_ERROR = "server_error"  # an unexpected error on our side (500); nothing internal is shown
    SERVICE_UNAVAILABLE = "service_unavailable"  # a dependency is down or maintenance is on (503, Retry-After)


def _comments(source: str) -> dict[int, tuple[str, bool]]:
    """line → (comment text, whether the comment is the whole line)."""
    lines = source.splitlines()
    found: dict[int, tuple[str, bool]] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, column = token.start
            whole = not lines[row - 1][:column].strip()
            found[row] = (token.string.lstrip("#").strip(), whole)
    return found


@functools.cache
def _descriptions(enum: type[ErrorCode]) -> dict[str, str]:
    try:
        source = textwrap.dedent(inspect.getsource(enum))
    except (OSError, TypeError):  # no source (a frozen build): no descriptions, never an error
        return {}
    comments = _comments(source)
    tree = ast.parse(source).body[0]
    assert isinstance(tree, ast.ClassDef)
    found: dict[str, str] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        span = range(node.lineno, (node.end_lineno or node.lineno) + 1)
        inside = [comments[row][0] for row in span if row in comments and not (row == node.lineno and comments[row][1])]
        if inside:  # on the member's line(s): `X = "x"  # condition`
            found[node.targets[0].id] = " ".join(inside)
            continue
        above: list[str] = []  # else the whole-line comments just above it
        row = node.lineno - 1
        while row in comments and comments[row][1]:
            above.insert(0, comments[row][0])
            row -= 1
        found[node.targets[0].id] = " ".join(above)
    return found


def describe(member: ErrorCode) -> str:
    """The condition a code answers: its member's ``#`` comment ("" when it has none)."""
    return _descriptions(type(member)).get(member.name, "")


class ApplicationError(Exception):
    def __init__(
        self,
        code: ErrorCode,
        message: Any,
        *,
        status: int = 400,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = code
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
