"""Our code checks inside allauth's 2FA forms, through its seams (no monkeypatching).

- HTML pages: ``MFA_FORMS = {"authenticate": ..., "reauthenticate": ...}`` in settings.
- Headless: the inputs below subclass these forms; ``mfa.headless`` mounts subclassed
  ``AuthenticateView`` / ``ReauthenticateView`` (same paths) that use them.

Every typed code is judged by ``mfa.internal.codecheck`` (window, replay guards in the
cache and the database, drift diagnosis, throttles, lock). A customer in the SMS
sign-in step (``mfa.stages.SmsAuthenticateStage``) confirms the texted code on its own
page and endpoints; here an SMS code stands in for a second factor only when
re-authenticating a customer who has no authenticator but a phone.
"""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.login import record_authentication
from allauth.core import context
from allauth.headless.internal.restkit import inputs
from allauth.mfa.base import forms as allauth_forms
from django import forms

from core.errors import ApplicationError


class _CodeCheckMixin:
    purpose = "login"
    cleaned_data: dict[str, Any]
    user: Any

    def clean_code(self) -> str:
        from . import perimeter, services
        from .internal import codecheck

        code = str(self.cleaned_data["code"])
        request = context.request
        self._sms = False
        if self.purpose == "reauthenticate" and perimeter.can_reauthenticate_with_sms(self.user):
            try:
                services.sms_code_verify(
                    user=self.user, purpose="step_up:reauthenticate", code=code, second_factor=True, request=request
                )
            except ApplicationError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from exc
            self._sms = True
            self.authenticator = None
            return code
        try:
            # allauth's save() records the use (post_authentication): not twice.
            authenticator = codecheck.check_code(
                user=self.user, code=code, request=request, purpose=self.purpose, record_usage=False
            )
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        authenticator.user = self.user
        self.authenticator = authenticator
        return code


class AuthenticateForm(_CodeCheckMixin, allauth_forms.AuthenticateForm):
    purpose = "login"


class ReauthenticateForm(_CodeCheckMixin, allauth_forms.ReauthenticateForm):
    purpose = "reauthenticate"

    def save(self) -> None:
        if self._sms:
            record_authentication(context.request, self.user, "mfa", type="sms", reauthenticated=True)
            return
        super().save()


class AuthenticateInput(AuthenticateForm, inputs.Input):
    pass


class ReauthenticateInput(ReauthenticateForm, inputs.Input):
    pass
