"""Recovery reads. Private objects come only through these; a stranger gets 404."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from allauth.account.internal.stagekit import get_pending_stage
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.roles import IDENTITY_REVIEWER, SUPERVISOR, has_role
from core.audit import audit_log
from core.errors import not_found

from .internal.compare import FieldComparison, compare
from .models import CaseDecision, IdentityCase, IdentityDocument

CASE_ACCESS_SESSION_KEY = "recovery.case_access"


def pending_login_user(request: HttpRequest) -> User | None:
    """The customer stopped at a sign-in step after the password (e.g. the 2FA step)."""
    stage = get_pending_stage(request)
    user = stage.login.user if stage is not None else None
    return user if isinstance(user, User) else None


def case_subject(request: HttpRequest) -> User | None:
    """Who may open or submit a case in this browser: signed in, or password checked."""
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated:
        return user
    return pending_login_user(request)


def identity_cases_for_user(user: User) -> QuerySet[IdentityCase]:
    return IdentityCase.objects.filter(user=user).order_by("-submitted_at")


def identity_case_for_user(user: User, case_id: Any) -> IdentityCase:
    try:
        return IdentityCase.objects.get(pk=case_id, user=user)
    except (IdentityCase.DoesNotExist, ValueError, TypeError) as error:
        raise not_found() from error


def identity_case_for_request(request: HttpRequest, case_id: Any) -> IdentityCase:
    """The owner (signed in / at the 2FA step), or a browser that opened the emailed link."""
    subject = case_subject(request)
    if subject is not None:
        try:
            return identity_case_for_user(subject, case_id)
        except Http404:
            pass
    granted = request.session.get(CASE_ACCESS_SESSION_KEY, []) if hasattr(request, "session") else []
    if str(case_id) in granted:
        case = IdentityCase.objects.filter(pk=case_id).first()
        if case is not None:
            return case
    raise not_found()


def _is_case_staff(user: User) -> bool:
    return has_role(user, IDENTITY_REVIEWER) or has_role(user, SUPERVISOR)


def can_open_cases(user: User) -> bool:
    """May open the staff case list and case pages (support agents without it see no link)."""
    return _is_case_staff(user)


def open_cases_for_customer(*, user: User) -> QuerySet[IdentityCase]:
    """A customer's open identity cases, newest first (staff console security panel)."""
    return IdentityCase.objects.filter(user=user, status__in=IdentityCase.OPEN_STATUSES).order_by("-submitted_at")


def case_sla(case: IdentityCase, now: datetime | None = None) -> dict[str, Any]:
    """Review target of an open case: due ``IDENTITY_REVIEW_HOURS`` after the latest
    submission; ``warning`` under a quarter of the target, ``breached`` once overdue."""
    from . import conf

    if case.status not in IdentityCase.REVIEWABLE_STATUSES:
        return {"state": "done", "due_at": None, "seconds": None}
    now = now or timezone.now()
    target = timedelta(hours=conf.get("IDENTITY_REVIEW_HOURS"))
    due = case.submitted_at + target
    seconds = (due - now).total_seconds()
    state = "breached" if seconds < 0 else "warning" if seconds < target.total_seconds() / 4 else "ok"
    return {"state": state, "due_at": due, "seconds": int(seconds)}


def can_review(user: User) -> bool:
    return has_role(user, IDENTITY_REVIEWER)


def identity_cases_for_staff(user: User, *, status: str | None = None) -> QuerySet[IdentityCase]:
    if not _is_case_staff(user):
        raise not_found()
    cases = IdentityCase.objects.select_related("user", "assignee")
    if status == "mine":
        cases = cases.filter(status__in=IdentityCase.REVIEWABLE_STATUSES, assignee=user)
    elif status == "unassigned":
        cases = cases.filter(status__in=IdentityCase.REVIEWABLE_STATUSES, assignee__isnull=True)
    elif status == "open":
        cases = cases.filter(status__in=IdentityCase.REVIEWABLE_STATUSES)
    elif status:
        cases = cases.filter(status=status)
    return cases.order_by("submitted_at")


# Staff reads of identity cases and ID images are audited here, where they are fetched, so
# no page or API can show one without a row saying who saw what, and when.


def identity_case_list_for_staff(
    user: User, *, status: str | None, request: HttpRequest | None, limit: int = 200
) -> list[IdentityCase]:
    cases = list(identity_cases_for_staff(user, status=status)[:limit])
    audit_log(
        user=None,
        actor=user,
        event="identity_case.list_viewed",
        request=request,
        data={"status": status or "all", "cases": [str(c.pk) for c in cases]},
        visible_to_customer=False,
    )
    return cases


def identity_case_for_staff(user: User, case_id: Any, *, request: HttpRequest | None = None) -> IdentityCase:
    try:
        case = identity_cases_for_staff(user).get(pk=case_id)
    except (IdentityCase.DoesNotExist, ValueError, TypeError) as error:
        raise not_found() from error
    audit_log(
        user=case.user,
        actor=user,
        event="identity_case.viewed",
        request=request,
        data={"case": str(case.pk), "purpose": case.purpose, "method": getattr(request, "method", "")},
        visible_to_customer=False,
    )
    return case


def document_for_staff(user: User, document_id: int, *, request: HttpRequest | None = None) -> IdentityDocument:
    if not _is_case_staff(user):
        raise not_found()
    document = (
        IdentityDocument.objects.select_related("case__user").filter(pk=document_id, deleted_at__isnull=True).first()
    )
    if document is None or not document.file:
        raise not_found()
    audit_log(
        user=document.case.user,
        actor=user,
        event="identity_document.viewed",
        request=request,
        data={"case": str(document.case_id), "document": document.pk, "submission": document.submission},
        visible_to_customer=False,
    )
    return document


def document_for_request(request: HttpRequest, case_id: Any, document_id: int) -> IdentityDocument:
    """Only the account owner (signed in or at the 2FA step) sees their own ID images: the
    emailed resubmission link lets a browser send a new photo, never download earlier ones."""
    subject = case_subject(request)
    if subject is None:
        raise not_found()
    case = identity_case_for_user(subject, case_id)
    document = case.documents.filter(pk=document_id, deleted_at__isnull=True).first()
    if document is None or not document.file:
        raise not_found()
    return document


def case_comparison(case: IdentityCase) -> list[FieldComparison]:
    user = case.user
    rows = [compare("full_name", user.full_name, case.full_name)]
    if user.full_name_kana or case.full_name_kana:
        rows.append(compare("full_name_kana", user.full_name_kana, case.full_name_kana))
    rows += [
        compare("address", user.address, case.address, kind="address"),
        compare(
            "date_of_birth",
            user.date_of_birth.isoformat() if user.date_of_birth else "",
            case.date_of_birth.isoformat(),
            kind="text",
        ),
        compare("registered_phone", user.phone or "", case.registered_phone, kind="text"),
    ]
    emails = [e.lower() for e in case.emails]
    rows.append(
        compare(
            "emails", user.email, user.email if user.email.lower() in emails else ", ".join(case.emails), kind="text"
        )
    )
    return rows


def case_corrections(case: IdentityCase) -> list[dict[str, Any]]:
    """The customer's corrections of the case, oldest first, as rows for the reviewer:
    ``{at, submission, new_photo, fields: [(field, before, after)]}``."""
    return [
        {
            "at": c.created_at,
            "submission": c.submission,
            "new_photo": c.new_photo,
            "fields": [(name, change.get("before"), change.get("after")) for name, change in c.changed.items()],
        }
        for c in case.corrections.all()
    ]


def turnaround_stats(*, days: int = 30) -> dict[str, Any]:
    """Review turnaround (submission -> decision) over the last `days` days, in minutes."""
    since = timezone.now() - timedelta(days=days)
    waits = list(
        CaseDecision.objects.filter(created_at__gte=since)
        .exclude(decision=CaseDecision.Decision.FIRST_APPROVAL)
        .values_list("waited_seconds", flat=True)
    )
    totals = [
        int(value)
        for value in IdentityCase.objects.filter(closed_at__gte=since, turnaround_seconds__isnull=False).values_list(
            "turnaround_seconds", flat=True
        )
        if value is not None
    ]

    def minutes(values: list[int], q: float) -> float | None:
        if not values:
            return None
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 60, 1)

    return {
        "decisions": len(waits),
        "review_median_minutes": round(statistics.median(waits) / 60, 1) if waits else None,
        "review_p90_minutes": minutes(waits, 0.9),
        "approved_cases": len(totals),
        "total_median_minutes": round(statistics.median(totals) / 60, 1) if totals else None,
    }
