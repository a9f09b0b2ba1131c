"""The SMS sign-in stage for allauth headless clients (app and browser).

After ``POST /_allauth/<client>/v1/auth/login`` a customer without an
authenticator gets a 401 whose ``flows`` contain ``{"id": "madoguchi_sms",
"is_pending": true, "types": ["sms"]}``; the client posts ``{"code": "123456"}``
to ``/_allauth/<client>/v1/auth/2fa/sms`` (``.../auth/2fa/authenticate`` accepts it
too while the SMS stage is pending) and asks for a new code at ``.../auth/2fa/sms/resend``.
The answers are allauth's own: 200 with the session once signed in, 400 with
``errors`` for a wrong code, 401 when no SMS stage is pending.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from allauth.headless.base.response import AuthenticationResponse
from allauth.headless.base.views import AuthenticationStageAPIView
from allauth.headless.internal.restkit import inputs
from allauth.headless.internal.restkit.response import APIResponse
from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from core.errors import ApplicationError

from . import services
from .stages import SmsAuthenticateStage


def sms_refusal_data(exc: ApplicationError) -> dict[str, Any]:
    """``{"code", "message"}`` plus, when no new code went out, ``retry_at`` (when one can be
    sent) and ``valid_since`` (when the still-valid code was sent), ISO 8601 or null."""
    data: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if hasattr(exc, "retry_at"):
        retry_at = getattr(exc, "retry_at", None)
        valid_since = getattr(exc, "valid_since", None)
        data["retry_at"] = retry_at.isoformat() if retry_at else None
        data["valid_since"] = valid_since.isoformat() if valid_since else None
    return data


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


class _SmsStageMixin:
    """Only a stage that is in SMS mode may be completed or re-sent here: an
    authenticator customer's stage must never be satisfied by an SMS code."""

    def handle(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        from allauth.account.stages import LoginStageController
        from allauth.headless.base import response

        stage = LoginStageController.enter(request, SmsAuthenticateStage.key)
        if stage is None or not stage.state.get("sms"):
            return response.UnauthorizedResponse(request)
        return super().handle(request, *args, **kwargs)  # type: ignore[misc]


def respond_after_stage(request: HttpRequest, response: HttpResponseBase | None) -> AuthenticationResponse:
    """The answer once a sign-in stage is passed (allauth's ``respond_next_stage``).

    allauth exits the stage and answers with a new ``AuthenticationResponse``. When that
    exit signed the customer in, allauth's ``post_login`` has just built that very answer
    (same user payload, methods, session token, status 200) and handed it to the
    ``user_logged_in`` receivers, none of which changes what it holds (audit, device and
    session rows, the enrolment message); it is sent, as allauth's password-only sign-in
    sends it (``AuthenticationResponse.from_response``), instead of being built a second
    time. Any other outcome (another stage pending, an
    inactive account, a refusal) gets allauth's fresh answer.
    """
    if (
        isinstance(response, AuthenticationResponse)
        and response.status_code == HTTPStatus.OK
        and request.user.is_authenticated
    ):
        return response
    return AuthenticationResponse(request)


class SmsAuthenticateView(_SmsStageMixin, AuthenticationStageAPIView):
    input_class = SmsCodeInput
    stage_class = SmsAuthenticateStage

    def get_input_kwargs(self) -> dict[str, Any]:
        return {"user": self.stage.login.user, "request": self.request}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from allauth.account.internal.flows.login import record_authentication

        record_authentication(request, self.stage.login.user, "sms")
        return self.respond_next_stage()

    def respond_next_stage(self) -> AuthenticationResponse:
        return respond_after_stage(self.request, self.stage.exit())


class SmsResendView(_SmsStageMixin, AuthenticationStageAPIView):
    stage_class = SmsAuthenticateStage

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            services.sms_code_send(user=self.stage.login.user, purpose="login", request=request)
        except ApplicationError as exc:
            return APIResponse(request, status=exc.status, data=sms_refusal_data(exc))
        return APIResponse(request, status=200, data={"sent": True})
