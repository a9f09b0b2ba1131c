"""Sessions in the database, with a copy in the cache (Redis in production).

The database row is the truth, so a Redis flush or restart signs nobody out. Reads fall back
to the database when the cache is down. Ending a session fails closed: the cached copy is
removed first, and when that fails nothing is deleted and the request fails (503), so a
signed-out session can never come back from a stale cache copy.

Writes cost one statement each (sign-in writes sessions twice: docs/performance.md):

- A new key is not looked up first: the row is inserted with ``must_create`` (the primary
  key refuses a duplicate, ``CreateError``), which is what protected it anyway.
- ``cycle_key`` (a new id after the password and again at sign-in) does not insert the
  session under its new key at once and update it a moment later: the old row is deleted
  now and the new one is inserted by the next ``save()``, which the session middleware and
  allauth's headless views make when the session was modified.
- Outside a transaction a save is one INSERT or UPDATE (a single statement is atomic); in
  one, Django's savepoint is kept so a failed save does not break the caller's transaction.
- Ending a session is one DELETE, not a SELECT and then a DELETE.
"""

from __future__ import annotations

import contextlib
from typing import Any

import structlog
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.db.models import Field
from django.utils.crypto import get_random_string

logger = structlog.get_logger("madoguchi.sessions")


def _field(meta: Any, name: str) -> Field[Any, Any]:
    field = meta.get_field(name)
    assert isinstance(field, Field)  # the session model's own columns
    return field


def is_new(session: Any) -> bool:
    """True when ``session`` got its id in this request (``cycle_key``) and its row is not
    written yet: no other row (e.g. allauth's UserSession) can refer to that id yet."""
    return bool(getattr(session, "_insert_pending", False) and getattr(session, "session_key", None))


class SessionStore(cached_db.SessionStore):
    _cache: Any
    _session: dict[str, Any]
    _session_key: str | None
    _session_cache: dict[str, Any]
    _insert_pending = False  # cycle_key gave a new key whose row the next save() inserts

    def _get_new_session_key(self) -> str:
        # 32 random characters of 36; a duplicate is refused by the INSERT (must_create).
        return get_random_string(32, VALID_KEY_CHARS)

    def cycle_key(self) -> None:
        data = self._session
        old_key = self.session_key
        self._session_key = self._get_new_session_key()
        self._session_cache = data
        self._insert_pending = True
        self.modified = True
        if old_key:
            self.delete(old_key)

    def _write_row(self, must_create: bool) -> None:
        data = self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        obj = self.create_model_instance(data)
        using = router.db_for_write(self.model, instance=obj)
        connection = connections[using]
        meta = self.model._meta
        key, body, expiry = (_field(meta, name) for name in ("session_key", "session_data", "expire_date"))
        values = [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in (key, body, expiry)]
        quote = connection.ops.quote_name
        # The statement Model.save(force_insert/force_update) would send, written once here (as
        # Django's database cache backend writes its rows): the session table has no signals
        # or defaults to run, and building the query through the model cost more CPU than
        # sending it (two writes per sign-in).
        if must_create:
            sql = f"INSERT INTO {quote(meta.db_table)} ({quote(str(key.column))}, {quote(str(body.column))}, {quote(str(expiry.column))}) VALUES (%s, %s, %s)"  # noqa: S608, E501 - names from the model
            params = values
        else:
            sql = f"UPDATE {quote(meta.db_table)} SET {quote(str(body.column))} = %s, {quote(str(expiry.column))} = %s WHERE {quote(str(key.column))} = %s"  # noqa: S608, E501
            params = [values[1], values[2], values[0]]
        try:
            keep = transaction.atomic(using=using) if connection.in_atomic_block else contextlib.nullcontext()
            with keep, connection.cursor() as cursor:
                cursor.execute(sql, params)
                updated = cursor.rowcount
        except IntegrityError:
            if must_create:
                raise CreateError from None
            raise
        except DatabaseError:
            if not must_create:
                raise UpdateError from None
            raise
        if not must_create and updated == 0:
            raise UpdateError  # as Model.save(force_update=True): the row is gone

    def load(self) -> dict[str, Any]:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 - cache down or invalid key: the database decides
            data = None
        if data is not None:
            return data  # type: ignore[no-any-return]
        row = self._get_session_from_db()  # type: ignore[attr-defined]
        if not row:
            return {}
        data = self.decode(row.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
        except Exception:  # noqa: BLE001
            logger.warning("session.cache_fill_failed")
        return data  # type: ignore[no-any-return]

    def exists(self, session_key: str | None) -> bool:
        if not session_key:
            return False
        try:
            if (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:  # noqa: BLE001
            logger.warning("session.cache_exists_failed")
        return bool(super(cached_db.SessionStore, self).exists(session_key))

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        self._write_row(must_create or self._insert_pending)
        self._insert_pending = False
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except Exception:  # noqa: BLE001 - the row is saved; never serve an older cached copy
            logger.warning("session.cache_save_failed")
            try:
                self._cache.delete(self.cache_key)
            except Exception:  # noqa: BLE001
                logger.warning("session.cache_delete_failed")

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self._cache.delete(self.cache_key_prefix + session_key)  # raises when down: nothing deleted
        using = router.db_for_write(self.model)
        meta = self.model._meta
        quote = connections[using].ops.quote_name
        with connections[using].cursor() as cursor:
            # QuerySet.delete() sends this one statement too (no related rows, no signals).
            column = quote(str(_field(meta, "session_key").column))
            cursor.execute(f"DELETE FROM {quote(meta.db_table)} WHERE {column} = %s", [session_key])  # noqa: S608
        if session_key == self.session_key:
            self._insert_pending = False
