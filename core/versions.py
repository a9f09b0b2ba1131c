"""Version numbers in the shared cache, for copies that must never be served stale.

A reader takes the current version and uses a copy only if the copy was made under that
version. A writer bumps the version at once and again after its transaction commits, so a
reader that read the database before the commit can only store its copy under a version
that is already superseded. Used by the wallet snapshot and the per-process user copies.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from django.core.cache import cache
from django.db import transaction

logger = structlog.get_logger("madoguchi.core")


def current(key: str) -> int:
    """The version under ``key``, created on first use. Raises when the cache is down."""
    value = cache.get(key)
    if value is None:
        # A fresh, time-based start: never reuses a number an evicted key had before.
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key)
    return int(value)


def _bump_now(key: str, on_failure: Callable[[], None] | None) -> None:
    try:
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, time.time_ns(), timeout=None)
    except Exception:  # noqa: BLE001 - the write that bumps must not fail because the cache is down
        logger.warning("core.version_bump_failed", key=key)
        if on_failure is not None:
            on_failure()


def bump(key: str, *, on_failure: Callable[[], None] | None = None) -> None:
    """Retire every copy made under the current version: now, and again after commit.

    When the shared cache refuses a bump, ``on_failure`` runs (each time): the caller drops
    the copies it holds itself, so this process fails closed. Copies held by other
    processes cannot be reached without the shared cache; their owners bound them by age."""
    _bump_now(key, on_failure)
    transaction.on_commit(lambda: _bump_now(key, on_failure))
