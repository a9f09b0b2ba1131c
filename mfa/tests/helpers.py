"""Test helpers: enrol TOTP the way the app stores it, compute codes like a phone does."""

from __future__ import annotations

import time
from typing import Any

from mfa.internal import totp

DEMO_SECRET = "JBSWY3DPEHPK3PXP"


def enable_totp(user: Any, secret: str = DEMO_SECRET) -> Any:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    authenticator = TOTP.activate(user, secret).instance
    RecoveryCodes.activate(user)
    return authenticator


def code_at(secret: str, unix_time: float, *, digits: int = 6) -> str:
    return totp.hotp(totp.decode_secret(secret), int(unix_time // 30), digits=digits)


def code_now(secret: str = DEMO_SECRET, *, offset_steps: int = 0) -> str:
    return code_at(secret, time.time() + offset_steps * 30)


def recovery_codes(user: Any) -> list[str]:
    from allauth.mfa.models import Authenticator

    rc = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return list(rc.wrap().get_unused_codes())
