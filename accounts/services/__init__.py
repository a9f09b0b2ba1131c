"""Account writes: sign-up completion, language, freezes, withdrawal holds, sessions, devices,
password, email and phone change.

The package is split by sub-domain; this module re-exports the names callers use so
``from accounts import services; services.x`` keeps working. Patch a function where it is used
(``accounts.services.<module>.<name>``), not here.

Layering with ``mfa`` (enforced in ``.importlinter``): ``restrictions`` (freeze and hold checks)
sits below ``mfa``; ``password``, ``sessions``, ``email_change`` and ``phone_change`` call
``mfa.perimeter`` and sit above it. ``mfa`` imports ``accounts.services.restrictions`` directly,
never this package.
"""

from __future__ import annotations

from accounts.services.devices import DEVICE_COOKIE, DEVICE_COOKIE_AGE, _insert_known_device, device_seen
from accounts.services.email_change import email_change_confirm, email_change_request
from accounts.services.freeze import account_freeze, account_unfreeze
from accounts.services.password import password_change
from accounts.services.phone_change import phone_change_confirm, phone_change_request
from accounts.services.profile import signup_complete, user_set_language
from accounts.services.restrictions import ensure_no_withdrawal_hold, ensure_not_frozen, withdrawal_hold_set
from accounts.services.sessions import (
    SESSION_LABEL_MAX,
    _sessions_end,
    session_label_set,
    sessions_end,
    sessions_end_all,
)

__all__ = [
    "DEVICE_COOKIE",
    "DEVICE_COOKIE_AGE",
    "SESSION_LABEL_MAX",
    "_insert_known_device",
    "_sessions_end",
    "account_freeze",
    "account_unfreeze",
    "device_seen",
    "email_change_confirm",
    "email_change_request",
    "ensure_no_withdrawal_hold",
    "ensure_not_frozen",
    "password_change",
    "phone_change_confirm",
    "phone_change_request",
    "session_label_set",
    "sessions_end",
    "sessions_end_all",
    "signup_complete",
    "user_set_language",
    "withdrawal_hold_set",
]
