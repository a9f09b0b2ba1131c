"""Known devices: the sign-in email on a new browser or app."""

from __future__ import annotations

import contextlib
import hashlib
import secrets

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from core.audit import audit_log
from core.notify import send_email
from core.rows import has_save_receivers, insert_row

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


def _record_device_two_steps(*, user: User, device_hash: str, user_agent: str) -> tuple[bool, bool]:
    """(recorded now, the customer had another device before): one read of the customer's
    device hashes (a handful), then an INSERT only for a new device; the unique key decides
    between two concurrent first sign-ins of one device."""
    from core.models import KnownDevice

    known = set(KnownDevice.objects.filter(user=user).values_list("device_hash", flat=True))
    if device_hash in known:
        return False, True
    return _insert_known_device(user=user, device_hash=device_hash, user_agent=user_agent), bool(known)


# PostgreSQL: the same read and INSERT as one statement. Every part of a WITH sees the
# snapshot taken before the INSERT, so ``mine`` is the customer's devices before this
# sign-in, as the two-step read; the INSERT runs only when this device is not among them (no id drawn for a
# known device, as before) and the unique key (``known_device_unique``: user, device_hash)
# settles two concurrent first sign-ins of one device: the later one waits for the earlier
# and inserts nothing, where the two-step path gets an IntegrityError.
_ONE_STATEMENT = (
    "WITH mine AS (SELECT device_hash FROM core_knowndevice WHERE user_id = %s), "
    "added AS ("
    "INSERT INTO core_knowndevice (user_id, device_hash, user_agent, first_seen_at, last_seen_at) "
    "SELECT %s, %s, %s, %s, %s WHERE NOT EXISTS (SELECT 1 FROM mine WHERE device_hash = %s) "
    "ON CONFLICT (user_id, device_hash) DO NOTHING RETURNING 1) "
    "SELECT EXISTS (SELECT 1 FROM added), EXISTS (SELECT 1 FROM mine)"
)


def _record_device(*, user: User, device_hash: str, user_agent: str) -> tuple[bool, bool]:
    from django.db import IntegrityError, connections, router

    from core.models import KnownDevice

    using = router.db_for_write(KnownDevice)
    connection = connections[using]
    if connection.vendor != "postgresql" or has_save_receivers(KnownDevice):
        return _record_device_two_steps(user=user, device_hash=device_hash, user_agent=user_agent)
    now = timezone.now()
    params = (user.pk, user.pk, device_hash, user_agent, now, now, device_hash)
    try:
        # Inside a transaction a savepoint, as the two-step path's INSERT takes.
        with (
            transaction.atomic(using) if connection.in_atomic_block else contextlib.nullcontext(),
            transaction.mark_for_rollback_on_error(using),
            connection.cursor() as cursor,
        ):
            cursor.execute(_ONE_STATEMENT, params)
            row = cursor.fetchone()
    except IntegrityError:
        return False, True  # as the two-step path: not recorded, no email
    assert row is not None
    return bool(row[0]), bool(row[1])


def device_seen(*, user: User, request: HttpRequest) -> bool:
    """Record the browser/app the customer signed in from; email on a new one.

    Browsers are recognised by a long-lived random cookie; apps (no cookie jar) by their
    user agent. Returns True when the device was new.
    """
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
    created, had_devices = _record_device(user=user, device_hash=device_hash, user_agent=user_agent)
    if created and had_devices:
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
