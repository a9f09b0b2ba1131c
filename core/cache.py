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


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
