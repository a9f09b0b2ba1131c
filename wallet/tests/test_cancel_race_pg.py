"""On PostgreSQL: the customer's cancel and the trading core's "sent" for the same pending
withdrawal, released together from two threads with their own connections, 20 times.
Exactly one wins each time: either the withdrawal is cancelled with its funds back, or it
is sent with its funds gone, never both and never neither; the loser gets its stable
409 code and the ledger still adds up."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from core.errors import ApplicationError
from wallet import services
from wallet.models import LedgerEntry, Withdrawal

from .helpers import assert_ledger_consistent, balance_of, fund, usable_address

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 20


def _race(customer, pk: int, n: int) -> dict[str, str]:
    """Cancel and "sent" released together; returns each side's outcome ("ok" or its code)."""
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}
    unexpected: list[BaseException] = []

    def run(side: str, action) -> None:
        barrier.wait(timeout=30)
        try:
            action()
            results[side] = "ok"
        except ApplicationError as exc:
            results[side] = exc.code
        except BaseException as exc:  # noqa: BLE001 - reported below
            unexpected.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(
            target=run, args=("cancel", lambda: services.withdrawal_cancel(user=customer, withdrawal_id=pk))
        ),
        threading.Thread(
            target=run,
            args=("sent", lambda: services.withdrawal_status_set(withdrawal_id=pk, status="sent", txid=f"{n:064x}")),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not unexpected, unexpected
    return results


def test_cancel_racing_the_cores_sent_has_exactly_one_winner(customer, settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency need PostgreSQL")
    settings.MADOGUCHI_WITHDRAWAL_RATE_LIMIT = (1000, 3600)
    monkeypatch.setattr("mfa.services.second_factor_verify", lambda **kwargs: None)
    fund(customer, "BTC", "10")
    address = usable_address(customer)
    outcomes: list[tuple[str, str]] = []
    for round_ in range(ROUNDS):
        withdrawal = services.withdrawal_request(
            user=customer, currency="BTC", amount="0.01", address_id=address.pk, code="ok"
        )
        results = _race(customer, withdrawal.pk, round_)
        row = Withdrawal.objects.get(pk=withdrawal.pk)
        if results["cancel"] == "ok":
            assert results["sent"] == "invalid_transition"
            assert (row.status, row.cancelled_by) == ("cancelled", "customer")
        else:
            assert (results["cancel"], results["sent"]) == ("withdrawal_not_cancellable", "ok")
            assert row.status == "sent"
        kinds = set(LedgerEntry.objects.filter(withdrawal=row).values_list("kind", flat=True))
        assert kinds in ({"withdrawal_hold", "withdrawal_cancel_own"}, {"withdrawal_hold", "withdrawal_sent"})
        outcomes.append((results["cancel"], results["sent"]))
    assert_ledger_consistent()
    sent_count = Withdrawal.objects.filter(status="sent").count()
    available, in_use = balance_of(customer, "BTC")
    assert in_use == Decimal(0)
    assert available == Decimal("10") - sent_count * Decimal("0.0105")
    print(f"cancel won {sum(c == 'ok' for c, _ in outcomes)} of {ROUNDS}, sent won {sent_count}")
