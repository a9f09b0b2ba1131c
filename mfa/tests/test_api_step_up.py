"""Per-action step-up over the API: a password re-authentication never satisfies it."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator

from mfa.tests.helpers import code_now, enable_totp, recovery_codes

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 21, 3, 0, 5, tzinfo=dt.UTC)


def _signed_in(api_client, user):
    response = api_client.login_app(user.email)
    assert response.status_code == 401
    ok = api_client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": code_now()})
    assert ok.status_code == 200, ok.content
    api_client.token = ok.json()["meta"].get("session_token") or api_client.token


def test_password_reauthentication_does_not_satisfy_a_protected_action(api_client, user_factory, time_machine):
    # given a signed-in customer with TOTP who just re-entered the password
    time_machine.move_to(T0, tick=True)
    user = user_factory()
    enable_totp(user)
    _signed_in(api_client, user)
    time_machine.move_to(T0 + dt.timedelta(seconds=31), tick=True)
    reauth = api_client.post("/_allauth/app/v1/auth/reauthenticate", {"password": "Passw0rd-test"})
    assert reauth.status_code == 200, reauth.content

    # when a protected action is attempted without a second factor
    response = api_client.post("/api/v1/security/anti-phishing-code", {"value": "sakura"})
    # then it is refused with two_factor_required, nothing changed
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "two_factor_required"
    user.refresh_from_db()
    assert user.anti_phishing_code == ""

    # and the service behind a withdrawal refuses the same way
    from core.errors import ApplicationError
    from mfa import services

    with pytest.raises(ApplicationError) as info:
        services.second_factor_verify(user=user, action="withdrawal", request=None)
    assert info.value.code == "two_factor_required"

    # and allauth's own "turn off TOTP" endpoint does not accept the password either
    delete = api_client.client.delete(
        "/_allauth/app/v1/account/authenticators/totp", headers={"X-Session-Token": api_client.token}
    )
    assert delete.status_code == 401
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    # when the second factor is given, the action goes through; its code is then spent
    code = code_now()
    ok = api_client.post("/api/v1/security/anti-phishing-code", {"value": "sakura", "code": code})
    assert ok.status_code == 200, ok.content
    user.refresh_from_db()
    assert user.anti_phishing_code == "sakura"
    again = api_client.post("/api/v1/security/anti-phishing-code", {"value": "momiji", "code": code})
    assert again.status_code == 400 and again.json()["error"]["code"] == "two_factor_invalid"


def test_anti_phishing_code_appears_in_emails(api_client, user_factory, outbox, time_machine):
    time_machine.move_to(T0, tick=True)
    user = user_factory()
    enable_totp(user)
    _signed_in(api_client, user)
    time_machine.move_to(T0 + dt.timedelta(seconds=31), tick=True)
    ok = api_client.post("/api/v1/security/anti-phishing-code", {"value": "さくら2026", "code": code_now()})
    assert ok.status_code == 200, ok.content
    mail = outbox.emails(to=user.email, kind="anti_phishing_code_set")[-1]
    assert "さくら2026" in mail.body
    assert api_client.get("/api/v1/me").json()["anti_phishing_code_set"] is True


def test_security_endpoint_and_recovery_code_regeneration(api_client, user_factory, outbox, time_machine):
    time_machine.move_to(T0, tick=True)
    user = user_factory()
    enable_totp(user)
    _signed_in(api_client, user)
    old = recovery_codes(user)
    state = api_client.get("/api/v1/security").json()
    assert state["totp"] is True and state["recovery_codes_left"] == 10 and state["locked"] is False
    missing = api_client.post("/api/v1/security/recovery-codes", {})
    assert missing.status_code == 401
    time_machine.move_to(T0 + dt.timedelta(seconds=31), tick=True)
    fresh = api_client.post("/api/v1/security/recovery-codes", {"code": code_now()})
    assert fresh.status_code == 200
    codes = fresh.json()["codes"]
    assert len(codes) == 10 and set(codes).isdisjoint(old)
    assert outbox.emails(to=user.email, kind="mfa_recovery_codes_regenerated")


def test_email_change_with_step_up_and_confirmation(api_client, user_factory, outbox, time_machine):
    time_machine.move_to(T0, tick=True)
    user = user_factory(email="before@example.jp")
    other = user_factory(email="taken@example.jp")
    enable_totp(user)
    _signed_in(api_client, user)
    # a taken address looks the same to the requester; its owner is told
    time_machine.move_to(T0 + dt.timedelta(seconds=31), tick=True)
    taken = api_client.post("/api/v1/security/email", {"new_email": "taken@example.jp", "code": code_now()})
    assert taken.status_code == 202
    assert outbox.emails(to=other.email, kind="email_change_attempt")
    assert not outbox.emails(to=other.email, kind="email_change_code")
    # a free address gets a code
    time_machine.move_to(T0 + dt.timedelta(seconds=61), tick=True)
    started = api_client.post("/api/v1/security/email", {"new_email": "after@example.jp", "code": code_now()})
    assert started.status_code == 202
    confirmation = outbox.last_email_code("after@example.jp")
    done = api_client.post("/api/v1/security/email/confirm", {"confirmation": confirmation})
    assert done.status_code == 200, done.content
    user.refresh_from_db()
    assert user.email == "after@example.jp"
    notice = outbox.emails(to="before@example.jp", kind="email_changed")[-1]
    assert "after@example.jp" not in notice.body  # masked


def test_phone_change_with_step_up_and_sms_confirmation(api_client, user_factory, outbox, time_machine):
    time_machine.move_to(T0, tick=True)
    user = user_factory()
    enable_totp(user)
    _signed_in(api_client, user)
    time_machine.move_to(T0 + dt.timedelta(seconds=31), tick=True)
    started = api_client.post("/api/v1/security/phone", {"new_phone": "090-8765-4321", "code": code_now()})
    assert started.status_code == 202, started.content
    code = outbox.last_sms_code("+819087654321")
    done = api_client.post("/api/v1/security/phone/confirm", {"confirmation": code})
    assert done.status_code == 200, done.content
    user.refresh_from_db()
    assert user.phone == "+819087654321"
    assert outbox.emails(to=user.email, kind="phone_changed")


def test_api_two_factor_invalid_carries_the_drift_hint(api_client, user_factory, time_machine):
    from mfa.tests.helpers import DEMO_SECRET, code_at

    time_machine.move_to(T0, tick=False)
    user = user_factory()
    enable_totp(user)
    _signed_in(api_client, user)
    ahead = code_at(DEMO_SECRET, T0.timestamp() + 3 * 60)
    response = api_client.post(
        "/api/v1/security/anti-phishing-code", {"value": "sakura", "code": ahead}, headers={"Accept-Language": "ja"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "two_factor_invalid"
    assert "約3分進んで" in error["message"] and error["fields"]["code"]
    english = api_client.post(
        "/api/v1/security/anti-phishing-code", {"value": "sakura", "code": ahead}, headers={"Accept-Language": "en"}
    )
    assert english.status_code == 400
    assert "about 3 minutes ahead" in english.json()["error"]["message"]
