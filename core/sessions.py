"""Sessions in the database, with a copy in the cache (Redis in production).

The database row is the truth, so a Redis flush or restart signs nobody out. Reads fall back
to the database when the cache is down. Ending a session fails closed: the cached copy is
removed first, and when that fails nothing is deleted and the request fails (503), so a
signed-out session can never come back from a stale cache copy.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.contrib.sessions.backends import cached_db

logger = structlog.get_logger("madoguchi.sessions")


class SessionStore(cached_db.SessionStore):
    _cache: Any
    _session: dict[str, Any]

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
        super(cached_db.SessionStore, self).save(must_create)
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
        super(cached_db.SessionStore, self).delete(session_key)
