"""Phone change: the step-up (``mfa.perimeter``), then a code texted to the new number
(``mfa.services.sms``: budgets, cooldown, destination rules)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.errors import AccountErrorCode
from accounts.models import User
from accounts.phone import normalize_mobile_phone
from accounts.services._pending import PENDING_TTL, pending_key
from accounts.services.restrictions import ensure_not_frozen
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from mfa import perimeter
from mfa.services.sms import sms_code_send, sms_code_verify


def phone_change_request(
    *,
    user: User,
    new_phone: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> None:
    """Step-up, then text a confirmation code to the new number."""
    ensure_not_frozen(user)
    try:
        number = normalize_mobile_phone(new_phone)  # a number we may text (JP mobiles by default)
    except ValidationError as exc:
        message = " ".join(str(m) for m in exc.messages)
        raise ApplicationError(CommonErrorCode.VALIDATION_FAILED, message, fields={"new_phone": [message]}) from exc
    perimeter.authorise(
        user=user,
        action="phone_change",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    cache.set(pending_key(user, "phone"), {"phone": number}, timeout=PENDING_TTL)
    sms_code_send(user=user, purpose="phone_change", request=request, to=number)
    audit_log(user=user, event="account.phone_change_requested", request=request)


def phone_change_confirm(*, user: User, confirmation: str, request: HttpRequest | None = None) -> str:
    ensure_not_frozen(user)
    pending = cache.get(pending_key(user, "phone"))
    if not pending:
        raise ApplicationError(AccountErrorCode.CODE_EXPIRED, _("The request has expired. Start again."), status=400)
    try:
        sms_code_verify(user=user, purpose="phone_change", code=confirmation, confirms=True)
    except ApplicationError as exc:
        raise ApplicationError(exc.code, exc.message, fields={"confirmation": [exc.message]}) from exc
    number = pending["phone"]
    if get_user_model().objects.filter(phone=number).exclude(pk=user.pk).exists():
        message = _("This phone number cannot be used. Contact us if you think this is a mistake.")
        raise ApplicationError(CommonErrorCode.PHONE_UNAVAILABLE, message, fields={"confirmation": [message]})
    with transaction.atomic():
        user.phone = number
        user.save(update_fields=["phone"])
        perimeter.completed(
            user=user,
            action="phone_change",
            event="account.phone_changed",
            request=request,
            notify="phone_changed",
            context={"phone_tail": number[-4:]},
        )
    cache.delete(pending_key(user, "phone"))
    return str(number)
