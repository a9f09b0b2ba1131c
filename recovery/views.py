"""Thin HTML views: forms in, services do the work, ApplicationError shown as a message."""

from __future__ import annotations

from typing import Any

from allauth.account.views import PasswordResetView as AllauthPasswordResetView
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.phone import display_phone
from core.errors import ApplicationError
from core.uploads import private_file_response
from core.users import signed_in_user

from . import selectors, services
from .forms import (
    CodeForm,
    CorrectionForm,
    FreezeRequestForm,
    IdentityCaseForm,
    PasswordResetRequestForm,
    ResubmitForm,
    ReviewForm,
)
from .messages import PRECHECK_LABELS, PRECHECK_MESSAGES, REJECTION_REASONS
from .models import IdentityCase, IdentityDocument


def _field_errors(form: Any, error: ApplicationError) -> None:
    if error.fields:
        for name, messages in error.fields.items():
            target = name if name in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        form.add_error(None, error.message)


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
    from . import conf

    return {
        "review_hours": conf.get("IDENTITY_REVIEW_HOURS"),
        "hold_hours": conf.get("IDENTITY_HOLD_HOURS"),
        "median_minutes": selectors.turnaround_stats().get("review_median_minutes"),
    }


def _case_context(case: IdentityCase) -> dict[str, Any]:
    return {
        "case": case,
        "reference": services.case_reference(case),
        "reasons": [REJECTION_REASONS[r] for r in case.rejection_reasons if r in REJECTION_REASONS],
        "warnings": [PRECHECK_MESSAGES[w] for w in case.warnings if w in PRECHECK_MESSAGES],
        "correctable": services.correction_allowed(case),
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


def _image_response(document: IdentityDocument) -> FileResponse:
    extension = str(document.file.name).rsplit(".", 1)[-1]
    return private_file_response(
        document.file, content_type=document.content_type, filename=f"id-selfie-{document.pk}.{extension}"
    )


def identity_document(request: HttpRequest, case_id: str, document_id: int) -> FileResponse:
    return _image_response(selectors.document_for_request(request, case_id, document_id))


# --------------------------------------------------------------------------- staff


def _staff_only(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated or not user.is_staff:
        raise Http404
    return user


def staff_cases(request: HttpRequest) -> HttpResponse:
    staff = _staff_only(request)
    status = request.GET.get("status", "open")
    cases = selectors.identity_case_list_for_staff(staff, status=status if status != "all" else None, request=request)
    now = timezone.now()
    rows = [
        {
            "case": case,
            "reference": services.case_reference(case),
            "sla": selectors.case_sla(case, now),
            "warnings": [PRECHECK_LABELS.get(w, w) for w in case.warnings],
        }
        for case in cases
    ]
    return render(
        request,
        "recovery/staff/cases.html",
        {
            "rows": rows,
            "cases": [r["case"] for r in rows],
            "status": status,
            "stats": selectors.turnaround_stats(),
            "statuses": IdentityCase.Status,
        },
    )


@require_http_methods(["GET", "POST"])
def staff_case(request: HttpRequest, case_id: str) -> HttpResponse:
    staff = _staff_only(request)
    case = selectors.identity_case_for_staff(staff, case_id, request=request)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                services.identity_case_approve(
                    case=case,
                    actor=staff,
                    note=form.cleaned_data["note"],
                    confirmed_new_phone=form.cleaned_data["confirm_new_phone"] or None,
                    request=request,
                )
            else:
                services.identity_case_reject(
                    case=case,
                    actor=staff,
                    reasons=form.cleaned_data["reasons"],
                    note=form.cleaned_data["note"],
                    request=request,
                )
        except ApplicationError as error:
            if error.status == 403:
                return render(request, "recovery/staff/forbidden.html", {"message": error.message}, status=403)
            _field_errors(form, error)
        else:
            return redirect(reverse("recovery:staff_case", args=[case.pk]))
    context = _case_context(case)
    context.update(
        form=form,
        comparison=selectors.case_comparison(case),
        documents=case.documents.all(),
        decisions=case.decisions.select_related("actor"),
        corrections=selectors.case_corrections(case),
        can_review=selectors.can_review(staff),
        reason_labels=REJECTION_REASONS,
        precheck_labels=PRECHECK_MESSAGES,
        **_desk_context(staff, case),
    )
    return render(request, "recovery/staff/case.html", context)


def _desk_context(staff: Any, case: IdentityCase) -> dict[str, Any]:
    """Claim/assignee, SLA, translated codes and the customer's security context."""
    from support.presenters import signin_rows
    from support.selectors import customer_security_context

    security = customer_security_context(case.user)
    security["signins"] = signin_rows(security["recent_signins"])
    security["identity_case_rows"] = None  # this page is the case
    return {
        "sla": selectors.case_sla(case),
        "security": security,
        "document_problems": {d.pk: [PRECHECK_LABELS.get(p, p) for p in d.problems] for d in case.documents.all()},
        "decision_reasons": {d.pk: [str(REJECTION_REASONS.get(r, r)) for r in d.reasons] for d in case.decisions.all()},
        "can_claim": selectors.can_review(staff),
        "claimed_by_me": case.assignee_id == staff.pk,
    }


@require_http_methods(["POST"])
def staff_case_claim(request: HttpRequest, case_id: str) -> HttpResponse:
    staff = _staff_only(request)
    case = selectors.identity_case_for_staff(staff, case_id, request=request)
    try:
        services.identity_case_claim(case=case, actor=staff, release=request.POST.get("release") == "1")
    except ApplicationError as error:
        if error.status == 403:
            return render(request, "recovery/staff/forbidden.html", {"message": error.message}, status=403)
        flash.error(request, error.message)
    return redirect(reverse("recovery:staff_case", args=[case.pk]))


def staff_document(request: HttpRequest, document_id: int) -> FileResponse:
    staff = _staff_only(request)
    return _image_response(selectors.document_for_staff(staff, document_id, request=request))
