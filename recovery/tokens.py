"""Password-reset links: allauth's token, bound to a grant row we issue (24 h, single use).

Configured as ``ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR`` so every allauth path (HTML pages
and the headless API) checks links through ``check_token`` below.

A link is valid only while its PasswordResetGrant exists, is unused, unexpired and
SMS-verified. For accounts with a phone our pages email the link only after the SMS code
(``sms_verified_for``); a link issued by a path that skipped that step (allauth's headless
API) gets an unverified grant, an SMS code is sent, and the link works only after
``services.password_reset_key_sms_verify`` (``POST /api/v1/recovery/password-reset/sms-verify``).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator as DjangoTokenGenerator
from django.utils import timezone

from . import conf

_sms_verified_user: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "recovery_reset_sms_verified", default=None
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@contextlib.contextmanager
def sms_verified_for(user: Any) -> Iterator[None]:
    marker = _sms_verified_user.set(user.pk)
    try:
        yield
    finally:
        _sms_verified_user.reset(marker)


class PasswordResetTokenGenerator(DjangoTokenGenerator):
    # allauth's EmailAwarePasswordResetTokenGenerator, re-stated here because allauth.account.forms
    # imports this module while it loads (a module-level import would be circular).
    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        from allauth.account.internal.flows.manage_email import sync_user_email_address
        from allauth.account.models import EmailAddress
        from allauth.account.utils import user_email

        value = super()._make_hash_value(user, timestamp)
        sync_user_email_address(user)
        email = user_email(user)
        emails = {email} if email else set()
        emails.update(EmailAddress.objects.filter(user_id=user.pk).values_list("email", flat=True))
        return value + "|".join(sorted(emails))

    def make_token(self, user: Any) -> str:
        from .models import PasswordResetGrant

        token = super().make_token(user)
        needs_sms = bool(getattr(user, "phone", None)) and _sms_verified_user.get() != user.pk
        PasswordResetGrant.objects.create(
            user=user,
            token_hash=token_hash(token),
            expires_at=timezone.now() + dt.timedelta(hours=conf.get("RESET_LINK_HOURS")),
            sms_verified=not needs_sms,
        )
        if needs_sms:
            # A path that skipped our SMS step (the headless API): text the code now; the link
            # stays unusable until the code is confirmed with the link's key.
            from core.errors import ApplicationError
            from mfa import services as mfa_services

            try:
                mfa_services.sms_code_send(user=user, purpose="password_reset")
            except ApplicationError:
                pass  # cooldown: the previous code is still valid
        return token

    def check_token(self, user: Any, token: str | None) -> bool:
        from .models import PasswordResetGrant

        if user is None or not token or not super().check_token(user, token):
            return False
        return PasswordResetGrant.objects.filter(
            user=user,
            token_hash=token_hash(token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            sms_verified=True,
        ).exists()

    def check_token_ignoring_sms(self, user: Any, token: str) -> bool:
        """The token is genuine and its grant usable, except that the SMS step may be pending."""
        from .models import PasswordResetGrant

        if user is None or not token or not super().check_token(user, token):
            return False
        return PasswordResetGrant.objects.filter(
            user=user, token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now()
        ).exists()
