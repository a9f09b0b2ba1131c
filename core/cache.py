"""Django's Redis cache backend, reusing one ``redis.Redis`` client per connection pool.

``django.core.cache.backends.redis`` builds a new ``redis.Redis`` object for every cache
call. The connection pool is shared, so no connection is opened, but with redis-py 8 each
construction sets up ~170 response callbacks (about 0.1 ms of CPU). A password sign-in makes
~27 cache calls (allauth rate limits, captcha replay guard, session), which cost ~3-4 ms of
CPU per sign-in for nothing (docs/performance.md). ``redis.Redis`` clients are thread-safe
and hold no per-call state, so one per pool is enough; everything else is Django's backend.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from redis.exceptions import RedisError


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            # Pools live as long as this object, so their id() is stable. A race between
            # threads at most builds one extra client.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


# Keys whose data comes from the database: while Redis is down, reading them is a miss and
# filling them does nothing, so the help centre and /status/ are served from the database.
# Everything else (rate limits, captcha and 2FA replay guards, version numbers, sessions'
# deletes) raises, and the request fails closed with a 503 (core/degrade.py): a cache
# outage never disables a limit silently.
# "usersession:seen:" only throttles the activity rows of the session list (not a control):
# while Redis is down no activity is recorded, and the customer stays signed in.
FAIL_SOFT_PREFIXES = ("helpcenter:", "wallet:rates:", "usersession:seen:")


def _fail_soft(key: Any) -> bool:
    return isinstance(key, str) and key.startswith(FAIL_SOFT_PREFIXES)


def _log_soft_failure(operation: str, key: str) -> None:
    import structlog

    structlog.get_logger("madoguchi.cache").warning("cache.fail_soft", operation=operation, key=key.split(":")[0])


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        if not _fail_soft(key):
            return super().get(key, default, version)
        try:
            return super().get(key, default, version)
        except RedisError:
            _log_soft_failure("get", key)
            return default

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        if not _fail_soft(key):
            return super().set(key, value, timeout, version)
        try:
            return super().set(key, value, timeout, version)
        except RedisError:
            _log_soft_failure("set", key)
            return None

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        if not _fail_soft(key):
            return bool(super().add(key, value, timeout, version))
        try:
            return bool(super().add(key, value, timeout, version))
        except RedisError:
            _log_soft_failure("add", key)
            return False
