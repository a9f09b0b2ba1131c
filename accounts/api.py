from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from api.auth import customer_auth
from mfa.selectors import two_factor_state

from .events import event_label
from .selectors import activity_for_user, restriction_for_user

router = Router(tags=["account"])


class TwoFactorOut(Schema):
    totp: bool
    passkeys: int
    recovery_codes_left: int


class MeOut(Schema):
    email: str
    phone: str | None
    language: str
    two_factor: TwoFactorOut
    frozen: bool
    withdrawal_hold_until: dt.datetime | None
    anti_phishing_code_set: bool


class ActivityOut(Schema):
    event: str
    label: str
    created_at: dt.datetime
    ip: str | None


@router.get("/me", response=MeOut, auth=customer_auth, summary="The signed-in customer")
def me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.auth  # type: ignore[attr-defined]
    restriction = restriction_for_user(user)
    return {
        "email": user.email,
        "phone": user.phone,
        "language": user.language,
        "two_factor": two_factor_state(user),
        "frozen": restriction.frozen,
        "withdrawal_hold_until": restriction.hold_until,
        "anti_phishing_code_set": bool(user.anti_phishing_code),
    }


@router.get("/me/activity", response=list[ActivityOut], auth=customer_auth, summary="Recent security events")
def my_activity(request: HttpRequest) -> list[dict[str, Any]]:
    user: Any = request.auth  # type: ignore[attr-defined]
    return [
        {"event": e.event, "label": event_label(e.event), "created_at": e.created_at, "ip": e.ip}
        for e in activity_for_user(user)
    ]
