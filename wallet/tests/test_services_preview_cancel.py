"""The withdrawal preview (fee, amount received, JPY value, limits), the max amount, the
daily and monthly limits in the request itself, and the customer's cancel of a pending
withdrawal (funds back, audited, emailed; once the trading core sent it, refused)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone, translation

from accounts.services import account_freeze, withdrawal_hold_set
from core.errors import ApplicationError
from core.models import AuditEvent
from wallet import selectors, services
from wallet.internal import quote
from wallet.models import LedgerEntry, Rate, Withdrawal

from .helpers import ETH_ADDRESS, assert_ledger_consistent, balance_of, fund, usable_address

pytestmark = pytest.mark.django_db

NOON_JST = dt.datetime(2026, 12, 15, 12, 0, tzinfo=quote.JST)


def _withdraw(user, address, code, amount, currency="BTC"):
    return services.withdrawal_request(user=user, currency=currency, amount=amount, address_id=address.pk, code=code)


def _past_withdrawal(user, address, amount, *, at, status=Withdrawal.Status.SENT, currency="BTC"):
    return Withdrawal.objects.create(
        user=user,
        currency=currency,
        amount=Decimal(amount),
        fee=Decimal("0.0005"),
        address=address,
        address_text=address.address,
        status=status,
        created_at=at,
    )


# --------------------------------------------------------------------------- preview


def test_preview_shows_fee_amount_received_jpy_value_and_what_is_left(customer):
    # given 1 BTC at 10,000,000 JPY and a usable address
    fund(customer, "BTC", "1")
    Rate.objects.create(currency="BTC", jpy=Decimal("10000000"))
    address = usable_address(customer)
    # when the customer previews 0.1 BTC
    p = selectors.withdrawal_preview_for_user(customer, currency="btc", amount="0.1", address_id=address.pk)
    # then the address receives the amount; amount + fee leave the balance
    assert (p.currency, p.amount, p.fee, p.received, p.total) == (
        "BTC",
        Decimal("0.1"),
        Decimal("0.0005"),
        Decimal("0.1"),
        Decimal("0.1005"),
    )
    assert (p.received_jpy, p.fee_jpy, p.total_jpy) == (Decimal(1000000), Decimal(5000), Decimal(1005000))
    assert (p.available, p.available_after) == (Decimal("1"), Decimal("0.8995"))
    assert (p.daily_limit, p.daily_remaining, p.daily_remaining_after) == (Decimal(10), Decimal(10), Decimal("9.9"))
    assert (p.monthly_remaining, p.monthly_remaining_after) == (Decimal(100), Decimal("99.9"))
    assert p.max_amount == Decimal("0.9995")
    assert p.problems == [] and p.can_submit


def test_preview_changes_nothing_and_needs_no_code(customer):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    selectors.withdrawal_preview_for_user(customer, currency="BTC", amount="0.5", address_id=address.pk)
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
    assert not Withdrawal.objects.exists()
    assert not AuditEvent.objects.filter(user=customer, event__startswith="withdrawal").exists()


def test_preview_without_a_rate_has_no_yen_value(customer):
    fund(customer, "BTC", "1")
    p = selectors.withdrawal_preview_for_user(customer, currency="BTC", amount="0.1")
    assert p.rate is None and p.received_jpy is None and p.total_jpy is None
    assert p.can_submit  # a missing rate does not stop a withdrawal


def test_preview_lists_every_reason_the_request_would_be_refused(customer):
    fund(customer, "BTC", "0.01")
    p = selectors.withdrawal_preview_for_user(customer, currency="BTC", amount="0.0001")
    assert [x.code for x in p.problems] == ["below_minimum"]
    p = selectors.withdrawal_preview_for_user(customer, currency="BTC", amount="0.01")
    assert [x.code for x in p.problems] == ["insufficient_funds"]  # 0.01 + fee > 0.01
    assert p.problems[0].field == "amount"
    assert p.available_after is None and not p.can_submit


def test_preview_of_a_frozen_or_held_account_says_so(customer):
    fund(customer, "BTC", "1")
    withdrawal_hold_set(user=customer, hours=24, reason="test")
    assert [x.code for x in selectors.withdrawal_preview_for_user(customer, currency="BTC", amount="0.1").problems] == [
        "withdrawal_hold"
    ]
    account_freeze(user=customer, reason="lost phone")
    with translation.override("en"):
        p = selectors.withdrawal_preview_for_user(customer, currency="BTC", amount="0.1")
    assert [x.code for x in p.problems] == ["account_frozen", "withdrawal_hold"]
    assert "frozen" in p.problems[0].message


def test_preview_of_an_address_still_waiting_says_when(customer):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    address.usable_at = timezone.now() + dt.timedelta(hours=3)
    address.save()
    p = selectors.withdrawal_preview_for_user(customer, currency="BTC", amount="0.1", address_id=address.pk)
    assert [x.code for x in p.problems] == ["address_not_ready"]


@pytest.mark.parametrize("amount", ["abc", "1e30", "0", "-1", "0.000000001", "NaN"])
def test_preview_refuses_malformed_amounts_like_the_request(customer, amount):
    with pytest.raises(ApplicationError) as exc:
        selectors.withdrawal_preview_for_user(customer, currency="BTC", amount=amount)
    assert exc.value.code == "validation_failed"
    assert "amount" in exc.value.fields


def test_preview_refuses_an_unknown_currency_and_hides_other_customers_addresses(customer, user_factory):
    with pytest.raises(ApplicationError) as exc:
        selectors.withdrawal_preview_for_user(customer, currency="DOGE", amount="1")
    assert (exc.value.code, list(exc.value.fields)) == ("validation_failed", ["currency"])
    strangers = usable_address(user_factory())
    with pytest.raises(Http404):
        selectors.withdrawal_preview_for_user(customer, currency="BTC", amount="1", address_id=strangers.pk)


# --------------------------------------------------------------------------- max


def test_max_is_the_balance_minus_the_fee(customer):
    fund(customer, "ETH", "2.5")
    assert selectors.withdrawal_preview_for_user(customer, currency="ETH").max_amount == Decimal("2.495")


def test_max_is_rounded_down_to_the_currencys_places(customer):
    # XRP keeps 6 places: 100.1234567 is not a balance the core could push, but 100.123456 is;
    # minus the 0.15 fee
    fund(customer, "XRP", "100.123456")
    assert selectors.withdrawal_preview_for_user(customer, currency="XRP").max_amount == Decimal("99.973456")


def test_max_respects_the_daily_and_monthly_limits(customer, settings):
    settings.MADOGUCHI_WITHDRAWAL_DAILY_LIMIT = {"BTC": "0.5"}
    settings.MADOGUCHI_WITHDRAWAL_MONTHLY_LIMIT = {"BTC": "0.8"}
    fund(customer, "BTC", "5")
    address = usable_address(customer)
    with time_machine.travel(NOON_JST, tick=False):
        assert selectors.withdrawal_preview_for_user(customer, currency="BTC").max_amount == Decimal("0.5")
        # 0.4 already sent earlier this month (not today): 0.4 left this month
        _past_withdrawal(customer, address, "0.4", at=NOON_JST - dt.timedelta(days=3))
        assert selectors.withdrawal_preview_for_user(customer, currency="BTC").max_amount == Decimal("0.4")
        # 0.1 pending today: 0.4 left today, 0.3 this month
        _past_withdrawal(customer, address, "0.1", at=NOON_JST - dt.timedelta(hours=1), status="pending")
        p = selectors.withdrawal_preview_for_user(customer, currency="BTC")
        assert (p.daily_remaining, p.monthly_remaining, p.max_amount) == (
            Decimal("0.4"),
            Decimal("0.3"),
            Decimal("0.3"),
        )


def test_max_is_none_when_nothing_reaches_the_minimum(customer):
    fund(customer, "BTC", "0.0012")  # 0.0012 - 0.0005 fee = 0.0007 < 0.001 minimum
    assert selectors.withdrawal_preview_for_user(customer, currency="BTC").max_amount is None
    assert selectors.withdrawal_preview_for_user(customer, currency="ETH").max_amount is None  # no balance


def test_the_max_amount_can_be_withdrawn_exactly(customer, totp_code):
    fund(customer, "BTC", "0.7")
    address = usable_address(customer)
    maximum = selectors.withdrawal_preview_for_user(customer, currency="BTC").max_amount
    withdrawal = _withdraw(customer, address, totp_code(), format(maximum, "f"))
    assert withdrawal.amount == Decimal("0.6995")
    assert balance_of(customer, "BTC") == (Decimal("0"), Decimal("0.7"))


# --------------------------------------------------------------------------- limits in the request


def test_a_withdrawal_over_todays_limit_is_refused_before_the_code_is_spent(customer, settings, totp_code):
    settings.MADOGUCHI_WITHDRAWAL_DAILY_LIMIT = {"BTC": "0.5"}
    fund(customer, "BTC", "5")
    address = usable_address(customer)
    code = totp_code()
    with pytest.raises(ApplicationError) as exc, translation.override("en"):
        _withdraw(customer, address, code, "0.6")
    assert exc.value.code == "daily_limit_exceeded"
    assert "0.5 BTC" in exc.value.message and "0:00 JST" in exc.value.message
    assert not Withdrawal.objects.exists()
    # the same code still works: it was not spent on a request that could not succeed
    assert _withdraw(customer, address, code, "0.5").amount == Decimal("0.5")
    with pytest.raises(ApplicationError) as exc:
        _withdraw(customer, address, totp_code(), "0.001")
    assert exc.value.code == "daily_limit_exceeded"


def test_the_daily_limit_resets_at_midnight_jst_and_failed_or_cancelled_ones_do_not_count(customer, settings):
    settings.MADOGUCHI_WITHDRAWAL_DAILY_LIMIT = {"BTC": "1"}
    address = usable_address(customer)
    just_before_midnight = dt.datetime(2026, 12, 14, 23, 59, tzinfo=quote.JST)
    _past_withdrawal(customer, address, "0.7", at=just_before_midnight)
    _past_withdrawal(customer, address, "0.2", at=NOON_JST - dt.timedelta(hours=2), status="failed")
    _past_withdrawal(customer, address, "0.2", at=NOON_JST - dt.timedelta(hours=2), status="cancelled")
    with time_machine.travel(just_before_midnight + dt.timedelta(seconds=30), tick=False):
        assert quote.limits_for(customer.pk, "BTC").daily_remaining == Decimal("0.3")
    with time_machine.travel(NOON_JST, tick=False):
        limits = quote.limits_for(customer.pk, "BTC")
        assert (limits.daily_remaining, limits.used_this_month) == (Decimal("1"), Decimal("0.7"))


def test_the_monthly_limit_is_refused_with_its_own_code(customer, settings, totp_code):
    settings.MADOGUCHI_WITHDRAWAL_MONTHLY_LIMIT = {"ETH": "1"}
    fund(customer, "ETH", "5")
    address = usable_address(customer, "ETH", ETH_ADDRESS)
    _past_withdrawal(customer, address, "0.9", at=timezone.now() - dt.timedelta(minutes=5), currency="ETH")
    with pytest.raises(ApplicationError) as exc:
        _withdraw(customer, address, totp_code(), "0.2", currency="ETH")
    assert exc.value.code == "monthly_limit_exceeded"
    assert exc.value.fields["amount"]


# --------------------------------------------------------------------------- cancel


def _pending(customer, totp_code, amount="0.1"):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    return _withdraw(customer, address, totp_code(), amount)


def test_customer_cancels_a_pending_withdrawal_and_gets_the_funds_back(customer, totp_code, outbox):
    # given a pending 0.1 BTC withdrawal (0.1005 held with the fee)
    withdrawal = _pending(customer, totp_code)
    assert balance_of(customer, "BTC") == (Decimal("0.8995"), Decimal("0.1005"))
    # when the customer cancels it (no code needed)
    cancelled = services.withdrawal_cancel(user=customer, withdrawal_id=withdrawal.pk)
    # then it is cancelled by the customer and amount + fee are available again
    assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", "customer")
    assert cancelled.completed_at is not None
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
    entry = LedgerEntry.objects.get(withdrawal=withdrawal, kind=LedgerEntry.Kind.WITHDRAWAL_CUSTOMER_CANCEL)
    assert (entry.available_delta, entry.in_use_delta) == (Decimal("0.1005"), Decimal("-0.1005"))
    assert_ledger_consistent()
    # audited (visible to the customer) and emailed
    event = AuditEvent.objects.get(user=customer, event="withdrawal.cancelled")
    assert event.data["withdrawal_id"] == withdrawal.pk and Decimal(event.data["released"]) == Decimal("0.1005")
    mails = outbox.emails(to=customer.email, kind="wallet_withdrawal_cancelled")
    assert len(mails) == 1
    assert "0.1005 BTC" in mails[0].body and "/recovery/freeze/request/" in mails[0].body
    # and it no longer counts against the limit
    assert quote.limits_for(customer.pk, "BTC").used_today == Decimal(0)


def test_another_customer_cannot_cancel_it(customer, totp_code, user_factory):
    withdrawal = _pending(customer, totp_code)
    with pytest.raises(Http404):
        services.withdrawal_cancel(user=user_factory(), withdrawal_id=withdrawal.pk)
    assert Withdrawal.objects.get(pk=withdrawal.pk).status == "pending"


def test_a_sent_withdrawal_cannot_be_cancelled(customer, totp_code):
    withdrawal = _pending(customer, totp_code)
    services.withdrawal_status_set(withdrawal_id=withdrawal.pk, status="sent", txid="ab" * 32)
    with pytest.raises(ApplicationError) as exc, translation.override("en"):
        services.withdrawal_cancel(user=customer, withdrawal_id=withdrawal.pk)
    assert (exc.value.code, exc.value.status) == ("withdrawal_not_cancellable", 409)
    assert "already been sent" in exc.value.message
    assert balance_of(customer, "BTC") == (Decimal("0.8995"), Decimal("0"))
    assert_ledger_consistent()


def test_cancelling_twice_releases_the_funds_once(customer, totp_code):
    withdrawal = _pending(customer, totp_code)
    services.withdrawal_cancel(user=customer, withdrawal_id=withdrawal.pk)
    with pytest.raises(ApplicationError) as exc:
        services.withdrawal_cancel(user=customer, withdrawal_id=withdrawal.pk)
    assert exc.value.code == "withdrawal_not_cancellable"
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
    assert LedgerEntry.objects.filter(withdrawal=withdrawal, kind="withdrawal_cancel_own").count() == 1


def test_after_the_customer_cancelled_the_trading_core_cannot_mark_it_sent(customer, totp_code):
    withdrawal = _pending(customer, totp_code)
    services.withdrawal_cancel(user=customer, withdrawal_id=withdrawal.pk)
    with pytest.raises(ApplicationError) as exc:
        services.withdrawal_status_set(withdrawal_id=withdrawal.pk, status="sent", txid="cd" * 32)
    assert (exc.value.code, exc.value.status) == ("invalid_transition", 409)
    # a late "failed" changes nothing either (the funds are already back)
    assert services.withdrawal_status_set(withdrawal_id=withdrawal.pk, status="failed").changed is False
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
    assert_ledger_consistent()


def test_a_frozen_account_cannot_cancel(customer, totp_code):
    withdrawal = _pending(customer, totp_code)
    account_freeze(user=customer, reason="lost phone")  # the freeze has cancelled it already
    assert Withdrawal.objects.get(pk=withdrawal.pk).cancelled_by == "freeze"
    with pytest.raises(ApplicationError) as exc:
        services.withdrawal_cancel(user=customer, withdrawal_id=withdrawal.pk)
    assert exc.value.code == "account_frozen"


def test_a_withdrawal_the_core_is_already_sending_cannot_be_cancelled(customer, totp_code):
    # the core's last push no longer shows the funds in use (it is sending them)
    from wallet.services import BalancePush, core_balances_apply

    withdrawal = _pending(customer, totp_code)
    core_balances_apply(
        user=customer,
        version=5,
        balances=[BalancePush("BTC", Decimal("0.8995"), Decimal("0"))],
        withdrawals_seen_up_to=withdrawal.pk,
    )
    with pytest.raises(ApplicationError) as exc:
        services.withdrawal_cancel(user=customer, withdrawal_id=withdrawal.pk)
    assert exc.value.code == "withdrawal_not_cancellable"
    assert Withdrawal.objects.get(pk=withdrawal.pk).status == "pending"
    assert_ledger_consistent()
