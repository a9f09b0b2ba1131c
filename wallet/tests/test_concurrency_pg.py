"""On PostgreSQL: 100 concurrent withdrawals, each for the whole available balance, from
100 threads with their own database connections -> exactly one is accepted.

The shared test server has ``max_connections = 100``; the threads are released together by
a barrier and as many hold their own connection at once as the server has free slots
(all 100 on a server with room; printed with ``-s``)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from accounts import usercache
from core.errors import ApplicationError
from wallet import services
from wallet.models import Balance, LedgerEntry, Withdrawal

from .helpers import assert_ledger_consistent, fund, usable_address

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 100


def _free_connection_slots() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int - (SELECT count(*) FROM pg_stat_activity)")
        return int(cursor.fetchone()[0])


@pytest.fixture
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency need PostgreSQL (run with DATABASE_URL=postgres://...)")


def test_100_concurrent_withdrawals_of_the_whole_balance_accept_exactly_one(
    _postgres_only, customer, settings, monkeypatch
):
    # given 1 BTC, a usable address and a fee of 0.0005: the whole balance is 0.9995 + fee
    settings.MADOGUCHI_WITHDRAWAL_RATE_LIMIT = (1000, 3600)
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    # The second factor is checked by its own tests; here every request presents a valid
    # one, so that only the ledger decides (TOTP replay protection would otherwise hide a
    # double spend).
    monkeypatch.setattr("mfa.services.second_factor_verify", lambda **kwargs: None)
    barrier = threading.Barrier(ATTEMPTS)
    slots = max(2, min(ATTEMPTS, _free_connection_slots() - 8))
    gate = threading.BoundedSemaphore(slots)
    print(f"{ATTEMPTS} threads, up to {slots} with an open connection at once")
    accepted: list[int] = []
    refused: list[str] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def attempt() -> None:
        barrier.wait(timeout=60)
        gate.acquire()
        try:
            withdrawal = services.withdrawal_request(
                user=customer, currency="BTC", amount="0.9995", address_id=address.pk, code="ok"
            )
            with lock:
                accepted.append(withdrawal.pk)
        except ApplicationError as exc:
            with lock:
                refused.append(exc.code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                unexpected.append(exc)
        finally:
            connections.close_all()
            gate.release()

    # when 100 threads, each with its own connection, ask at the same moment
    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then exactly one is accepted and the other 99 are refused for insufficient funds
    assert unexpected == []
    assert len(accepted) == 1
    assert refused == ["insufficient_funds"] * (ATTEMPTS - 1)
    assert Withdrawal.objects.count() == 1
    balance = Balance.objects.get(user=customer, currency="BTC")
    assert (balance.available, balance.in_use) == (Decimal("0"), Decimal("1"))
    assert LedgerEntry.objects.filter(user=customer, kind="withdrawal_hold").count() == 1
    # and the ledger sums equal the balances, nothing negative
    assert_ledger_consistent()


def test_concurrent_partial_withdrawals_never_overdraw(_postgres_only, customer, settings, monkeypatch):
    # given 1 BTC and 60 simultaneous requests of 0.0495 BTC + 0.0005 fee (0.05 each)
    settings.MADOGUCHI_WITHDRAWAL_RATE_LIMIT = (1000, 3600)
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    monkeypatch.setattr("mfa.services.second_factor_verify", lambda **kwargs: None)
    attempts = 60
    barrier = threading.Barrier(attempts)
    gate = threading.BoundedSemaphore(max(2, min(attempts, _free_connection_slots() - 8)))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        barrier.wait(timeout=60)
        with gate:
            try:
                services.withdrawal_request(
                    user=customer, currency="BTC", amount="0.0495", address_id=address.pk, code="ok"
                )
                result = "accepted"
            except ApplicationError as exc:
                result = exc.code
            except BaseException as exc:  # noqa: BLE001 - reported below
                result = repr(exc)
            finally:
                connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then exactly 20 fit, the rest are refused, and the balance ends at exactly zero
    assert sorted(set(outcomes)) == ["accepted", "insufficient_funds"]
    assert outcomes.count("accepted") == 20
    balance = Balance.objects.get(user=customer, currency="BTC")
    assert (balance.available, balance.in_use) == (Decimal("0"), Decimal("1"))
    assert_ledger_consistent()


def _freeze_and_report_at_once(customer: object, withdrawal_id: int) -> str:
    """One round: a freeze and the core's "sent" released together; returns the report's answer."""
    from django.contrib.auth import get_user_model

    from accounts.services import account_freeze

    barrier = threading.Barrier(2)
    answers: list[str] = []
    errors: list[BaseException] = []

    def freeze() -> None:
        barrier.wait(timeout=30)
        try:
            account_freeze(user=get_user_model().objects.get(pk=customer.pk), reason="race")  # type: ignore[attr-defined]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def report() -> None:
        barrier.wait(timeout=30)
        try:
            services.withdrawal_status_set(withdrawal_id=withdrawal_id, status="sent", txid="ab" * 32)
            answers.append("sent")
        except ApplicationError as exc:
            answers.append(exc.code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=freeze), threading.Thread(target=report)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return answers[0]


def test_freeze_racing_the_cores_sent_report_never_both_wins(_postgres_only, customer, settings, monkeypatch):
    """A freeze and the core's "sent" for the same withdrawal, at the same moment, 20 times:
    each round ends either sent (before the freeze) or cancelled with "sent" refused
    (account_frozen), never sent and cancelled, never a deadlock, and the ledger stays whole."""
    from django.contrib.auth import get_user_model

    settings.MADOGUCHI_WITHDRAWAL_RATE_LIMIT = (1000, 3600)
    monkeypatch.setattr("mfa.services.second_factor_verify", lambda **kwargs: None)
    fund(customer, "BTC", "10")
    address = usable_address(customer)
    outcomes: list[tuple[str, str]] = []
    for _round in range(20):
        get_user_model().objects.filter(pk=customer.pk).update(frozen_at=None)
        usercache.bump(customer.pk)
        withdrawal = services.withdrawal_request(
            user=customer, currency="BTC", amount="0.1", address_id=address.pk, code="ok"
        )
        answer = _freeze_and_report_at_once(customer, withdrawal.pk)
        withdrawal.refresh_from_db()
        outcomes.append((withdrawal.status, answer))
    assert set(outcomes) <= {("sent", "sent"), ("cancelled", "account_frozen")}
    print("outcomes:", {o: outcomes.count(o) for o in set(outcomes)})
    assert_ledger_consistent()
