"""The per-action second-factor check every sensitive service calls itself (TOTP, recovery
code, passkey assertion or, for customers without an authenticator, an SMS code).

Each call is one fresh check for one action: nothing is remembered between actions, and a
recent password re-authentication never satisfies it."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from mfa import conf
from mfa.errors import MfaErrorCode
from mfa.internal import codecheck, guard
from mfa.services._common import _enrolment_required, _has_strong_factor, _required
from mfa.services.sms import sms_code_verify


def second_factor_verify(
    *,
    user: User,
    action: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> None:
    """One fresh second-factor check for one sensitive ``action``.

    - TOTP code (±1 step, single use across processes, drift diagnosed and refused),
    - recovery code (except for withdrawal actions unless the operator allows it),
    - passkey assertion (required instead of codes when ``REQUIRE_PASSKEY`` is on),
    - SMS code (purpose ``step_up:<action>``) for customers without an
      authenticator, except withdrawals while the enrolment policy is on.

    Raises ``two_factor_required`` (401), ``two_factor_invalid`` (400),
    ``two_factor_locked`` (403), ``two_factor_setup_required`` (403),
    ``passkey_required`` (403) or ``rate_limited`` (429).
    """
    codecheck.ensure_not_locked(user)
    authenticators = list(Authenticator.objects.filter(user_id=user.pk))  # one query for every path
    has_totp, has_passkey = _has_strong_factor(user, authenticators)
    money_out = conf.is_money_out(action)

    if conf.get("REQUIRE_PASSKEY"):
        if not has_passkey:
            raise ApplicationError(
                MfaErrorCode.PASSKEY_REQUIRED,
                _("This action requires a passkey. Register a passkey on the security page first."),
                status=403,
            )
        if not assertion:
            raise _required(_("Confirm with your passkey to continue."))

    if not has_totp and not has_passkey:
        if money_out and conf.get("ENROLMENT_REQUIRED"):
            raise _enrolment_required()
        if not code:
            raise _required(_("Enter the code we sent to your phone by SMS to continue."))
        try:
            sms_code_verify(user=user, purpose=f"step_up:{action}", code=code, second_factor=True, request=request)
        except ApplicationError as exc:
            _audit_step_up(user, action, request, ok=False, method="sms")
            if exc.code == CommonErrorCode.TWO_FACTOR_LOCKED:
                raise
            raise ApplicationError(
                CommonErrorCode.TWO_FACTOR_INVALID, exc.message, status=400, fields={"code": [exc.message]}
            ) from exc
        _audit_step_up(user, action, request, ok=True, method="sms")
        return

    if assertion:
        _verify_assertion(user=user, assertion=assertion, request=request, action=action)
        return
    if not code:
        raise _required()
    allow_recovery = not money_out or bool(conf.get("RECOVERY_CODES_FOR_WITHDRAWALS"))
    # A refusal is audited once, inside check_code ("mfa.failed" with purpose step_up:<action>).
    authenticator = codecheck.check_code(
        user=user,
        code=code,
        request=request,
        purpose=f"step_up:{action}",
        allow_recovery=allow_recovery,
        authenticators=authenticators,
        lock_checked=True,
    )
    _audit_step_up(user, action, request, ok=True, method=str(authenticator.type))


def _audit_step_up(user: User, action: str, request: HttpRequest | None, *, ok: bool, method: str) -> None:
    audit_log(
        user=user,
        event="mfa.step_up_passed" if ok else "mfa.step_up_failed",
        request=request,
        data={"action": action, "method": method},
        visible_to_customer=not ok,
    )


def _verify_assertion(*, user: User, assertion: dict[str, Any], request: HttpRequest | None, action: str) -> None:
    """A WebAuthn assertion against the challenge stored in this session."""
    from allauth.core import context
    from allauth.mfa.webauthn.internal import auth as webauthn_auth

    codecheck.throttle(user, request)
    if request is None:
        raise codecheck.invalid(_("The passkey confirmation could not be checked. Try again."))
    try:
        with context.request_context(request):
            authenticator = webauthn_auth.complete_authentication(user, assertion)
            webauthn_auth.clear_state()
    except Exception as exc:  # fido2 raises many types; all mean "not verified"
        with context.request_context(request):
            webauthn_auth.clear_state()  # a challenge is good for one attempt, right or wrong
        codecheck.record_failure(user, request=request, purpose=f"step_up:{action}", reason="passkey")
        _audit_step_up(user, action, request, ok=False, method="webauthn")
        raise codecheck.invalid(_("The passkey confirmation failed. Try again.")) from exc

    guard.failures_reset(user.pk)
    authenticator.record_usage()
    _audit_step_up(user, action, request, ok=True, method="webauthn")


def passkey_challenge_begin(*, user: User, request: HttpRequest) -> dict[str, Any]:
    """Start a passkey step-up: returns the WebAuthn request options for the client."""
    from allauth.core import context
    from allauth.mfa.webauthn.internal import auth as webauthn_auth

    with context.request_context(request):
        return webauthn_auth.begin_authentication(user)
