"""Passkeys: the second factor first, then the credential; remove and rename."""

from __future__ import annotations

import time
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

PASSKEY_GRANT_KEY = "madoguchi_mfa.passkey_add_grant"
PASSKEY_GRANT_TTL = 300


def passkey_add_authorise(
    *,
    user: User,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest,
    reauthenticated: bool = False,
) -> None:
    """Step one of adding a passkey: the freeze check and the second factor, *before* the
    browser creates a credential. Grants one passkey registration in this session."""
    from allauth.mfa.internal.flows.add import validate_can_add_authenticator
    from django.core.exceptions import ValidationError

    perimeter.authorise(
        user=user,
        action="passkey_add",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
        spend_now=True,
    )
    try:
        validate_can_add_authenticator(user)
    except ValidationError as exc:
        raise ApplicationError(MfaErrorCode.TWO_FACTOR_UNAVAILABLE, " ".join(exc.messages), status=409) from exc
    request.session[PASSKEY_GRANT_KEY] = time.time()


def _passkey_grant_valid(request: HttpRequest) -> bool:
    granted = request.session.get(PASSKEY_GRANT_KEY)
    return isinstance(granted, int | float) and time.time() - granted <= PASSKEY_GRANT_TTL


def passkey_add_begin(*, user: User, request: HttpRequest) -> dict[str, Any]:
    """WebAuthn creation options; only after ``passkey_add_authorise`` in this session."""
    from allauth.core import context
    from allauth.mfa.webauthn.internal import auth as webauthn_auth

    ensure_not_frozen(user)
    if not _passkey_grant_valid(request):
        raise perimeter.reauthentication_required()
    with context.request_context(request):
        return dict(webauthn_auth.begin_registration(user, False))


def passkey_add_complete(*, user: User, name: str, credential: dict[str, Any], request: HttpRequest) -> list[str]:
    """Store a credential verified by allauth's registration form (``complete_registration``).

    Spends the grant. Returns new recovery codes when the customer had none (shown once).
    """
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.webauthn.internal import auth as webauthn_auth

    ensure_not_frozen(user)
    if not _passkey_grant_valid(request):
        raise perimeter.reauthentication_required()
    request.session.pop(PASSKEY_GRANT_KEY, None)
    codes: list[str] = []
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=user.pk)
        webauthn_auth.WebAuthn.add(user, name[:100], credential)
        if not Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES).exists():
            codes = RecoveryCodes.activate(user).generate_codes()
        perimeter.completed(
            user=user, action="passkey_add", event="mfa.passkey_added", request=request, notify="mfa_passkey_added"
        )
    return codes


def _own_passkeys(user: User, ids: list[int]) -> list[Authenticator]:
    found = list(Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.WEBAUTHN, pk__in=ids))
    if not ids or len(found) != len(set(ids)):
        raise ApplicationError(CommonErrorCode.NOT_FOUND, _("Passkey not found."), status=404)
    return found


def passkey_remove(
    *,
    user: User,
    passkey_ids: list[int],
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> None:
    ensure_not_frozen(user)
    passkeys = _own_passkeys(user, passkey_ids)
    perimeter.authorise(
        user=user,
        action="passkey_remove",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    with transaction.atomic():
        Authenticator.objects.filter(pk__in=[p.pk for p in passkeys]).delete()
        if not Authenticator.objects.filter(
            user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists():
            # No authenticator left: recovery codes would be a second factor on their own.
            Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES).delete()
        perimeter.completed(
            user=user,
            action="passkey_remove",
            event="mfa.passkey_removed",
            request=request,
            notify="mfa_authenticator_removed",
            data={"count": len(passkeys)},
        )


def passkey_rename(
    *,
    user: User,
    passkey_id: int,
    name: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> Authenticator:
    ensure_not_frozen(user)
    cleaned = (name or "").strip()[:100]
    if not cleaned:
        message = _("Enter a name.")
        raise ApplicationError(CommonErrorCode.VALIDATION_FAILED, message, fields={"name": [message]})
    (passkey,) = _own_passkeys(user, [passkey_id])
    perimeter.authorise(
        user=user,
        action="passkey_rename",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    with transaction.atomic():
        wrapper = passkey.wrap()
        wrapper.name = cleaned
        passkey.save()
        perimeter.completed(
            user=user,
            action="passkey_rename",
            event="mfa.passkey_renamed",
            request=request,
            notify="mfa_passkey_renamed",
        )
    return passkey
