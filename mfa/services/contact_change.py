"""Email and phone changes: step-up, then proof of the new address or number."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError
from core.notify import send_email
from mfa import perimeter
from mfa.internal import totp
from mfa.services.sms import _hash, sms_code_send, sms_code_verify

_PENDING_TTL = 30 * 60


def _pending_key(user: Any, kind: str) -> str:
    return f"mfa:pending:{kind}:{user.pk}"


def _mask_email(address: str) -> str:
    local, _sep, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def email_change_request(
    *,
    user: Any,
    new_email: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> None:
    """Step-up, then email a confirmation code to the new address.

    An address that belongs to another account is not revealed: the answer is the
    same, and that address's owner is told instead (no code is sent).
    """
    from django.contrib.auth import get_user_model

    from accounts.normalize import normalize_email
    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    address = normalize_email(new_email)
    perimeter.authorise(
        user=user,
        action="email_change",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    ratelimit.check(f"mfa:email-change:{user.pk}", limit=5, period=3600)
    owner = get_user_model().objects.filter(email__iexact=address).exclude(pk=user.pk).first()
    confirmation = f"{secrets.randbelow(10**6):06d}"
    cache.set(
        _pending_key(user, "email"),
        {"email": address, "hash": _hash(confirmation), "tries": 0, "taken": owner is not None},
        timeout=_PENDING_TTL,
    )
    audit_log(user=user, event="account.email_change_requested", request=request)
    if owner is not None:
        send_email(user=owner, kind="email_change_attempt", context={})
    elif address.lower() != user.email.lower():
        send_email(user=user, to=address, kind="email_change_code", context={"code": confirmation})


def email_change_confirm(*, user: Any, confirmation: str, request: HttpRequest | None = None) -> str:
    """Apply the pending change when the code from the new address matches."""
    from allauth.account.models import EmailAddress

    pending = cache.get(_pending_key(user, "email"))
    wrong = ApplicationError(
        "confirmation_invalid", _("The code is not correct."), fields={"confirmation": [_("The code is not correct.")]}
    )
    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    if not pending:
        raise ApplicationError("confirmation_expired", _("The request has expired. Start again."), status=400)
    cleaned = totp.normalize_code(confirmation)
    if pending["tries"] >= 5 or pending["taken"] or not hmac.compare_digest(pending["hash"], _hash(cleaned)):
        pending["tries"] += 1
        cache.set(_pending_key(user, "email"), pending, timeout=_PENDING_TTL)
        raise wrong
    old_email = user.email
    new_email = pending["email"]
    with transaction.atomic():
        user.email = new_email
        user.save(update_fields=["email"])
        EmailAddress.objects.filter(user=user).delete()
        EmailAddress.objects.create(user=user, email=new_email, verified=True, primary=True)
        perimeter.completed(
            user=user,
            action="email_change",
            event="account.email_changed",
            request=request,
            notify="email_changed",
            notify_to=old_email,
            context={"new_email_masked": _mask_email(new_email)},
        )
    cache.delete(_pending_key(user, "email"))
    return str(new_email)


def phone_change_request(
    *,
    user: Any,
    new_phone: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> None:
    """Step-up, then text a confirmation code to the new number."""
    from django.core.exceptions import ValidationError

    from accounts.phone import normalize_mobile_phone
    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    try:
        number = normalize_mobile_phone(new_phone)  # a number we may text (JP mobiles by default)
    except ValidationError as exc:
        message = " ".join(str(m) for m in exc.messages)
        raise ApplicationError("validation_failed", message, fields={"new_phone": [message]}) from exc
    perimeter.authorise(
        user=user,
        action="phone_change",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    cache.set(_pending_key(user, "phone"), {"phone": number}, timeout=_PENDING_TTL)
    sms_code_send(user=user, purpose="phone_change", request=request, to=number)
    audit_log(user=user, event="account.phone_change_requested", request=request)


def phone_change_confirm(*, user: Any, confirmation: str, request: HttpRequest | None = None) -> str:
    from django.contrib.auth import get_user_model

    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    pending = cache.get(_pending_key(user, "phone"))
    if not pending:
        raise ApplicationError("confirmation_expired", _("The request has expired. Start again."), status=400)
    try:
        sms_code_verify(user=user, purpose="phone_change", code=confirmation)
    except ApplicationError as exc:
        raise ApplicationError(exc.code, exc.message, fields={"confirmation": [exc.message]}) from exc
    number = pending["phone"]
    if get_user_model().objects.filter(phone=number).exclude(pk=user.pk).exists():
        message = _("This phone number cannot be used. Contact us if you think this is a mistake.")
        raise ApplicationError("phone_unavailable", message, fields={"confirmation": [message]})
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
    cache.delete(_pending_key(user, "phone"))
    return str(number)
