"""A new customer, in a real browser: sign up → email code → SMS code → sign in → activity → sign out."""

from __future__ import annotations

import pytest

from tests_support.outbox import Outbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "kujira@example.jp"
PASSWORD = "Kujira2026pass"


def _wait_for_captcha(page) -> None:
    page.wait_for_selector(".captcha.done", timeout=30000)


def test_signup_verify_signin_activity_signout(live_server, browser_page, outbox: Outbox):
    page = browser_page

    # sign up (the captcha solves itself in the browser)
    page.goto(f"{live_server.url}/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "ja"
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=phone]", "090-8765-4321")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    _wait_for_captcha(page)
    page.click("form button[type=submit]")

    # the code arrives by email (var/outbox in the embedded default) and is typed in
    page.wait_for_selector("input[name=code]")
    code = outbox.last_email_code(EMAIL)
    page.fill("input[name=code]", code)
    page.click("form button[type=submit]")

    # then the mobile number is proved with the code texted to it, before any sign-in
    page.wait_for_url("**/login/phone/")
    assert "***-****-4321" in page.locator("main").inner_text()
    assert page.locator("#signout").count() == 0
    page.fill("#phone-verify-form input[name=code]", outbox.last_sms_code("+819087654321"))
    page.click("#phone-verify")
    page.wait_for_selector("#signout")

    # sign out, then sign in again with the password
    page.click("#signout")
    page.wait_for_url(f"{live_server.url}/**")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    _wait_for_captcha(page)
    page.click("form button[type=submit]")
    # no authenticator yet: the second step is the code sent by SMS
    page.wait_for_url("**/login/sms/")
    page.fill("input[name=code]", outbox.last_sms_code("+819087654321"))
    page.click("#sms-verify")
    page.wait_for_selector("#signout")

    # recent activity lists the sign-up and the sign-ins
    page.goto(f"{live_server.url}/account/activity/")
    rows = page.locator("#activity tbody tr").all_inner_texts()
    assert any("アカウント作成" in row for row in rows)
    assert sum("ログイン" in row for row in rows) >= 2
    page.screenshot(path="var/screenshots/signup_journey_activity.png", full_page=True)

    page.click("#signout")
    page.wait_for_selector("a[href='/accounts/login/']")


def test_caps_lock_is_pointed_out(live_server, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    field = page.locator("input[name=password]")
    field.click()
    # Headless Chromium has no physical Caps Lock: send the key event a real keyboard sends.
    field.dispatch_event("keydown", {"key": "A", "modifierCapsLock": True})

    assert page.locator(".capslock-hint.on").is_visible()
    assert "Caps Lock" in page.locator(".capslock-hint.on").inner_text()

    field.dispatch_event("keydown", {"key": "a", "modifierCapsLock": False})
    assert not page.locator(".capslock-hint.on").is_visible()


def test_the_submit_button_waits_for_the_security_check(live_server, browser_page):
    page = browser_page
    # the challenge never arrives (a request held by the test): the check cannot finish
    held: list = []

    def hold(route) -> None:
        held.append(route)

    page.route("**/api/v1/captcha", hold)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    button = page.locator("form button[type=submit]").first
    page.wait_for_function("document.querySelector('form button[type=submit]').disabled === true")
    assert button.is_disabled()
    page.press("input[name=password]", "Enter")  # implicit submission is held too
    assert page.url.endswith("/accounts/login/")
    assert "function" not in page.locator("main").inner_text()
