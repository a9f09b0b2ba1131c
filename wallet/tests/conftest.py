"""Wallet fixtures: a customer with an authenticator, and the customer's phone (codes)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from .helpers import SECRET


@pytest.fixture
def totp_code() -> Callable[[], str]:
    """The customer's phone: each call returns a fresh, not yet used code within the
    accepted window (current step, then the next, then the previous)."""
    from tests_support.totp import totp

    used: set[int] = set()

    def next_code() -> str:
        now = int(time.time() // 30)
        for step in (now, now + 1, now - 1):
            if step not in used:
                used.add(step)
                return totp(SECRET, at=step * 30)
        raise RuntimeError("no unused code in the window; wait 30 s")

    return next_code


@pytest.fixture
def customer(user_factory: Callable[..., Any]) -> Any:
    from allauth.mfa.totp.internal.auth import TOTP

    user = user_factory(email="taro.test@example.com", language="en")
    TOTP.activate(user, SECRET)
    return user
