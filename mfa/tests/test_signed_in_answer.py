"""The answer to the second sign-in step is allauth's, byte for byte but for the customer.

mfa.headless.respond_after_stage sends the signed-in answer that allauth's ``post_login``
built instead of building it again; these tests compare it with the answer built afresh
(allauth's own ``respond_next_stage``), for the authenticator app and the SMS step.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from allauth.headless.base.response import AuthenticationResponse
from allauth.mfa.models import Authenticator

from conftest import ApiClient
from mfa import headless, headless_account
from mfa.tests.helpers import code_now, enable_totp

pytestmark = pytest.mark.django_db


def _fresh_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    def allauths(request: Any, response: Any) -> AuthenticationResponse:
        return AuthenticationResponse(request)

    monkeypatch.setattr(headless, "respond_after_stage", allauths)
    monkeypatch.setattr(headless_account, "respond_after_stage", allauths)


SECRETS = {"hanako": "JBSWY3DPEHPK3PXP", "taro": "KRSXG5CTMVRXEZLU"}


def _second_step(method: str, user: Any, outbox: Any, secret: str = "") -> tuple[Any, dict[str, Any]]:
    client = ApiClient()
    assert client.login_app(user.email).status_code == 401
    if method == "totp":
        response = client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": code_now(secret)})
    else:
        response = client.post("/_allauth/app/v1/auth/2fa/sms", {"code": outbox.last_sms_code(user.phone)})
    body = json.loads(response.content)
    # what differs between two customers: who, their token, when
    assert body["data"]["user"]["id"] == user.pk and body["data"]["user"]["email"] == user.email
    body["data"]["user"] = {k: v for k, v in body["data"]["user"].items() if k not in {"id", "email", "display"}}
    assert body["meta"]["session_token"]
    body["meta"]["session_token"] = "<token>"
    for record in body["data"]["methods"]:
        assert record.pop("at")
        if record["method"] == "password":
            assert record.pop("email") == user.email
        if record.get("type") == "totp":
            assert record.pop("id") == Authenticator.objects.get(user=user, type="totp").pk
    client.token = json.loads(response.content)["meta"]["session_token"]
    me = client.get("/api/v1/me")
    assert me.json().get("email") == user.email, me.content  # the token signs in
    return response, body


@pytest.mark.parametrize("method", ["totp", "sms"])
def test_the_second_step_answer_is_the_one_allauth_builds(method, user_factory, outbox, monkeypatch):
    hanako, taro = user_factory(), user_factory()
    if method == "totp":
        enable_totp(hanako, SECRETS["hanako"])
        enable_totp(taro, SECRETS["taro"])

    ours, ours_body = _second_step(method, hanako, outbox, SECRETS["hanako"])
    _fresh_answer(monkeypatch)
    allauth, allauth_body = _second_step(method, taro, outbox, SECRETS["taro"])

    assert ours.status_code == allauth.status_code == 200
    assert ours_body == allauth_body
    assert [m["method"] for m in ours_body["data"]["methods"]] == ["password", "mfa" if method == "totp" else "sms"]
    assert ours.headers.keys() == allauth.headers.keys()
    for header in ("Content-Type", "Cache-Control"):
        assert ours.get(header) == allauth.get(header), header


@pytest.mark.parametrize("fresh", [False, True], ids=["ours", "allauths"])
def test_a_stage_exit_that_does_not_sign_in_gets_allauths_fresh_answer(fresh, user_factory, monkeypatch):
    # e.g. another stage still pending: the exit hands back something else than a signed-in
    # answer, and the customer gets the answer allauth builds for the request as it stands
    from allauth.account.stages import LoginStage
    from django.http import HttpResponseRedirect

    monkeypatch.setattr(LoginStage, "exit", lambda self: HttpResponseRedirect("/elsewhere/"))
    if fresh:
        _fresh_answer(monkeypatch)
    user = user_factory()
    enable_totp(user, SECRETS["hanako"])
    client = ApiClient()
    assert client.login_app(user.email).status_code == 401

    response = client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": code_now(SECRETS["hanako"])})

    assert response.status_code == 401
    body = response.json()
    assert body["meta"]["is_authenticated"] is False
    assert {"id": "mfa_authenticate", "is_pending": True, "types": ["recovery_codes", "totp"]} in body["data"]["flows"]
