import os

import pytest

from core.cache import RedisCache


def test_client_is_built_once_per_connection_pool() -> None:
    # Given the project's Redis cache backend (building a client opens no connection)
    cache = RedisCache("redis://127.0.0.1:6379/15", {})
    # When two cache calls ask for a client
    first = cache._cache.get_client(write=True)
    second = cache._cache.get_client(write=False)
    # Then they share one redis.Redis object over Django's one pool
    assert first is second
    assert first.connection_pool is cache._cache._get_connection_pool(True)  # type: ignore[attr-defined]


@pytest.mark.postgres
@pytest.mark.postgres
def test_round_trip_through_a_shared_client() -> None:
    # Given the backend on the configured Redis
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "test-core-cache"})
    # When values are written, added, incremented and read through the same client
    cache.set("k", {"a": 1}, 30)
    assert cache.add("n", 1, 30)
    assert not cache.add("n", 5, 30)
    assert cache.incr("n") == 2
    # Then Django's semantics are unchanged
    assert cache.get("k") == {"a": 1}
    assert cache.get("n") == 2
    cache.delete_many(["k", "n"])
    assert cache.get("k") is None
