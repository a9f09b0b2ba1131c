"""The home page snapshot: cached per customer, never stale after a write."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wallet.internal import snapshot
from wallet.selectors import overview_for_user

from .helpers import fund

pytestmark = pytest.mark.django_db


def test_second_read_is_served_from_the_cache(user_factory, django_assert_num_queries):
    user = user_factory()
    fund(user, "BTC", "1")
    overview_for_user(user)
    with django_assert_num_queries(0):
        rows = {r.currency: r for r in overview_for_user(user).rows}
    assert rows["BTC"].available == Decimal("1")


def test_a_write_is_seen_by_the_next_read(user_factory):
    user = user_factory()
    fund(user, "BTC", "1")
    assert snapshot.load(user.pk).balances["BTC"] == (Decimal("1"), Decimal("0"))
    fund(user, "BTC", "-0.5", "0.5")
    assert snapshot.load(user.pk).balances["BTC"] == (Decimal("0.5"), Decimal("0.5"))


def test_a_slow_reader_cannot_store_stale_figures_for_later_readers(user_factory):
    # given a reader that took the version and read the database before a write committed
    from django.core.cache import cache

    user = user_factory()
    fund(user, "JPY", "100")
    version = snapshot._version(user.pk)
    stale = snapshot.build(user.pk)
    # when the write happens and then the slow reader stores what it read
    fund(user, "JPY", "-100", "100")
    cache.set(snapshot._snapshot_key(user.pk), (version, stale), 300)
    # then later readers still get the new figures
    assert snapshot.load(user.pk).balances["JPY"] == (Decimal("0"), Decimal("100"))


def test_cache_outage_falls_back_to_the_database(user_factory, monkeypatch):
    user = user_factory()
    fund(user, "XRP", "20")

    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    for command in ("get", "get_many", "incr", "add", "set"):  # Redis down: every command fails
        monkeypatch.setattr(snapshot.cache, command, broken)
    assert snapshot.load(user.pk).balances["XRP"] == (Decimal("20"), Decimal("0"))
    fund(user, "XRP", "1")  # a write still succeeds
    assert snapshot.load(user.pk).balances["XRP"] == (Decimal("21"), Decimal("0"))


def test_the_leverage_figures_are_one_list_everywhere():
    """LeverageFigures is the one list of the trading core's leverage figures: the push is
    that class, and the model and both API schemas carry exactly its names."""
    from wallet import services
    from wallet.api import LeverageOut
    from wallet.internal.snapshot import LEVERAGE_AMOUNT_FIELDS, LEVERAGE_FIELDS, LeverageFigures
    from wallet.internal_api import LeverageIn
    from wallet.models import LeveragePosition

    assert services.LeveragePush is LeverageFigures
    assert set(LEVERAGE_AMOUNT_FIELDS) < set(LEVERAGE_FIELDS)
    assert set(LEVERAGE_FIELDS) - set(LEVERAGE_AMOUNT_FIELDS) == {"leverage_ratio", "maintenance_ratio"}
    bookkeeping = {"id", "user", "core_version", "updated_at"}
    model_fields = {f.name for f in LeveragePosition._meta.concrete_fields} - bookkeeping
    assert model_fields == set(LEVERAGE_FIELDS)
    assert tuple(LeverageIn.model_fields) == LEVERAGE_FIELDS
    assert tuple(LeverageOut.model_fields) == LEVERAGE_FIELDS
