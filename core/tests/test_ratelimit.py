"""core.ratelimit: every test here fails if the limiter never refuses (a ``check`` that does
nothing, a ``hit`` that does not count), not only if it refuses too early."""

import time

from core import ratelimit
from core.errors import ApplicationError


def _refused(key: str, *, limit: int, period: int) -> bool:
    try:
        ratelimit.check(key, limit=limit, period=period)
    except ApplicationError as error:
        assert error.status == 429 and error.code == "rate_limited"
        return True
    return False


def test_the_limit_refuses_the_attempt_after_the_last_allowed_one():
    assert [_refused("test:key", limit=3, period=60) for _ in range(5)] == [False, False, False, True, True]
    assert ratelimit.peek("test:key", period=60) == 5


def test_keys_are_independent():
    assert [_refused("test:a", limit=3, period=60) for _ in range(4)] == [False, False, False, True]
    # a is now refused; b, counted separately, is not
    assert _refused("test:a", limit=3, period=60)
    assert not _refused("test:b", limit=3, period=60)
    assert ratelimit.peek("test:b", period=60) == 1
    # the same key with another period is another window
    assert not _refused("test:a", limit=3, period=61)


def test_the_window_expires():
    # Real time: Redis expires keys on its own clock, which time travel cannot move.
    assert [_refused("test:window", limit=2, period=1) for _ in range(3)] == [False, False, True]
    time.sleep(1.1)
    # a new window: counted from one again, so the limit applies again after two
    assert [_refused("test:window", limit=2, period=1) for _ in range(3)] == [False, False, True]


def test_give_back_and_reset_undo_counts():
    for _ in range(3):
        ratelimit.hit("test:undo", period=60)
    ratelimit.give_back("test:undo", period=60)
    assert ratelimit.peek("test:undo", period=60) == 2
    assert _refused("test:undo", limit=2, period=60)
    ratelimit.reset("test:undo", period=60)
    assert ratelimit.peek("test:undo", period=60) == 0
    assert not _refused("test:undo", limit=2, period=60)


def test_the_mfa_failure_count_is_the_same_counter_under_its_own_key():
    from django.core.cache import cache

    from mfa.internal import guard

    assert [guard.failures_record(7) for _ in range(3)] == [1, 2, 3]
    assert guard.failures_count(7) == 3 == int(cache.get("mfa:failures:7"))  # the key customers' locks use
    assert guard.failures_count(8) == 0
    guard.failures_reset(7)
    assert guard.failures_count(7) == 0
