import time

import pytest

from core import ratelimit
from core.errors import ApplicationError


def test_the_limit_refuses_the_attempt_after_the_last_allowed_one():
    for _ in range(3):
        ratelimit.check("test:key", limit=3, period=60)

    with pytest.raises(ApplicationError) as error:
        ratelimit.check("test:key", limit=3, period=60)
    assert error.value.status == 429
    assert error.value.code == "rate_limited"


def test_keys_are_independent():
    for _ in range(3):
        ratelimit.check("test:a", limit=3, period=60)
    ratelimit.check("test:b", limit=3, period=60)


def test_the_window_expires():
    # Real time: Redis expires keys on its own clock, which time travel cannot move.
    for _ in range(2):
        ratelimit.check("test:window", limit=2, period=1)
    with pytest.raises(ApplicationError):
        ratelimit.check("test:window", limit=2, period=1)
    time.sleep(1.1)
    ratelimit.check("test:window", limit=2, period=1)
