"""Known devices: the sign-in email on a new browser or app."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from core.audit import audit_log
from core.notify import send_email
from core.rows import insert_row

DEVICE_COOKIE = "mdg_device"
DEVICE_COOKIE_AGE = 400 * 24 * 3600


def _insert_known_device(*, user: User, device_hash: str, user_agent: str) -> bool:
    from django.db import IntegrityError, connection

    from core.models import KnownDevice

    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                insert_row(KnownDevice(user=user, device_hash=device_hash, user_agent=user_agent))
        else:
            insert_row(KnownDevice(user=user, device_hash=device_hash, user_agent=user_agent))
    except IntegrityError:
        return False  # the same device signed in concurrently and was recorded first
    return True


def device_seen(*, user: User, request: HttpRequest) -> bool:
    """Record the browser/app the customer signed in from; email on a new one.

    Browsers are recognised by a long-lived random cookie; apps (no cookie jar) by their
    user agent. Returns True when the device was new.
    """
    from core.models import KnownDevice

    user_agent = request.headers.get("User-Agent", "")[:300]
    if request.path.startswith("/_allauth/app/"):
        basis = user_agent
    else:
        basis = str(request.COOKIES.get(DEVICE_COOKIE) or getattr(request, "_madoguchi_device_token", ""))
        if not basis:
            basis = secrets.token_urlsafe(24)
            # accounts.middleware.DeviceCookieMiddleware sets it on the response.
            request._madoguchi_device_token = basis  # type: ignore[attr-defined]
    device_hash = hashlib.sha256(f"{user.pk}:{basis}".encode()).hexdigest()
    # One read of the customer's device hashes (a handful), then an INSERT only for a new
    # device; the unique key decides between two concurrent first sign-ins of one device.
    known = set(KnownDevice.objects.filter(user=user).values_list("device_hash", flat=True))
    if device_hash in known:
        return False
    created = _insert_known_device(user=user, device_hash=device_hash, user_agent=user_agent)
    first_device = created and not known
    if created and not first_device:
        from core.ratelimit import client_ip
        from core.useragent import describe

        device = describe(user_agent)
        send_email(
            user=user,
            kind="new_device_signin",
            context={
                "when": timezone.now().isoformat(),
                "browser": device.browser,
                "os": device.os,
                "device": device.device,
                "ip": client_ip(request) or "",
            },
        )
        audit_log(user=user, event="login.new_device", request=request, data={"user_agent": user_agent})
    return created
