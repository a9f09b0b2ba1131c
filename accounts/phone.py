"""Phone numbers: parsing Japanese input, and the policy for numbers we send SMS to.

``normalize_phone`` accepts any valid number (identity cases record what the customer
typed). ``normalize_mobile_phone`` is the rule for a number that receives sign-in codes:
by default only Japanese mobiles (070/080/090, E.164 +8170/+8180/+8190). The operator may
allow mobiles of other regions with ``MADOGUCHI_PHONE_ALLOWED_REGIONS`` (e.g. "JP,US");
premium-rate, freephone, shared-cost, personal and VoIP numbers are refused everywhere
(the usual targets of SMS pumping).
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.errors import AccountErrorCode

JP_MOBILE_PREFIXES = ("+8170", "+8180", "+8190")
# 070/080/090 + 8 digits. 0800 + 7 digits is freephone, not a mobile (+81 800 …).
_JP_MOBILE = re.compile(r"^[789]0\d{8}$")


def _is_jp_mobile(number: phonenumbers.PhoneNumber) -> bool:
    national = str(number.national_number)
    return number.country_code == 81 and bool(_JP_MOBILE.match(national)) and not national.startswith("800")


# Number types that can receive an SMS from us; everything else is refused.
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def _invalid() -> ValidationError:
    return ValidationError(_("Enter a phone number such as 090-1234-5678."), code=AccountErrorCode.INVALID_PHONE)


def _parse(raw: str, region: str) -> phonenumbers.PhoneNumber:
    value = unicodedata.normalize("NFKC", raw or "").strip()
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as error:
        raise _invalid() from error
    # A Japanese mobile number is recognised by its shape (phonenumbers' metadata lags
    # behind new 070/080/090 blocks); everything else must be a valid, allocated number.
    if not (phonenumbers.is_valid_number(number) or _is_jp_mobile(number)):
        raise _invalid()
    return number


def normalize_phone(raw: str, *, region: str = "JP") -> str:
    """Japanese input such as 090-1234-5678 (or full-width) → E.164 +819012345678."""
    return phonenumbers.format_number(_parse(raw, region), phonenumbers.PhoneNumberFormat.E164)


def allowed_regions() -> set[str]:
    raw = getattr(settings, "MADOGUCHI_PHONE_ALLOWED_REGIONS", ["JP"])
    if isinstance(raw, str):
        raw = raw.split(",")
    return {str(r).strip().upper() for r in raw if str(r).strip()} or {"JP"}


def sms_destination_problem(e164: str) -> AccountErrorCode | None:
    """None when we may text ``e164``; otherwise the stable error code of the refusal."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return AccountErrorCode.INVALID_PHONE
    if number.country_code == 81:
        if "JP" not in allowed_regions():
            return AccountErrorCode.PHONE_REGION_NOT_ALLOWED
        return None if _is_jp_mobile(number) else AccountErrorCode.PHONE_NOT_MOBILE
    if not phonenumbers.is_valid_number(number):
        return AccountErrorCode.INVALID_PHONE
    number_type = phonenumbers.number_type(number)
    region = phonenumbers.region_code_for_number(number) or ""
    if number_type not in _MOBILE_TYPES:
        return AccountErrorCode.PHONE_NOT_MOBILE
    if region not in allowed_regions():
        return AccountErrorCode.PHONE_REGION_NOT_ALLOWED
    return None


def destination_error_message(code: str) -> str:
    if code == AccountErrorCode.PHONE_NOT_MOBILE:
        return _(
            "This number cannot receive our SMS codes. Enter a Japanese mobile number "
            "(070, 080 or 090), such as 090-1234-5678."
        )
    if code == AccountErrorCode.PHONE_REGION_NOT_ALLOWED:
        return _(
            "We can send SMS codes only to Japanese mobile numbers (070, 080 or 090), "
            "such as 090-1234-5678. Contact us if you live abroad."
        )
    return str(_invalid().messages[0])


def normalize_mobile_phone(raw: str, *, region: str = "JP") -> str:
    """``normalize_phone`` plus the SMS destination policy; ValidationError with a stable code."""
    e164 = normalize_phone(raw, region=region)
    problem = sms_destination_problem(e164)
    if problem:
        raise ValidationError(destination_error_message(problem), code=problem)
    return e164


def number_prefix(e164: str) -> str:
    """The 10 000-number block a destination belongs to (+8190-1234-xxxx): pumping uses ranges."""
    return e164[:-4] if len(e164) > 8 else e164


def display_phone(e164: str) -> str:
    number = phonenumbers.parse(e164, None)
    if number.country_code == 81:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(e164: str) -> str:
    """+819012345678 → ***-****-5678 (safe to show to a person who has not proved ownership)."""
    return "***-****-" + e164[-4:] if e164 else ""
