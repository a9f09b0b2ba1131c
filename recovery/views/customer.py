"""Customer pages: password reset, authenticator lost, freeze, identity cases."""

from __future__ import annotations

from typing import Any

from allauth.account.views import PasswordResetView as AllauthPasswordResetView
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.phone import display_phone
from core.errors import ApplicationError
from core.users import signed_in_user
from recovery import selectors, services
from recovery.forms import (
    CodeForm,
    CorrectionForm,
    FreezeRequestForm,
    IdentityCaseForm,
    PasswordResetRequestForm,
    ResubmitForm,
)
from recovery.messages import PRECHECK_MESSAGES
from recovery.models import IdentityCase
from recovery.views._common import _case_context, _field_errors, _image_response

# --------------------------------------------------------------------------- password reset


class PasswordResetView(AllauthPasswordResetView):
    """allauth's reset view with our form; continues to the SMS-code step."""

    template_name = "recovery/password_reset.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("recovery:password_reset_code")


password_reset = PasswordResetView.as_view()


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_code(request: HttpRequest) -> HttpResponse:
    state = request.session.get(services.RESET_SESSION_KEY)
    if not isinstance(state, dict):
        return redirect("recovery:password_reset")
    form = CodeForm(request.POST or None)
    resent = False
    if request.method == "POST" and request.POST.get("action") == "resend":
        form = CodeForm()
        try:
            resent = not services.password_reset_code_resend(request=request)
        except ApplicationError as error:
            # An unbound form takes no errors (that was a 500): show it as a notice.
            request.session[services.RESET_SESSION_KEY] = {**state, "notice": error.message}
    elif request.method == "POST" and form.is_valid():
        try:
            services.password_reset_code_verify(request=request, code=form.cleaned_data["code"])
        except ApplicationError as error:
            form.add_error("code", error.message)
        else:
            return redirect("recovery:password_reset_sent")
    state = request.session.get(services.RESET_SESSION_KEY) or state
    return render(
        request,
        "recovery/password_reset_code.html",
        {"form": form, "email": state.get("email"), "notice": state.get("notice") or "", "resent": resent},
    )


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "recovery/password_reset_sent.html")


# --------------------------------------------------------------------------- 2FA self-service


@never_cache
@require_http_methods(["GET", "POST"])
def authenticator_lost(request: HttpRequest) -> HttpResponse:
    user = selectors.pending_login_user(request)
    if user is None:
        return render(request, "recovery/authenticator_lost_signin.html", status=200)
    error = None
    if request.method == "POST":
        try:
            services.authenticator_lost_start(user=user, request=request)
        except ApplicationError as exc:
            error = exc.message
        else:
            return render(request, "recovery/authenticator_lost_sent.html", {"has_phone": True})
    return render(request, "recovery/authenticator_lost.html", {"has_phone": bool(user.phone), "error": error})


@never_cache
@require_http_methods(["GET", "POST"])
def authenticator_lost_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.authenticator_recovery_for_token(token)
    except ApplicationError as error:
        return render(request, "recovery/link_invalid.html", {"message": error.message}, status=400)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.authenticator_lost_complete(token=token, code=form.cleaned_data["code"], request=request)
        except ApplicationError as error:
            form.add_error("code", error.message)
        else:
            return render(request, "recovery/authenticator_lost_done.html")
    return render(request, "recovery/authenticator_lost_confirm.html", {"form": form})


# --------------------------------------------------------------------------- freeze


@login_required
@require_http_methods(["GET", "POST"])
def freeze(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method == "POST":
        services.freeze_now(user=user, request=request)
        return render(request, "recovery/freeze_done.html")
    return render(request, "recovery/freeze.html", {"frozen": user.frozen_at is not None})


@never_cache
@require_http_methods(["GET", "POST"])
def freeze_request(request: HttpRequest) -> HttpResponse:
    form = FreezeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.freeze_request(
                email=form.cleaned_data["email"], captcha=form.cleaned_data.get("captcha"), request=request
            )
        except ApplicationError as error:
            _field_errors(form, error)
        else:
            return render(request, "recovery/freeze_request_sent.html")
    return render(request, "recovery/freeze_request.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def freeze_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button (mail scanners prefetch links: a GET never freezes); POST freezes."""
    try:
        user = services.user_for_freeze_token(token)
    except ApplicationError as error:
        return render(request, "recovery/link_invalid.html", {"message": error.message}, status=400)
    if request.method == "POST":
        services.freeze_by_link(token=token, request=request)
        return render(request, "recovery/freeze_done.html")
    return render(request, "recovery/freeze_confirm.html", {"frozen": user.frozen_at is not None})


# --------------------------------------------------------------------------- identity cases


def _guide_context() -> dict[str, Any]:
    """What the selfie page promises: review target, typical review time, withdrawal hold."""
    from recovery import conf

    return {
        "review_hours": conf.get("IDENTITY_REVIEW_HOURS"),
        "hold_hours": conf.get("IDENTITY_HOLD_HOURS"),
        "median_minutes": selectors.turnaround_stats().get("review_median_minutes"),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def identity_new(request: HttpRequest) -> HttpResponse:
    subject = selectors.case_subject(request)
    if subject is None:
        return render(request, "recovery/authenticator_lost_signin.html")
    initial = {"purpose": "freeze_lift" if subject.frozen_at else "two_factor_reset", "emails": subject.email}
    form = IdentityCaseForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        details = {k: v for k, v in form.cleaned_data.items() if k not in ("purpose", "image")}
        try:
            case = services.identity_case_submit(
                user=subject,
                purpose=form.cleaned_data["purpose"],
                details=details,
                image=form.cleaned_data["image"],
                request=request,
            )
        except ApplicationError as error:
            _field_errors(form, error)
        else:
            granted = request.session.get(selectors.CASE_ACCESS_SESSION_KEY, [])
            request.session[selectors.CASE_ACCESS_SESSION_KEY] = [*granted, str(case.pk)]
            return redirect("recovery:identity_detail", case_id=case.pk)
    return render(
        request,
        "recovery/identity_new.html",
        {"form": form, "precheck_messages": {k: str(v) for k, v in PRECHECK_MESSAGES.items()}, **_guide_context()},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def identity_detail(request: HttpRequest, case_id: str) -> HttpResponse:
    case = selectors.identity_case_for_request(request, case_id)
    form = ResubmitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.identity_case_resubmit(case=case, image=form.cleaned_data["image"], request=request)
        except ApplicationError as error:
            _field_errors(form, error)
        else:
            return redirect("recovery:identity_detail", case_id=case.pk)
    context = _case_context(case)
    context.update(form=form, precheck_messages={k: str(v) for k, v in PRECHECK_MESSAGES.items()}, **_guide_context())
    return render(request, "recovery/identity_detail.html", context)


def _case_initial(case: IdentityCase) -> dict[str, Any]:
    return {
        "full_name": case.full_name,
        "full_name_kana": case.full_name_kana,
        "address": case.address,
        "date_of_birth": case.date_of_birth,
        "registered_phone": display_phone(case.registered_phone),
        "phone_changed": case.phone_changed,
        "new_phone": display_phone(case.new_phone) if case.new_phone else "",
        "emails": "\n".join(case.emails),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def identity_correct(request: HttpRequest, case_id: str) -> HttpResponse:
    """Correct the details of a case rejected for "details do not match" (owner only)."""
    case = selectors.identity_case_for_request(request, case_id)
    if not services.correction_allowed(case):
        return redirect("recovery:identity_detail", case_id=case.pk)
    form = CorrectionForm(request.POST or None, request.FILES or None, initial=_case_initial(case))
    needs_photo = services.correction_needs_photo(case)
    if request.method == "POST" and form.is_valid():
        details = {k: v for k, v in form.cleaned_data.items() if k != "image"}
        try:
            case = services.identity_case_correct(
                case=case, details=details, image=form.cleaned_data.get("image") or None, request=request
            )
        except ApplicationError as error:
            _field_errors(form, error)
        else:
            flash.success(request, _("Thank you. Your corrected details were sent for review."))
            return redirect("recovery:identity_detail", case_id=case.pk)
    context = _case_context(case)
    context.update(
        form=form,
        needs_photo=needs_photo,
        precheck_messages={k: str(v) for k, v in PRECHECK_MESSAGES.items()},
        **_guide_context(),
    )
    return render(request, "recovery/identity_correct.html", context)


def identity_resubmit_link(request: HttpRequest, case_id: str, token: str) -> HttpResponse:
    try:
        case = services.case_for_resubmit_token(case_id=case_id, token=token)
    except ApplicationError as error:
        return render(request, "recovery/link_invalid.html", {"message": error.message}, status=400)
    granted = request.session.get(selectors.CASE_ACCESS_SESSION_KEY, [])
    request.session[selectors.CASE_ACCESS_SESSION_KEY] = [*granted, str(case.pk)]
    return redirect("recovery:identity_detail", case_id=case.pk)


def identity_document(request: HttpRequest, case_id: str, document_id: int) -> FileResponse:
    return _image_response(selectors.document_for_request(request, case_id, document_id))
