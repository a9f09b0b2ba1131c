"""Second-factor writes: step-up checks, TOTP, recovery codes, SMS codes, passkeys, the
anti-phishing phrase and key rotation.

Every sensitive service in madoguchi calls :func:`second_factor_verify` itself, inside the
service, so no interface can skip it. Each call is one fresh check for one action: nothing is
remembered between actions, and a recent password re-authentication never satisfies it.

The package is split by sub-domain; this module re-exports the names callers use so
``from mfa import services; services.x`` keeps working. Patch a function where it is used
(``mfa.services.<module>.<name>``), not here. Email and phone change are account writes and
live in ``accounts.services`` (they call :func:`second_factor_verify` through the perimeter).
"""

from __future__ import annotations

from mfa.services.antiphishing import anti_phishing_code_set
from mfa.services.keys import secrets_rotate
from mfa.services.locks import second_factor_unlock, two_factor_remove_all
from mfa.services.passkeys import (
    PASSKEY_GRANT_KEY,
    PASSKEY_GRANT_TTL,
    _passkey_grant_valid,
    passkey_add_authorise,
    passkey_add_begin,
    passkey_add_complete,
    passkey_remove,
    passkey_rename,
)
from mfa.services.recovery_codes import recovery_codes_regenerate
from mfa.services.sms import (
    SMS_BUDGET_CLASSES,
    sms_budget_class,
    sms_code_send,
    sms_code_still_valid,
    sms_code_verify,
    sms_codes_cancel,
    sms_destination_check,
    sms_login_verify,
    sms_not_sent_message,
    step_up_sms_send,
)
from mfa.services.stepup import passkey_challenge_begin, second_factor_verify
from mfa.services.totp import totp_disable, totp_enable, totp_secret_new

__all__ = [
    "PASSKEY_GRANT_KEY",
    "PASSKEY_GRANT_TTL",
    "SMS_BUDGET_CLASSES",
    "_passkey_grant_valid",
    "anti_phishing_code_set",
    "passkey_add_authorise",
    "passkey_add_begin",
    "passkey_add_complete",
    "passkey_challenge_begin",
    "passkey_remove",
    "passkey_rename",
    "recovery_codes_regenerate",
    "second_factor_unlock",
    "second_factor_verify",
    "secrets_rotate",
    "sms_budget_class",
    "sms_code_send",
    "sms_code_still_valid",
    "sms_code_verify",
    "sms_codes_cancel",
    "sms_destination_check",
    "sms_login_verify",
    "sms_not_sent_message",
    "step_up_sms_send",
    "totp_disable",
    "totp_enable",
    "totp_secret_new",
    "two_factor_remove_all",
]
