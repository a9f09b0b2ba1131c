"""Our own allauth pages on a 390 px phone, in Japanese: sign-up, the email code, the
password-reset "what next" page and the reset link page. Screenshots in var/screenshots/."""

from __future__ import annotations

import re

import pytest

from tests_support.outbox import Outbox
from tests_support.stock_text import stock_phrases_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "kujira@example.jp"
PASSWORD = "Kujira2026pass"


@pytest.fixture
def phone(browser_page):
    browser_page.set_viewport_size({"width": 390, "height": 844})
    return browser_page


def _shot(page, name: str) -> None:
    from conftest import SCREENSHOT_DIR

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"voice-{name}-390.png"), full_page=True)


def _fits_and_is_ours(page) -> str:
    text = page.locator("main").inner_text()
    assert stock_phrases_in(page.content(), "ja") == []
    # nothing wider than the phone
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    return text


def test_signup_and_email_code_pages_at_390(live_server, phone, outbox: Outbox):
    page = phone
    page.goto(f"{live_server.url}/accounts/signup/")
    text = _fits_and_is_ours(page)
    assert "アカウント" in text and "SMS" in text
    _shot(page, "signup")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=phone]", "090-8765-4321")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.wait_for_selector(".captcha.done", timeout=30000)
    page.click("#signup-submit")
    page.wait_for_selector("#email-code-submit")
    text = _fits_and_is_ours(page)
    assert EMAIL in text and "15分" in text and "迷惑メール" in text
    _shot(page, "email-code")
    [mail] = outbox.emails(to=EMAIL, kind="email_confirmation_signup")
    assert "確認コード" in mail.subject and live_server.url not in mail.body


def test_password_reset_next_steps_and_new_password_at_390(live_server, phone, outbox: Outbox, user_factory):
    user = user_factory(email=EMAIL, phone=None, language="ja")
    page = phone
    page.goto(f"{live_server.url}/accounts/password/reset/")
    page.fill("input[name=email]", user.email)
    page.wait_for_selector(".captcha.done", timeout=30000)
    page.click("#reset-submit")
    page.wait_for_selector("#reset-next-steps")
    text = _fits_and_is_ours(page)
    assert "24時間以内" in text and "届きませんか" in text
    assert page.locator("#reset-troubleshooter").get_attribute("href") == "/help/troubleshooter/sign-in/"
    _shot(page, "password-reset-done")

    [mail] = outbox.emails(to=user.email, kind="password_reset_key")
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.body)
    assert match, mail.body
    path = match.group(1)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector("#reset-key-submit")
    _fits_and_is_ours(page)
    _shot(page, "password-reset-key")
    page.fill("input[name=password1]", "Kujira2026new")
    page.fill("input[name=password2]", "Kujira2026new")
    page.click("#reset-key-submit")
    page.wait_for_selector("#signin-after-reset")
    text = _fits_and_is_ours(page)
    assert "24時間" in text
    _shot(page, "password-reset-changed")
