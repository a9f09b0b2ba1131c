"""Shared-state primitives of the code checks: burning TOTP steps, counting failures.

Both live in the shared cache (Redis in production; ``core.checks`` refuses a
per-process cache there), *not* in the database, on purpose: the step-up check
runs inside other engineers' services, often inside ``transaction.atomic``, and a
refused code rolls that transaction back.  A burn or a failure count written to
the database would be rolled back with it, re-opening the replay window and
resetting the lock counter.  ``cache.add`` is an atomic SET NX and ``cache.incr``
an atomic INCR on Redis, so the guarantees hold across processes and under
concurrent submissions.  The durable part, the lock itself, is a database row
that is (re)asserted on every attempt while the counter is at the threshold, so a
rolled-back lock row is written again by the next attempt.

The cache burn is the first replay guard; the second is durable: the last accepted
time step of each authenticator in the database (``step_advance``, RFC 6238 §5.2),
so a cache flush or a Redis restart never re-opens a used code.  An accepted code's
step is written inside the caller's transaction; if the caller rolls back, the
cache burn still refuses the code for its whole window.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache

from core import ratelimit

from .. import conf

FAILURE_TTL = 60 * 60 * 24 * 30  # "consecutive" failures are remembered for 30 days


def _fingerprint(secret: str) -> str:
    # Keys never contain secret material: an HMAC under the site key identifies the
    # secret, so a new secret (re-enrolment) starts with a clean slate.
    mac = hmac.new(settings.SECRET_KEY.encode(), b"mfa-totp-burn:" + secret.encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def burn_ttl() -> int:
    from allauth.mfa import app_settings as mfa_settings

    steps = int(conf.get("DRIFT_WINDOW")) + int(conf.get("TOTP_WINDOW")) + 2
    return steps * int(mfa_settings.TOTP_PERIOD)


def burn_step(*, secret: str, counter: int) -> bool:
    """Mark ``counter`` used for ``secret``; True only for the first caller, ever."""
    return bool(cache.add(f"mfa:burn:{_fingerprint(secret)}:{counter}", 1, timeout=burn_ttl()))


def _failure_key(user_id: int) -> str:
    return f"mfa:failures:{user_id}"


def failures_record(user_id: int) -> int:
    """Count one failed code; returns the consecutive-failure count (core.ratelimit's
    counter, under this module's own key: the lock it feeds is per account and reset by a
    right code, unlike a rate limit's fixed window)."""
    return ratelimit.count(_failure_key(user_id), timeout=FAILURE_TTL)


def failures_count(user_id: int) -> int:
    return ratelimit.counted(_failure_key(user_id))


def failures_count_and_hit(user_id: int, *, below: int, items: list[tuple[str, int]]) -> tuple[int, list[int] | None]:
    """``failures_count`` and, only while it is below ``below``, ``ratelimit.hit_many(items)``
    (None: nothing counted); one round trip on Redis."""
    return ratelimit.hit_many_below(_failure_key(user_id), below, items)


def failures_reset(user_id: int) -> None:
    cache.delete(_failure_key(user_id))


def step_advance(*, authenticator_id: int, step: int) -> bool:
    """Move the authenticator's last accepted step up to ``step``; False when ``step`` is
    not above it (a replay, also of an earlier step in the window).

    One statement, an upsert with a condition: the row is created at the first accepted
    code, and otherwise moved only when ``step`` is above it. Concurrent submissions of the
    same step serialise on the row (or on the unique key for the first insert) and only one
    sees a changed row (PostgreSQL and SQLite re-check the condition after the lock).
    """
    from django.db import connection
    from django.utils import timezone

    from ..models import TotpCounter

    meta = TotpCounter._meta
    table = connection.ops.quote_name(meta.db_table)
    authenticator, last_step, updated_at = (
        connection.ops.quote_name(str(getattr(meta.get_field(name), "column")))  # noqa: B009 - a concrete field
        for name in ("authenticator", "last_step", "updated_at")
    )
    sql = (
        f"INSERT INTO {table} ({authenticator}, {last_step}, {updated_at}) VALUES (%s, %s, %s) "  # noqa: S608 - names from the model
        f"ON CONFLICT ({authenticator}) DO UPDATE SET {last_step} = EXCLUDED.{last_step}, "
        f"{updated_at} = EXCLUDED.{updated_at} WHERE {table}.{last_step} < EXCLUDED.{last_step}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [authenticator_id, step, connection.ops.adapt_datetimefield_value(timezone.now())])
        return bool(cursor.rowcount)


def step_start(*, authenticator_id: int, step: int) -> None:
    """A new authenticator confirmed with the code of ``step``: that step is used."""
    from ..models import TotpCounter

    TotpCounter.objects.update_or_create(authenticator_id=authenticator_id, defaults={"last_step": step})
