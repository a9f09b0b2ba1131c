from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator


def two_factor_state(user: Any) -> dict[str, Any]:
    authenticators = list(Authenticator.objects.filter(user=user))
    totp = any(a.type == Authenticator.Type.TOTP for a in authenticators)
    passkeys = sum(1 for a in authenticators if a.type == Authenticator.Type.WEBAUTHN)
    recovery_left = 0
    for a in authenticators:
        if a.type == Authenticator.Type.RECOVERY_CODES:
            recovery_left = len(a.wrap().get_unused_codes())
    return {"totp": totp, "passkeys": passkeys, "recovery_codes_left": recovery_left}
