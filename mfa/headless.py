"""The SMS sign-in stage for allauth headless clients (app and browser).

After ``POST /_allauth/<client>/v1/auth/login`` a customer without an
authenticator gets a 401 whose ``flows`` contain ``{"id": "mfa_sms",
"is_pending": true}``; the client then posts ``{"code": "123456"}`` to
``/_allauth/<client>/v1/auth/2fa/sms`` (or asks for a new code at ``.../resend``).
The answers are allauth's own: 200 with the session once signed in, 400 with
``errors`` for a wrong code, 401 when no SMS stage is pending.
"""

from __future__ import annotations

from typing import Any

from allauth.headless.base.views import AuthenticationStageAPIView
from allauth.headless.internal.restkit import inputs
from allauth.headless.internal.restkit.response import APIResponse
from django import forms
from django.http import HttpRequest, HttpResponse

from core.errors import ApplicationError

from . import services
from .stages import SmsLoginStage


class SmsCodeInput(inputs.Input):
    code = inputs.CharField(max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.user = kwargs.pop("user")
        self.request = kwargs.pop("request")
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"])
        try:
            services.sms_login_verify(user=self.user, code=code, request=self.request)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return code


class SmsAuthenticateView(AuthenticationStageAPIView):
    input_class = SmsCodeInput
    stage_class = SmsLoginStage

    def get_input_kwargs(self) -> dict[str, Any]:
        return {"user": self.stage.login.user, "request": self.request}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.respond_next_stage()  # type: ignore[return-value]


class SmsResendView(AuthenticationStageAPIView):
    stage_class = SmsLoginStage

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            services.sms_code_send(user=self.stage.login.user, purpose="login", request=request)
        except ApplicationError as exc:
            return APIResponse(request, status=exc.status, data={"code": exc.code, "message": exc.message})
        return APIResponse(request, status=200, data={"sent": True})
