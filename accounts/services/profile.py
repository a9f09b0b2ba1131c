"""Sign-up completion and the customer's language."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from accounts.models import User
from core.audit import audit_log


def signup_complete(*, user: User, phone: str, request: HttpRequest | None) -> None:
    """Called by allauth while saving a new user. The number waits in ``phone_pending``
    until the customer enters the code texted to it (accounts.phone_verification): the
    sign-up cannot complete before. Whether the number belongs to someone else is decided
    only there, and never shown to the newcomer."""
    user.phone = None
    user.phone_pending = phone or ""
    user.language = getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE
    user.save()
    audit_log(user=user, event="signup", request=request)


def user_set_language(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])
