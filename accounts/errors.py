"""Error codes of the accounts domain (sign-up, phone numbers, password, email and phone change,
withdrawal holds). Codes shared by every domain are ``core.errors.CommonErrorCode``."""

from __future__ import annotations

from core.errors import ErrorCode


class AccountErrorCode(ErrorCode):
    # A code that confirms an address or number (email/phone change, sign-up phone
    # verification, support's guest email code) is wrong, used or tried too often.
    CODE_INVALID = "code_invalid"
    # That confirmation code, or the request it belongs to, has expired.
    CODE_EXPIRED = "code_expired"
    # The current password given with a password change is not correct.
    PASSWORD_INVALID = "password_invalid"  # noqa: S105 (a code, not a password)
    # The text is not a phone number we can parse.
    INVALID_PHONE = "invalid_phone"
    # The number is not a mobile number (no SMS codes to landlines, freephone, premium).
    PHONE_NOT_MOBILE = "phone_not_mobile"
    # The number is outside the regions we text (MADOGUCHI_SMS_ALLOWED_REGIONS).
    PHONE_REGION_NOT_ALLOWED = "phone_region_not_allowed"
    # Withdrawals are on hold after a recent security change.
    WITHDRAWAL_HOLD = "withdrawal_hold"
