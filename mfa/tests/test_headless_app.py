"""The allauth headless 2FA flows for the app client, end to end, with our checks inside."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator

from mfa.internal import crypto, totp
from tests_support.signin import app_sign_in

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 21, 3, 0, 5, tzinfo=dt.UTC)
BASE = "/_allauth/app/v1"


def _code(secret: str, at: dt.datetime, offset: int = 0) -> str:
    return totp.hotp(totp.decode_secret(secret), int(at.timestamp() // 30) + offset)


def test_app_client_activates_totp_gets_recovery_codes_and_signs_in_with_it(
    api_client, user_factory, time_machine, outbox
):
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    assert app_sign_in(api_client, user).status_code == 200  # password, then the SMS code
    # the app asks for a new secret
    pending = api_client.get(f"{BASE}/account/authenticators/totp")
    assert pending.status_code == 404
    secret = pending.json()["meta"]["secret"]
    assert pending.json()["meta"]["totp_url"].startswith("otpauth://totp/")
    assert "issuer=madoguchi" in pending.json()["meta"]["totp_url"]
    # the customer's phone is her second factor so far: a password re-authentication is not
    # enough, an SMS code for this one change is (mfa/perimeter.py)
    assert api_client.post(f"{BASE}/account/authenticators/totp", {"code": _code(secret, T0)}).status_code == 401
    assert api_client.post(f"{BASE}/auth/reauthenticate", {"password": "Passw0rd-test"}).status_code == 200
    assert api_client.post(f"{BASE}/account/authenticators/totp", {"code": _code(secret, T0)}).status_code == 401
    assert api_client.post("/api/v1/security/step-up/sms", {"action": "reauthenticate"}).status_code == 202
    sms = outbox.last_sms_code(user.phone)
    assert api_client.post(f"{BASE}/auth/2fa/reauthenticate", {"code": sms}).status_code == 200
    # a code 3 minutes behind is refused with the drift hint
    drift = api_client.post(
        f"{BASE}/account/authenticators/totp", {"code": _code(secret, T0, -6)}, headers={"Accept-Language": "en"}
    )
    assert drift.status_code == 400
    assert "about 3 minutes behind" in str(drift.json()["errors"])
    assert drift.json()["error"]["code"] == "two_factor_invalid"
    # the current code activates it; the answer is the only one that carries the recovery codes
    response = api_client.post(f"{BASE}/account/authenticators/totp", {"code": _code(secret, T0)})
    assert response.status_code == 200, response.content
    assert len(response.json()["meta"]["recovery_codes"]) == 10
    row = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert crypto.is_encrypted(row.data["secret"])
    codes = api_client.get(f"{BASE}/account/authenticators/recovery-codes")
    assert codes.status_code == 200 and "unused_codes" not in codes.json()["data"]
    assert codes.json()["data"]["unused_code_count"] == 10
    # and the next sign-in needs the second factor
    fresh = type(api_client)()
    time_machine.move_to(T0 + dt.timedelta(minutes=2), tick=False)
    step = fresh.login_app(user.email)
    assert step.status_code == 401
    assert {f["id"]: f for f in step.json()["data"]["flows"]}["mfa_authenticate"]["types"] == ["recovery_codes", "totp"]
    ok = fresh.post(f"{BASE}/auth/2fa/authenticate", {"code": _code(secret, T0 + dt.timedelta(minutes=2))})
    assert ok.status_code == 200, ok.content


def test_app_client_recovery_code_sign_in_notifies(api_client, user_factory, outbox, time_machine):
    from mfa.tests.helpers import enable_totp, recovery_codes

    time_machine.move_to(T0, tick=False)
    user = user_factory()
    enable_totp(user)
    code = recovery_codes(user)[0]
    assert api_client.login_app(user.email).status_code == 401
    ok = api_client.post(f"{BASE}/auth/2fa/authenticate", {"code": code})
    assert ok.status_code == 200, ok.content
    assert outbox.emails(to=user.email, kind="mfa_recovery_code_used")
    assert code not in recovery_codes(user)
