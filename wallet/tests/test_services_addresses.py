"""Withdrawal addresses: validated per currency, added with a second factor, usable later."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.services import account_freeze
from core.errors import ApplicationError
from core.models import AuditEvent
from wallet import services
from wallet.models import WithdrawalAddress

from .helpers import BTC_ADDRESS, ETH_ADDRESS, XRP_ADDRESS

pytestmark = pytest.mark.django_db


def _add(user, code, currency="BTC", address=BTC_ADDRESS, **kwargs):
    return services.withdrawal_address_add(user=user, currency=currency, address=address, code=code, **kwargs)


def test_adding_an_address_needs_a_code_and_waits_24_hours(customer, totp_code, outbox):
    # when the customer adds an address without a code, they are asked for one
    with pytest.raises(ApplicationError) as exc:
        _add(customer, None, label="Ledger")
    assert (exc.value.code, exc.value.status) == ("two_factor_required", 401)
    assert not WithdrawalAddress.objects.exists()
    # with a code it is saved, not yet usable
    before = timezone.now()
    row = _add(customer, totp_code(), label="  Ledger   Nano ")
    assert row.label == "Ledger Nano"
    assert row.usable_at >= before + dt.timedelta(hours=24)
    assert not row.is_usable()
    assert AuditEvent.objects.filter(user=customer, event="withdrawal_address.added").exists()
    mail = outbox.emails(to=customer.email, kind="wallet_address_added")[0]
    assert BTC_ADDRESS not in mail.body and BTC_ADDRESS[:6] in mail.body


def test_wrong_code_saves_nothing(customer):
    with pytest.raises(ApplicationError) as exc:
        _add(customer, "999999")
    assert exc.value.code == "two_factor_invalid"
    assert not WithdrawalAddress.objects.exists()


def test_operator_sets_the_delay(customer, totp_code, settings):
    settings.MADOGUCHI_WITHDRAWAL_ADDRESS_DELAY_HOURS = 72
    row = _add(customer, totp_code())
    assert row.usable_at - row.created_at == dt.timedelta(hours=72)


@pytest.mark.parametrize(
    ("currency", "address"),
    [
        ("BTC", BTC_ADDRESS[:-1] + "5"),
        ("ETH", ETH_ADDRESS.lower()),
        ("ETH", ETH_ADDRESS[:-1] + "D"),
        ("XRP", XRP_ADDRESS[:-1] + "H"),
        ("BTC", ETH_ADDRESS),
    ],
)
def test_invalid_addresses_are_refused_before_asking_for_a_code(customer, currency, address):
    with pytest.raises(ApplicationError) as exc:
        _add(customer, None, currency=currency, address=address)
    assert exc.value.code == "invalid_address"
    assert "address" in exc.value.fields


def test_xrp_destination_tag(customer, totp_code):
    row = _add(customer, totp_code(), currency="XRP", address=XRP_ADDRESS, destination_tag="12345")
    assert row.destination_tag == 12345
    with pytest.raises(ApplicationError) as exc:
        _add(customer, None, currency="XRP", address=XRP_ADDRESS, destination_tag="4294967296")
    assert "destination_tag" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        _add(customer, None, currency="BTC", address=BTC_ADDRESS, destination_tag="1")
    assert "destination_tag" in exc.value.fields


def test_duplicate_address_is_refused(customer, totp_code):
    _add(customer, totp_code(), address=BTC_ADDRESS.upper())  # stored in canonical lower case
    with pytest.raises(ApplicationError) as exc:
        _add(customer, totp_code())
    assert exc.value.code == "address_exists"


def test_frozen_account_cannot_add_addresses(customer, totp_code):
    account_freeze(user=customer, reason="lost phone")
    with pytest.raises(ApplicationError) as exc:
        _add(customer, totp_code())
    assert exc.value.code == "account_frozen"


def test_jpy_is_not_a_withdrawal_address_currency(customer):
    with pytest.raises(ApplicationError) as exc:
        _add(customer, None, currency="JPY", address="x")
    assert "currency" in exc.value.fields


def test_remove_is_scoped_to_the_owner(customer, user_factory, totp_code):
    row = _add(customer, totp_code())
    other = user_factory()
    with pytest.raises(Http404):
        services.withdrawal_address_remove(user=other, address_id=row.pk)
    services.withdrawal_address_remove(user=customer, address_id=row.pk)
    row.refresh_from_db()
    assert row.removed_at is not None
    assert AuditEvent.objects.filter(user=customer, event="withdrawal_address.removed").exists()


def test_the_email_is_in_the_customers_language(customer, totp_code, outbox):
    customer.language = "ja"
    customer.save(update_fields=["language"])
    _add(customer, totp_code(), label="ハードウェア")
    mail = outbox.emails(to=customer.email, kind="wallet_address_added")[0]
    assert "出金先アドレスが追加されました" in mail.subject
    assert "ハードウェア" in mail.body and "から使えます" in mail.body


def test_full_width_input_is_normalised_before_the_checksum(customer, totp_code):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in XRP_ADDRESS)  # ｒＨｂ９…
    row = _add(customer, totp_code(), currency="XRP", address=full_width, destination_tag="１２３")
    assert (row.address, row.destination_tag) == (XRP_ADDRESS, 123)
