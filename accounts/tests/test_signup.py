"""Sign-up: email verification by code, and taken emails/phones never reveal themselves."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests_support.captcha import solve

pytestmark = pytest.mark.django_db

SIGNUP = "/_allauth/app/v1/auth/signup"


def _signup(api_client, email: str, phone: str, password: str = "Kujira2026pass"):
    return api_client.post(
        SIGNUP, {"email": email, "password": password, "phone": phone, "captcha": solve(api_client.client)}
    )


def test_signup_sends_a_verification_code_and_normalises_input(api_client, outbox):
    # when a customer signs up with full-width email and a Japanese-format phone number
    response = _signup(api_client, "ＫＵＪＩＲＡ＠ＥＸＡＭＰＬＥ．ＪＰ", "０９０-１１１１-２２２２")

    # then the account waits for email verification by code
    assert response.status_code == 401, response.content
    flows = {flow["id"]: flow for flow in response.json()["data"]["flows"]}
    assert flows["verify_email"]["is_pending"] is True
    user = get_user_model().objects.get()
    assert user.email == "kujira@example.jp"
    # the number waits for its own SMS code (after the email code); it is not the account's yet
    assert user.phone is None
    assert user.phone_pending == "+819011112222"
    mail = outbox.emails(to="kujira@example.jp")[-1]
    assert mail.kind == "email_confirmation_signup"
    assert outbox.last_email_code("kujira@example.jp")


def test_signup_with_taken_email_looks_like_success_and_emails_the_owner(api_client, user_factory, outbox):
    # given an existing customer
    owner = user_factory(email="owner@example.jp", phone="+819033334444")
    # when a stranger signs up with the same address (another case)
    taken = _signup(api_client, "OWNER@example.jp", "090-5555-6666")
    fresh_client = type(api_client)()
    fresh = _signup(fresh_client, "someone-new@example.jp", "090-7777-8888")

    # then both answers have the same shape: verification pending
    assert taken.status_code == fresh.status_code == 401
    assert [f["id"] for f in taken.json()["data"]["flows"]] == [f["id"] for f in fresh.json()["data"]["flows"]]
    # and the owner is told by email, no second account exists
    assert outbox.emails(to=owner.email, kind="account_already_exists")
    assert get_user_model().objects.filter(email__iexact="owner@example.jp").count() == 1


def test_signup_without_captcha_is_refused_with_advice(api_client):
    response = api_client.post(SIGNUP, {"email": "x@example.jp", "password": "Kujira2026pass", "phone": "09011112222"})

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["param"] == "captcha"
    assert get_user_model().objects.count() == 0


@pytest.mark.parametrize(
    ("password", "code"),
    [("short1", "password_too_short"), ("onlyletterspassword", "password_no_mix"), ("password123", None)],
)
def test_weak_passwords_are_refused(api_client, password, code):
    response = _signup(api_client, "weak@example.jp", "090-2222-3333", password=password)

    assert response.status_code == 400
    assert get_user_model().objects.count() == 0
    if code:
        assert code in {e.get("code") for e in response.json()["errors"]}


def test_a_long_passphrase_is_accepted(api_client):
    passphrase = "correct horse battery staple 2026 " * 2 + "窓口"
    assert len(passphrase) >= 64

    response = _signup(api_client, "long@example.jp", "090-2222-4444", password=passphrase)

    assert response.status_code == 401
    assert get_user_model().objects.get().check_password(passphrase)
