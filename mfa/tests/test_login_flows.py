"""Sign-in second steps through allauth, HTML and headless: TOTP (our checks) and SMS."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import translation

from mfa.tests.helpers import DEMO_SECRET, code_at, code_now, enable_totp
from tests_support.captcha import solve

pytestmark = pytest.mark.django_db

PASSWORD = "Passw0rd-test"
T0 = dt.datetime(2026, 11, 21, 3, 0, 5, tzinfo=dt.UTC)


def _en_client() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    return client


def _html_login(client: Client, email: str):
    return client.post(
        "/accounts/login/", {"login": email, "password": PASSWORD, "captcha": solve(client)}, follow=False
    )


def test_html_totp_sign_in_uses_our_checks_replay_and_drift(user_factory, time_machine):
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    enable_totp(user)
    client = _en_client()
    # when the password step passes, the authenticator step follows
    response = _html_login(client, user.email)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    # a code from 4 minutes ahead is refused with the drift hint
    drift = client.post(
        "/accounts/2fa/authenticate/", {"code": code_at(DEMO_SECRET, T0.timestamp() + 240)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert drift.status_code == 200
    assert "about 4 minutes ahead" in drift.content.decode()
    # the current code signs in
    ok = client.post("/accounts/2fa/authenticate/", {"code": code_now()})
    assert ok.status_code == 302
    assert client.get("/security/").status_code == 200
    # and the same code cannot be replayed in another browser
    other = _en_client()
    _html_login(other, user.email)
    replay = other.post("/accounts/2fa/authenticate/", {"code": code_now()}, HTTP_ACCEPT_LANGUAGE="en")
    assert replay.status_code == 200 and "already been used" in replay.content.decode()


def test_headless_app_totp_sign_in(api_client, user_factory, time_machine):
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    enable_totp(user)
    response = api_client.login_app(user.email)
    assert response.status_code == 401
    flows = {f["id"]: f for f in response.json()["data"]["flows"]}
    assert flows["mfa_authenticate"]["is_pending"]
    wrong = api_client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": "000000"})
    assert wrong.status_code == 400
    ok = api_client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": code_now()})
    assert ok.status_code == 200, ok.content
    api_client.token = ok.json()["meta"].get("session_token") or api_client.token
    me = api_client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["two_factor"] == {"totp": True, "passkeys": 0, "recovery_codes_left": 10}


def test_hanako_html_sms_sign_in_older_code_refused(user_factory, outbox, time_machine):
    # given hanako: no authenticator, a registered phone
    time_machine.move_to(T0, tick=True)
    hanako = user_factory(email="hanako@example.jp", phone="+819012345678")
    client = _en_client()
    # when she passes the password step, a code is texted and the SMS step is shown
    response = _html_login(client, hanako.email)
    assert response.status_code == 302 and response["Location"] == "/login/sms/"
    first = outbox.last_sms_code(hanako.phone)
    assert "http" not in outbox.sms(to=hanako.phone)[-1].body  # no links in SMS
    page = client.get("/login/sms/")
    assert page.status_code == 200 and "5678" in page.content.decode()
    # when she asks for a new code after the cooldown
    from mfa.models import SmsCode

    sent_at = SmsCode.objects.filter(user=hanako).latest("created_at").created_at  # a busy machine: not T0
    time_machine.move_to(sent_at + dt.timedelta(seconds=61), tick=True)
    client.post("/login/sms/", {"resend": "1"})
    second = outbox.last_sms_code(hanako.phone)
    assert len(outbox.sms(to=hanako.phone)) == 2
    # then the older code is refused (unless both happen to be equal)
    if first != second:
        refused = client.post("/login/sms/", {"code": first}, HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 200 and "not correct" in refused.content.decode()
    # and the newest code signs her in
    ok = client.post("/login/sms/", {"code": second})
    assert ok.status_code == 302
    assert client.get("/security/").status_code == 200


def test_sms_codes_five_tries_and_expiry(user_factory, outbox, time_machine):
    from core.errors import ApplicationError
    from mfa import services

    time_machine.move_to(T0, tick=False)
    user = user_factory()
    services.sms_code_send(user=user, purpose="login")
    code = outbox.last_sms_code(user.phone)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ApplicationError):
            services.sms_code_verify(user=user, purpose="login", code=wrong)
    with pytest.raises(ApplicationError) as info:
        services.sms_code_verify(user=user, purpose="login", code=code)
    assert "Request a new code" in info.value.message or "新しいコード" in info.value.message
    # cooldown then a new code; expiry after 10 minutes
    with pytest.raises(ApplicationError) as cooldown:
        services.sms_code_send(user=user, purpose="login")
    assert cooldown.value.code == "sms_cooldown"
    time_machine.move_to(T0 + dt.timedelta(seconds=61), tick=False)
    services.sms_code_send(user=user, purpose="login")
    fresh = outbox.last_sms_code(user.phone)
    time_machine.move_to(T0 + dt.timedelta(minutes=12), tick=False)
    with translation.override("en"), pytest.raises(ApplicationError) as expired:
        services.sms_code_verify(user=user, purpose="login", code=fresh)
    assert expired.value.code == "two_factor_invalid"  # a second-factor code: expired says so in the message
    assert "expired" in expired.value.message


def test_sms_hourly_cap(user_factory, settings, outbox, time_machine):
    from core.errors import ApplicationError
    from mfa import services

    settings.MADOGUCHI_MFA_SMS_HOURLY_CAP = 2
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    for i in range(2):
        time_machine.move_to(T0 + dt.timedelta(seconds=61 * i), tick=False)
        services.sms_code_send(user=user, purpose="login")
    time_machine.move_to(T0 + dt.timedelta(seconds=200), tick=False)
    with pytest.raises(ApplicationError) as info:
        services.sms_code_send(user=user, purpose="login")
    assert info.value.code == "rate_limited"


@pytest.mark.parametrize("endpoint", ["/_allauth/app/v1/auth/2fa/authenticate", "/_allauth/app/v1/auth/2fa/sms"])
def test_hanako_headless_app_sms_sign_in(api_client, user_factory, outbox, time_machine, endpoint):
    time_machine.move_to(T0, tick=True)
    hanako = user_factory(email="hanako@example.jp", phone="+819012345678")
    response = api_client.login_app(hanako.email)
    assert response.status_code == 401, response.content
    flows = {f["id"]: f for f in response.json()["data"]["flows"]}
    # the SMS step is its own login stage (mfa.stages), listed by its key
    assert flows["madoguchi_sms"]["is_pending"] is True
    assert "mfa_authenticate" not in flows
    code = outbox.last_sms_code(hanako.phone)
    wrong = api_client.post(endpoint, {"code": "999999" if code != "999999" else "000000"})
    assert wrong.status_code == 400
    ok = api_client.post(endpoint, {"code": code})
    assert ok.status_code == 200, ok.content
    assert ok.json()["meta"]["is_authenticated"] is True
    api_client.token = ok.json()["meta"].get("session_token") or api_client.token
    assert api_client.get("/api/v1/me").json()["email"] == "hanako@example.jp"
    assert [m["method"] for m in ok.json()["data"]["methods"]] == ["password", "sms"]


def test_authenticator_customer_cannot_take_the_sms_path(api_client, user_factory, outbox, time_machine):
    # given a customer with TOTP and a phone, past the password step
    time_machine.move_to(T0, tick=True)
    user = user_factory()
    enable_totp(user)
    assert api_client.login_app(user.email).status_code == 401
    # when the SMS endpoints are tried, nothing is sent and nothing is accepted
    assert api_client.post("/_allauth/app/v1/auth/2fa/sms/resend", {}).status_code == 401
    assert api_client.post("/_allauth/app/v1/auth/2fa/sms", {"code": "123456"}).status_code == 401
    assert not outbox.sms(to=user.phone)
    # and in the browser the SMS page sends the customer to the authenticator step
    client = _en_client()
    _html_login(client, user.email)
    page = client.get("/login/sms/")
    assert page.status_code == 302 and page["Location"] == "/accounts/2fa/authenticate/"
    resend = client.post("/login/sms/", {"resend": "1"})
    assert resend.status_code == 302 and not outbox.sms(to=user.phone)


def test_sms_endpoint_without_pending_stage_is_401(api_client):
    assert api_client.post("/_allauth/app/v1/auth/2fa/sms", {"code": "123456"}).status_code == 401


def test_enrolment_prompt_after_sign_in_without_authenticator(user_factory, outbox, settings):
    from tests_support.signin import html_sign_in

    user = user_factory(language="en")
    client = _en_client()
    response = html_sign_in(client, user)  # password, then the SMS code
    assert response.status_code == 302
    page = client.get("/security/")
    assert "set up an authenticator app" in page.content.decode()
    # and the policy can be switched off
    settings.MADOGUCHI_MFA_ENROLMENT_REQUIRED = False
    other = user_factory()
    client2 = _en_client()
    html_sign_in(client2, other)
    assert "set up an authenticator app on the Security page" not in client2.get("/security/").content.decode()
