"""core.versions: a bump always moves the version, never back to a number used before."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import transaction

from core import versions


@pytest.fixture
def key() -> Iterator[str]:
    name = f"test:ver:{time.time_ns()}"
    yield name
    cache.delete(name)


def test_a_bump_moves_an_existing_version_by_one(key: str) -> None:
    before = versions.current(key)
    versions.bump(key)  # outside a transaction: once
    assert versions.current(key) == before + 1


def test_a_missing_version_starts_at_a_fresh_time_based_number(key: str) -> None:
    started = time.time_ns()
    versions.bump(key)
    # not 1 (what a plain INCR of a missing key gives): an evicted key's old numbers stay unused
    assert versions.current(key) >= started


@pytest.mark.django_db(transaction=True)
def test_a_write_in_a_transaction_bumps_now_and_again_after_commit(key: str) -> None:
    before = versions.current(key)
    with transaction.atomic():
        versions.bump(key)
        assert versions.current(key) == before + 1
    assert versions.current(key) == before + 2


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_still_bumped_once(key: str) -> None:
    before = versions.current(key)
    with pytest.raises(RuntimeError), transaction.atomic():
        versions.bump(key)
        raise RuntimeError
    assert versions.current(key) == before + 1
