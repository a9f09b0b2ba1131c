"""/api/v1 endpoints of the security page for the mobile app.

Sign-in, TOTP activation, authenticators and re-authentication are allauth
headless (``/_allauth/app/v1/...``, routed through our checks); the SMS second
step is ``/_allauth/<client>/v1/auth/2fa/sms`` (mfa.headless).  What follows are
the customer's own settings, each with its second-factor check inside the service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from accounts import services as account_services
from api.auth import customer_auth

from . import selectors, services

router = Router(tags=["security"])


class PasskeyOut(Schema):
    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class SecurityOut(Schema):
    totp: bool
    passkeys: list[PasskeyOut]
    recovery_codes_left: int
    locked: bool
    anti_phishing_code_set: bool
    phone_set: bool


class StepUpIn(Schema):
    code: str | None = None
    assertion: dict[str, Any] | None = None


class AntiPhishingIn(StepUpIn):
    value: str


class StepUpSmsIn(Schema):
    action: str


class EmailChangeIn(StepUpIn):
    new_email: str


class PhoneChangeIn(StepUpIn):
    new_phone: str


class ConfirmIn(Schema):
    confirmation: str


class RecoveryCodesOut(Schema):
    codes: list[str]


class OkOut(Schema):
    ok: bool = True


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@router.get("/security", response=SecurityOut, auth=customer_auth, summary="2FA and security settings")
def security(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    state = selectors.two_factor_state(user)
    return {
        "totp": state["totp"],
        "passkeys": selectors.passkeys_for_user(user),
        "recovery_codes_left": state["recovery_codes_left"],
        "locked": selectors.two_factor_locked(user),
        "anti_phishing_code_set": bool(user.anti_phishing_code),
        "phone_set": bool(user.phone),
    }


@router.post(
    "/security/step-up/sms",
    response={202: OkOut},
    auth=customer_auth,
    summary="Text a step-up code (customers without an authenticator)",
)
def step_up_sms(request: HttpRequest, payload: StepUpSmsIn) -> Status:
    services.step_up_sms_send(user=_user(request), action=payload.action, request=request)
    return Status(202, {"ok": True})


@router.post("/security/anti-phishing-code", response=OkOut, auth=customer_auth, summary="Set the anti-phishing code")
def anti_phishing_code(request: HttpRequest, payload: AntiPhishingIn) -> dict[str, bool]:
    services.anti_phishing_code_set(
        user=_user(request), value=payload.value, code=payload.code, assertion=payload.assertion, request=request
    )
    return {"ok": True}


@router.post("/security/totp/disable", response=OkOut, auth=customer_auth, summary="Turn off TOTP (needs a code)")
def totp_disable(request: HttpRequest, payload: StepUpIn) -> dict[str, bool]:
    services.totp_disable(user=_user(request), code=payload.code, assertion=payload.assertion, request=request)
    return {"ok": True}


@router.post("/security/recovery-codes", response=RecoveryCodesOut, auth=customer_auth, summary="New recovery codes")
def recovery_codes(request: HttpRequest, payload: StepUpIn) -> dict[str, list[str]]:
    codes = services.recovery_codes_regenerate(
        user=_user(request), code=payload.code, assertion=payload.assertion, request=request
    )
    return {"codes": codes}


@router.post("/security/email", response={202: OkOut}, auth=customer_auth, summary="Start an email change")
def email_change(request: HttpRequest, payload: EmailChangeIn) -> Status:
    account_services.email_change_request(
        user=_user(request),
        new_email=payload.new_email,
        code=payload.code,
        assertion=payload.assertion,
        request=request,
    )
    return Status(202, {"ok": True})


@router.post("/security/email/confirm", response=OkOut, auth=customer_auth, summary="Confirm an email change")
def email_change_confirm(request: HttpRequest, payload: ConfirmIn) -> dict[str, bool]:
    account_services.email_change_confirm(user=_user(request), confirmation=payload.confirmation, request=request)
    return {"ok": True}


@router.post("/security/phone", response={202: OkOut}, auth=customer_auth, summary="Start a phone number change")
def phone_change(request: HttpRequest, payload: PhoneChangeIn) -> Status:
    account_services.phone_change_request(
        user=_user(request),
        new_phone=payload.new_phone,
        code=payload.code,
        assertion=payload.assertion,
        request=request,
    )
    return Status(202, {"ok": True})


@router.post("/security/phone/confirm", response=OkOut, auth=customer_auth, summary="Confirm a phone number change")
def phone_change_confirm(request: HttpRequest, payload: ConfirmIn) -> dict[str, bool]:
    account_services.phone_change_confirm(user=_user(request), confirmation=payload.confirmation, request=request)
    return {"ok": True}
