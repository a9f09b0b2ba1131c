"""Thin HTML views: the security page, TOTP, recovery codes, SMS sign-in step, changes.

The package is split by sub-domain; this module re-exports every view and helper so
``mfa.urls`` and ``from mfa import views`` keep working."""

from __future__ import annotations

from mfa.views._common import NEW_CODES_KEY, NEW_CODES_TTL, _error, _keep_new_codes, _new_codes
from mfa.views.account import password_change, sessions
from mfa.views.contact import _change_view, email_change, phone_change
from mfa.views.passkeys import passkey_add, passkey_add_options, passkeys
from mfa.views.recovery_codes import recovery_codes, recovery_codes_download, recovery_codes_saved
from mfa.views.security import anti_phishing, passkey_options, security, step_up_sms
from mfa.views.sms import _sms_stage_or_redirect, login_sms
from mfa.views.totp import SETUP_SECRET_KEY, _group, totp_disable, totp_setup

__all__ = [
    "NEW_CODES_KEY",
    "NEW_CODES_TTL",
    "SETUP_SECRET_KEY",
    "_change_view",
    "_error",
    "_group",
    "_keep_new_codes",
    "_new_codes",
    "_sms_stage_or_redirect",
    "anti_phishing",
    "email_change",
    "login_sms",
    "passkey_add",
    "passkey_add_options",
    "passkey_options",
    "passkeys",
    "password_change",
    "phone_change",
    "recovery_codes",
    "recovery_codes_download",
    "recovery_codes_saved",
    "security",
    "sessions",
    "step_up_sms",
    "totp_disable",
    "totp_setup",
]
