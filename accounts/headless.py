"""The mobile-number stage (accounts.phone_verification) for allauth headless clients.

After the email code, a sign-up answers 401 with ``{"id": "verify_mobile", "is_pending":
true}`` among the ``flows``. The client then:

- ``GET  .../auth/mobile/verify`` → ``{"phone": "***-****-5678" | "", "notice": ""}``;
- ``POST .../auth/mobile/verify`` ``{"code"}`` → allauth's authentication response (200
  signed in, or 401 with the next pending flow); 400 ``errors`` for a wrong code;
- ``POST .../auth/mobile/verify/resend`` → 200 ``{"sent": true}`` or 429 ``{"code",
  "message", "retry_at", "valid_since"}`` when no new code went out;
- ``POST .../auth/mobile/change`` ``{"phone"}`` → 200 ``{"sent": true, "phone": masked}``,
  400 ``errors`` (codes ``invalid_phone``, ``phone_not_mobile``, ``phone_region_not_allowed``)
  or 429 as for resend.

Every endpoint answers 401 when no such stage is pending. A number that belongs to another
account gives the same answers as a free one (no SMS is sent; its owner is told).
"""

from __future__ import annotations

from typing import Any

from allauth.account.internal.stagekit import stash_login
from allauth.headless.base.views import AuthenticationStageAPIView
from allauth.headless.internal.restkit import inputs
from allauth.headless.internal.restkit.response import APIResponse
from django import forms
from django.http import HttpRequest, HttpResponse

from core.errors import ApplicationError
from mfa.headless import sms_refusal_data

from . import phone_verification
from .phone import mask_phone
from .phone_verification import PhoneVerifyStage


class _StageInput(inputs.Input):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.user = kwargs.pop("user")
        self.request = kwargs.pop("request")
        super().__init__(*args, **kwargs)


class PhoneCodeInput(_StageInput):
    code = inputs.CharField(max_length=20)

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"])
        try:
            phone_verification.phone_verification_confirm(user=self.user, code=code, request=self.request)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return code


class PhoneChangeInput(_StageInput):
    phone = inputs.CharField(max_length=32)

    def clean_phone(self) -> str:
        try:
            return phone_verification.phone_verification_change(
                user=self.user, phone=str(self.cleaned_data["phone"]), request=self.request
            )
        except ApplicationError as exc:
            if exc.status == 429:
                self.refusal = exc
                return ""
            raise forms.ValidationError(exc.message, code=exc.code) from exc


class _Stage(AuthenticationStageAPIView):
    stage_class = PhoneVerifyStage

    def get_input_kwargs(self) -> dict[str, Any]:
        return {"user": self.stage.login.user, "request": self.request}


class PhoneVerifyView(_Stage):
    input_class = {"POST": PhoneCodeInput}  # type: ignore[assignment]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = phone_verification.stage_context(self.stage)
        return APIResponse(request, data={"phone": context["phone_masked"], "notice": context["notice"]})

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from allauth.headless.base.response import AuthenticationResponse

        response = phone_verification.stage_complete(self.stage, request)
        return AuthenticationResponse.from_response(request, response)


class PhoneResendView(_Stage):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            phone_verification.phone_verification_send(user=self.stage.login.user, request=request)
        except ApplicationError as exc:
            return APIResponse(request, status=exc.status, data=sms_refusal_data(exc))
        return APIResponse(request, status=200, data={"sent": True})


class PhoneChangeView(_Stage):
    input_class = {"POST": PhoneChangeInput}  # type: ignore[assignment]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        stash_login(request, self.stage.login)
        refusal = getattr(self.input, "refusal", None)
        if refusal is not None:
            return APIResponse(request, status=refusal.status, data=sms_refusal_data(refusal))
        user = self.stage.login.user
        return APIResponse(request, status=200, data={"sent": True, "phone": mask_phone(user.phone_pending)})
