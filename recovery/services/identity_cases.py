"""Identity cases, customer side: selfie precheck, submission, resubmission, correction,
references and links."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.normalize import normalize_email
from accounts.phone import normalize_phone
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, validation_failed
from core.notify import send_email
from core.uploads import IMAGE_KINDS, SanitisedUpload, sanitise_upload
from recovery import conf
from recovery.backends import get_backend
from recovery.errors import RecoveryErrorCode
from recovery.idcheck import PrecheckConfig, PrecheckResult, precheck_id_selfie
from recovery.models import (
    CaseCorrection,
    IdentityCase,
    IdentityDocument,
)
from recovery.services._common import RESUBMIT_SALT, _ip_key, _site

# =========================================================================== identity cases


def precheck_config() -> PrecheckConfig:
    return PrecheckConfig(
        max_bytes=conf.get("SELFIE_MAX_BYTES"),
        max_pixels=conf.get("SELFIE_MAX_PIXELS"),
        min_side=conf.get("SELFIE_MIN_SIDE"),
    )


def id_selfie_precheck(*, image: Any, request: HttpRequest | None = None) -> PrecheckResult:
    """Instant feedback; nothing is stored. Rate-limited per address (it costs CPU)."""
    ratelimit.check(f"recovery:precheck:ip:{_ip_key(request)}", limit=30, period=600)
    return precheck_id_selfie(image, config=precheck_config())


def _sanitise_selfie(image: Any) -> SanitisedUpload:
    if image is None:
        raise validation_failed({"image": [_("Please attach your ID selfie.")]})
    return sanitise_upload(
        image,
        allowed=IMAGE_KINDS,
        max_bytes=conf.get("SELFIE_MAX_BYTES"),
        max_pixels=conf.get("SELFIE_MAX_PIXELS"),
        min_side=conf.get("SELFIE_MIN_SIDE"),
    )


def _clean_details(details: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in ("full_name", "address"):
        value = " ".join(str(details.get(name) or "").split())
        if not value:
            errors[name] = [_("This field is required.")]
        clean[name] = value[:300]
    clean["full_name_kana"] = " ".join(str(details.get("full_name_kana") or "").split())[:150]
    dob = details.get("date_of_birth")
    if isinstance(dob, str):
        try:
            dob = dt.date.fromisoformat(dob)
        except ValueError:
            dob = None
    if not isinstance(dob, dt.date) or not (dt.date(1900, 1, 1) <= dob <= timezone.localdate()):
        errors["date_of_birth"] = [_("Enter a valid date of birth.")]
    clean["date_of_birth"] = dob
    for name, required in (("registered_phone", True), ("new_phone", bool(details.get("phone_changed")))):
        raw = str(details.get(name) or "").strip()
        if not raw:
            if required:
                errors[name] = [_("This field is required.")]
            clean[name] = ""
            continue
        try:
            clean[name] = normalize_phone(raw)
        except ValidationError:
            errors[name] = [_("Enter a valid phone number.")]
    clean["phone_changed"] = bool(details.get("phone_changed"))
    emails = details.get("emails") or []
    if isinstance(emails, str):
        emails = emails.replace(",", "\n").splitlines()
    emails = [normalize_email(str(e)) for e in emails if str(e).strip()]
    if not emails or len(emails) > 5 or any("@" not in e for e in emails):
        errors["emails"] = [_("Enter every email address you may have registered with (one to five).")]
    clean["emails"] = emails[:5]
    if errors:
        raise validation_failed(errors)
    return clean


def _store_document(
    *, case: IdentityCase, clean: SanitisedUpload, precheck: PrecheckResult, submission: int
) -> IdentityDocument:
    from django.core.files.base import ContentFile

    document = IdentityDocument(
        case=case,
        submission=submission,
        content_type=clean.content_type,
        sha256=clean.sha256,
        size=clean.size,
        width=clean.width or 0,
        height=clean.height or 0,
        problems=precheck.problems,
        metrics=precheck.metrics,
    )
    document.file.save(f"selfie.{clean.extension}", ContentFile(clean.content), save=False)
    document.save()
    return document


def identity_case_submit(
    *,
    user: User,
    purpose: str,
    details: dict[str, Any],
    image: Any,
    request: HttpRequest | None = None,
) -> IdentityCase:
    """A new case, or the resubmission of a rejected one for the same purpose."""
    ratelimit.check(f"recovery:case-submit:{user.pk}", limit=10, period=3600)
    if purpose not in IdentityCase.Purpose.values:
        raise validation_failed({"purpose": [_("Choose what you need.")]})
    if purpose == IdentityCase.Purpose.FREEZE_LIFT and user.frozen_at is None:
        raise ApplicationError(RecoveryErrorCode.NOT_FROZEN, _("Your account is not frozen."), status=400)
    clean_details = _clean_details(details)
    existing = IdentityCase.objects.filter(user=user, purpose=purpose, status__in=IdentityCase.OPEN_STATUSES).first()
    if existing is not None and existing.status != IdentityCase.Status.REJECTED:
        raise ApplicationError(
            RecoveryErrorCode.CASE_IN_REVIEW,
            _("Your identity case is already being reviewed. We will email you."),
            status=409,
        )
    clean = _sanitise_selfie(image)  # before any write: a refused file leaves nothing behind
    precheck = precheck_id_selfie(clean.content, config=precheck_config())
    if existing is not None:
        return _resubmit(case=existing, clean=clean, precheck=precheck, details=clean_details, request=request)
    now = timezone.now()
    with transaction.atomic():
        case = IdentityCase.objects.create(
            user=user,
            purpose=purpose,
            backend=get_backend().name,
            warnings=precheck.problems,
            first_submitted_at=now,
            submitted_at=now,
            **clean_details,
        )
        _store_document(case=case, clean=clean, precheck=precheck, submission=1)
        get_backend().on_submitted(case, request=request)
        audit_log(
            user=user,
            event="identity_case.submitted",
            request=request,
            data={"case": str(case.pk), "purpose": purpose, "warnings": precheck.problems},
        )
        send_email(user=user, kind="identity_case_received", context={"reference": case_reference(case)})
    return case


def identity_case_resubmit(
    *,
    case: IdentityCase,
    image: Any,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> IdentityCase:
    ratelimit.check(f"recovery:case-submit:{case.user_id}", limit=10, period=3600)
    if case.status != IdentityCase.Status.REJECTED:
        raise ApplicationError(
            RecoveryErrorCode.CASE_NOT_REJECTED, _("This case is not waiting for a new photo."), status=409
        )
    clean_details = _clean_details(details) if details else None
    clean = _sanitise_selfie(image)
    precheck = precheck_id_selfie(clean.content, config=precheck_config())
    return _resubmit(case=case, clean=clean, precheck=precheck, details=clean_details, request=request)


def _resubmit(
    *,
    case: IdentityCase,
    clean: SanitisedUpload,
    precheck: PrecheckResult,
    details: dict[str, Any] | None,
    request: HttpRequest | None,
) -> IdentityCase:
    with transaction.atomic():
        locked = IdentityCase.objects.select_for_update().get(pk=case.pk)
        if locked.status != IdentityCase.Status.REJECTED:
            raise ApplicationError(
                RecoveryErrorCode.CASE_NOT_REJECTED, _("This case is not waiting for a new photo."), status=409
            )
        locked.submissions += 1
        locked.status = IdentityCase.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.warnings = precheck.problems
        locked.first_approver = None
        update = ["submissions", "status", "submitted_at", "warnings", "first_approver"]
        for name, value in (details or {}).items():
            setattr(locked, name, value)
            update.append(name)
        locked.save(update_fields=update)
        _store_document(case=locked, clean=clean, precheck=precheck, submission=locked.submissions)
        get_backend().on_submitted(locked, request=request)
        audit_log(
            user=locked.user,
            event="identity_case.resubmitted",
            request=request,
            data={"case": str(locked.pk), "submission": locked.submissions, "warnings": precheck.problems},
        )
    return locked


CORRECTABLE_FIELDS = (
    "full_name",
    "full_name_kana",
    "address",
    "date_of_birth",
    "registered_phone",
    "phone_changed",
    "new_phone",
    "emails",
)


DETAILS_MISMATCH = "details_mismatch"


def correction_allowed(case: IdentityCase) -> bool:
    """A case rejected because the details did not match our records can be corrected."""
    return case.status == IdentityCase.Status.REJECTED and DETAILS_MISMATCH in (case.rejection_reasons or [])


def correction_needs_photo(case: IdentityCase) -> bool:
    """A new photo is needed too when the photo itself was also a reason for the rejection."""
    return any(r != DETAILS_MISMATCH for r in case.rejection_reasons or [])


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def identity_case_correct(
    *,
    case: IdentityCase,
    details: dict[str, Any],
    image: Any = None,
    request: HttpRequest | None = None,
) -> IdentityCase:
    """The customer corrects the details of a case rejected for "details do not match"
    and sends it back for review (with a new photo when the photo was also refused).

    The case must come from ``selectors.identity_case_for_request`` (the owner). Every
    changed field is kept with its old and new value (``CaseCorrection``) for the reviewer,
    and the correction is audited (field names only).
    """
    ratelimit.check(f"recovery:case-submit:{case.user_id}", limit=10, period=3600)
    if not correction_allowed(case):
        raise ApplicationError(
            RecoveryErrorCode.CASE_NOT_CORRECTABLE, _("The details of this case cannot be corrected now."), status=409
        )
    clean_details = _clean_details(details)
    changed = {
        name: {"before": _plain(getattr(case, name)), "after": _plain(clean_details[name])}
        for name in CORRECTABLE_FIELDS
        if _plain(getattr(case, name)) != _plain(clean_details[name])
    }
    if image is None and correction_needs_photo(case):
        raise validation_failed({"image": [_("Please also send a new photo: the photo was one of the reasons.")]})
    if not changed and image is None:
        raise validation_failed(
            {"__all__": [_("Nothing was changed. Correct the details that do not match our records, then send.")]}
        )
    clean = _sanitise_selfie(image) if image is not None else None
    precheck = precheck_id_selfie(clean.content, config=precheck_config()) if clean is not None else None
    with transaction.atomic():
        locked = IdentityCase.objects.select_for_update().get(pk=case.pk)
        if not correction_allowed(locked):
            raise ApplicationError(
                RecoveryErrorCode.CASE_NOT_CORRECTABLE,
                _("The details of this case cannot be corrected now."),
                status=409,
            )
        locked.submissions += 1
        locked.status = IdentityCase.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.first_approver = None
        update = ["submissions", "status", "submitted_at", "first_approver", *CORRECTABLE_FIELDS]
        for name in CORRECTABLE_FIELDS:
            setattr(locked, name, clean_details[name])
        if precheck is not None and clean is not None:
            locked.warnings = precheck.problems
            update.append("warnings")
        locked.save(update_fields=update)
        if precheck is not None and clean is not None:
            _store_document(case=locked, clean=clean, precheck=precheck, submission=locked.submissions)
        CaseCorrection.objects.create(
            case=locked, submission=locked.submissions, changed=changed, new_photo=clean is not None
        )
        get_backend().on_submitted(locked, request=request)
        audit_log(
            user=locked.user,
            event="identity_case.corrected",
            request=request,
            data={
                "case": str(locked.pk),
                "submission": locked.submissions,
                "fields": sorted(changed),
                "new_photo": clean is not None,
            },
        )
    return locked


def case_reference(case: IdentityCase) -> str:
    return f"IDV-{str(case.pk)[:8].upper()}"


def resubmit_link(case: IdentityCase) -> str:
    token = signing.dumps({"c": str(case.pk), "n": case.submissions}, salt=RESUBMIT_SALT, compress=True)
    return _site(reverse("recovery:identity_resubmit_link", args=[case.pk, token]))


def case_for_resubmit_token(*, case_id: Any, token: str) -> IdentityCase:
    try:
        data = signing.loads(token, salt=RESUBMIT_SALT, max_age=dt.timedelta(days=conf.get("RESUBMIT_DAYS")))
    except signing.BadSignature as error:
        raise ApplicationError(
            RecoveryErrorCode.LINK_INVALID, _("This link is invalid or has expired."), status=400
        ) from error
    case = IdentityCase.objects.filter(pk=data.get("c")).first()
    if case is None or str(case.pk) != str(case_id) or case.submissions != data.get("n"):
        raise ApplicationError(RecoveryErrorCode.LINK_INVALID, _("This link is invalid or has expired."), status=400)
    return case
