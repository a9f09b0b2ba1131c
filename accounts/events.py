"""Customer-facing names of audit events (the audit log stores stable English codes)."""

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "signup": _("Account created"),
    "signup.social": _("Account created with social sign-in"),
    "signup.phone_taken_attempt": _("Someone tried to register with your phone number"),
    "login.success": _("Signed in"),
    "login.failed": _("Failed sign-in attempt"),
    "login.new_device": _("Signed in from a new device"),
    "logout": _("Signed out"),
    "password.changed": _("Password changed"),
    "password.set": _("Password set"),
    "password.reset": _("Password reset"),
    "email.confirmed": _("Email address confirmed"),
    "sessions.ended_all": _("All other sessions ended"),
    "account.frozen": _("Account frozen"),
    "account.unfrozen": _("Account freeze lifted"),
    "withdrawal.hold_set": _("Withdrawals put on hold"),
    "mfa.totp_added": _("Authenticator app added"),
    "mfa.totp_removed": _("Authenticator app removed"),
    "mfa.removed_all": _("Two-factor authentication removed"),
    "mfa.recovery_codes_generated": _("Recovery codes generated"),
    "mfa.recovery_code_used": _("Recovery code used"),
    "mfa.passkey_added": _("Passkey added"),
    "mfa.passkey_removed": _("Passkey removed"),
    "mfa.failed": _("Wrong two-factor code"),
    "mfa.locked": _("Two-factor authentication locked after failed attempts"),
    "withdrawal.requested": _("Withdrawal requested"),
    "withdrawal_address.added": _("Withdrawal address added"),
}


def event_label(event: str) -> str:
    return str(EVENT_LABELS.get(event, event))
