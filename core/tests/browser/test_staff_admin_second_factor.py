"""Browser: a support agent opening /admin/ is sent to the product's sign-in and asked for
the second factor; the admin's own password form never appears. A staff member without a
second factor is sent to enrol instead."""

from __future__ import annotations

import time

import pytest

from accounts.roles import SUPPORT_AGENT
from mfa.internal import totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Passw0rd-test"
SECRET = "JBSWY3DPEHPK3PXP"


def _password_step(page, base: str, email: str) -> None:
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.wait_for_function("document.querySelector('[data-captcha] input[type=hidden]').value !== ''")
    page.locator("form:has(input[name=login]) [type=submit]").first.click()


def test_support_agent_opening_admin_is_asked_for_the_second_factor(live_server, browser_page, staff_factory, settings):
    settings.MADOGUCHI_CAPTCHA_MAXNUMBER = 2000
    agent = staff_factory(roles=[SUPPORT_AGENT], email="agent@example.jp", is_superuser=True, language="en")
    page = browser_page
    base = live_server.url
    # when the agent opens the admin, the product's sign-in answers (no admin password form)
    page.goto(f"{base}/admin/")
    page.wait_for_url("**/accounts/login/?next=%2Fadmin%2F")
    assert page.locator("input[name=username]").count() == 0
    # and after the password the second factor is asked for; the admin is not open yet
    _password_step(page, base, agent.email)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    assert page.locator("input[name=code]").count() == 1
    page.screenshot(path="var/screenshots/staff_admin_second_factor.png", full_page=True)
    # when the code from the authenticator app is entered, then the admin opens
    page.fill("input[name=code]", totp.hotp(totp.decode_secret(SECRET), int(time.time() // 30)))
    page.locator("form:has(input[name=code]) [type=submit]").first.click()
    page.wait_for_url("**/admin/")
    assert page.locator("#site-name, #header").count() >= 1


def test_staff_without_a_second_factor_is_sent_to_enrol(live_server, browser_page, staff_factory, settings, outbox):
    settings.MADOGUCHI_CAPTCHA_MAXNUMBER = 2000
    # a new agent with only the phone every account proves (no authenticator, no passkey)
    agent = staff_factory(roles=[SUPPORT_AGENT], second_factor=None, email="new.agent@example.jp")
    page = browser_page
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/staff/support/")
    _password_step(page, base, agent.email)
    # the SMS code signs the agent in, but never counts for staff pages
    page.wait_for_url("**/login/sms/**")
    page.fill("input[name=code]", outbox.last_sms_code(agent.phone))
    page.locator("form:has(input[name=code]) [type=submit]").first.click()
    page.wait_for_url("**/staff/second-factor/**")
    assert page.locator("#staff-enrol-passkey").get_attribute("href") == "/security/"
    assert page.locator("#staff-enrol-totp").get_attribute("href") == "/security/totp/setup/"
