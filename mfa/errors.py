"""Error codes of the second-factor domain. ``two_factor_required`` / ``_invalid`` / ``_locked``
/ ``_setup_required`` are shared by every domain (``core.errors.CommonErrorCode``); SMS and
phone-number codes that are not second-factor checks belong to ``accounts.errors``."""

from __future__ import annotations

from core.errors import ErrorCode


class MfaErrorCode(ErrorCode):
    # The action needs a passkey (REQUIRE_PASSKEY) and the customer has none registered.
    PASSKEY_REQUIRED = "passkey_required"
    # An authenticator app is already set up (set up again after turning it off).
    TOTP_EXISTS = "totp_exists"
    # No authenticator app is set up, so there is nothing to turn off.
    TOTP_MISSING = "totp_missing"
    # A second factor cannot be used now: one more may not be added (409) or the checks
    # cannot read the stored secrets (503, a key removed before rotation finished).
    TWO_FACTOR_UNAVAILABLE = "two_factor_unavailable"
    # A new SMS code was asked for before the resend cooldown ended (retry_at says when).
    SMS_COOLDOWN = "sms_cooldown"
    # A step-up SMS was asked for by a customer who confirms with an authenticator or passkey.
    SMS_NOT_NEEDED = "sms_not_needed"
