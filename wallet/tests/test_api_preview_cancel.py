"""JSON API: GET /api/v1/withdrawals/preview and POST /api/v1/withdrawals/{id}/cancel."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.services import account_freeze
from wallet import services
from wallet.models import Rate, Withdrawal

from .helpers import balance_of, fund, usable_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(api_client, customer):
    api_client.client.force_login(customer)
    return api_client


def test_preview_needs_a_customer(api_client):
    response = api_client.get("/api/v1/withdrawals/preview?currency=BTC&amount=0.1")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_preview_contract(signed_in, customer):
    fund(customer, "BTC", "1")
    Rate.objects.create(currency="BTC", jpy=Decimal("15000000"))
    address = usable_address(customer)
    response = signed_in.get(f"/api/v1/withdrawals/preview?currency=btc&amount=0.1&address_id={address.pk}")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "currency": "BTC",
        "amount": "0.10000000",
        "fee": "0.00050000",
        "minimum": "0.00100000",
        "total": "0.10050000",
        "received": "0.10000000",
        "rate_jpy": "15000000.00000000",
        "received_jpy": "1500000",
        "fee_jpy": "7500",
        "total_jpy": "1507500",
        "available": "1.00000000",
        "available_after": "0.89950000",
        "daily_limit": "10.00000000",
        "daily_remaining": "10.00000000",
        "daily_remaining_after": "9.90000000",
        "monthly_limit": "100.00000000",
        "monthly_remaining": "100.00000000",
        "monthly_remaining_after": "99.90000000",
        "max_amount": "0.99950000",
        "can_submit": True,
        "problems": [],
    }
    # nothing was requested or held
    assert not Withdrawal.objects.exists()
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))


def test_preview_without_an_amount_gives_the_max(signed_in, customer):
    fund(customer, "XRP", "50")
    body = signed_in.get("/api/v1/withdrawals/preview?currency=XRP").json()
    assert (body["amount"], body["total"], body["max_amount"], body["can_submit"]) == (None, None, "49.850000", False)


def test_preview_problems_use_the_requests_codes_in_the_callers_language(signed_in, customer):
    fund(customer, "BTC", "0.05")
    body = signed_in.get(
        "/api/v1/withdrawals/preview?currency=BTC&amount=0.05", headers={"Accept-Language": "en"}
    ).json()
    assert body["can_submit"] is False
    assert [(p["code"], p["field"]) for p in body["problems"]] == [("insufficient_funds", "amount")]
    assert "Insufficient funds" in body["problems"][0]["message"]
    ja = signed_in.get("/api/v1/withdrawals/preview?currency=BTC&amount=0.05", headers={"Accept-Language": "ja"})
    assert ja.json()["problems"][0]["message"] != body["problems"][0]["message"]


@pytest.mark.parametrize(
    "query",
    [
        "currency=BTC&amount=1e30",
        "currency=BTC&amount=abc",
        "currency=DOGE&amount=1",
        "currency=BTC&amount=0.000000001",
    ],
)
def test_preview_bad_input_is_a_400_in_the_contract(signed_in, query):
    response = signed_in.get(f"/api/v1/withdrawals/preview?{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_failed" and error["fields"]


def test_preview_with_someone_elses_address_is_a_404(signed_in, user_factory):
    other = usable_address(user_factory())
    response = signed_in.get(f"/api/v1/withdrawals/preview?currency=BTC&amount=0.1&address_id={other.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def _pending(customer, totp_code):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    return services.withdrawal_request(
        user=customer, currency="BTC", amount="0.1", address_id=address.pk, code=totp_code()
    )


def test_cancel_contract(signed_in, customer, totp_code, outbox):
    withdrawal = _pending(customer, totp_code)
    listed = signed_in.get("/api/v1/withdrawals").json()[0]
    assert (listed["cancellable"], listed["cancelled_by"]) == (True, None)
    response = signed_in.post(f"/api/v1/withdrawals/{withdrawal.pk}/cancel")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["cancelled_by"], body["cancellable"]) == (
        withdrawal.pk,
        "cancelled",
        "customer",
        False,
    )
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
    assert len(outbox.emails(to=customer.email, kind="wallet_withdrawal_cancelled")) == 1
    again = signed_in.post(f"/api/v1/withdrawals/{withdrawal.pk}/cancel", headers={"Accept-Language": "en"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "withdrawal_not_cancellable"
    assert "already been cancelled" in again.json()["error"]["message"]


def test_cancel_after_the_core_sent_it_is_a_409(signed_in, customer, totp_code):
    withdrawal = _pending(customer, totp_code)
    services.withdrawal_status_set(withdrawal_id=withdrawal.pk, status="sent", txid="ab" * 32)
    response = signed_in.post(f"/api/v1/withdrawals/{withdrawal.pk}/cancel")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "withdrawal_not_cancellable"


def test_cancel_of_someone_elses_withdrawal_is_a_404(api_client, customer, totp_code, user_factory):
    withdrawal = _pending(customer, totp_code)
    api_client.client.force_login(user_factory())
    response = api_client.post(f"/api/v1/withdrawals/{withdrawal.pk}/cancel")
    assert response.status_code == 404
    assert Withdrawal.objects.get(pk=withdrawal.pk).status == "pending"


def test_cancel_while_frozen_is_refused(signed_in, customer, totp_code):
    withdrawal = _pending(customer, totp_code)
    account_freeze(user=customer, reason="lost phone")
    response = signed_in.post(f"/api/v1/withdrawals/{withdrawal.pk}/cancel")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "account_frozen"


@pytest.mark.parametrize("bad", ["0", "abc", str(2**63)])
def test_cancel_with_a_bad_id_is_a_400_or_404_never_a_500(signed_in, bad):
    response = signed_in.post(f"/api/v1/withdrawals/{bad}/cancel")
    assert response.status_code in (400, 404)
    assert response.json()["error"]["code"] in ("validation_failed", "not_found")


def test_the_openapi_document_lists_preview_and_cancel(api_client):
    schema = api_client.get("/api/v1/openapi.json").json()
    assert "get" in schema["paths"]["/api/v1/withdrawals/preview"]
    assert "post" in schema["paths"]["/api/v1/withdrawals/{withdrawal_id}/cancel"]
    preview = schema["components"]["schemas"]["WithdrawalPreviewOut"]["properties"]
    assert {"fee", "received", "received_jpy", "daily_remaining", "monthly_remaining", "max_amount"} <= set(preview)
    withdrawal = schema["components"]["schemas"]["WithdrawalOut"]["properties"]
    assert {"cancellable", "cancelled_by", "status", "amount", "fee"} <= set(withdrawal)


def test_the_trading_core_sees_who_cancelled_and_cannot_send_it(client, customer, totp_code):
    from wallet.internal import tokens
    from wallet.models import ServiceToken

    withdrawal = _pending(customer, totp_code)
    services.withdrawal_cancel(user=customer, withdrawal_id=withdrawal.pk)
    _row, raw = tokens.issue(name="core", scopes=[s.value for s in ServiceToken.Scope])
    auth = {"Authorization": f"Bearer {raw}"}
    listed = client.get("/internal/v1/withdrawals?status=cancelled", headers=auth).json()
    assert [(w["id"], w["cancelled_by"]) for w in listed] == [(withdrawal.pk, "customer")]
    sent = client.put(
        f"/internal/v1/withdrawals/{withdrawal.pk}/status",
        {"status": "sent", "txid": "ab" * 32},
        content_type="application/json",
        headers={**auth, "Idempotency-Key": "k-1"},
    )
    assert sent.status_code == 409
    assert sent.json()["error"]["code"] == "invalid_transition"
