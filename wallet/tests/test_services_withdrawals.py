"""Withdrawals: 2FA inside the service, freeze/hold rules, fees, funds, status changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone, translation

from accounts.services import account_freeze, withdrawal_hold_set
from core.errors import ApplicationError
from core.models import AuditEvent
from wallet import services
from wallet.models import LedgerEntry, Withdrawal

from .helpers import ETH_ADDRESS, assert_ledger_consistent, balance_of, fund, usable_address

pytestmark = pytest.mark.django_db


def _request(user, address, code, amount="0.1", currency="BTC"):
    return services.withdrawal_request(user=user, currency=currency, amount=amount, address_id=address.pk, code=code)


def test_withdrawal_with_a_valid_code_holds_amount_plus_fee(customer, totp_code, outbox):
    # given a customer with 1 BTC and a usable address
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    # when they withdraw 0.1 BTC with a current code
    withdrawal = _request(customer, address, totp_code())
    # then amount + fee (0.0005) moves from available to in use, through the ledger
    assert withdrawal.status == Withdrawal.Status.PENDING
    assert (withdrawal.amount, withdrawal.fee) == (Decimal("0.1"), Decimal("0.0005"))
    assert balance_of(customer, "BTC") == (Decimal("0.8995"), Decimal("0.1005"))
    entry = LedgerEntry.objects.get(withdrawal=withdrawal)
    assert (entry.kind, entry.available_delta, entry.in_use_delta) == (
        "withdrawal_hold",
        Decimal("-0.1005"),
        Decimal("0.1005"),
    )
    assert_ledger_consistent()
    # and it is audited and emailed, without any code in the mail
    assert AuditEvent.objects.filter(user=customer, event="withdrawal.requested").exists()
    mails = outbox.emails(to=customer.email, kind="wallet_withdrawal_requested")
    assert len(mails) == 1
    assert "0.1 BTC" in mails[0].body
    assert address.address not in mails[0].body  # masked


def test_withdrawal_without_a_code_is_refused_and_changes_nothing(customer):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    with pytest.raises(ApplicationError) as exc:
        _request(customer, address, None)
    assert (exc.value.code, exc.value.status) == ("two_factor_required", 401)
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
    assert not Withdrawal.objects.exists()


def test_withdrawal_with_a_wrong_code_is_refused(customer):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    with pytest.raises(ApplicationError) as exc:
        _request(customer, address, "000000")
    assert exc.value.code == "two_factor_invalid"
    assert not Withdrawal.objects.exists()


def test_frozen_account_cannot_withdraw_even_with_a_valid_code(customer, totp_code):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    account_freeze(user=customer, reason="lost phone")
    with pytest.raises(ApplicationError) as exc, translation.override("en"):
        _request(customer, address, totp_code())
    assert (exc.value.code, exc.value.status) == ("account_frozen", 403)
    assert "frozen" in exc.value.message
    assert not Withdrawal.objects.exists()


def test_withdrawal_hold_is_refused_with_its_end_time(customer, totp_code):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    until = withdrawal_hold_set(user=customer, hours=24, reason="password reset")
    with pytest.raises(ApplicationError) as exc:
        _request(customer, address, totp_code())
    assert exc.value.code == "withdrawal_hold"
    assert str(timezone.localtime(until).year) in exc.value.message
    assert not Withdrawal.objects.exists()


def test_customer_without_authenticator_must_set_one_up(user_factory, settings):
    # given a customer with no TOTP and no passkey
    user = user_factory()
    fund(user, "BTC", "1")
    address = usable_address(user)
    with pytest.raises(ApplicationError) as exc:
        _request(user, address, "123456")
    assert (exc.value.code, exc.value.status) == ("two_factor_setup_required", 403)
    # when the operator turns the requirement off, the step-up check itself still runs
    settings.MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL = False
    with pytest.raises(ApplicationError) as exc:
        _request(user, address, None)
    assert exc.value.code == "two_factor_required"


def test_insufficient_funds_counts_the_fee_and_does_not_spend_the_code(customer, totp_code):
    fund(customer, "BTC", "0.1")
    address = usable_address(customer)
    code = totp_code()
    with pytest.raises(ApplicationError) as exc:
        _request(customer, address, code, amount="0.1")  # 0.1 + 0.0005 fee > 0.1
    assert exc.value.code == "insufficient_funds"
    # the same code still works for a request that fits (it was not burnt)
    withdrawal = _request(customer, address, code, amount="0.0995")
    assert balance_of(customer, "BTC") == (Decimal("0"), Decimal("0.1"))
    assert withdrawal.total == Decimal("0.1")
    assert_ledger_consistent()


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("0.0009", "below_minimum"),
        ("0.000000001", "validation_failed"),
        ("-1", "validation_failed"),
        ("abc", "validation_failed"),
        ("NaN", "validation_failed"),
        (0.5, "validation_failed"),
    ],
)
def test_amount_rules(customer, amount, code):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    with pytest.raises(ApplicationError) as exc:
        _request(customer, address, "123456", amount=amount)
    assert exc.value.code == code


def test_fee_and_minimum_are_operator_settings(customer, totp_code, settings):
    settings.MADOGUCHI_WITHDRAWAL_RULES = {"BTC": {"fee": "0.001", "minimum": "0.5", "places": 8}}
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    with pytest.raises(ApplicationError) as exc:
        _request(customer, address, totp_code(), amount="0.4")
    assert exc.value.code == "below_minimum"
    withdrawal = _request(customer, address, totp_code(), amount="0.5")
    assert withdrawal.fee == Decimal("0.001")


def test_new_address_is_usable_only_after_the_delay(customer, totp_code, time_machine):
    fund(customer, "ETH", "5")
    address = services.withdrawal_address_add(
        user=customer, currency="ETH", address=ETH_ADDRESS, label="mine", code=totp_code()
    )
    with pytest.raises(ApplicationError) as exc:
        _request(customer, address, totp_code(), currency="ETH", amount="1")
    assert exc.value.code == "address_not_ready"
    time_machine.move_to(timezone.now() + dt.timedelta(hours=24, minutes=1))
    from tests_support.totp import totp

    from .helpers import SECRET

    withdrawal = _request(customer, address, totp(SECRET), currency="ETH", amount="1")
    assert withdrawal.address_text == ETH_ADDRESS


def test_someone_elses_address_is_not_found(customer, user_factory):
    other = user_factory()
    fund(customer, "BTC", "1")
    foreign = usable_address(other)
    with pytest.raises(Http404):
        _request(customer, foreign, "123456")


def test_address_of_another_currency_is_refused(customer):
    fund(customer, "ETH", "1")
    address = usable_address(customer)  # BTC
    with pytest.raises(ApplicationError) as exc:
        _request(customer, address, "123456", currency="ETH")
    assert exc.value.fields.keys() == {"address_id"}


def test_status_sent_settles_the_hold_and_emails(customer, totp_code, outbox):
    fund(customer, "BTC", "1")
    withdrawal = _request(customer, usable_address(customer), totp_code())
    result = services.withdrawal_status_set(withdrawal_id=withdrawal.pk, status="sent", txid="ab" * 32)
    assert result.changed
    assert balance_of(customer, "BTC") == (Decimal("0.8995"), Decimal("0"))
    assert outbox.emails(to=customer.email, kind="wallet_withdrawal_sent")
    # a replay changes nothing
    again = services.withdrawal_status_set(withdrawal_id=withdrawal.pk, status="sent", txid="ab" * 32)
    assert not again.changed
    assert balance_of(customer, "BTC") == (Decimal("0.8995"), Decimal("0"))
    # and a contradicting report is refused
    with pytest.raises(ApplicationError) as exc:
        services.withdrawal_status_set(withdrawal_id=withdrawal.pk, status="failed")
    assert exc.value.status == 409
    assert_ledger_consistent()


def test_status_failed_returns_the_funds(customer, totp_code, outbox):
    fund(customer, "BTC", "1")
    withdrawal = _request(customer, usable_address(customer), totp_code())
    services.withdrawal_status_set(withdrawal_id=withdrawal.pk, status="failed", reason="node down")
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
    assert outbox.emails(to=customer.email, kind="wallet_withdrawal_failed")
    assert_ledger_consistent()


def test_withdrawals_are_rate_limited(customer, totp_code, settings):
    settings.MADOGUCHI_WITHDRAWAL_RATE_LIMIT = (1, 3600)
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    _request(customer, address, totp_code())
    with pytest.raises(ApplicationError) as exc:
        _request(customer, address, totp_code())
    assert exc.value.code == "rate_limited"


def test_a_freeze_during_the_request_wins(customer, totp_code):
    # given the request's copy of the customer was loaded before the account was frozen
    from django.contrib.auth import get_user_model

    fund(customer, "BTC", "1")
    address = usable_address(customer)
    stale = get_user_model().objects.get(pk=customer.pk)
    account_freeze(user=customer, reason="lost phone")
    # when the withdrawal goes ahead with a valid code
    with pytest.raises(ApplicationError) as exc:
        _request(stale, address, totp_code())
    # then the freeze read under the lock refuses it
    assert exc.value.code == "account_frozen"
    assert not Withdrawal.objects.exists()
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
