"""The anti-phishing phrase shown in every email we send."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services.restrictions import ensure_not_frozen
from core.errors import ApplicationError, CommonErrorCode
from mfa import perimeter


def anti_phishing_code_set(
    *,
    user: User,
    value: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> None:
    """Set (or clear with "") the phrase shown in every email we send."""
    import unicodedata

    ensure_not_frozen(user)
    cleaned = unicodedata.normalize("NFKC", value or "").strip()
    if len(cleaned) > 20 or any(ch in cleaned for ch in "<>\"'&\r\n") or (cleaned and len(cleaned) < 4):
        message = _("Use 4 to 20 letters, digits or Japanese characters.")
        raise ApplicationError(CommonErrorCode.VALIDATION_FAILED, message, fields={"value": [message]})
    perimeter.authorise(
        user=user,
        action="anti_phishing_code_set",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    with transaction.atomic():
        user.anti_phishing_code = cleaned
        user.save(update_fields=["anti_phishing_code"])
        perimeter.completed(
            user=user,
            action="anti_phishing_code_set",
            event="account.anti_phishing_code_set",
            request=request,
            notify="anti_phishing_code_set",
            context={"set": bool(cleaned)},
            data={"set": bool(cleaned)},
        )
