"""api/: who is signed in (api/auth.py) and the one error contract (api/main.py), for every
exception handler, plus the allauth OpenAPI view (api/views.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.testing import TestClient

from api.main import install_error_contract
from core.errors import ApplicationError
from mfa.tests.helpers import code_now, enable_totp
from wallet.errors import WalletErrorCode

pytestmark = pytest.mark.django_db

BALANCES = "/api/v1/balances"


def _is_contract(body: dict[str, Any], code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


# --------------------------------------------------------------------------- authentication


def test_no_credential_is_401_in_the_contract_in_the_callers_language(client: Client) -> None:
    ja = client.get(BALANCES, headers={"Accept-Language": "ja"})
    en = client.get(BALANCES, headers={"Accept-Language": "en"})
    assert ja.status_code == en.status_code == 401
    _is_contract(ja.json(), "not_authenticated")
    _is_contract(en.json(), "not_authenticated")
    assert en.json()["error"]["message"] == "Please sign in."
    assert ja.json()["error"]["message"] != "Please sign in."  # translated


def test_a_forged_or_unknown_session_token_is_refused(client: Client) -> None:
    response = client.get(BALANCES, headers={"X-Session-Token": "not-a-token"})
    assert response.status_code == 401
    _is_contract(response.json(), "not_authenticated")


def test_the_headless_session_token_signs_in_and_a_deactivated_account_is_refused(
    api_client: Any, user_factory: Any
) -> None:
    user = user_factory(email="token@example.com")
    enable_totp(user)
    assert api_client.login_app(user.email).status_code == 401  # the second step is pending
    second = api_client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": code_now()})
    assert second.status_code == 200
    api_client.token = second.json()["meta"]["session_token"]
    assert api_client.get(BALANCES).status_code == 200

    user.is_active = False
    user.save()
    refused = api_client.get(BALANCES)
    assert refused.status_code == 401
    _is_contract(refused.json(), "not_authenticated")


def test_the_browser_session_works_and_unsafe_methods_need_the_csrf_token(user_factory: Any) -> None:
    user = user_factory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get(BALANCES).status_code == 200
    # a cross-site form posting with the victim's cookie: no CSRF token, nothing changes
    forged = browser.post("/api/v1/security/anti-phishing-code", {"value": "hacked"}, content_type="application/json")
    assert forged.status_code == 403
    assert forged.json()["error"]["code"]
    user.refresh_from_db()
    assert user.anti_phishing_code != "hacked"


# --------------------------------------------------------------------------- error contract


class _In(Schema):
    amount: int


def _api() -> TestClient:
    api = NinjaAPI(urls_namespace="contract-test")
    install_error_contract(api)

    @api.get("/app")
    def app_error(request: Any) -> None:
        raise ApplicationError(WalletErrorCode.OUT_OF_RANGE, "too much", status=400, fields={"amount": ["too much"]})

    @api.post("/validate")
    def validate(request: Any, payload: _In) -> dict[str, int]:
        return {"amount": payload.amount}

    @api.get("/auth")
    def auth(request: Any) -> None:
        raise AuthenticationError()

    @api.get("/missing")
    def missing(request: Any) -> None:
        raise Http404("no such thing")

    @api.get("/teapot")
    def teapot(request: Any) -> None:
        raise HttpError(418, "short and stout")

    @api.get("/api/v1/boom")  # a path under the API prefix: core.degrade answers JSON there
    def boom(request: Any) -> None:
        raise RuntimeError("secret internals")

    return TestClient(api)


def test_application_errors_keep_their_code_status_and_fields() -> None:
    response = _api().get("/app")
    assert response.status_code == 400
    _is_contract(response.json(), "out_of_range")
    assert response.json()["error"]["fields"] == {"amount": ["too much"]}


def test_schema_violations_are_validation_failed_with_field_names_not_values() -> None:
    response = _api().post("/validate", json={"amount": "lots-of-secret-text"})
    assert response.status_code == 400
    body = response.json()
    _is_contract(body, "validation_failed")
    assert list(body["error"]["fields"]) == ["amount"]
    assert "lots-of-secret-text" not in response.content.decode()


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [("/auth", 401, "not_authenticated"), ("/missing", 404, "not_found"), ("/teapot", 418, "http_error")],
)
def test_framework_errors_are_in_the_contract(path: str, status: int, code: str) -> None:
    response = _api().get(path)
    assert response.status_code == status
    _is_contract(response.json(), code)


def test_an_unhandled_exception_is_a_500_in_the_contract_without_internals() -> None:
    response = _api().get("/api/v1/boom")
    assert response.status_code == 500
    _is_contract(response.json(), "server_error")
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


# --------------------------------------------------------------------------- views


def test_the_allauth_openapi_document_is_served_as_json(client: Client) -> None:
    response = client.get("/_allauth/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi+json"
    assert "/_allauth/{client}/v1/auth/login" in response.json()["paths"]
    assert client.post("/_allauth/openapi.json").status_code == 405
