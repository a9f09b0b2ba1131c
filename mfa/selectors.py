"""Reads for the mfa app; everything is scoped to the given user."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator

from accounts.models import User
from accounts.selectors import sessions_for_user

# Actions a step-up SMS may be requested for (customers without an authenticator).
STEP_UP_ACTIONS = frozenset(
    {
        "totp_enable",
        "anti_phishing_code_set",
        "email_change",
        "phone_change",
        "password_change",
        "withdrawal",
        "withdrawal_address_add",
        "recovery_codes_regenerate",
        "totp_disable",
        "passkey_add",
        "passkey_remove",
        "passkey_rename",
        "sessions_end",
        "reauthenticate",
    }
)


def two_factor_state(user: User) -> dict[str, Any]:
    """``{"totp": bool, "passkeys": int, "recovery_codes_left": int}`` (API contract)."""
    authenticators = list(Authenticator.objects.filter(user_id=user.pk))
    totp = any(a.type == Authenticator.Type.TOTP for a in authenticators)
    passkeys = sum(1 for a in authenticators if a.type == Authenticator.Type.WEBAUTHN)
    recovery_left = 0
    for a in authenticators:
        if a.type == Authenticator.Type.RECOVERY_CODES:
            recovery_left = len(a.wrap().get_unused_codes())
    return {"totp": totp, "passkeys": passkeys, "recovery_codes_left": recovery_left}


def two_factor_locked(user: User) -> bool:
    from .models import SecondFactorLock

    return SecondFactorLock.objects.filter(user_id=user.pk).exists()


def passkeys_for_user(user: User) -> list[dict[str, Any]]:
    rows = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.WEBAUTHN).order_by("created_at")
    return [
        {"id": a.pk, "name": a.wrap().name, "created_at": a.created_at, "last_used_at": a.last_used_at} for a in rows
    ]


def security_overview_for_user(user: User, *, current_session_key: str | None = None) -> dict[str, Any]:
    state = two_factor_state(user)
    totp_row = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()
    sessions = sessions_for_user(user, current_session_key=current_session_key)
    return {
        "state": state,
        "totp_added_at": totp_row.created_at if totp_row else None,
        "totp_last_used_at": totp_row.last_used_at if totp_row else None,
        "passkeys": passkeys_for_user(user),
        "locked": two_factor_locked(user),
        "sessions": sessions,
        "anti_phishing_code_set": bool(getattr(user, "anti_phishing_code", "")),
        "has_phone": bool(getattr(user, "phone", None)),
        "phone_tail": (getattr(user, "phone", "") or "")[-4:],
    }
