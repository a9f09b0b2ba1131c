"""Email change: the step-up (``mfa.perimeter``), then a code sent to the new address.

An address that belongs to another account is not revealed: the answer is the same, and
that address's owner is told instead (no code is sent)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.errors import AccountErrorCode
from accounts.models import User
from accounts.normalize import normalize_code, normalize_email
from accounts.services._pending import PENDING_TTL, mask_email, pending_key
from accounts.services.restrictions import ensure_not_frozen
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError
from core.notify import send_email
from mfa import perimeter


def _confirmation_hash(code: str) -> str:
    # The digest mfa's SMS codes use (it was shared before the move), so a pending change
    # made before the deploy still confirms.
    return hmac.new(settings.SECRET_KEY.encode(), f"sms:{code}".encode(), hashlib.sha256).hexdigest()


def email_change_request(
    *,
    user: User,
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
        pending_key(user, "email"),
        {"email": address, "hash": _confirmation_hash(confirmation), "tries": 0, "taken": owner is not None},
        timeout=PENDING_TTL,
    )
    audit_log(user=user, event="account.email_change_requested", request=request)
    if owner is not None:
        send_email(user=owner, kind="email_change_attempt", context={})
    elif address.lower() != user.email.lower():
        send_email(user=user, to=address, kind="email_change_code", context={"code": confirmation})


def email_change_confirm(*, user: User, confirmation: str, request: HttpRequest | None = None) -> str:
    """Apply the pending change when the code from the new address matches."""
    pending = cache.get(pending_key(user, "email"))
    wrong = ApplicationError(
        AccountErrorCode.CODE_INVALID,
        _("The code is not correct."),
        fields={"confirmation": [_("The code is not correct.")]},
    )
    ensure_not_frozen(user)
    if not pending:
        raise ApplicationError(AccountErrorCode.CODE_EXPIRED, _("The request has expired. Start again."), status=400)
    cleaned = normalize_code(confirmation)
    if (
        pending["tries"] >= 5
        or pending["taken"]
        or not hmac.compare_digest(pending["hash"], _confirmation_hash(cleaned))
    ):
        pending["tries"] += 1
        cache.set(pending_key(user, "email"), pending, timeout=PENDING_TTL)
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
            context={"new_email_masked": mask_email(new_email)},
        )
    cache.delete(pending_key(user, "email"))
    return str(new_email)
