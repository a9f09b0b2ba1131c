"""Sign-in: captcha, input hints, audit, new-device emails."""

from __future__ import annotations

import pytest

from conftest import TEST_PASSWORD
from core.models import AuditEvent
from tests_support.captcha import solve
from tests_support.signin import html_sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "Hanako2026pass"


def _form_login(client, login: str, password: str):
    return client.post(
        "/accounts/login/", {"login": login, "password": password, "captcha": solve(client)}, HTTP_ACCEPT_LANGUAGE="ja"
    )


def test_full_width_password_failure_says_so(client, user_factory):
    # given a customer whose keyboard is in full-width mode
    user_factory(email="hanako@example.jp", password=PASSWORD)

    # when she types her password in full-width characters
    response = _form_login(client, "hanako@example.jp", "Ｈａｎａｋｏ２０２６ｐａｓｓ")

    # then the sign-in fails and the page tells her why
    assert response.status_code == 200
    page = response.content.decode()
    assert "_auth_user_id" not in client.session
    assert "full-width" in page or "全角" in page


def test_password_with_surrounding_space_failure_says_so(client, user_factory):
    user_factory(email="hanako@example.jp", password=PASSWORD)

    response = _form_login(client, "hanako@example.jp", " " + PASSWORD)

    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "space" in page or "スペース" in page


def test_app_sign_in_failure_with_full_width_password_says_so(api_client, user_factory):
    user_factory(email="hanako@example.jp", password=PASSWORD)

    response = api_client.login_app("hanako@example.jp", "Ｈａｎａｋｏ２０２６ｐａｓｓ")

    assert response.status_code == 400
    messages = " ".join(e["message"] for e in response.json()["errors"])
    assert "full-width" in messages or "全角" in messages


def test_plain_wrong_password_gives_no_hint(client, user_factory):
    user_factory(email="hanako@example.jp", password=PASSWORD)

    response = _form_login(client, "hanako@example.jp", "Wrong2026pass")

    page = response.content.decode()
    assert "full-width" not in page and "全角" not in page


def test_full_width_email_signs_in(client, user_factory):
    user = user_factory(email="hanako@example.jp", password=PASSWORD)

    response = html_sign_in(client, user, PASSWORD, login="ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ ")

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_sign_in_without_captcha_is_refused_and_spends_no_guess(client, user_factory):
    user = user_factory(email="hanako@example.jp", password=PASSWORD)

    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(user=user, event="login.failed").exists()


def test_a_captcha_solution_works_only_once(client, user_factory):
    user_factory(email="hanako@example.jp", password=PASSWORD)
    payload = solve(client)

    first = client.post("/accounts/login/", {"login": "hanako@example.jp", "password": "x1", "captcha": payload})
    second = client.post("/accounts/login/", {"login": "hanako@example.jp", "password": PASSWORD, "captcha": payload})

    assert first.status_code == 200
    assert second.status_code == 200
    assert "_auth_user_id" not in client.session


def test_sign_in_and_failure_are_audited(client, user_factory):
    user = user_factory(email="hanako@example.jp", password=PASSWORD)

    _form_login(client, user.email, "Wrong2026pass")
    html_sign_in(client, user, PASSWORD)

    events = list(AuditEvent.objects.filter(user=user).values_list("event", flat=True))
    assert "login.failed" in events
    assert "login.success" in events


def test_sign_in_from_a_new_device_emails_the_customer(client, user_factory, outbox, django_user_model):
    from django.test import Client

    user = user_factory(email="hanako@example.jp", password=PASSWORD)
    # first device ever: no alarm
    html_sign_in(client, user, PASSWORD)
    assert not outbox.emails(to=user.email, kind="new_device_signin")
    # the same browser again: no alarm
    client.post("/accounts/logout/")
    html_sign_in(client, user, PASSWORD)
    assert not outbox.emails(to=user.email, kind="new_device_signin")

    # another browser: the customer is told
    other = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone)")
    html_sign_in(other, user, PASSWORD)

    mails = outbox.emails(to=user.email, kind="new_device_signin")
    assert len(mails) == 1
    assert "iPhone" in mails[0].body
    assert PASSWORD not in mails[0].body


def test_too_many_failures_are_throttled(client, user_factory):
    user = user_factory(email="hanako@example.jp", password=PASSWORD)
    for _ in range(5):
        _form_login(client, user.email, "Wrong2026pass")

    response = _form_login(client, user.email, PASSWORD)

    assert "_auth_user_id" not in client.session
    assert response.status_code in {200, 429}


def test_signing_in_records_last_login_and_retires_other_processes_copies(api_client, user_factory):
    from accounts import usercache
    from core import versions
    from mfa.tests.helpers import code_now, enable_totp

    user = user_factory(email="last-login@example.jp")
    enable_totp(user)
    before = versions.current(usercache._key(user.pk))

    api_client.login_app(user.email, TEST_PASSWORD)
    user.refresh_from_db()
    assert user.last_login is None  # the password alone signs nobody in
    response = api_client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": code_now()})

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None
    assert versions.current(usercache._key(user.pk)) != before  # the post_save receiver ran
