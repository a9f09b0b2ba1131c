"""Staff review screens for identity cases (queue, case desk, claim, documents)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.models import User
from core.errors import ApplicationError
from recovery import selectors, services
from recovery.forms import (
    ReviewForm,
)
from recovery.messages import PRECHECK_LABELS, PRECHECK_MESSAGES, REJECTION_REASONS
from recovery.models import IdentityCase
from recovery.views._common import _case_context, _field_errors, _image_response

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
