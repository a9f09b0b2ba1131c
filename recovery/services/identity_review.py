"""Identity cases, reviewer side: claim, approve (with the phone change), reject, and the
retention job."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from accounts.phone import normalize_phone
from accounts.roles import IDENTITY_REVIEWER, SUPERVISOR, has_role, require_role
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode, validation_failed
from core.notify import send_email
from mfa import services as mfa_services
from recovery import conf, selectors
from recovery.errors import RecoveryErrorCode
from recovery.messages import REJECTION_REASONS
from recovery.models import (
    CaseDecision,
    IdentityCase,
)
from recovery.services._common import _site
from recovery.services.identity_cases import case_reference, resubmit_link


def _lock_for_review(case: IdentityCase) -> IdentityCase:
    locked = IdentityCase.objects.select_for_update().select_related("user").get(pk=case.pk)
    if locked.status not in IdentityCase.REVIEWABLE_STATUSES:
        raise ApplicationError(
            RecoveryErrorCode.CASE_NOT_REVIEWABLE, _("This case has already been decided."), status=409
        )
    return locked


def _seconds_since(moment: dt.datetime) -> int:
    return max(0, int((timezone.now() - moment).total_seconds()))


def _ensure_new_phone_confirmed(case: IdentityCase, confirmed_new_phone: str | None) -> str | None:
    """A case that says the phone changed is approved only with the reviewer confirming the
    number shown to them; that number becomes the account's phone. None: phone unchanged."""
    if not (case.phone_changed and case.new_phone):
        return None
    try:
        confirmed = normalize_phone(confirmed_new_phone or "") if confirmed_new_phone else ""
    except ValidationError:
        confirmed = ""
    if confirmed != case.new_phone:
        message = _("Check the new phone number against the ID and confirm it before approving.")
        raise ApplicationError(
            RecoveryErrorCode.PHONE_CONFIRMATION_REQUIRED, message, status=400, fields={"confirm_new_phone": [message]}
        )
    taken = get_user_model().objects.filter(phone=case.new_phone).exclude(pk=case.user_id).exists()
    if taken:
        message = _("The new phone number belongs to another account. Contact a supervisor; nothing was changed.")
        raise ApplicationError(
            CommonErrorCode.PHONE_UNAVAILABLE, message, status=409, fields={"confirm_new_phone": [message]}
        )
    return str(case.new_phone)


def _phone_set_by_identity_case(
    *, user: User, phone: str, case: IdentityCase, actor: User, request: HttpRequest | None
) -> None:
    """The verified new number replaces the lost one, so the next sign-in texts it.
    (Identity-verified path of the phone change: audited, the customer is emailed.)"""
    if user.phone == phone:
        return
    user.phone = phone
    try:
        with transaction.atomic():
            user.save(update_fields=["phone"])
            # Codes already texted to the lost number stop working with it.
            cancelled = mfa_services.sms_codes_cancel(user=user)
    except IntegrityError as error:  # taken concurrently since the check
        message = _("The new phone number belongs to another account. Contact a supervisor; nothing was changed.")
        raise ApplicationError(
            CommonErrorCode.PHONE_UNAVAILABLE, message, status=409, fields={"confirm_new_phone": [message]}
        ) from error
    audit_log(
        user=user,
        actor=actor,
        event="account.phone_changed",
        request=request,
        data={"by": "identity_case", "case": str(case.pk), "phone_tail": phone[-4:], "sms_codes_cancelled": cancelled},
    )
    send_email(user=user, kind="phone_changed", context={"phone_tail": phone[-4:]})


def identity_case_approve(
    *,
    case: IdentityCase,
    actor: User,
    note: str = "",
    confirmed_new_phone: str | None = None,
    request: HttpRequest | None = None,
) -> IdentityCase:
    """Approve; with the second-approver rule, the first approval only marks the case.

    When the customer said the phone changed, each approver must confirm the new number
    (``confirmed_new_phone``, the number shown on the review page); the final approval
    sets it as the account's phone."""
    require_role(actor, IDENTITY_REVIEWER)
    if actor.pk == case.user_id:
        raise ApplicationError(CommonErrorCode.PERMISSION_DENIED, _("You cannot review your own case."), status=403)
    with transaction.atomic():
        locked = _lock_for_review(case)
        new_phone = _ensure_new_phone_confirmed(locked, confirmed_new_phone)
        waited = _seconds_since(locked.submitted_at)
        if conf.get("SECOND_APPROVER"):
            if locked.status == IdentityCase.Status.SUBMITTED:
                locked.status = IdentityCase.Status.AWAITING_SECOND_APPROVAL
                locked.first_approver = actor
                locked.save(update_fields=["status", "first_approver"])
                CaseDecision.objects.create(
                    case=locked,
                    actor=actor,
                    decision=CaseDecision.Decision.FIRST_APPROVAL,
                    note=note,
                    submission=locked.submissions,
                    waited_seconds=waited,
                )
                audit_log(
                    user=locked.user,
                    actor=actor,
                    event="identity_case.first_approval",
                    request=request,
                    data={"case": str(locked.pk)},
                    visible_to_customer=False,
                )
                return locked
            if locked.first_approver_id == actor.pk:
                raise ApplicationError(
                    RecoveryErrorCode.SECOND_APPROVER_REQUIRED,
                    _("A different reviewer must give the second approval."),
                    status=403,
                )
        now = timezone.now()
        locked.status = IdentityCase.Status.APPROVED
        locked.decided_at = now
        locked.closed_at = now
        locked.turnaround_seconds = _seconds_since(locked.first_submitted_at)
        locked.save(update_fields=["status", "decided_at", "closed_at", "turnaround_seconds"])
        CaseDecision.objects.create(
            case=locked,
            actor=actor,
            decision=CaseDecision.Decision.APPROVE,
            note=note,
            submission=locked.submissions,
            waited_seconds=waited,
        )
        user = locked.user
        if new_phone is not None:
            _phone_set_by_identity_case(user=user, phone=new_phone, case=locked, actor=actor, request=request)
        if locked.purpose == IdentityCase.Purpose.TWO_FACTOR_RESET:
            mfa_services.two_factor_remove_all(user=user, reason="identity_case", actor=actor, request=request)
        else:
            account_services.account_unfreeze(user=user, actor=actor, request=request)
        hours = conf.get("IDENTITY_HOLD_HOURS")
        account_services.withdrawal_hold_set(user=user, hours=hours, reason="identity_case_approved", request=request)
        audit_log(
            user=user,
            actor=actor,
            event="identity_case.approved",
            request=request,
            data={"case": str(locked.pk), "purpose": locked.purpose, "turnaround_seconds": locked.turnaround_seconds},
        )
        send_email(
            user=user,
            kind="identity_case_approved",
            context={
                "reference": case_reference(locked),
                "purpose": locked.purpose,
                "hold_hours": hours,
                "login_url": _site(reverse("account_login")),
                "setup_url": _site("/security/"),
            },
        )
    return locked


def identity_case_reject(
    *,
    case: IdentityCase,
    actor: User,
    reasons: list[str],
    note: str = "",
    request: HttpRequest | None = None,
) -> IdentityCase:
    require_role(actor, IDENTITY_REVIEWER)
    if actor.pk == case.user_id:
        raise ApplicationError(CommonErrorCode.PERMISSION_DENIED, _("You cannot review your own case."), status=403)
    reasons = [r for r in dict.fromkeys(reasons or []) if r in REJECTION_REASONS]
    if not reasons:
        raise validation_failed({"reasons": [_("Choose at least one reason.")]})
    with transaction.atomic():
        locked = _lock_for_review(case)
        waited = _seconds_since(locked.submitted_at)
        locked.status = IdentityCase.Status.REJECTED
        locked.decided_at = timezone.now()
        locked.rejection_reasons = reasons
        locked.rejection_note = note[:2000]
        locked.first_approver = None
        locked.save(update_fields=["status", "decided_at", "rejection_reasons", "rejection_note", "first_approver"])
        CaseDecision.objects.create(
            case=locked,
            actor=actor,
            decision=CaseDecision.Decision.REJECT,
            reasons=reasons,
            note=note[:2000],
            submission=locked.submissions,
            waited_seconds=waited,
        )
        audit_log(
            user=locked.user,
            actor=actor,
            event="identity_case.rejected",
            request=request,
            data={"case": str(locked.pk), "reasons": reasons},
        )
        # The email names the reasons and links back; the reviewer's note stays on the site.
        send_email(
            user=locked.user,
            kind="identity_case_rejected",
            context={"reference": case_reference(locked), "reasons": reasons, "resubmit_url": resubmit_link(locked)},
        )
    return locked


def identity_retention_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Close abandoned rejected cases, then delete ID images of cases closed long enough ago."""
    now = now or timezone.now()
    stale = IdentityCase.objects.filter(
        status=IdentityCase.Status.REJECTED,
        decided_at__lt=now - dt.timedelta(days=conf.get("RESUBMIT_DAYS")),
    )
    closed = 0
    for case in stale:
        case.status = IdentityCase.Status.CLOSED
        case.closed_at = now
        case.save(update_fields=["status", "closed_at"])
        audit_log(user=case.user, event="identity_case.closed", data={"case": str(case.pk), "why": "not_resubmitted"})
        closed += 1
    cutoff = now - dt.timedelta(days=conf.get("RETENTION_DAYS"))
    deleted = 0
    cases = IdentityCase.objects.filter(closed_at__lt=cutoff, images_deleted_at__isnull=True)
    for case in cases:
        count = 0
        for document in case.documents.filter(deleted_at__isnull=True):
            if document.file:
                document.file.delete(save=False)
            document.deleted_at = now
            document.save(update_fields=["file", "deleted_at"])
            count += 1
        case.images_deleted_at = now
        case.save(update_fields=["images_deleted_at"])
        audit_log(
            user=case.user,
            event="identity_case.images_deleted",
            data={"case": str(case.pk), "images": count},
            visible_to_customer=False,
        )
        deleted += count
    return {"closed": closed, "images_deleted": deleted}


# --------------------------------------------------------------------------- review desk


def identity_case_claim(*, case: IdentityCase, actor: User, release: bool = False) -> IdentityCase:
    """A reviewer takes an open case (or releases it). Taking over a colleague's case or
    releasing it needs a supervisor. Audited, not shown to the customer."""
    if not selectors.can_review(actor) and not has_role(actor, SUPERVISOR):
        raise ApplicationError(
            CommonErrorCode.PERMISSION_DENIED, _("Only identity reviewers can take cases."), status=403
        )
    with transaction.atomic():
        locked = IdentityCase.objects.select_for_update().get(pk=case.pk)
        if locked.status not in IdentityCase.REVIEWABLE_STATUSES:
            raise ApplicationError(
                RecoveryErrorCode.CASE_NOT_OPEN, _("This case is not waiting for review."), status=409
            )
        new_id = None if release else actor.pk
        if locked.assignee_id not in (None, actor.pk) and not has_role(actor, SUPERVISOR):
            raise ApplicationError(
                RecoveryErrorCode.CASE_CLAIMED,
                _("Another reviewer is working on this case. Ask a supervisor to reassign it."),
                status=409,
            )
        if locked.assignee_id == new_id:
            return locked
        old = locked.assignee_id
        locked.assignee_id = new_id
        locked.claimed_at = timezone.now() if new_id else None
        locked.save(update_fields=["assignee", "claimed_at"])
        audit_log(
            user=locked.user,
            actor=actor,
            event="identity_case.released" if release else "identity_case.claimed",
            data={"case": case_reference(locked), "previous_assignee": old},
            visible_to_customer=False,
        )
    case.refresh_from_db()
    return case
