"""Version numbers in the shared cache, for copies that must never be served stale.

A reader takes the current version and uses a copy only if the copy was made under that
version. A writer bumps the version at once and again after its transaction commits, so a
reader that read the database before the commit can only store its copy under a version
that is already superseded. Used by the wallet snapshot and the per-process user copies.

A write outside a transaction has committed when it bumps, so it bumps once (the sign-in's
``last_login``). On Redis a bump is one script (increment the key, or start it at a fresh
time-based number when it is missing); Django's ``incr`` would be ``EXISTS`` + ``INCRBY``,
and ``add`` after it a third round trip.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from django.core.cache import cache
from django.db import transaction

from . import ratelimit

logger = structlog.get_logger("madoguchi.core")


def current(key: str) -> int:
    """The version under ``key``, created on first use. Raises when the cache is down."""
    value = cache.get(key)
    if value is None:
        # A fresh, time-based start: never reuses a number an evicted key had before.
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key)
    return int(value)


# INCR only an existing key: a missing one (evicted, never read) starts at a fresh time-based
# number, never at 1, so no number an evicted key had is reused.
_BUMP = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return 0
"""
_default_cache = cache


def _incr_or_start(key: str) -> None:
    found = ratelimit._redis_script(_BUMP) if cache is _default_cache else None
    if found is None:
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, time.time_ns(), timeout=None)
        return
    script, client = found
    script(keys=[cache.make_and_validate_key(key)], args=[time.time_ns()], client=client)


def _bump_now(key: str, on_failure: Callable[[], None] | None) -> None:
    try:
        _incr_or_start(key)
    except Exception:  # noqa: BLE001 - the write that bumps must not fail because the cache is down
        logger.warning("core.version_bump_failed", key=key)
        if on_failure is not None:
            on_failure()


def bump(key: str, *, on_failure: Callable[[], None] | None = None) -> None:
    """Retire every copy made under the current version: now, and again after commit.

    When the shared cache refuses a bump, ``on_failure`` runs (each time): the caller drops
    the copies it holds itself, so this process fails closed. Copies held by other
    processes cannot be reached without the shared cache; their owners bound them by age.

    Outside a transaction the write has already committed, so one bump is enough (it is the
    bump "after commit"; a reader that read the old row stored its copy under the old
    version)."""
    _bump_now(key, on_failure)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump_now(key, on_failure))
