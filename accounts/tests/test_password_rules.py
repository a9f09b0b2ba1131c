"""One password rule set: the app API treats a password exactly as the web pages do."""

from __future__ import annotations

import pytest

from tests_support.captcha import solve

pytestmark = pytest.mark.django_db

APP_SIGNUP = "/_allauth/app/v1/auth/signup"


def _app_signup(api_client, email: str, password: str):
    return api_client.post(
        APP_SIGNUP,
        {"email": email, "password": password, "phone": "090-3333-4444", "captcha": solve(api_client.client)},
    )


def _web_signup(client, email: str, password: str):
    return client.post(
        "/accounts/signup/",
        {
            "email": email,
            "password1": password,
            "password2": password,
            "phone": "090-3333-5555",
            "captcha": solve(client),
        },
    )


def test_the_app_refuses_a_password_too_similar_to_the_email_like_the_web(api_client, client):
    web = _web_signup(client, "pwtest20261@example.com", "pwtest20261")
    assert web.status_code == 200 and web.context["form"].errors.get("password1")

    app = _app_signup(api_client, "pwtest20261@example.com", "pwtest20261")

    assert app.status_code == 400
    errors = app.json()["errors"]
    assert any(e.get("param") == "password" and e.get("code") == "password_too_similar" for e in errors), errors


def test_the_app_keeps_surrounding_spaces_like_the_web(api_client, user_factory):
    from django.contrib.auth import get_user_model

    # sign-up through the app with a password that ends in a space
    response = _app_signup(api_client, "spacey@example.jp", "Kujira2026pass ")
    assert response.status_code == 401, response.content  # the email code step follows
    user = get_user_model().objects.get(email="spacey@example.jp")
    assert user.check_password("Kujira2026pass ")
    assert not user.check_password("Kujira2026pass")


def test_the_app_sign_in_does_not_strip_the_password(api_client, user_factory):
    user_factory(email="hanako@example.jp", password="Hanako2026pass", phone=None)

    # a password typed with a trailing space is a different password, as on the web
    assert api_client.login_app("hanako@example.jp", "Hanako2026pass ").status_code == 400
    # the exact password is accepted: the sign-in goes on to its next step (proving a phone)
    accepted = api_client.login_app("hanako@example.jp", "Hanako2026pass")
    assert accepted.status_code == 401
    assert [f["id"] for f in accepted.json()["data"]["flows"] if f.get("is_pending")] == ["verify_mobile"]
