"""Authenticator app (TOTP): set up and turn off."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services.restrictions import ensure_not_frozen
from core.errors import ApplicationError, CommonErrorCode
from mfa import perimeter
from mfa.errors import MfaErrorCode
from mfa.internal import codecheck, guard, totp
from mfa.models import SecondFactorLock
from mfa.services._common import _has_strong_factor


def totp_secret_new() -> str:
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    return generate_totp_secret()


def totp_enable(
    *,
    user: User,
    secret: str,
    code: str,
    step_up_code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> list[str]:
    """Activate TOTP with a freshly generated ``secret`` confirmed by ``code``.

    A customer who already has a passkey must pass a second-factor check first;
    one without any authenticator confirms with an SMS code when a phone is
    registered.  Returns the new recovery codes (shown once).
    """
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    ensure_not_frozen(user)
    has_totp, _has_passkey = _has_strong_factor(user)
    if has_totp:
        raise ApplicationError(MfaErrorCode.TOTP_EXISTS, _("An authenticator app is already set up."), status=409)
    try:
        perimeter.authorise(
            user=user,
            action="totp_enable",
            code=step_up_code,
            assertion=assertion,
            request=request,
            reauthenticated=reauthenticated,
        )
    except ApplicationError as exc:
        if exc.code == CommonErrorCode.ACCOUNT_FROZEN or reauthenticated:
            raise
        raise ApplicationError(
            exc.code, exc.message, status=exc.status, fields={"step_up_code": [exc.message]}
        ) from exc
    normalized = totp.normalize_code(code)
    codecheck.throttle(user, request)
    try:
        step = codecheck.check_totp_secret(secret=secret, code=normalized)
    except codecheck.Refused as exc:
        raise codecheck.invalid(exc.message) from exc
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=user.pk)
        if Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists():
            raise ApplicationError(MfaErrorCode.TOTP_EXISTS, _("An authenticator app is already set up."), status=409)
        Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES).delete()
        authenticator = TOTP.activate(user, secret).instance
        guard.step_start(authenticator_id=authenticator.pk, step=step)
        codes = RecoveryCodes.activate(user).generate_codes()
        SecondFactorLock.objects.filter(user_id=user.pk).delete()
        perimeter.completed(
            user=user, action="totp_enable", event="mfa.totp_added", request=request, notify="mfa_totp_added"
        )
    return codes


def totp_disable(
    *,
    user: User,
    code: str | None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> None:
    """Disable TOTP with a current code: the secret and recovery codes are destroyed."""
    ensure_not_frozen(user)
    if not Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists():
        raise ApplicationError(MfaErrorCode.TOTP_MISSING, _("No authenticator app is set up."), status=409)
    perimeter.authorise(
        user=user,
        action="totp_disable",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    with transaction.atomic():
        Authenticator.objects.filter(
            user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
        ).delete()
        perimeter.completed(
            user=user, action="totp_disable", event="mfa.totp_removed", request=request, notify="mfa_totp_removed"
        )
