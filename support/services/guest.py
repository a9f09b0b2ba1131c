"""Guest (signed-out) access: one-time codes sent to an email address."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.errors import AccountErrorCode
from core import ratelimit
from core.errors import ApplicationError, validation_failed
from core.notify import send_email
from support import conf
from support.internal.fields import fold
from support.models import (
    GuestChallenge,
)

# --------------------------------------------------------------------------- guests


def _code_hash(email: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{email}:{code}".encode(), hashlib.sha256).hexdigest()


def normalise_email(raw: str) -> str:
    value = fold(str(raw or "")).replace(" ", "")
    local, _sep, domain = value.rpartition("@")
    if not local or not domain or "." not in domain or len(value) > 254:
        raise validation_failed({"email": [_("Enter a valid email address.")]})
    return f"{local}@{domain.lower()}"


def guest_code_send(*, email: str, request: HttpRequest | None = None, now: dt.datetime | None = None) -> str:
    """Email a 6-digit confirmation code to ``email`` (captcha checked by the caller's
    form/API). Same answer whether or not an account uses the address."""
    now = now or timezone.now()
    address = normalise_email(email)
    ratelimit.check(f"support:guest-code:{address}", limit=5, period=3600)
    ip = ratelimit.client_ip(request) if request is not None else None
    if ip:
        ratelimit.check(f"support:guest-code-ip:{ip}", limit=20, period=3600)
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        GuestChallenge.objects.filter(email=address, used_at__isnull=True).update(used_at=now)
        GuestChallenge.objects.create(
            email=address,
            code_hash=_code_hash(address, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=conf.guest_code_ttl()),
        )
        language = (translation.get_language() or "ja")[:2]
        # the code goes to the address being confirmed, by design; never logged
        send_email(to=address, kind="support_guest_code", context={"code": code}, language=language)
    return address


def guest_code_verify(*, email: str, code: str, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    address = normalise_email(email)
    wrong = ApplicationError(
        AccountErrorCode.CODE_INVALID, _("The code is wrong or has expired. Please request a new one.")
    )
    with transaction.atomic():
        challenge = (
            GuestChallenge.objects.select_for_update()
            .filter(email=address, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if challenge is None or challenge.expires_at <= now or challenge.attempts >= 5:
            raise wrong
        given = fold(str(code or "")).replace(" ", "")
        if not hmac.compare_digest(challenge.code_hash, _code_hash(address, given)):
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
            failed = True  # raise after the block so the attempt count is committed
        else:
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            failed = False
    if failed:
        raise wrong
    return address
