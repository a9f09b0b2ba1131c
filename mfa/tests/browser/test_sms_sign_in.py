"""Browser: hanako (no authenticator) signs in with the SMS code read from the outbox;
an older code is refused once a newer one was sent."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hanako_signs_in_with_the_newest_sms_code(live_server, browser_page, user_factory, settings, outbox):
    settings.MADOGUCHI_CAPTCHA_MAXNUMBER = 2000
    settings.MADOGUCHI_MFA_SMS_RESEND_COOLDOWN = 0
    page = browser_page
    base = live_server.url
    hanako = user_factory(email="hanako@example.jp", phone="+819012345678", password="Hanako2026pass")

    # when hanako passes the password step
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", hanako.email)
    page.fill("input[name=password]", "Hanako2026pass")
    page.wait_for_function("document.querySelector('[data-captcha] input[type=hidden]').value !== ''")
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    # then the SMS step asks for the code texted to the number ending in 5678
    page.wait_for_url("**/login/sms/")
    assert "5678" in page.inner_text("main")
    first = outbox.last_sms_code(hanako.phone)

    # when she asks for a new code, the first one stops working
    page.click("#sms-resend")
    page.wait_for_url("**/login/sms/")
    assert len(outbox.sms(to=hanako.phone)) == 2
    second = outbox.last_sms_code(hanako.phone)
    if first != second:  # one chance in a million that both are equal
        page.fill("input[name=code]", first)
        page.click("#sms-verify")
        page.wait_for_load_state()
        assert "/login/sms/" in page.url
        assert page.locator(".errorlist").count() >= 1

    # and the newest code signs her in
    page.fill("input[name=code]", second)
    page.click("#sms-verify")
    page.wait_for_load_state()
    assert "/login/sms/" not in page.url
    page.goto(f"{base}/security/")
    assert page.locator("#two-factor").count() == 1
