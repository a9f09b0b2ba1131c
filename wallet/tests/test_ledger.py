"""The ledger: append-only, never negative, balances equal the sums of their entries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from wallet.internal import ledger
from wallet.models import Balance, LedgerEntry

from .helpers import assert_ledger_consistent, fund

pytestmark = pytest.mark.django_db


def test_postings_keep_balances_equal_to_ledger_sums(user_factory):
    user = user_factory()
    fund(user, "BTC", "1.5")
    fund(user, "BTC", "-0.25", "0.25")
    assert Balance.objects.get(user=user, currency="BTC").available == Decimal("1.25")
    entries = LedgerEntry.objects.filter(user=user).order_by("id")
    assert [e.available_after for e in entries] == [Decimal("1.5"), Decimal("1.25")]
    assert_ledger_consistent()


def test_a_posting_that_would_go_negative_is_refused(user_factory):
    user = user_factory()
    fund(user, "ETH", "1")
    with pytest.raises(ledger.NegativeBalance), transaction.atomic():
        balance = ledger.lock(user_id=user.pk, currency="ETH")
        ledger.post(balance=balance, kind="adjustment", available_delta=Decimal("-1.00000001"))
    assert Balance.objects.get(user=user, currency="ETH").available == Decimal("1")
    assert LedgerEntry.objects.filter(user=user).count() == 1


def test_floats_are_refused(user_factory):
    user = user_factory()
    with pytest.raises(TypeError), transaction.atomic():
        balance = ledger.lock(user_id=user.pk, currency="BTC")
        ledger.post(balance=balance, kind="deposit", available_delta=0.1)  # type: ignore[arg-type]


@pytest.mark.django_db(transaction=True)
def test_lock_needs_a_transaction(user_factory):
    with pytest.raises(RuntimeError):
        ledger.lock(user_id=user_factory().pk, currency="BTC")


def test_entries_are_append_only(user_factory):
    user = user_factory()
    fund(user, "XRP", "10")
    entry = LedgerEntry.objects.get(user=user)
    entry.available_delta = Decimal("1000")
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_database_refuses_a_negative_balance(user_factory):
    user = user_factory()
    fund(user, "JPY", "100")
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(user=user).update(available=Decimal("-1"))


def test_mismatch_is_detected(user_factory):
    user = user_factory()
    fund(user, "JPY", "100")
    Balance.objects.filter(user=user).update(available=Decimal("99"))
    problems = ledger.mismatches()
    assert len(problems) == 1 and problems[0]["currency"] == "JPY"
