"""Helpers shared by the second-factor pages: the signed-in customer, new recovery codes kept
for a moment in the session, form errors from an ApplicationError."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.errors import ApplicationError

NEW_CODES_KEY = "madoguchi_mfa.new_recovery_codes"
NEW_CODES_TTL = 15 * 60  # new codes can be shown/downloaded for this long after creation


def _keep_new_codes(request: HttpRequest, codes: list[str]) -> None:
    import time

    request.session[NEW_CODES_KEY] = {"codes": codes, "at": time.time()}


def _new_codes(request: HttpRequest) -> list[str] | None:
    """Codes created moments ago in this session, else None (never read back later)."""
    import time

    kept = request.session.get(NEW_CODES_KEY)
    if not isinstance(kept, dict) or time.time() - float(kept.get("at") or 0) > NEW_CODES_TTL:
        request.session.pop(NEW_CODES_KEY, None)
        return None
    return list(kept.get("codes") or [])


def _error(request: HttpRequest, form: Any, exc: ApplicationError, field: str = "code") -> None:
    if field in form.fields:
        form.add_error(field, exc.message)
    else:
        form.add_error(None, exc.message)
