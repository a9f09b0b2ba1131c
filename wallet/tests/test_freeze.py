"""Freeze means freeze: pending withdrawals are cancelled, their funds returned, and the
trading core can no longer mark a frozen account's withdrawal sent."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from accounts.services import account_freeze
from core.models import AuditEvent
from wallet import services
from wallet.internal import tokens
from wallet.models import LedgerEntry, Withdrawal

from .helpers import assert_ledger_consistent, balance_of, fund, usable_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def core_token() -> str:
    _row, raw = tokens.issue(name="core", scopes=["withdrawals:read", "withdrawals:write", "balances:write"])
    return raw


def _pending(customer, totp_code, amount="0.1"):
    return services.withdrawal_request(
        user=customer, currency="BTC", amount=amount, address_id=usable_address(customer).pk, code=totp_code()
    )


def _mark_sent(client, withdrawal, token, key=None):
    return client.put(
        f"/internal/v1/withdrawals/{withdrawal.pk}/status",
        {"status": "sent", "txid": "ab" * 32},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key or str(uuid.uuid4())},
    )


def test_freeze_cancels_pending_withdrawals_and_returns_the_funds(customer, totp_code, outbox):
    # given 1 BTC and a pending withdrawal of 0.1 BTC + 0.0005 fee
    fund(customer, "BTC", "1")
    withdrawal = _pending(customer, totp_code)
    assert balance_of(customer, "BTC") == (Decimal("0.8995"), Decimal("0.1005"))
    # when the customer freezes the account
    assert account_freeze(user=customer, reason="lost phone") is True
    # then the withdrawal is cancelled and the whole amount is available again
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.CANCELLED
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
    entry = LedgerEntry.objects.get(withdrawal=withdrawal, kind="withdrawal_cancel")
    assert (entry.available_delta, entry.in_use_delta) == (Decimal("0.1005"), Decimal("-0.1005"))
    assert_ledger_consistent()
    # and it is audited, and the freeze email says so
    row = AuditEvent.objects.get(user=customer, event="withdrawal.cancelled_by_freeze")
    assert (row.data["withdrawal_id"], row.data["currency"]) == (withdrawal.pk, "BTC")
    assert (Decimal(row.data["amount"]), Decimal(row.data["released"])) == (Decimal("0.1"), Decimal("0.1005"))
    mail = outbox.emails(to=customer.email, kind="account_frozen")[-1]
    assert "Pending withdrawals cancelled" in mail.body and ": 1" in mail.body
    # a second freeze changes nothing
    assert account_freeze(user=customer, reason="again") is False
    assert LedgerEntry.objects.filter(kind="withdrawal_cancel").count() == 1


def test_frozen_accounts_withdrawal_cannot_be_marked_sent_by_the_trading_core(client, customer, totp_code, core_token):
    # given a pending withdrawal the core has already picked up
    fund(customer, "BTC", "1")
    withdrawal = _pending(customer, totp_code)
    # when the customer freezes the account and the core then reports it sent
    account_freeze(user=customer, reason="lost phone")
    response = _mark_sent(client, withdrawal, core_token)
    # then the internal API refuses with the stable code, in the contract's shape
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "account_frozen" and set(error) == {"code", "message", "fields"}
    # and nothing left the account
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.CANCELLED and withdrawal.txid == ""
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
    assert not LedgerEntry.objects.filter(kind="withdrawal_sent").exists()
    # and the refusal is audited (outside the rolled-back transaction)
    refused = AuditEvent.objects.get(user=customer, event="withdrawal.sent_refused_frozen")
    assert refused.data["withdrawal_id"] == withdrawal.pk and refused.data["by"] == "core"
    # the core learns about cancellations by listing them
    auth = {"Authorization": f"Bearer {core_token}"}
    assert client.get("/internal/v1/withdrawals?status=pending", headers=auth).json() == []
    listed = client.get("/internal/v1/withdrawals?status=cancelled", headers=auth).json()
    assert [w["id"] for w in listed] == [withdrawal.pk]
    # a "failed" report for the cancelled withdrawal is harmless: nothing changes
    failed = client.put(
        f"/internal/v1/withdrawals/{withdrawal.pk}/status",
        {"status": "failed", "reason": "cancelled upstream"},
        content_type="application/json",
        headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert failed.status_code == 200 and failed.json()["changed"] is False
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
    assert_ledger_consistent()


def test_a_pending_withdrawal_of_a_frozen_account_is_refused_too(client, customer, totp_code, core_token):
    # given an account frozen by a path that did not cancel (e.g. a data fix): still pending
    fund(customer, "BTC", "1")
    withdrawal = _pending(customer, totp_code)
    from django.utils import timezone

    from accounts import usercache

    get_user_model().objects.filter(pk=customer.pk).update(frozen_at=timezone.now())
    usercache.bump(customer.pk)
    # when the core reports it sent, then it is refused and the funds stay held
    response = _mark_sent(client, withdrawal, core_token)
    assert response.status_code == 409 and response.json()["error"]["code"] == "account_frozen"
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.PENDING
    assert balance_of(customer, "BTC") == (Decimal("0.8995"), Decimal("0.1005"))
    # and the key was not spent: once the freeze is lifted the same request goes through
    get_user_model().objects.filter(pk=customer.pk).update(frozen_at=None)
    usercache.bump(customer.pk)
    assert _mark_sent(client, withdrawal, core_token, key="same").status_code == 200


def test_a_withdrawal_sent_before_the_freeze_stays_sent(client, customer, totp_code, core_token):
    fund(customer, "BTC", "1")
    withdrawal = _pending(customer, totp_code)
    assert _mark_sent(client, withdrawal, core_token, key="k1").status_code == 200
    account_freeze(user=customer, reason="lost phone")
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.SENT
    assert balance_of(customer, "BTC") == (Decimal("0.8995"), Decimal("0"))
    # a replay of the report made before the freeze still answers the stored result
    assert _mark_sent(client, withdrawal, core_token, key="k1").json()["replayed"] is True
    assert not AuditEvent.objects.filter(event="withdrawal.cancelled_by_freeze").exists()


def test_freeze_succeeds_when_the_core_no_longer_shows_the_funds_in_use(customer, totp_code):
    # given a pending withdrawal whose hold the core's last push no longer shows
    fund(customer, "BTC", "1")
    withdrawal = _pending(customer, totp_code)
    services.core_balances_apply(
        user=customer,
        version=5,
        balances=[services.BalancePush(currency="BTC", available=Decimal("0.8995"), in_use=Decimal("0"))],
        withdrawals_seen_up_to=withdrawal.pk,
    )
    # when the account is frozen, the freeze still happens and the withdrawal is held
    assert account_freeze(user=customer, reason="lost phone") is True
    customer.refresh_from_db()
    assert customer.frozen_at is not None
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.PENDING
    assert AuditEvent.objects.filter(user=customer, event="withdrawal.held_by_freeze").exists()
    assert_ledger_consistent()


def test_freezing_from_the_page_cancels_the_pending_withdrawal(client, customer, totp_code):
    fund(customer, "BTC", "1")
    withdrawal = _pending(customer, totp_code)
    client.force_login(customer)
    response = client.post("/recovery/freeze/")
    assert response.status_code == 200
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.CANCELLED
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))


def test_the_customers_cancel_and_the_freezes_release_the_funds_the_same_way(customer, totp_code, outbox):
    # given two pending withdrawals of the same amount
    fund(customer, "BTC", "1")
    by_customer, by_freeze = _pending(customer, totp_code), _pending(customer, totp_code)
    assert balance_of(customer, "BTC") == (Decimal("0.799"), Decimal("0.201"))
    # when the customer cancels one and a freeze cancels the other
    services.withdrawal_cancel(user=customer, withdrawal_id=by_customer.pk)
    assert account_freeze(user=customer, reason="lost phone") is True
    # then both are cancelled alike, and only who cancelled differs
    by_customer.refresh_from_db()
    by_freeze.refresh_from_db()
    for row, who in ((by_customer, "customer"), (by_freeze, "freeze")):
        assert (row.status, row.cancelled_by, row.failure_reason) == (Withdrawal.Status.CANCELLED, who, "")
        assert row.completed_at is not None
    releases = LedgerEntry.objects.exclude(kind=LedgerEntry.Kind.WITHDRAWAL_HOLD).filter(withdrawal__isnull=False)
    entries = {e.withdrawal_id: e for e in releases}
    assert len(entries) == releases.count() == 2
    kinds = {row.pk: entries[row.pk].kind for row in (by_customer, by_freeze)}
    assert kinds == {by_customer.pk: "withdrawal_cancel_own", by_freeze.pk: "withdrawal_cancel"}
    customer_entry, freeze_entry = entries[by_customer.pk], entries[by_freeze.pk]
    assert (customer_entry.available_delta, customer_entry.in_use_delta) == (Decimal("0.1005"), Decimal("-0.1005"))
    assert (freeze_entry.available_delta, freeze_entry.in_use_delta) == (Decimal("0.1005"), Decimal("-0.1005"))
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
    assert_ledger_consistent()
    # and the audit rows carry the same facts
    cancelled = AuditEvent.objects.get(user=customer, event="withdrawal.cancelled").data
    frozen = AuditEvent.objects.get(user=customer, event="withdrawal.cancelled_by_freeze").data
    assert cancelled == {
        "withdrawal_id": by_customer.pk,
        "currency": "BTC",
        "amount": "0.10000000",
        "released": "0.10050000",
    }
    assert frozen == {**cancelled, "withdrawal_id": by_freeze.pk}
