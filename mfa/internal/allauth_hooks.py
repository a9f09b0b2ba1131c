"""Route allauth's own code checks through ``mfa.internal.codecheck``.

allauth validates typed codes in ``BaseAuthenticateForm.clean_code`` (sign-in
stage and re-authentication; the headless ``AuthenticateInput`` and
``ReauthenticateInput`` subclass the same forms) and in
``ActivateTOTPForm.clean_code`` (TOTP activation, HTML and headless).  The
headless inputs are not configurable through ``MFA_FORMS``, so the only way to
make *every* interface apply our replay, drift, throttle and lock rules is to
replace those two methods once at start-up.  ``install()`` is idempotent and a
test asserts that the headless input classes resolve to our functions, so an
allauth upgrade that renames them fails loudly instead of silently bypassing us.

Changing an existing second factor through allauth's own management endpoints
(activate/deactivate TOTP, regenerate recovery codes, add/rename/remove passkeys)
must not be possible with a password-only re-authentication:
``_require_mfa_reauth`` wraps those flows and demands that the most recent
re-authentication used a second factor whenever the customer has one.  A
customer with no authenticator at all has no second factor to show; allauth's
password re-authentication (plus the new authenticator's own confirmation)
applies there, as on our pages for customers without a phone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms

from core.errors import ApplicationError

_INSTALLED = False
_ORIGINAL: dict[str, Any] = {}


def _authenticate_clean_code(self: Any) -> str:
    from allauth.core import context
    from allauth.mfa.base.forms import ReauthenticateForm

    from .. import services
    from ..stages import sms_second_step_applies
    from . import codecheck

    code = self.cleaned_data["code"]
    reauthenticating = isinstance(self, ReauthenticateForm)
    purpose = "reauthenticate" if reauthenticating else "login"
    if not reauthenticating and sms_second_step_applies(self.user):
        # The sign-in stage texted this customer a code (no authenticator).
        try:
            services.sms_login_verify(user=self.user, code=str(code), request=context.request)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        self.authenticator = None
        self._madoguchi_sms = True
        return str(code)
    try:
        authenticator = codecheck.check_code(user=self.user, code=code, request=context.request, purpose=purpose)
    except ApplicationError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from exc
    authenticator.user = self.user
    self.authenticator = authenticator
    return str(code)


def _authenticate_save(self: Any) -> None:
    if getattr(self, "_madoguchi_sms", False):
        from allauth.account.internal.flows.login import record_authentication
        from allauth.core import context

        record_authentication(context.request, self.user, "sms")
        return
    _ORIGINAL["authenticate_save"](self)


def _enrich_mfa_flow(self: Any, stage: Any, flow: dict[str, Any]) -> None:
    if stage.state.get("sms"):
        flow["types"] = ["sms"]
        return
    _ORIGINAL["enrich_mfa_flow"](self, stage, flow)


def _activate_clean_code(self: Any) -> str:
    from allauth.core import context
    from allauth.mfa.internal.flows.add import validate_can_add_authenticator

    from . import codecheck, totp

    validate_can_add_authenticator(self.user)
    code = totp.normalize_code(self.cleaned_data["code"])
    try:
        codecheck.throttle(self.user, context.request)
        codecheck.check_totp_secret(secret=self.secret, code=code)
    except ApplicationError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from exc
    except codecheck.Refused as exc:
        raise forms.ValidationError(exc.message, code="two_factor_invalid") from exc
    return code


def _require_mfa_reauth(flow: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(flow)
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
        from allauth.account.internal.flows.login import get_authentication_records
        from allauth.core.exceptions import ReauthenticationRequired
        from allauth.mfa.models import Authenticator

        user = request.user
        if Authenticator.objects.filter(user_id=user.pk).exists():
            records = [r for r in get_authentication_records(request, user) if r.get("reauthenticated")]
            if not records or records[-1].get("method") != "mfa":
                from allauth.core.internal.httpkit import is_headless_request

                if is_headless_request(request):
                    # The 401 lists "mfa_reauthenticate" among the flows.
                    raise ReauthenticationRequired()
                # The HTML default would send the customer to the password form,
                # which can never satisfy this check: go to the code form instead.
                from allauth.account.internal.flows.reauthentication import suspend_request
                from allauth.core.exceptions import ImmediateHttpResponse
                from django.urls import reverse

                raise ImmediateHttpResponse(suspend_request(request, reverse("mfa_reauthenticate")))
        return flow(request, *args, **kwargs)

    wrapper._madoguchi_mfa_wrapped = True  # type: ignore[attr-defined]
    return wrapper


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    from allauth.headless.base import response as headless_response
    from allauth.mfa.base import forms as base_forms
    from allauth.mfa.recovery_codes.internal import flows as rc_flows
    from allauth.mfa.totp import forms as totp_forms
    from allauth.mfa.totp.internal import flows as totp_flows
    from allauth.mfa.webauthn.internal import flows as webauthn_flows

    base_forms.BaseAuthenticateForm.clean_code = _authenticate_clean_code  # type: ignore[method-assign]
    _ORIGINAL["authenticate_save"] = base_forms.AuthenticateForm.save
    base_forms.AuthenticateForm.save = _authenticate_save  # type: ignore[method-assign]
    _ORIGINAL["enrich_mfa_flow"] = headless_response.BaseAuthenticationResponse._enrich_mfa_flow
    headless_response.BaseAuthenticationResponse._enrich_mfa_flow = _enrich_mfa_flow  # type: ignore[method-assign]
    totp_forms.ActivateTOTPForm.clean_code = _activate_clean_code  # type: ignore[method-assign]
    totp_flows.deactivate_totp = _require_mfa_reauth(totp_flows.deactivate_totp)
    rc_flows.generate_recovery_codes = _require_mfa_reauth(rc_flows.generate_recovery_codes)
    totp_flows.activate_totp = _require_mfa_reauth(totp_flows.activate_totp)
    webauthn_flows.add_authenticator = _require_mfa_reauth(webauthn_flows.add_authenticator)
    webauthn_flows.remove_authenticators = _require_mfa_reauth(webauthn_flows.remove_authenticators)
    webauthn_flows.remove_authenticator = _require_mfa_reauth(webauthn_flows.remove_authenticator)
    webauthn_flows.rename_authenticator = _require_mfa_reauth(webauthn_flows.rename_authenticator)
    _INSTALLED = True
