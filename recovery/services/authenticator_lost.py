"""Lost authenticator, self-service path: SMS to the registered phone, then a link."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from core.notify import send_email
from mfa import services as mfa_services
from recovery import conf
from recovery.errors import RecoveryErrorCode
from recovery.models import (
    AuthenticatorRecovery,
)
from recovery.services._common import SELF_SERVICE_SMS_PURPOSE, _sha256, _site
from recovery.services.freeze import freeze_link

# =========================================================================== 2FA self-service


def authenticator_lost_start(*, user: User, request: HttpRequest | None = None) -> None:
    """From the 2FA step (password already checked): email a link and text a code.

    Refused while the account is frozen: a freeze stops security changes, and only an
    identity case (which lifts the freeze) may remove 2FA then.
    """
    account_services.ensure_not_frozen(user)
    if not user.phone:
        raise ApplicationError(
            CommonErrorCode.NO_PHONE,
            _("No phone number is registered on this account. Please use identity verification instead."),
            status=400,
        )
    ratelimit.check(f"recovery:self-service:{user.pk}", limit=3, period=3600)
    token = secrets.token_urlsafe(32)
    minutes = conf.get("SELF_SERVICE_LINK_MINUTES")
    with transaction.atomic():
        AuthenticatorRecovery.objects.create(
            user=user, token_hash=_sha256(token), expires_at=timezone.now() + dt.timedelta(minutes=minutes)
        )
        send_email(
            user=user,
            kind="authenticator_lost_link",
            context={"link": _site(reverse("recovery:authenticator_lost_confirm", args=[token])), "minutes": minutes},
        )
        mfa_services.sms_code_send(user=user, purpose=SELF_SERVICE_SMS_PURPOSE, request=request)
        audit_log(user=user, event="recovery.self_service_started", request=request)


def authenticator_recovery_for_token(token: str) -> AuthenticatorRecovery:
    recovery = AuthenticatorRecovery.objects.select_related("user").filter(token_hash=_sha256(token or "")).first()
    if recovery is None or recovery.completed_at is not None or recovery.expires_at <= timezone.now():
        raise ApplicationError(
            RecoveryErrorCode.LINK_INVALID,
            _("This link is invalid or has expired. Please start again from sign-in."),
            status=400,
        )
    return recovery


def authenticator_lost_complete(*, token: str, code: str, request: HttpRequest | None = None) -> User:
    """Link + SMS code verified: remove every authenticator, hold withdrawals, email a freeze link."""
    recovery = authenticator_recovery_for_token(token)
    user = recovery.user
    account_services.ensure_not_frozen(user)
    ratelimit.check(f"recovery:self-service-code:{recovery.pk}", limit=10, period=3600)
    mfa_services.sms_code_verify(user=user, purpose=SELF_SERVICE_SMS_PURPOSE, code=(code or "").strip())
    hours = conf.get("SELF_SERVICE_HOLD_HOURS")
    with transaction.atomic():
        updated = AuthenticatorRecovery.objects.filter(pk=recovery.pk, completed_at__isnull=True).update(
            completed_at=timezone.now()
        )
        if not updated:
            raise ApplicationError(RecoveryErrorCode.LINK_INVALID, _("This link has already been used."), status=400)
        mfa_services.two_factor_remove_all(user=user, reason="self_service_recovery", request=request)
        account_services.withdrawal_hold_set(
            user=user, hours=hours, reason="two_factor_self_service_recovery", request=request
        )
        audit_log(user=user, event="recovery.self_service_completed", request=request, data={"hold_hours": hours})
        send_email(
            user=user,
            kind="authenticator_recovered",
            context={
                "freeze_url": freeze_link(user),
                "hold_hours": hours,
                "setup_url": _site("/security/"),
            },
        )
    return user
