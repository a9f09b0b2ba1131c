"""The accounts and mfa error codes are enums the registry lists once each (issue 16)."""

from __future__ import annotations

from accounts.errors import AccountErrorCode
from core.errors import CommonErrorCode, error_code_registry
from mfa.errors import MfaErrorCode


def test_registry_lists_account_and_mfa_codes_and_not_the_renamed_ones():
    registry = error_code_registry()
    assert registry["code_invalid"] is AccountErrorCode.CODE_INVALID
    assert registry["code_expired"] is AccountErrorCode.CODE_EXPIRED
    assert registry["totp_exists"] is MfaErrorCode.TOTP_EXISTS
    assert registry["two_factor_setup_required"] is CommonErrorCode.TWO_FACTOR_SETUP_REQUIRED
    for old in ("two_factor_enrolment_required", "two_factor_missing", "confirmation_invalid", "confirmation_expired"):
        assert old not in registry
