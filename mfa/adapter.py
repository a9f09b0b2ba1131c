"""allauth.mfa adapter: secrets encrypted at rest, pinned WebAuthn RP ID, issuer."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings

from . import conf
from .internal.crypto import SecretBox, derive_key


@lru_cache(maxsize=8)
def _box(keys: tuple[str, ...]) -> SecretBox:
    return SecretBox(list(keys))


def secret_box() -> SecretBox:
    """The box for the configured key list (newest first); derived key in dev only."""
    keys = tuple(conf.get("ENCRYPTION_KEYS") or ()) or (derive_key(settings.SECRET_KEY),)
    return _box(keys)


def pinned_rp_id() -> str:
    """The WebAuthn relying-party ID: the setting, else (production) the first concrete
    ALLOWED_HOSTS entry — never the request's Host header outside development."""
    rp_id = str(conf.get("WEBAUTHN_RP_ID") or "")
    if rp_id or settings.DEBUG:
        return rp_id
    for host in settings.ALLOWED_HOSTS:
        host = host.lstrip(".")
        if host and host != "*" and not host.replace(".", "").isdigit():
            return host
    return ""


class MFAAdapter(DefaultMFAAdapter):
    """Extension point for allauth.mfa (secret encryption, notifications, RP ID)."""

    def encrypt(self, text: str) -> str:
        return secret_box().encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return secret_box().decrypt(encrypted_text)

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        entity = super().get_public_key_credential_rp_entity()
        rp_id = pinned_rp_id()
        if rp_id:
            entity["id"] = rp_id
        return entity

    def is_mfa_enabled(self, user: Any, types: Any = None) -> bool:
        # The same answer as allauth's EXISTS query, from the request's copy of the rows
        # (mfa.internal.authenticators: one query per sign-in request instead of five).
        from .internal import authenticators

        if user is None or user.is_anonymous:
            return False
        return authenticators.has_any(user, types)

    def send_notification_mail(self, *args: Any, **kwargs: Any) -> None:
        # Our services send their own notifications (core.notify, customer's language,
        # anti-phishing footer); allauth's built-in 2FA mails would duplicate them.
        return None
