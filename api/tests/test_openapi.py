"""The API documents: valid OpenAPI, the security scheme and error contract documented, and a
bounded schemathesis run with a signed-in token that must produce no server error."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate

from mfa.tests.helpers import code_now, enable_totp

pytestmark = pytest.mark.django_db

# Examples per operation; the run stays well under a minute on one core.
EXAMPLES = int(os.environ.get("MADOGUCHI_SCHEMATHESIS_EXAMPLES", "8"))


@pytest.fixture
def spec(client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_customer_api_document_is_valid_openapi(spec):
    validate(spec)  # raises on an invalid document (it did: SessionTokenAuth had no "in"/"name")
    schemes = spec["components"]["securitySchemes"]
    assert schemes["SessionTokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Session-Token",
        "description": schemes["SessionTokenAuth"]["description"],
    }


def test_every_operation_documents_the_error_contract(spec):
    error = spec["components"]["schemas"]["ErrorOut"]
    assert error["properties"]["error"]["required"] == ["code", "message", "fields"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert responses["400"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }, (method, path)
            assert "default" in responses
            if operation.get("security"):
                assert "401" in responses, (method, path)


def test_the_error_contract_lists_every_registered_code(spec):
    from core.errors import error_code_registry

    registry = error_code_registry()
    schemas = spec["components"]["schemas"]
    code = schemas["ErrorOut"]["properties"]["error"]["properties"]["code"]
    assert code["type"] == "string"
    assert sorted(code["enum"]) == sorted(registry)
    assert {"validation_failed", "two_factor_setup_required", "insufficient_funds", "link_invalid"} <= set(code["enum"])
    # one schema per domain, each code with its condition
    by_domain: dict[str, str] = {}
    for member in registry.values():
        name = type(member).__name__
        domain = schemas[name]
        assert domain["type"] == "string"
        index = domain["enum"].index(member.value)
        assert domain["x-enum-varnames"][index] == member.name
        assert domain["x-enum-descriptions"][index] == member.description != ""
        by_domain[member.value] = name
    assert by_domain["insufficient_funds"] == "WalletErrorCode"
    assert by_domain["account_frozen"] == "CommonErrorCode"
    assert by_domain["captcha_invalid"] == "CoreErrorCode"
    assert by_domain["case_claimed"] == "RecoveryErrorCode"
    assert by_domain["http_error"] == "ApiErrorCode"
    assert "two_factor_enrolment_required" not in code["enum"]


def test_currencies_and_statuses_are_enums(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["CurrencyBalanceOut"]["properties"]["currency"]["enum"] == ["JPY", "BTC", "ETH", "XRP"]
    assert schemas["WithdrawalOut"]["properties"]["currency"]["enum"] == ["BTC", "ETH", "XRP"]
    assert schemas["WithdrawalOut"]["properties"]["status"]["enum"] == ["pending", "sent", "failed", "cancelled"]
    assert schemas["WithdrawalIn"]["properties"]["currency"]["enum"] == ["BTC", "ETH", "XRP"]
    assert "new" in schemas["InquiryOut"]["properties"]["status"]["enum"]
    assert "submitted" in schemas["CaseOut"]["properties"]["status"]["enum"]


def test_the_internal_api_document_is_valid_openapi():
    from api.main import internal_api

    document = json.loads(json.dumps(internal_api.get_openapi_schema(path_prefix="/internal/v1/"), default=str))
    validate(document)
    assert "400" in document["paths"]["/internal/v1/rates"]["put"]["responses"]
    codes = document["components"]["schemas"]["ErrorOut"]["properties"]["error"]["properties"]["code"]["enum"]
    assert {"idempotency_conflict", "out_of_range", "insufficient_scope", "would_overdraw"} <= set(codes)
    version = document["components"]["schemas"]["RatesIn"]["properties"]["version"]
    assert version["minimum"] == 1 and version["maximum"] == 2**53 - 1


def _signed_in_token(api_client, user_factory) -> str:
    user = user_factory(email="fuzz@example.com", language="en")
    enable_totp(user)
    from wallet.tests.helpers import fund, usable_address

    fund(user, "BTC", "1")
    usable_address(user)
    assert api_client.login_app(user.email).status_code == 401  # the second step is pending
    ok = api_client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": code_now()})
    assert ok.status_code == 200, ok.content
    return str(ok.json()["meta"]["session_token"])


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


def test_schemathesis_finds_no_server_error(api_client, user_factory, settings):
    import schemathesis
    from django.core.wsgi import get_wsgi_application
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hypothesis_settings

    token = _signed_in_token(api_client, user_factory)
    document = api_client.get("/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()  # requests go through the WSGI handler, in this thread
    operations = [result.ok() for result in schema.get_all_operations()]
    # The freeze endpoint freezes the fuzzing customer: run it last so the others see a normal account.
    operations.sort(key=lambda op: op.path.endswith("/account/freeze"))
    failures: list[str] = []
    calls = {"n": 0}
    statuses: dict[int, int] = {}
    started = time.monotonic()

    def run(operation: Any) -> None:
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case: Any) -> None:
            calls["n"] += 1
            response = case.call(headers={"X-Session-Token": token})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            label = f"{operation.method.upper()} {operation.path} -> {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{label}: {response.text[:300]}")
            elif response.status_code >= 400:
                # every refusal is JSON in the contract's shape
                try:
                    body = response.json()
                    assert set(body["error"]) >= {"code", "message", "fields"}
                except Exception:  # noqa: BLE001 - recorded, reported below
                    failures.append(f"{label}: not the error contract: {response.text[:200]}")

        exercise()

    with wsgi_keeps_the_test_connection():
        for operation in operations:
            run(operation)

    elapsed = time.monotonic() - started
    summary = f"{len(operations)} operations, {calls['n']} requests, {elapsed:.1f} s, {sorted(statuses.items())}"
    print(f"schemathesis: {summary}")
    assert failures == [], "\n".join(failures[:20])
    assert calls["n"] >= len(operations)
    assert statuses.get(200, 0) + statuses.get(201, 0) > len(operations) // 2  # signed in: most answer


# --------------------------------------------------------------------------- allauth's headless spec


def test_allauth_headless_spec_is_served_as_json(client):
    response = client.get("/_allauth/openapi.json")
    # it was a 500: the schema holds lazy translation strings (__proxy__)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi+json"
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert "/_allauth/{client}/v1/auth/login" in document["paths"]
    validate(document)


def test_allauth_headless_spec_page_loads_no_script_from_elsewhere(client):
    import re

    from django.contrib.staticfiles import finders

    response = client.get("/_allauth/openapi.html")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources == ["/static/api/redoc/redoc.standalone.js"]
    assert "cdn" not in html.lower() and "//" not in "".join(sources)
    assert 'spec-url="/_allauth/openapi.json"' in html
    # the vendored bundle is there and is the pinned file
    import base64
    import hashlib

    path = finders.find("api/redoc/redoc.standalone.js")
    assert path
    digest = base64.b64encode(hashlib.sha384(open(path, "rb").read()).digest()).decode()  # noqa: SIM115
    assert f'integrity="sha384-{digest}"' in html
