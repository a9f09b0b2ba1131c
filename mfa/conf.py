"""mfa settings, read lazily: ``getattr(settings, "MADOGUCHI_MFA_<NAME>", default)``.

See docs/mfa.md for the table. Nothing here is cached, so ``override_settings``
works in tests and operators can change values without code changes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

_DEFAULTS: dict[str, Any] = {
    # Fernet keys (urlsafe base64, 32 bytes), newest first. Empty: derived from
    # SECRET_KEY (embedded default only; the deploy check refuses it in production).
    "ENCRYPTION_KEYS": [],
    # Steps either side of "now" accepted (RFC 6238 §5.2 recommends at most one).
    "TOTP_WINDOW": 1,
    # Steps either side examined for the clock-drift diagnosis (20 x 30 s = 10 min).
    "DRIFT_WINDOW": 20,
    # Consecutive wrong second-factor codes before the second factor locks.
    "LOCK_AFTER_FAILURES": 20,
    # Code attempts (any outcome) per account / per client address: (limit, seconds).
    "RATE_ACCOUNT": (10, 300),
    "RATE_IP": (30, 300),
    # May recovery codes authorise withdrawals and new withdrawal addresses?
    "RECOVERY_CODES_FOR_WITHDRAWALS": False,
    # Require a passkey assertion (not a code) for sensitive actions.
    "REQUIRE_PASSKEY": False,
    # Prompt customers without an authenticator after sign-in and block withdrawals.
    "ENROLMENT_REQUIRED": True,
    # SMS one-time codes.
    "SMS_CODE_TTL": 600,
    "SMS_MAX_TRIES": 5,
    "SMS_RESEND_COOLDOWN": 60,
    # Sign-in codes per customer per clock hour; the other purposes have their own caps
    # (SMS_CAPS), so an anonymous reset flood never uses up the sign-in budget.
    "SMS_HOURLY_CAP": 5,
    "SMS_CAPS": {"anonymous": 3, "account": 5, "verify": 5, "recovery": 3},
    # Velocity limits on numbers the account has not proved yet (sign-up, a new number):
    # per destination per hour and per day, and per 10 000-number block per hour.
    "SMS_DEST_HOURLY": 3,
    "SMS_DEST_DAILY": 10,
    "SMS_PREFIX_HOURLY": 20,
    # WebAuthn relying party ID (e.g. "madoguchi.example"); empty = request host (dev).
    "WEBAUTHN_RP_ID": "",
}

# Actions that move money out: recovery codes only count here when allowed above, and
# they need an authenticator while the enrolment policy is on. Any action whose name
# starts with "withdrawal" (withdrawal, withdrawal_request, withdrawal_address_add, ...)
# is treated as one, so a new money-out action is strict by default.
WITHDRAWAL_ACTIONS = frozenset({"withdrawal", "withdrawal_address_add"})


def is_money_out(action: str) -> bool:
    return action in WITHDRAWAL_ACTIONS or action.startswith("withdrawal")


# Settings that follow another app's setting when not set themselves (one policy, one
# switch): the wallet's MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL is the same enrolment rule.
_FALLBACKS = {"ENROLMENT_REQUIRED": "MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL"}


def get(name: str) -> Any:
    own = f"MADOGUCHI_MFA_{name}"
    if hasattr(settings, own):
        return getattr(settings, own)
    fallback = _FALLBACKS.get(name)
    if fallback and hasattr(settings, fallback):
        return getattr(settings, fallback)
    return _DEFAULTS[name]
