"""Internal API for the trading core: service tokens only, scopes, idempotent pushes."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from wallet import services
from wallet.internal import tokens
from wallet.models import LedgerEntry, LeveragePosition, Rate, ServiceToken

from .helpers import assert_ledger_consistent, balance_of, fund, usable_address

pytestmark = pytest.mark.django_db

ALL_SCOPES = ["balances:write", "rates:write", "withdrawals:read", "withdrawals:write"]


@pytest.fixture
def core_token() -> str:
    _row, raw = tokens.issue(name="core", scopes=ALL_SCOPES)
    return raw


def _put(client, path, body, token=None, key=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    headers["Idempotency-Key"] = key or str(uuid.uuid4())
    return client.put(path, body, content_type="application/json", headers=headers)


def _balances_body(version=1, btc_available="0.5", btc_in_use="0.1"):
    return {
        "version": version,
        "balances": [
            {"currency": "JPY", "available": "1234567", "in_use": "0"},
            {"currency": "BTC", "available": btc_available, "in_use": btc_in_use},
        ],
        "leverage": {
            "margin_jpy": "300000",
            "margin_btc": "0.0196919",
            "withdrawable_jpy": "120000",
            "withdrawable_btc": "0.0078",
            "available_jpy": "180000",
            "available_btc": "0.0118",
            "debt_jpy": "0",
            "debt_btc": "0",
            "leverage_ratio": "2",
            "maintenance_ratio": "152.3",
        },
    }


def test_tokens_are_stored_hashed(core_token):
    row = ServiceToken.objects.get()
    assert row.token_hash == hashlib.sha256(core_token.encode()).hexdigest()
    assert core_token not in str(list(ServiceToken.objects.values_list()))


def test_balance_push_applies_through_the_ledger(client, user_factory, core_token):
    user = user_factory()
    response = _put(client, f"/internal/v1/accounts/{user.pk}/balances", _balances_body(), core_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["applied"] is True and body["replayed"] is False
    assert balance_of(user, "BTC") == (Decimal("0.5"), Decimal("0.1"))
    assert balance_of(user, "JPY") == (Decimal("1234567"), Decimal("0"))
    assert LeveragePosition.objects.get(user=user).maintenance_ratio == Decimal("152.3")
    assert LedgerEntry.objects.filter(user=user, kind="core_sync").count() == 2
    assert_ledger_consistent()


def test_replayed_balance_update_changes_nothing(client, user_factory, core_token):
    user = user_factory()
    path = f"/internal/v1/accounts/{user.pk}/balances"
    key = str(uuid.uuid4())
    first = _put(client, path, _balances_body(), core_token, key=key)
    entries = LedgerEntry.objects.count()
    # when exactly the same request is sent again
    again = _put(client, path, _balances_body(), core_token, key=key)
    # then it answers like the first time and nothing changes
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert again.json()["balances"] == first.json()["balances"]
    assert LedgerEntry.objects.count() == entries
    # the same version under a new key changes nothing either (version guard)
    third = _put(client, path, _balances_body(btc_available="9"), core_token)
    assert third.json()["applied"] is False
    assert balance_of(user, "BTC") == (Decimal("0.5"), Decimal("0.1"))
    # an older version too
    _put(client, path, _balances_body(version=0 + 1, btc_available="7"), core_token)
    assert balance_of(user, "BTC") == (Decimal("0.5"), Decimal("0.1"))
    # a newer one applies
    _put(client, path, _balances_body(version=2, btc_available="0.75"), core_token)
    assert balance_of(user, "BTC") == (Decimal("0.75"), Decimal("0.1"))
    assert_ledger_consistent()


def test_same_key_with_another_body_is_refused(client, user_factory, core_token):
    user = user_factory()
    path = f"/internal/v1/accounts/{user.pk}/balances"
    _put(client, path, _balances_body(), core_token, key="k-1")
    response = _put(client, path, _balances_body(version=5), core_token, key="k-1")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"


def test_idempotency_key_is_required(client, user_factory, core_token):
    user = user_factory()
    response = client.put(
        f"/internal/v1/accounts/{user.pk}/balances",
        _balances_body(),
        content_type="application/json",
        headers={"Authorization": f"Bearer {core_token}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"


def test_customer_credentials_are_refused(api_client, user_factory):
    # given a signed-in customer (browser session and app session token)
    user = user_factory()
    api_client.client.force_login(user)
    path = f"/internal/v1/accounts/{user.pk}/balances"
    # when they call the internal API with their session cookie
    response = _put(api_client.client, path, _balances_body())
    assert response.status_code == 401
    # or with an app session token, in either header
    login = api_client.login_app(user.email)
    token = login.json()["meta"]["session_token"]
    assert _put(api_client.client, path, _balances_body(), **{"X-Session-Token": token}).status_code == 401
    assert _put(api_client.client, path, _balances_body(), token).status_code == 401
    assert balance_of(user, "BTC") == (Decimal(0), Decimal(0))


def test_wrong_scope_is_refused(client, user_factory):
    user = user_factory()
    _row, rates_only = tokens.issue(name="rates-feed", scopes=["rates:write"])
    response = _put(client, f"/internal/v1/accounts/{user.pk}/balances", _balances_body(), rates_only)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert balance_of(user, "BTC") == (Decimal(0), Decimal(0))
    # the same token works where its scope applies
    ok = _put(
        client, "/internal/v1/rates", {"version": 1, "rates": [{"currency": "BTC", "jpy": "15000000"}]}, rates_only
    )
    assert ok.status_code == 200


def test_revoked_expired_and_rotated_tokens(client, user_factory, time_machine):
    user = user_factory()
    path = f"/internal/v1/accounts/{user.pk}/balances"
    _row, raw = tokens.issue(name="core", scopes=["balances:write"])
    # rotation: the old token keeps working during the grace period, then stops
    new_row, new_raw = tokens.rotate(name="core", grace=dt.timedelta(hours=1))
    assert new_row.scopes == ["balances:write"]
    assert _put(client, path, _balances_body(version=1), raw).status_code == 200
    time_machine.move_to(timezone.now() + dt.timedelta(hours=2))
    assert _put(client, path, _balances_body(version=2), raw).status_code == 401
    assert _put(client, path, _balances_body(version=3), new_raw).status_code == 200
    # revocation is immediate
    assert tokens.revoke(prefix=new_row.prefix)
    assert _put(client, path, _balances_body(version=4), new_raw).status_code == 401
    assert _put(client, path, _balances_body(version=5), "mdgs_nope_nope").status_code == 401


def test_rates_push_is_versioned(client, core_token):
    body = {"version": 10, "rates": [{"currency": "BTC", "jpy": "15234567.5"}, {"currency": "XRP", "jpy": "85.1"}]}
    assert _put(client, "/internal/v1/rates", body, core_token).json()["applied"] is True
    stale = {"version": 9, "rates": [{"currency": "BTC", "jpy": "1"}]}
    assert _put(client, "/internal/v1/rates", stale, core_token).json()["applied"] is False
    assert Rate.objects.get(currency="BTC").jpy == Decimal("15234567.5")


@pytest.mark.parametrize(
    "body",
    [
        {"version": 1, "rates": [{"currency": "BTC", "jpy": 15000000.5}]},  # float
        {"version": 1, "rates": [{"currency": "BTC", "jpy": "-1"}]},
        {"version": 1, "rates": [{"currency": "DOGE", "jpy": "10"}]},
    ],
)
def test_bad_rates_are_refused(client, core_token, body):
    response = _put(client, "/internal/v1/rates", body, core_token)
    assert response.status_code == 400
    assert not Rate.objects.exists()


def test_float_balances_are_refused(client, user_factory, core_token):
    user = user_factory()
    body = _balances_body()
    body["balances"][1]["available"] = 0.5
    response = _put(client, f"/internal/v1/accounts/{user.pk}/balances", body, core_token)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_failed"


def test_push_keeps_withdrawals_the_core_has_not_seen(client, customer, core_token, totp_code):
    # given a pending withdrawal of 0.1 BTC (+0.0005 fee) the core does not know yet
    fund(customer, "BTC", "1")
    withdrawal = services.withdrawal_request(
        user=customer, currency="BTC", amount="0.1", address_id=usable_address(customer).pk, code=totp_code()
    )
    # when the core pushes figures computed before it
    body = _balances_body(btc_available="1", btc_in_use="0")
    body["withdrawals_seen_up_to"] = withdrawal.pk - 1
    _put(client, f"/internal/v1/accounts/{customer.pk}/balances", body, core_token)
    # then the withdrawal stays held
    assert balance_of(customer, "BTC") == (Decimal("0.8995"), Decimal("0.1005"))
    # and once the core has seen it, its figures are taken as they are
    body = _balances_body(version=2, btc_available="0.8995", btc_in_use="0.1005")
    body["withdrawals_seen_up_to"] = withdrawal.pk
    _put(client, f"/internal/v1/accounts/{customer.pk}/balances", body, core_token)
    assert balance_of(customer, "BTC") == (Decimal("0.8995"), Decimal("0.1005"))
    assert_ledger_consistent()


def test_withdrawal_status_flow(client, customer, core_token, totp_code):
    fund(customer, "BTC", "1")
    withdrawal = services.withdrawal_request(
        user=customer, currency="BTC", amount="0.1", address_id=usable_address(customer).pk, code=totp_code()
    )
    auth = {"Authorization": f"Bearer {core_token}"}
    pending = client.get("/internal/v1/withdrawals?status=pending", headers=auth).json()
    assert [w["id"] for w in pending] == [withdrawal.pk]
    assert pending[0]["address"] == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    path = f"/internal/v1/withdrawals/{withdrawal.pk}/status"
    first = _put(client, path, {"status": "sent", "txid": "ab" * 32}, core_token, key="w-1")
    assert first.status_code == 200 and first.json()["changed"] is True
    replay = _put(client, path, {"status": "sent", "txid": "ab" * 32}, core_token, key="w-1")
    assert replay.json()["replayed"] is True
    again = _put(client, path, {"status": "sent", "txid": "ab" * 32}, core_token)
    assert again.json()["changed"] is False
    conflict = _put(client, path, {"status": "failed"}, core_token)
    assert conflict.status_code == 409
    assert balance_of(customer, "BTC") == (Decimal("0.8995"), Decimal("0"))
    assert_ledger_consistent()


def test_unknown_account_is_404(client, core_token):
    assert _put(client, "/internal/v1/accounts/999999/balances", _balances_body(), core_token).status_code == 404
