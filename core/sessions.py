"""Sessions in the database, with a copy in the cache (Redis in production).

The database row is the truth, so a Redis flush or restart signs nobody out. Reads fall back
to the database when the cache is down. Ending a session fails closed: the cached copy is
removed first, and when that fails nothing is deleted and the request fails (503), so a
signed-out session can never come back from a stale cache copy.

Writes cost one statement each (sign-in writes sessions twice: docs/performance.md):

- A new key is not looked up first: the row is inserted with ``must_create`` (the primary
  key refuses a duplicate, ``CreateError``), which is what protected it anyway.
- ``cycle_key`` (a new id after the password and again at sign-in) does not insert the
  session under its new key at once and update it a moment later, nor delete the old row
  and insert a new one: the old id's cached copy is removed now (so it can no longer be
  served from the cache), and the next ``save()``, which the session middleware and allauth's
  headless views make when the session was modified, moves the old row to the new id with
  the new data in one UPDATE (an INSERT when the old row is gone). Until that save the old
  row still holds only what it held before the new id was given (never the signed-in
  state), as if the id had not changed; ``delete()`` / ``flush()`` remove it too.
- Outside a transaction a save is one INSERT or UPDATE (a single statement is atomic); in
  one, Django's savepoint is kept so a failed save does not break the caller's transaction.
- Ending a session is one DELETE, not a SELECT and then a DELETE.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

import structlog
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.db.models import Field

logger = structlog.get_logger("madoguchi.sessions")
_KEY_LENGTH = 32
_KEY_BASE = len(VALID_KEY_CHARS)
_KEY_SPACE = _KEY_BASE**_KEY_LENGTH


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
    _insert_pending = False  # cycle_key gave a new key whose row the next save() writes
    _renamed_from: str | None = None  # the old key whose row that save() moves to the new key

    def _get_new_session_key(self) -> str:
        # 32 random characters of 36, as Django's get_random_string(32, VALID_KEY_CHARS) but
        # from one draw of the secrets module (a number below 36**32, written in base 36)
        # instead of 32: every key equally likely. A duplicate is refused by the INSERT.
        number = secrets.randbelow(_KEY_SPACE)
        chars = []
        for _ in range(_KEY_LENGTH):
            number, digit = divmod(number, _KEY_BASE)
            chars.append(VALID_KEY_CHARS[digit])
        return "".join(chars)

    def cycle_key(self) -> None:
        data = self._session
        old_key = self.session_key
        if old_key and not self._insert_pending:
            # The old id may have a row: its cached copy goes now (raises when the cache is
            # down: nothing changed), its row moves to the new id at the next save().
            self._cache.delete(self.cache_key_prefix + old_key)
            self._renamed_from = old_key
        # else: no row was ever written under old_key (a new session, or one cycled before
        # in this request): the row to move, if any, is still _renamed_from.
        self._session_key = self._get_new_session_key()
        self._session_cache = data
        self._insert_pending = True
        self.modified = True

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
        renamed_from = self._renamed_from if self._insert_pending else None
        if renamed_from:
            sql = f"UPDATE {quote(meta.db_table)} SET {quote(str(key.column))} = %s, {quote(str(body.column))} = %s, {quote(str(expiry.column))} = %s WHERE {quote(str(key.column))} = %s"  # noqa: S608, E501
            params = [*values, renamed_from]
        elif must_create:
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
            if must_create or renamed_from:
                raise CreateError from None
            raise
        except DatabaseError:
            if not must_create and not renamed_from:
                raise UpdateError from None
            raise
        if renamed_from:
            self._renamed_from = None
            if updated == 0:  # the old row is gone (ended elsewhere, expired and purged)
                self._write_row(must_create=True)
            return
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
        keys = [session_key]
        if session_key == self.session_key and self._insert_pending and self._renamed_from:
            keys.append(self._renamed_from)  # the row not yet moved to this id
        for key in keys:
            self._cache.delete(self.cache_key_prefix + key)  # raises when down: nothing deleted
        using = router.db_for_write(self.model)
        meta = self.model._meta
        quote = connections[using].ops.quote_name
        with connections[using].cursor() as cursor:
            # QuerySet.delete() sends this one statement too (no related rows, no signals).
            column = quote(str(_field(meta, "session_key").column))
            marks = ", ".join(["%s"] * len(keys))
            cursor.execute(f"DELETE FROM {quote(meta.db_table)} WHERE {column} IN ({marks})", keys)  # noqa: S608
        if session_key == self.session_key:
            self._insert_pending = False
            self._renamed_from = None
