"""Audit and notify 2FA changes made through allauth's own flows.

Our services (mfa.services) audit and notify themselves and do not emit these
allauth signals; allauth's flows (headless TOTP activation, passkey add/remove,
allauth's HTML pages) do, and land here.
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.dispatch import receiver

from core.audit import audit_log
from core.notify import send_email

_NAMES = {
    Authenticator.Type.TOTP: "totp",
    Authenticator.Type.WEBAUTHN: "passkey",
    Authenticator.Type.RECOVERY_CODES: "recovery_codes",
}


@receiver(mfa_signals.authenticator_added)
def _added(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    audit_log(user=user, event=f"mfa.{_NAMES[authenticator.type]}_added", request=request)
    kind = "mfa_passkey_added" if authenticator.type == Authenticator.Type.WEBAUTHN else "mfa_totp_added"
    send_email(user=user, kind=kind, context={})


@receiver(mfa_signals.authenticator_removed)
def _removed(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    audit_log(user=user, event=f"mfa.{_NAMES[authenticator.type]}_removed", request=request)
    if authenticator.type != Authenticator.Type.RECOVERY_CODES:
        send_email(user=user, kind="mfa_authenticator_removed", context={})


@receiver(mfa_signals.authenticator_reset)
def _reset(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    audit_log(user=user, event="mfa.recovery_codes_generated", request=request)
    send_email(user=user, kind="mfa_recovery_codes_regenerated", context={})


@receiver(account_signals.user_logged_in)
def _enrolment_prompt(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Enrolment policy: after sign-in, prompt customers without an authenticator."""
    from django.contrib import messages
    from django.utils.translation import gettext as _

    from . import conf

    if not conf.get("ENROLMENT_REQUIRED") or request is None or not hasattr(request, "_messages"):
        return
    from .internal import authenticators

    if authenticators.has_second_factor(user):
        return
    messages.warning(
        request,
        _(
            "Protect your account: set up an authenticator app on the Security page. "
            "Withdrawals are not possible until you do."
        ),
        extra_tags="mfa-enrolment",
    )
