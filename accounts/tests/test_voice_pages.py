"""Every allauth page the product mounts is ours: our words in ja and en, no stock text.

allauth's views run (accounts/allauth_urls.py); the templates are ours (templates/account,
templates/mfa, templates/socialaccount), and so are the flash messages they leave.
"""

from __future__ import annotations

import re

import pytest

from mfa.tests.helpers import enable_totp
from tests_support.captcha import solve
from tests_support.stock_text import stock_phrases_in

pytestmark = pytest.mark.django_db

PASSWORD = "Passw0rd-test"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return html


def _assert_ours(response, language: str) -> str:
    assert response.status_code in (200, 401), response.status_code
    html = _visible(response.content.decode())
    assert stock_phrases_in(html, language) == [], html[:3000]
    body = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])
    if language == "ja":
        assert JAPANESE.search(body)
    return html


def _pending_signup(client, email="newcomer@example.jp"):
    response = client.post(
        "/accounts/signup/",
        {
            "email": email,
            "phone": "070-1111-2222",
            "password1": "Kujira2026pass",
            "password2": "Kujira2026pass",
            "captcha": solve(client),
        },
    )
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def _reset_link(client, user, outbox) -> str:
    client.post("/accounts/password/reset/", {"email": user.email, "captcha": solve(client)})
    [mail] = outbox.emails(to=user.email, kind="password_reset_key")
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.body)
    assert match, mail.body
    return match.group(1)


@pytest.fixture(params=["ja", "en"])
def language(request, client):
    client.cookies["django_language"] = request.param
    return request.param


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/inactive/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/password/reset/key/1-bad-token/",
        "/accounts/password/reset/key/done/",
        "/accounts/3rdparty/login/cancelled/",
        "/accounts/3rdparty/login/error/",
    ],
)
def test_entrance_pages_are_ours(path, client, language):
    _assert_ours(client.get(path), language)


def test_sign_out_page_and_message(client, user_factory, language):
    user = user_factory(language=language)
    client.force_login(user)
    html = _assert_ours(client.get("/accounts/logout/"), language)
    assert 'id="logout-submit"' in html
    after = client.post("/accounts/logout/", follow=True)
    html = _assert_ours(after, language)
    assert ("ログアウトしました" if language == "ja" else "You are signed out") in html


def test_email_code_page_is_ours(client, language, outbox):
    page = client.get(_pending_signup(client))
    html = _assert_ours(page, language)
    assert "newcomer@example.jp" in html and 'id="email-code-submit"' in html


def test_second_step_page_is_ours_and_says_passkey(client, user_factory, language):
    user = user_factory(language=language)
    enable_totp(user)
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD, "captcha": solve(client)})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    html = _assert_ours(client.get("/accounts/2fa/authenticate/"), language)
    if language == "ja":
        assert "2段階認証" in html and "セキュリティキー" not in html
    assert 'id="authenticator-lost"' in html


def test_reset_link_page_and_done_page_are_ours(client, user_factory, outbox, language):
    user = user_factory(phone=None, language=language)
    link = _reset_link(client, user, outbox)
    form = client.get(link, follow=True)
    html = _assert_ours(form, language)
    assert 'id="reset-key-submit"' in html
    action = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(action, {"password1": "Kujira2026new", "password2": "Kujira2026new"}, follow=True)
    html = _assert_ours(done, language)
    assert 'id="signin-after-reset"' in html


def test_password_reset_done_page_tells_the_next_step(client):
    client.cookies["django_language"] = "ja"
    html = _assert_ours(client.get("/accounts/password/reset/done/"), "ja")
    # what happens next, what to do when nothing arrives, and a way out
    assert 'id="reset-next-steps"' in html and "24時間以内" in html
    assert 'id="reset-not-arrived"' in html and "迷惑メール" in html
    assert 'href="/help/troubleshooter/sign-in/"' in html
    assert 'href="/accounts/login/"' in html
    assert 'href="/recovery/password-reset/code/"' in html


def test_a_wrong_password_is_told_in_our_words(client, user_factory, language):
    user = user_factory()
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": "wrong-Passw0rd", "captcha": solve(client)}
    )
    html = _assert_ours(response, language)
    expected = (
        "メールアドレスかパスワードが違います"
        if language == "ja"
        else "The email address or the password is not correct"
    )
    assert expected in html
