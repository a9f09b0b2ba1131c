"""/api/v1/recovery/... and /api/v1/account/freeze[-request] (see docs/recovery.md)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import SessionAuth

from api.auth import customer_auth

from . import selectors, services
from .messages import PRECHECK_MESSAGES, REJECTION_REASONS
from .models import IdentityCase

router = Router(tags=["recovery"])
_IMAGE = File(...)


class PendingLoginSessionAuth(SessionAuth):
    """Browser session stopped at the 2FA step (password checked), with CSRF like SessionAuth."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return selectors.pending_login_user(request)


case_auth = [*customer_auth, PendingLoginSessionAuth()]


class ProblemOut(Schema):
    code: str
    message: str


class PrecheckOut(Schema):
    ok: bool
    problems: list[str]
    messages: list[ProblemOut]
    width: int | None = None
    height: int | None = None


class CaseIn(Schema):
    purpose: str
    full_name: str
    full_name_kana: str = ""
    address: str
    date_of_birth: dt.date
    registered_phone: str
    phone_changed: bool = False
    new_phone: str = ""
    emails: str  # one address per line or comma-separated


class CaseOut(Schema):
    id: uuid.UUID
    reference: str
    purpose: str
    status: str
    submissions: int
    warnings: list[str]
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    rejection_reasons: list[str]
    rejection_messages: list[str]


class OkOut(Schema):
    ok: bool
    frozen: bool | None = None


class ResetSmsIn(Schema):
    key: str
    code: str


class FreezeRequestIn(Schema):
    email: str
    captcha: str | None = None


def _problems(codes: list[str]) -> list[dict[str, str]]:
    return [{"code": c, "message": str(PRECHECK_MESSAGES[c])} for c in codes if c in PRECHECK_MESSAGES]


def _case_out(case: IdentityCase) -> dict[str, Any]:
    return {
        "id": case.pk,
        "reference": services.case_reference(case),
        "purpose": case.purpose,
        "status": case.status,
        "submissions": case.submissions,
        "warnings": case.warnings,
        "submitted_at": case.submitted_at,
        "decided_at": case.decided_at,
        "rejection_reasons": case.rejection_reasons,
        "rejection_messages": [str(REJECTION_REASONS[r]) for r in case.rejection_reasons if r in REJECTION_REASONS],
    }


@router.post(
    "/recovery/id-selfie-check",
    response=PrecheckOut,
    auth=None,
    summary="Instant ID-selfie quality check (nothing is stored)",
)
def id_selfie_check(request: HttpRequest, image: UploadedFile = _IMAGE) -> dict[str, Any]:
    result = services.id_selfie_precheck(image=image, request=request)
    return {
        "ok": result.ok,
        "problems": result.problems,
        "messages": _problems(result.problems),
        "width": result.width,
        "height": result.height,
    }


@router.post(
    "/recovery/identity-cases",
    response={201: CaseOut},
    auth=case_auth,
    summary="Submit an identity-verified 2FA reset or freeze-lift case (a rejected case is resubmitted)",
)
def identity_case_create(request: HttpRequest, payload: Form[CaseIn], image: UploadedFile = _IMAGE) -> Status:
    details = payload.dict(exclude={"purpose"})
    case = services.identity_case_submit(
        user=request.auth,  # type: ignore[attr-defined]
        purpose=payload.purpose,
        details=details,
        image=image,
        request=request,
    )
    return Status(201, _case_out(case))


@router.get("/recovery/identity-cases/{case_id}", response=CaseOut, auth=case_auth, summary="Status of an own case")
def identity_case_get(request: HttpRequest, case_id: uuid.UUID) -> dict[str, Any]:
    case = selectors.identity_case_for_user(request.auth, case_id)  # type: ignore[attr-defined]
    return _case_out(case)


@router.post(
    "/recovery/password-reset/sms-verify",
    response=OkOut,
    auth=None,
    summary="Headless password reset of an account with a phone: confirm the SMS code for the emailed key",
)
def password_reset_sms_verify(request: HttpRequest, payload: ResetSmsIn) -> dict[str, Any]:
    services.password_reset_key_sms_verify(key=payload.key, code=payload.code, request=request)
    return {"ok": True}


@router.post("/account/freeze", response=OkOut, auth=customer_auth, summary="Freeze the signed-in account at once")
def account_freeze(request: HttpRequest) -> dict[str, Any]:
    services.freeze_now(user=request.auth, request=request)  # type: ignore[attr-defined]
    return {"ok": True, "frozen": True}


@router.post(
    "/account/freeze-request",
    response=OkOut,
    auth=None,
    summary="Email a one-click freeze link (same answer whether or not the address exists)",
)
def account_freeze_request(request: HttpRequest, payload: FreezeRequestIn) -> dict[str, Any]:
    services.freeze_request(email=payload.email, captcha=payload.captcha, request=request)
    return {"ok": True}
