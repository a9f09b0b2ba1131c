"""Recovery codes: a new set (the old one stops working)."""

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
from mfa.services._common import _has_strong_factor


def recovery_codes_regenerate(
    *,
    user: User,
    code: str | None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> list[str]:
    """New recovery codes (the old ones stop working); returns them to show once."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    ensure_not_frozen(user)
    has_totp, has_passkey = _has_strong_factor(user)
    if not (has_totp or has_passkey):
        raise ApplicationError(
            CommonErrorCode.TWO_FACTOR_SETUP_REQUIRED,
            _("Set up an authenticator app before creating recovery codes."),
            status=409,
        )
    perimeter.authorise(
        user=user,
        action="recovery_codes_regenerate",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=user.pk)
        Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES).delete()
        codes = RecoveryCodes.activate(user).generate_codes()
        perimeter.completed(
            user=user,
            action="recovery_codes_regenerate",
            event="mfa.recovery_codes_generated",
            request=request,
            notify="mfa_recovery_codes_regenerated",
        )
    return codes
