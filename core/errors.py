"""One error contract for services, HTML views and the JSON API.

Services raise ApplicationError with a stable ``code`` the mobile app can switch on and a
``message`` already in the customer's language; the API renders
``{"error": {"code", "message", "fields"}}`` with ``status``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _


class ApplicationError(Exception):
    def __init__(
        self,
        code: str,
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
    return ApplicationError("validation_failed", _("Please correct the highlighted fields."), status=400, fields=fields)
