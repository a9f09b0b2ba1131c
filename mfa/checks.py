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
                hint="Set one or more keys (Fernet keys or 32+ random characters, newest first); see docs/mfa.md.",
                id="madoguchi_mfa.E001",
            )
        )
    if keys:
        from .internal.crypto import fernet_key

        for index, key in enumerate(keys):
            try:
                fernet_key(key)
            except ValueError:
                errors.append(
                    checks.Error(
                        f"MADOGUCHI_MFA_ENCRYPTION_KEYS[{index}] is neither a Fernet key nor 32+ characters.",
                        id="madoguchi_mfa.E002",
                    )
                )
    return errors
