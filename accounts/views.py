from allauth.account.internal.decorators import login_stage_required
from allauth.account.internal.stagekit import clear_login, stash_login
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.errors import ApplicationError, CommonErrorCode
from core.users import signed_in_user
from mfa.errors import MfaErrorCode

from . import phone_verification
from .forms import PhoneVerifyChangeForm, PhoneVerifyCodeForm
from .selectors import activity_for_user


@login_required
def activity(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/activity.html", {"events": activity_for_user(signed_in_user(request))})


@never_cache
@login_stage_required(stage=phone_verification.STAGE_KEY, redirect_urlname="account_login")
def phone_verify(request: HttpRequest) -> HttpResponse:
    """The sign-up's SMS step: enter the code, ask for a new one, or change the number."""
    stage = request._login_stage  # type: ignore[attr-defined]
    user = stage.login.user
    action = request.POST.get("action") if request.method == "POST" else None
    code_form = PhoneVerifyCodeForm(request.POST if action == "verify" else None)
    change_form = PhoneVerifyChangeForm(request.POST if action == "change" else None)
    if action == "cancel":
        clear_login(request)
        return redirect("account_login")
    if action == "verify" and code_form.is_valid():
        try:
            phone_verification.phone_verification_confirm(
                user=user, code=code_form.cleaned_data["code"], request=request
            )
        except ApplicationError as exc:
            code_form.add_error("code", exc.message)
        else:
            messages.success(request, _("Your mobile number is confirmed."))
            return phone_verification.stage_complete(stage, request)
    if action == "resend" or (action == "change" and change_form.is_valid()):
        try:
            if action == "resend":
                phone_verification.phone_verification_send(user=user, request=request)
            else:
                phone_verification.phone_verification_change(
                    user=user, phone=change_form.cleaned_data["phone"], request=request
                )
        except ApplicationError as exc:
            if action == "change" and exc.code not in (MfaErrorCode.SMS_COOLDOWN, CommonErrorCode.RATE_LIMITED):
                change_form.add_error("phone", exc.message)
            else:
                # No new code: the page says when the last one was sent / when one can be
                # (a notice, not a form error: the resend form is never bound).
                stage.state["notice"] = exc.message
        else:
            stage.state.pop("notice", None)
            messages.info(request, _("We sent a new code. Earlier codes no longer work."))
            stash_login(request, stage.login)
            return redirect("accounts:phone_verify")
        stash_login(request, stage.login)
    return render(
        request,
        "accounts/phone_verify.html",
        {"code_form": code_form, "change_form": change_form, **phone_verification.stage_context(stage)},
    )
