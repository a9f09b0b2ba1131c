"""Sign-up proves the mobile number with an SMS code; a taken number never shows, never
gets the newcomer in, and never receives the newcomer's codes; no sign-in without a second step."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from conftest import ApiClient
from core.models import AuditEvent
from tests_support.captcha import solve

pytestmark = pytest.mark.django_db

APP = "/_allauth/app/v1"
PASSWORD = "Kujira2026pass"


def _flows(response) -> dict[str, dict]:
    return {flow["id"]: flow for flow in response.json()["data"]["flows"]}


def _app_signup_to_phone_step(api_client: ApiClient, outbox, email: str, phone: str):
    """Sign up in the app and enter the email code: returns the answer to the email code."""
    response = api_client.post(
        f"{APP}/auth/signup",
        {"email": email, "password": PASSWORD, "phone": phone, "captcha": solve(api_client.client)},
    )
    assert response.status_code == 401, response.content
    api_client.token = response.json()["meta"].get("session_token") or api_client.token
    assert _flows(response)["verify_email"]["is_pending"] is True
    verified = api_client.post(f"{APP}/auth/email/verify", {"key": outbox.last_email_code(email)})
    return verified


def test_app_signup_completes_only_with_the_code_texted_to_the_number(api_client, outbox):
    # when a new customer has confirmed the email code
    response = _app_signup_to_phone_step(api_client, outbox, "kujira@example.jp", "090-8765-4321")

    # then they are not signed in yet: the mobile number must be proved first
    assert response.status_code == 401, response.content
    assert response.json()["meta"]["is_authenticated"] is False
    assert _flows(response)["verify_mobile"]["is_pending"] is True
    user = get_user_model().objects.get(email="kujira@example.jp")
    assert user.phone is None
    assert api_client.get(f"{APP}/auth/mobile/verify").json()["data"]["phone"] == "***-****-4321"
    code = outbox.last_sms_code("+819087654321")
    # a wrong code is refused; the right one signs in
    wrong = api_client.post(f"{APP}/auth/mobile/verify", {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["code"] == "code_invalid"
    ok = api_client.post(f"{APP}/auth/mobile/verify", {"code": code})
    assert ok.status_code == 200, ok.content
    assert ok.json()["meta"]["is_authenticated"] is True
    user.refresh_from_db()
    assert user.phone == "+819087654321" and user.phone_pending == ""
    assert AuditEvent.objects.filter(user=user, event="phone.verified").exists()


def test_taken_number_looks_the_same_but_never_lets_the_newcomer_in(api_client, user_factory, outbox):
    """The old code created an account with no phone that signed in with the password alone."""
    owner = user_factory(email="owner@example.jp", phone="+819012340000", language="en")
    fresh = ApiClient()

    # when a stranger signs up with the owner's number, and someone else with a free number
    taken = _app_signup_to_phone_step(api_client, outbox, "newcomer@example.jp", "090-1234-0000")
    free = _app_signup_to_phone_step(fresh, outbox, "other@example.jp", "090-1234-0001")

    # then both answers look the same: the mobile number step is pending
    assert taken.status_code == free.status_code == 401
    assert sorted(_flows(taken)) == sorted(_flows(free))
    assert _flows(taken)["verify_mobile"]["is_pending"] is True
    assert taken.json()["meta"]["is_authenticated"] is False
    assert api_client.get(f"{APP}/auth/mobile/verify").json()["data"]["phone"] == "***-****-0000"
    # no code goes to the owner's phone for the newcomer; the owner is told by email
    assert outbox.sms(to="+819012340000") == []
    notices = outbox.emails(to=owner.email, kind="phone_signup_attempt")
    assert len(notices) == 1 and "Someone tried to open a new madoguchi account" in notices[0].body
    # a guessed code never works, and the password alone never signs the newcomer in
    assert api_client.post(f"{APP}/auth/mobile/verify", {"code": "123456"}).status_code == 400
    again = ApiClient()
    login = again.login_app("newcomer@example.jp", PASSWORD)
    assert login.status_code == 401 and login.json()["meta"]["is_authenticated"] is False
    assert _flows(login)["verify_mobile"]["is_pending"] is True
    newcomer = get_user_model().objects.get(email="newcomer@example.jp")
    assert newcomer.phone is None
    # the newcomer finishes with a number they control
    changed = again.post(f"{APP}/auth/mobile/change", {"phone": "080-2222-3333"})
    assert changed.status_code == 200, changed.content
    ok = again.post(f"{APP}/auth/mobile/verify", {"code": outbox.last_sms_code("+818022223333")})
    assert ok.status_code == 200 and ok.json()["meta"]["is_authenticated"] is True
    newcomer.refresh_from_db()
    owner.refresh_from_db()
    assert newcomer.phone == "+818022223333" and owner.phone == "+819012340000"


def test_html_signup_asks_for_the_sms_code_after_the_email_code(client, outbox):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "html@example.jp",
            "phone": "070-1111-2222",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "captcha": solve(client),
        },
    )
    assert response.status_code == 302, response.content[:500]
    confirm = client.post(response["Location"], {"code": outbox.last_email_code("html@example.jp")})
    assert confirm.status_code == 302 and confirm["Location"] == "/login/phone/"
    # still not signed in
    assert client.get("/security/").status_code == 302
    page = client.get("/login/phone/")
    assert "***-****-2222" in page.content.decode()
    done = client.post("/login/phone/", {"action": "verify", "code": outbox.last_sms_code("+817011112222")})
    assert done.status_code == 302
    assert client.get("/security/").status_code == 200
    assert get_user_model().objects.get(email="html@example.jp").phone == "+817011112222"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("+37120000000", "phone_region_not_allowed"),
        ("+447000000000", "phone_not_mobile"),
        ("+1 900 555 1234", "phone_not_mobile"),
        ("0120-123-456", "phone_not_mobile"),
        ("0800-123-4567", "phone_not_mobile"),
        ("03-1234-5678", "phone_not_mobile"),
        ("050-1234-5678", "phone_not_mobile"),
        ("090-1234", "invalid_phone"),
    ],
)
def test_numbers_that_invite_pumping_are_refused_at_sign_up(api_client, outbox, typed, code):
    response = api_client.post(
        f"{APP}/auth/signup",
        {"email": "pump@example.jp", "password": PASSWORD, "phone": typed, "captcha": solve(api_client.client)},
    )
    assert response.status_code == 400
    errors = [e for e in response.json()["errors"] if e.get("param") == "phone"]
    assert errors and errors[0]["code"] == code
    assert "090-1234-5678" in errors[0]["message"]
    assert get_user_model().objects.count() == 0
    assert outbox.sms() == []


def test_the_operator_can_allow_other_regions_but_never_premium_numbers(api_client, settings, outbox):
    settings.MADOGUCHI_PHONE_ALLOWED_REGIONS = ["JP", "LV", "US"]
    ok = _app_signup_to_phone_step(api_client, outbox, "riga@example.jp", "+37120000000")
    assert ok.status_code == 401 and outbox.last_sms_code("+37120000000")
    premium = ApiClient().post(
        f"{APP}/auth/signup",
        {"email": "p@example.jp", "password": PASSWORD, "phone": "+1 900 555 1234", "captcha": solve(Client())},
    )
    assert premium.status_code == 400


def test_an_account_without_a_phone_adds_one_before_its_sign_in_completes(client, user_factory, outbox):
    """Accounts the old taken-number path created (no phone, no authenticator) signed in with
    the password alone."""
    user = user_factory(phone=None)
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": "Passw0rd-test", "captcha": solve(client)}
    )
    assert response.status_code == 302 and response["Location"] == "/login/phone/"
    assert client.get("/security/").status_code == 302  # not signed in
    page = client.get("/login/phone/")
    assert 'name="phone"' in page.content.decode()
    refused = client.post("/login/phone/", {"action": "change", "phone": "0120-123-456"})
    assert refused.status_code == 200 and "070" in refused.content.decode()
    sent = client.post("/login/phone/", {"action": "change", "phone": "090-5555-0101"})
    assert sent.status_code == 302
    done = client.post("/login/phone/", {"action": "verify", "code": outbox.last_sms_code("+819055550101")})
    assert done.status_code == 302
    assert client.get("/security/").status_code == 200
    # the proved number was this sign-in's second step: no second SMS
    assert len(outbox.sms(to="+819055550101")) == 1


def test_pending_sms_sign_in_does_not_loop_between_login_pages(client, user_factory):
    user = user_factory()
    client.post("/accounts/login/", {"login": user.email, "password": "Passw0rd-test", "captcha": solve(client)})
    for start in ("/accounts/login/", "/security/"):
        url, hops = start, 0
        while True:
            response = client.get(url)
            if response.status_code != 302:
                break
            url, hops = response["Location"], hops + 1
            assert hops < 4, f"redirect loop from {start}"
        assert response.status_code == 200
        assert url == "/login/sms/"
    # cancelling starts over at the login form
    assert client.post("/login/sms/", {"cancel": "1"})["Location"] == "/accounts/login/"
    assert client.get("/accounts/login/").status_code == 200


def test_an_empty_captcha_shows_the_translated_message(client, user_factory):
    user = user_factory()
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": "Passw0rd-test"}, HTTP_ACCEPT_LANGUAGE="ja"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "&lt;function" not in body and "<function" not in body
    assert "セキュリティ確認に失敗したか、有効期限が切れました。" in body


def test_resend_on_the_phone_step_within_the_cooldown_says_the_code_is_still_valid(client, outbox):
    client.post(
        "/accounts/signup/",
        {
            "email": "again@example.jp",
            "phone": "090-3333-4444",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "captcha": solve(client),
        },
    )
    client.post("/accounts/confirm-email/", {"code": outbox.last_email_code("again@example.jp")})
    response = client.post("/login/phone/", {"action": "resend"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "に新しいコードは送っていません。" in page and "に送ったコードはまだ有効です。" in page
    assert len(outbox.sms(to="+819033334444")) == 1
