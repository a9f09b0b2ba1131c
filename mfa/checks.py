"""System checks that refuse an unsafe production configuration of the mfa app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from . import conf


@checks.register(checks.Tags.security, deploy=True)
def check_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    keys = conf.get("ENCRYPTION_KEYS")
    if not settings.DEBUG and not keys:
        errors.append(
            checks.Error(
                "MADOGUCHI_MFA_ENCRYPTION_KEYS is empty: 2FA secrets would be encrypted with a key "
                "derived from SECRET_KEY.",
                hint="Set one or more Fernet keys (newest first); see docs/mfa.md.",
                id="madoguchi_mfa.E001",
            )
        )
    if keys:
        from cryptography.fernet import Fernet

        for index, key in enumerate(keys):
            try:
                Fernet(key)
            except (ValueError, TypeError):
                errors.append(
                    checks.Error(
                        f"MADOGUCHI_MFA_ENCRYPTION_KEYS[{index}] is not a Fernet key.", id="madoguchi_mfa.E002"
                    )
                )
    if not settings.DEBUG and not conf.get("WEBAUTHN_RP_ID"):
        errors.append(
            checks.Warning(
                "MADOGUCHI_MFA_WEBAUTHN_RP_ID is not set: the passkey relying party follows the Host header.",
                id="madoguchi_mfa.W001",
            )
        )
    return errors
