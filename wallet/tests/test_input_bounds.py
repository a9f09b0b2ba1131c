"""Input bounds: out-of-range, over-precise or implausible values are a 400 in the error
contract (never a 500), change nothing, and are logged; responses carry canonical decimals."""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from wallet.internal import tokens
from wallet.models import Balance, LedgerEntry, LeveragePosition, Rate, Withdrawal

from .helpers import XRP_ADDRESS, assert_ledger_consistent, balance_of, fund, usable_address

pytestmark = pytest.mark.django_db

ALL_SCOPES = ["balances:write", "rates:write", "withdrawals:read", "withdrawals:write"]


@pytest.fixture
def core(client):
    _row, raw = tokens.issue(name="core", scopes=ALL_SCOPES)

    def put(path, body):
        return client.put(
            path,
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": str(uuid.uuid4())},
        )

    def get(path):
        return client.get(path, headers={"Authorization": f"Bearer {raw}"})

    put.get = get  # type: ignore[attr-defined]
    return put


@pytest.fixture
def signed_in(api_client, customer):
    api_client.client.force_login(customer)
    return api_client


def _push(version, btc="0.5", jpy="1000", **leverage):
    body = {
        "version": version,
        "balances": [
            {"currency": "JPY", "available": jpy, "in_use": "0"},
            {"currency": "BTC", "available": btc, "in_use": "0"},
        ],
    }
    if leverage:
        base = dict.fromkeys(
            [
                "margin_jpy",
                "margin_btc",
                "withdrawable_jpy",
                "withdrawable_btc",
                "available_jpy",
                "available_btc",
                "debt_jpy",
                "debt_btc",
            ],
            "0",
        )
        body["leverage"] = {**base, **leverage}
    return body


def _assert_contract_400(response, code=None):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    if code:
        assert error["code"] == code
    return error


# --------------------------------------------------------------------------- customer API


@pytest.mark.parametrize(
    ("amount", "why"),
    [
        ("1e30", "far beyond any balance"),
        ("99999999999999999999999999999999999999", "more digits than the database holds"),
        ("0.000000001", "nine decimals for BTC"),
        ("1e-9", "nine decimals in exponent form"),
        ("NaN", "not a number"),
        ("Infinity", "not finite"),
        ("-1", "negative"),
        ("1e999999999", "exponent overflow"),
    ],
)
def test_withdrawal_amount_out_of_bounds_is_a_400_and_changes_nothing(signed_in, customer, totp_code, amount, why):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    entries = LedgerEntry.objects.count()
    response = signed_in.post(
        "/api/v1/withdrawals", {"currency": "BTC", "amount": amount, "address_id": address.pk, "code": totp_code()}
    )
    error = _assert_contract_400(response, "validation_failed")
    assert "amount" in error["fields"], why
    assert not Withdrawal.objects.exists()
    assert LedgerEntry.objects.count() == entries
    assert balance_of(customer, "BTC") == (Decimal(1), Decimal(0))


def test_xrp_amount_precision_is_six_places(signed_in, customer, totp_code):
    fund(customer, "XRP", "1000")
    address = usable_address(customer, "XRP", XRP_ADDRESS, tag=1)
    body = {"currency": "XRP", "address_id": address.pk, "code": totp_code()}
    too_precise = signed_in.post("/api/v1/withdrawals", {**body, "amount": "25.1234567"})
    assert _assert_contract_400(too_precise)["fields"]["amount"]
    created = signed_in.post("/api/v1/withdrawals", {**body, "amount": "25.123456", "code": totp_code()})
    assert created.status_code == 201, created.content
    # canonical: fixed-point with XRP's six places
    assert created.json()["amount"] == "25.123456" and created.json()["fee"] == "0.150000"


def test_the_plausibility_limit_is_an_operator_setting(signed_in, customer, totp_code, settings):
    settings.MADOGUCHI_WALLET_MAX_BALANCE = {"BTC": "0.1"}
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    response = signed_in.post(
        "/api/v1/withdrawals", {"currency": "BTC", "amount": "0.2", "address_id": address.pk, "code": totp_code()}
    )
    [message] = _assert_contract_400(response)["fields"]["amount"]
    assert "0.1" in message  # "0.1 以下で入力してください。" (ja, the client's language)


@pytest.mark.parametrize("address_id", [2**63, 2**70, 0, -1])
def test_withdrawal_address_id_out_of_range_is_a_400(signed_in, customer, address_id):
    fund(customer, "BTC", "1")
    response = signed_in.post("/api/v1/withdrawals", {"currency": "BTC", "amount": "0.01", "address_id": address_id})
    _assert_contract_400(response, "validation_failed")


def test_address_path_id_out_of_range_is_not_a_500(signed_in):
    response = signed_in.client.delete(f"/api/v1/withdrawal-addresses/{2**70}")
    _assert_contract_400(response, "validation_failed")


def test_customer_balances_never_carry_exponents(signed_in, customer):
    fund(customer, "BTC", "0.00000001")
    fund(customer, "BTC", "-0.00000001")  # leaves 0E-8 in the row
    fund(customer, "XRP", "100")
    body = signed_in.get("/api/v1/balances").json()
    rows = {row["currency"]: row for row in body["currencies"]}
    assert rows["BTC"]["available"] == "0.00000000"
    assert rows["XRP"]["available"] == "100.000000"
    for row in body["currencies"]:
        for key in ("available", "in_use", "jpy_value"):
            assert "E" not in (row[key] or ""), row


# --------------------------------------------------------------------------- internal API


@pytest.mark.parametrize("version", [2**63, 2**62, 2**53, 0, -1])
def test_version_out_of_range_is_a_400_and_does_not_poison(core, user_factory, version):
    user = user_factory()
    path = f"/internal/v1/accounts/{user.pk}/balances"
    response = core(path, _push(version))
    error = _assert_contract_400(response, "validation_failed")
    assert "version" in error["fields"]
    assert not Balance.objects.filter(user=user).exists()
    # a later, sane push still applies
    later = core(path, _push(2, btc="0.25"))
    assert later.status_code == 200 and later.json()["applied"] is True
    assert balance_of(user, "BTC") == (Decimal("0.25"), Decimal(0))


def test_the_largest_version_is_accepted(core, user_factory):
    user = user_factory()
    response = core(f"/internal/v1/accounts/{user.pk}/balances", _push(2**53 - 1))
    assert response.status_code == 200, response.content
    assert Balance.objects.get(user=user, currency="BTC").core_version == 2**53 - 1


def test_rate_version_out_of_range_is_a_400(core):
    response = core("/internal/v1/rates", {"version": 2**63, "rates": [{"currency": "BTC", "jpy": "15000000"}]})
    _assert_contract_400(response, "validation_failed")
    assert not Rate.objects.exists()


def test_implausible_btc_rate_is_refused_and_logged(core, caplog):
    caplog.set_level(logging.WARNING, logger="madoguchi.wallet")
    response = core(
        "/internal/v1/rates",
        {"version": 1, "rates": [{"currency": "ETH", "jpy": "500000"}, {"currency": "BTC", "jpy": "9999999999999999"}]},
    )
    error = _assert_contract_400(response, "out_of_range")
    assert list(error["fields"]) == ["rates.1.jpy"]
    # nothing changed: not even the plausible ETH rate of the same push
    assert not Rate.objects.exists()
    assert any("wallet.input_refused" in record.getMessage() for record in caplog.records)
    # the same push with a plausible rate applies
    ok = core("/internal/v1/rates", {"version": 1, "rates": [{"currency": "BTC", "jpy": "15000000"}]})
    assert ok.status_code == 200 and ok.json()["applied"] is True


def test_rate_precision_and_positivity(core):
    for jpy in ("0", "-1", "1.000000001"):
        response = core("/internal/v1/rates", {"version": 1, "rates": [{"currency": "XRP", "jpy": jpy}]})
        _assert_contract_400(response)
    assert not Rate.objects.exists()


@pytest.mark.parametrize(
    ("body_kwargs", "field"),
    [
        ({"btc": "21000000.00000001"}, "balances.1.available"),
        ({"btc": "1e30"}, "balances.1.available"),
        ({"jpy": "10000000000001"}, "balances.0.available"),
        ({"margin_btc": "22000000"}, "leverage.margin_btc"),
        ({"leverage_ratio": "5000"}, "leverage.leverage_ratio"),
    ],
)
def test_implausible_balances_are_refused_whole(core, user_factory, body_kwargs, field):
    user = user_factory()
    path = f"/internal/v1/accounts/{user.pk}/balances"
    leverage = {k: v for k, v in body_kwargs.items() if k not in {"btc", "jpy"}}
    balances = {k: v for k, v in body_kwargs.items() if k in {"btc", "jpy"}}
    response = core(path, _push(1, **balances, **leverage))
    error = _assert_contract_400(response)
    assert field in error["fields"], error
    assert not Balance.objects.filter(user=user).exists()
    assert not LeveragePosition.objects.filter(user=user).exists()
    assert_ledger_consistent()


def test_xrp_balance_precision_is_six_places(core, user_factory):
    user = user_factory()
    response = core(
        f"/internal/v1/accounts/{user.pk}/balances",
        {"version": 1, "balances": [{"currency": "XRP", "available": "1.0000001", "in_use": "0"}]},
    )
    fields = _assert_contract_400(response, "out_of_range")["fields"]
    assert fields == {"balances.0.available": ["at most 6 decimal places"]}


def test_internal_balances_are_canonical_decimals(core, user_factory):
    user = user_factory()
    response = core(f"/internal/v1/accounts/{user.pk}/balances", _push(1, btc="0", jpy="0.00000000"))
    assert response.status_code == 200
    rows = {row["currency"]: row for row in response.json()["balances"]}
    assert rows["BTC"]["available"] == "0.00000000" and rows["BTC"]["in_use"] == "0.00000000"
    assert rows["JPY"]["available"] == "0.00000000"


@pytest.mark.parametrize("query", [f"after_id={2**70}", "limit=100000", "limit=0", "status=bogus", "after_id=-1"])
def test_internal_withdrawal_list_query_bounds(core, query):
    response = core.get(f"/internal/v1/withdrawals?{query}")
    _assert_contract_400(response, "validation_failed")


def test_internal_account_path_out_of_range(core):
    response = core(f"/internal/v1/accounts/{2**70}/balances", _push(1))
    _assert_contract_400(response, "validation_failed")


# --------------------------------------------------------------------------- version reset


def test_a_bad_version_accepted_earlier_can_be_reset(core, user_factory):
    user = user_factory()
    path = f"/internal/v1/accounts/{user.pk}/balances"
    assert core(path, _push(2**53 - 1, btc="0.5")).status_code == 200
    assert core(path, _push(3, btc="0.75")).json()["applied"] is False
    call_command("wallet_core_version_reset", account=user.pk)
    assert core(path, _push(3, btc="0.75")).json()["applied"] is True
    assert balance_of(user, "BTC") == (Decimal("0.75"), Decimal(0))
    from core.models import AuditEvent

    assert AuditEvent.objects.filter(user=user, event="wallet.core_version_reset").exists()


def test_rate_versions_can_be_reset(core):
    huge = {"version": 2**53 - 1, "rates": [{"currency": "BTC", "jpy": "1"}]}
    assert core("/internal/v1/rates", huge).status_code == 200
    call_command("wallet_core_version_reset", rates=True, currency="BTC")
    later = {"version": 2, "rates": [{"currency": "BTC", "jpy": "15000000"}]}
    assert core("/internal/v1/rates", later).json()["applied"]
    assert Rate.objects.get(currency="BTC").jpy == Decimal("15000000")


def test_version_reset_refuses_bad_arguments(user_factory):
    with pytest.raises(CommandError):
        call_command("wallet_core_version_reset", account=user_factory().pk, to=2**60)
    with pytest.raises(CommandError):
        call_command("wallet_core_version_reset", account=999999)


def test_schema_level_refusals_are_logged_too(core, user_factory, caplog):
    caplog.set_level(logging.INFO, logger="madoguchi.api")
    user = user_factory()
    response = core(f"/internal/v1/accounts/{user.pk}/balances", _push(2**63))
    assert response.status_code == 400
    logged = [r.getMessage() for r in caplog.records if r.name == "madoguchi.api"]
    assert any("api.refused" in m and "version" in m for m in logged), logged


# --------------------------------------------------------------------------- fuzzing the internal API


@contextlib.contextmanager
def wsgi_keeps_the_test_connection() -> Iterator[None]:
    """Requests go through the WSGI handler, which closes the database connection around each
    one; inside the test's transaction that would close it for good (PostgreSQL). Django's
    test client disconnects the same signals, and connects them again after each of its own
    requests, so this wraps only the fuzzing (no test-client request inside)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_error_in_the_internal_api(user_factory, settings):
    """Bounded: a few examples per operation with a full-scope service token."""
    import schemathesis
    from django.core.wsgi import get_wsgi_application
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hypothesis_settings

    from api.main import internal_api

    user_factory()  # account 1 exists
    _row, token = tokens.issue(name="fuzz", scopes=ALL_SCOPES)
    document = internal_api.get_openapi_schema(path_prefix="/internal/v1/")
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(document, default=str)))
    schema.app = get_wsgi_application()
    failures: list[str] = []
    calls = {"n": 0}
    statuses: set[int] = set()

    def run(operation: Any) -> None:
        @hypothesis_settings(
            max_examples=15,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case: Any) -> None:
            calls["n"] += 1
            response = case.call(headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
            statuses.add(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{operation.method.upper()} {operation.path}: {response.text[:300]}")

        exercise()

    with wsgi_keeps_the_test_connection():
        for result in schema.get_all_operations():
            run(result.ok())
    assert failures == [], "\n".join(failures[:10])
    assert calls["n"] >= 4
    assert 200 in statuses and 400 in statuses, statuses  # authenticated, and bad input refused
    assert_ledger_consistent()


def test_null_ratios_are_accepted(core, user_factory):
    # found by the fuzzer: an explicit null maintenance ratio (no position) was a 500
    user = user_factory()
    response = core(f"/internal/v1/accounts/{user.pk}/balances", _push(1, leverage_ratio=None, maintenance_ratio=None))
    assert response.status_code == 200, response.content
    assert LeveragePosition.objects.get(user=user).maintenance_ratio is None
