"""Demo data: taro's balances, position, usable addresses and history; idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wallet import demo
from wallet.models import LedgerEntry, Withdrawal, WithdrawalAddress
from wallet.selectors import overview_for_user

from .helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent(user_factory):
    taro = user_factory(email="taro@example.jp")
    hanako = user_factory(email="hanako@example.jp")
    demo.load()
    demo.load()
    overview = overview_for_user(taro)
    rows = {r.currency: r for r in overview.rows}
    assert rows["BTC"].available == Decimal("0.52345678")
    assert overview.leverage is not None and overview.leverage.maintenance_ratio == Decimal("152.3")
    assert all(a.is_usable() for a in WithdrawalAddress.objects.filter(user=taro))
    assert WithdrawalAddress.objects.filter(user=taro).count() == 3
    assert Withdrawal.objects.filter(user=taro).count() == 3
    assert LedgerEntry.objects.filter(user=taro).count() == 4
    assert {r.currency: r.available for r in overview_for_user(hanako).rows}["BTC"] == Decimal("0.000123")
    assert_ledger_consistent()
