"""Second-factor checks for sign-in and for each sensitive action.

Every sensitive service calls second_factor_verify itself; a recent password
re-authentication never satisfies it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError
from core.notify import send_email, send_sms

from .models import SmsCode

SMS_CODE_TTL = dt.timedelta(minutes=10)
SMS_CODE_MAX_TRIES = 5


def _required() -> ApplicationError:
    return ApplicationError(
        "two_factor_required", _("Enter the code from your authenticator app to continue."), status=401
    )


def _invalid() -> ApplicationError:
    return ApplicationError(
        "two_factor_invalid",
        _("The code is not correct. Enter the current 6-digit code."),
        status=400,
        fields={"code": [_("The code is not correct.")]},
    )


def second_factor_verify(
    *,
    user: Any,
    action: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> None:
    if not code and not assertion:
        raise _required()
    ratelimit.check(f"2fa:user:{user.pk}", limit=10, period=300)
    code = (code or "").strip().replace(" ", "")
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    ok = False
    if totp is not None and code:
        ok = TOTP(totp).validate_code(code)
    elif totp is None and code:
        try:
            sms_code_verify(user=user, purpose=f"stepup:{action}", code=code)
            ok = True
        except ApplicationError:
            ok = False
    if not ok:
        audit_log(user=user, event="mfa.failed", request=request, data={"action": action})
        raise _invalid()
    audit_log(user=user, event="mfa.verified", request=request, data={"action": action}, visible_to_customer=False)


def two_factor_remove_all(*, user: Any, reason: str, actor: Any = None, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        Authenticator.objects.filter(user=user).delete()
        audit_log(user=user, actor=actor, event="mfa.removed_all", request=request, data={"reason": reason})
        send_email(user=user, kind="two_factor_removed", context={"reason": reason})


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def sms_code_send(*, user: Any, purpose: str, request: HttpRequest | None = None) -> None:
    if not user.phone:
        raise ApplicationError("no_phone", _("No phone number is registered on this account."), status=400)
    ratelimit.check(f"sms:cooldown:{user.pk}:{purpose}", limit=1, period=30)
    ratelimit.check(f"sms:hourly:{user.pk}", limit=10, period=3600)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        SmsCode.objects.filter(user=user, purpose=purpose, superseded=False).update(superseded=True)
        SmsCode.objects.create(
            user=user, purpose=purpose, code_hash=_hash(code), expires_at=timezone.now() + SMS_CODE_TTL
        )
        with translation.override(user.language):
            body = _("madoguchi code: %(code)s (valid 10 minutes). Never share this code with anyone.") % {"code": code}
        send_sms(user=user, kind=f"code-{purpose.split(':')[0]}", body=body)
        audit_log(
            user=user, event="sms_code.sent", request=request, data={"purpose": purpose}, visible_to_customer=False
        )


def sms_code_verify(*, user: Any, purpose: str, code: str) -> None:
    outcome = "ok"
    with transaction.atomic():
        current = (
            SmsCode.objects.select_for_update()
            .filter(user=user, purpose=purpose, superseded=False, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if current is None or current.attempts >= SMS_CODE_MAX_TRIES:
            outcome = "invalid_final"
        elif current.expires_at <= timezone.now():
            outcome = "expired"
        elif not hmac.compare_digest(current.code_hash, _hash((code or "").strip())):
            # Counted in its own committed write: the raise below must not roll it back.
            current.attempts += 1
            current.save(update_fields=["attempts"])
            outcome = "invalid"
        else:
            current.used_at = timezone.now()
            current.save(update_fields=["used_at"])
    if outcome == "expired":
        raise ApplicationError("sms_code_expired", _("The code has expired. Request a new code."), status=400)
    if outcome == "invalid_final":
        raise ApplicationError("sms_code_invalid", _("The code is not correct. Request a new code."), status=400)
    if outcome == "invalid":
        raise ApplicationError("sms_code_invalid", _("The code is not correct."), status=400)
