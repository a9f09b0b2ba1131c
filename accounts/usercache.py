"""The signed-in user, loaded from a copy in the process while it is current.

Every signed-in request loads its user. Going to PostgreSQL for it (the query, and the
connection health check that comes with the first query of a request) was the largest cost
of a signed-in page after rendering (docs/performance.md). Each process keeps the user rows
it loaded, and a shared version number per user, bumped on every save and delete, tells it
whether its copy is current:

- a reader takes the version ``v`` from the shared cache, uses its copy if the copy was
  loaded under ``v``, and otherwise loads the row and keeps it under ``v``;
- a write bumps the version at once and again after its transaction commits, so a reader
  that loaded the row before the commit can only keep it under a version that is already
  superseded (core/versions.py, shared with the wallet snapshot).

Rows change only through ``save()`` / ``delete()`` (post_save / post_delete bump the version);
code that changes users with ``QuerySet.update()`` or SQL must call ``bump()``
(``accounts/tests/test_bump_guard.py`` fails on an ``.update(`` of users without one). When
the shared cache refuses a bump, this process drops its copy of that user at once (fail
closed); other processes cannot be told, and as a last guard a copy is never used for
longer than MAX_AGE_SECONDS. The copy is in process memory
only: no password hash is written to the shared cache. When the shared cache is down, the
row is read from the database.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model

from core import versions
from core.db import PrimaryKeyLoader
from core.memo import LocalLRU

MAX_AGE_SECONDS = 60.0
MAX_ENTRIES = 10_000

_copies: LocalLRU[tuple[int, float, list[Any]]] = LocalLRU(MAX_ENTRIES)  # pk -> (version, loaded at, values)
_loader: PrimaryKeyLoader[Any] | None = None


def _key(user_id: Any) -> str:
    return f"user:ver:{user_id}"


def pk_loader() -> PrimaryKeyLoader[Any]:
    """The user by primary key with its SQL compiled once (core.db): this module's reads, and
    the sign-in's second step (accounts.headless_login.enter_stage)."""
    global _loader
    if _loader is None:
        _loader = PrimaryKeyLoader(get_user_model())
    return _loader


def bump(user_id: Any) -> None:
    """Call after changing a user row other than through save() or delete()."""
    try:
        pk = pk_loader().model._meta.pk.to_python(user_id)
    except Exception:  # noqa: BLE001 - a malformed id has no copy
        pk = user_id
    versions.bump(_key(pk), on_failure=lambda: _copies.discard(pk))


def load(user_id: Any) -> Any:
    """The user with this primary key (a new instance each call), or None."""
    loader = pk_loader()
    model = loader.model
    try:
        pk = model._meta.pk.to_python(user_id)
        version = versions.current(_key(pk))
    except Exception:  # noqa: BLE001 - a malformed id or the cache down: the database decides
        return loader.get(user_id)
    now = time.monotonic()
    copy = _copies.get(pk)
    if copy is not None and copy[0] == version and now - copy[1] < MAX_AGE_SECONDS:
        return model.from_db("default", loader.field_names(), list(copy[2]))
    user = loader.get(pk)
    if user is not None:
        _copies.put(pk, (version, now, [getattr(user, name) for name in loader.field_names()]))
    return user
