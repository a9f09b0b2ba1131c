"""Customer JSON API: /api/v1/balances, /withdrawal-addresses, /withdrawals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.services import account_freeze, withdrawal_hold_set
from wallet.models import LeveragePosition, Rate

from .helpers import BTC_ADDRESS, fund, usable_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(api_client, customer):
    api_client.client.force_login(customer)
    return api_client


def _rates():
    now = timezone.now()
    Rate.objects.create(currency="BTC", jpy=Decimal("15000000"), as_of=now)
    Rate.objects.create(currency="ETH", jpy=Decimal("500000"), as_of=now)
    Rate.objects.create(currency="XRP", jpy=Decimal("85.5"), as_of=now)


def test_balances_need_a_customer(api_client):
    response = api_client.get("/api/v1/balances")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_balances_contract(signed_in, customer):
    # given balances in four currencies and rates
    _rates()
    fund(customer, "JPY", "1234567")
    fund(customer, "BTC", "0.00012300", "0.1")
    fund(customer, "XRP", "10.5")
    # when the app asks for them
    body = signed_in.get("/api/v1/balances").json()
    # then amounts are decimal strings and the total is valued at the rates
    rows = {row["currency"]: row for row in body["currencies"]}
    assert list(rows) == ["JPY", "BTC", "ETH", "XRP"]
    assert rows["BTC"] == {"currency": "BTC", "available": "0.00012300", "in_use": "0.10000000", "jpy_value": "1501845"}
    assert rows["XRP"]["jpy_value"] == "897"  # 10.5 * 85.5 = 897.75, rounded down
    assert body["net_assets_jpy"] == str(1234567 + 1501845 + 0 + 897)
    # and without a position the maintenance ratio is null (N/A)
    assert body["leverage"]["maintenance_ratio"] is None
    assert body["leverage"]["margin_jpy"] == "0"


def test_balances_with_a_position(signed_in, customer):
    LeveragePosition.objects.create(
        user=customer, margin_jpy=Decimal("300000"), leverage_ratio=Decimal("2"), maintenance_ratio=Decimal("152.34")
    )
    leverage = signed_in.get("/api/v1/balances").json()["leverage"]
    assert leverage["maintenance_ratio"] == "152.3"
    assert leverage["leverage_ratio"] == "2"
    assert leverage["margin_jpy"] == "300000.00000000"


def test_add_address_asks_for_a_code(signed_in, totp_code):
    body = {"currency": "BTC", "address": BTC_ADDRESS, "label": "cold"}
    response = signed_in.post("/api/v1/withdrawal-addresses", body)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "two_factor_required"
    wrong = signed_in.post("/api/v1/withdrawal-addresses", {**body, "code": "000000"})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "two_factor_invalid"
    created = signed_in.post("/api/v1/withdrawal-addresses", {**body, "code": totp_code()})
    assert created.status_code == 201
    assert created.json()["usable"] is False
    listed = signed_in.get("/api/v1/withdrawal-addresses").json()
    assert [a["address"] for a in listed] == [BTC_ADDRESS]


def test_invalid_address_error(signed_in):
    response = signed_in.post("/api/v1/withdrawal-addresses", {"currency": "ETH", "address": "0x123"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_address" and "address" in error["fields"]


def test_withdrawal_request_and_errors(signed_in, customer, totp_code):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    body = {"currency": "BTC", "amount": "0.5", "address_id": address.pk}
    assert signed_in.post("/api/v1/withdrawals", body).json()["error"]["code"] == "two_factor_required"
    assert signed_in.post("/api/v1/withdrawals", {**body, "code": "000000"}).json()["error"]["code"] == (
        "two_factor_invalid"
    )
    too_much = signed_in.post("/api/v1/withdrawals", {**body, "amount": "1", "code": totp_code()})
    assert too_much.status_code == 400 and too_much.json()["error"]["code"] == "insufficient_funds"
    created = signed_in.post("/api/v1/withdrawals", {**body, "code": totp_code()})
    assert created.status_code == 201
    # canonical decimal strings: fixed-point with the currency's places, as in the list
    assert created.json()["amount"] == "0.50000000" and created.json()["fee"] == "0.00050000"
    assert created.json()["status"] == "pending"
    assert [w["id"] for w in signed_in.get("/api/v1/withdrawals").json()] == [created.json()["id"]]


def test_withdrawal_float_amount_is_refused(signed_in, customer):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    response = signed_in.post("/api/v1/withdrawals", {"currency": "BTC", "amount": 0.5, "address_id": address.pk})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_failed"


def test_frozen_and_held_accounts(signed_in, customer, totp_code):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    body = {"currency": "BTC", "amount": "0.5", "address_id": address.pk, "code": totp_code()}
    withdrawal_hold_set(user=customer, hours=24, reason="password reset")
    held = signed_in.post("/api/v1/withdrawals", body)
    assert held.status_code == 403 and held.json()["error"]["code"] == "withdrawal_hold"
    account_freeze(user=customer, reason="lost phone")
    frozen = signed_in.post("/api/v1/withdrawals", body)
    assert frozen.status_code == 403 and frozen.json()["error"]["code"] == "account_frozen"


def test_lists_are_scoped_to_the_customer(signed_in, user_factory):
    other = user_factory()
    foreign = usable_address(other)
    assert signed_in.get("/api/v1/withdrawal-addresses").json() == []
    response = signed_in.post(
        "/api/v1/withdrawals", {"currency": "BTC", "amount": "0.5", "address_id": foreign.pk, "code": "1"}
    )
    assert response.status_code == 404


def test_openapi_documents_the_wallet_endpoints(api_client):
    paths = api_client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/balances", "/api/v1/withdrawal-addresses", "/api/v1/withdrawals"):
        assert path in paths
    balances = paths["/api/v1/balances"]["get"]["responses"]["200"]
    assert balances  # a typed response schema, not an empty object
