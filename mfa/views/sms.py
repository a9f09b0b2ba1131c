"""The SMS second step of sign-in (its own login stage, after allauth's authenticator stage)."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.decorators import login_stage_required
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from mfa import conf, forms, services
from mfa.stages import STAGE_KEY


def _sms_stage_or_redirect(view: Any) -> Any:
    from functools import wraps

    from allauth.account.stages import LoginStageController
    from allauth.mfa.stages import AuthenticateStage

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if LoginStageController.enter(request, AuthenticateStage.key) is not None:
            # An authenticator customer: never let the SMS path stand in for it.
            return redirect("mfa_authenticate")
        return login_stage_required(stage=STAGE_KEY, redirect_urlname="account_login")(view)(request)

    return wrapper


@_sms_stage_or_redirect
def login_sms(request: HttpRequest) -> HttpResponse:
    stage = request._login_stage  # type: ignore[attr-defined]
    user = stage.login.user
    form = forms.SmsLoginForm(request.POST or None)
    if request.method == "POST" and "cancel" in request.POST:
        from allauth.account.internal.stagekit import clear_login

        clear_login(request)
        return redirect("account_login")
    if request.method == "POST" and "resend" in request.POST:
        try:
            services.sms_code_send(user=user, purpose="login", request=request)
        except ApplicationError as exc:
            stage.state["notice"] = exc.message
        else:
            stage.state.pop("notice", None)
            messages.info(request, _("We sent a new code. Earlier codes no longer work."))
        from allauth.account.internal.stagekit import stash_login

        stash_login(request, stage.login)
        return redirect("madoguchi_mfa:login_sms")
    if request.method == "POST" and form.is_valid():
        try:
            services.sms_login_verify(user=user, code=form.cleaned_data["code"], request=request)
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            from allauth.account.internal.flows.login import record_authentication

            record_authentication(request, user, "sms")
            return stage.exit()
    phone = getattr(user, "phone", "") or ""
    return render(
        request,
        "madoguchi_mfa/login_sms.html",
        {
            "form": form,
            "phone_tail": phone[-4:],
            "resend_after": conf.get("SMS_RESEND_COOLDOWN"),
            "notice": stage.state.get("notice") or "",
        },
    )
