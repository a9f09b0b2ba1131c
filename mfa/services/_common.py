"""Helpers shared by the step-up, TOTP, recovery-code and SMS writers."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError, CommonErrorCode


def _required(message: str | None = None) -> ApplicationError:
    return ApplicationError(
        CommonErrorCode.TWO_FACTOR_REQUIRED,
        message or _("Enter the code from your authenticator app to continue."),
        status=401,
    )


def _enrolment_required() -> ApplicationError:
    return ApplicationError(
        CommonErrorCode.TWO_FACTOR_SETUP_REQUIRED,
        _("Set up an authenticator app (two-factor authentication) on the security page before withdrawing."),
        status=403,
    )


def _has_strong_factor(user: User, authenticators: list[Authenticator] | None = None) -> tuple[bool, bool]:
    if authenticators is None:
        authenticators = list(Authenticator.objects.filter(user_id=user.pk))
    types = {a.type for a in authenticators}
    return Authenticator.Type.TOTP in types, Authenticator.Type.WEBAUTHN in types
