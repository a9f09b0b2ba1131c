"""Browser: enable TOTP from the page, sign out, sign in with a code, disable, re-enable,
and a code from the old secret is refused."""

from __future__ import annotations

import time

import pytest

from mfa.internal import totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Passw0rd-test"
MOBILE = "+819011112222"


class Phone:
    """The authenticator app in the test: computes codes; like a person reading the app it
    never types a step at or below one already used (the server refuses those, RFC 6238
    §5.2), so it waits for the app's next code when it has to."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def code(self, secret: str) -> str:
        while True:
            now = int(time.time() // 30)
            for counter in (now, now + 1):
                if counter > self.last.get(secret, -1):
                    self.last[secret] = counter
                    return totp.hotp(totp.decode_secret(secret), counter)
            time.sleep(0.5)  # the condition: the next 30-second step has begun

    def current(self, secret: str) -> str:
        return totp.hotp(totp.decode_secret(secret), int(time.time() // 30))


def _sign_in(page, base: str, email: str, outbox=None) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.wait_for_function("document.querySelector('[data-captcha] input[type=hidden]').value !== ''")
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_load_state()
    if outbox is not None and page.url.endswith("/login/sms/"):
        # no authenticator yet: the second step is the SMS code
        page.fill("input[name=code]", outbox.last_sms_code(MOBILE))
        page.click("#sms-verify")
        page.wait_for_selector("#signout")


def _sign_out(page) -> None:
    page.click("#signout")
    page.wait_for_load_state()


def _enable(page, base: str, phone: Phone, outbox) -> str:
    page.goto(f"{base}/security/totp/setup/")
    if page.locator(".sms-step-up").count():
        # a customer with a phone confirms the change with an SMS code first
        page.locator(".sms-step-up button").click()
        page.wait_for_url("**/security/totp/setup/")
        page.fill("input[name=step_up_code]", outbox.last_sms_code(MOBILE))
    secret = page.get_attribute("#totp-secret", "data-secret")
    assert secret and len(secret) >= 16
    # the secret is shown in groups of four for reading and copying
    shown = page.inner_text("#totp-secret")
    assert shown.replace(" ", "") == secret and " " in shown
    assert page.locator(".qr svg").count() == 1
    page.screenshot(path="var/screenshots/mfa_totp_setup.png", full_page=True)
    page.fill("input[name=code]", phone.code(secret))
    page.click("#totp-confirm")
    page.wait_for_url("**/security/recovery-codes/")
    assert page.locator("#recovery-codes li").count() == 10
    page.click("#codes-saved")
    page.wait_for_url("**/security/")
    return secret


def test_totp_enable_sign_in_disable_reenable_old_secret_refused(
    live_server, browser_page, user_factory, settings, outbox
):
    settings.MADOGUCHI_CAPTCHA_MAXNUMBER = 2000
    page = browser_page
    base = live_server.url
    user = user_factory(email="browser@example.jp", phone=MOBILE, language="en")
    phone = Phone()

    # given a signed-in customer without 2FA (the SMS code was the second step)
    _sign_in(page, base, user.email, outbox)
    # when TOTP is enabled by reading the secret off the page
    old_secret = _enable(page, base, phone, outbox)
    assert page.locator("#totp-disable-link").count() == 1

    # and the customer signs out and in again with a code
    _sign_out(page)
    _sign_in(page, base, user.email)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("input[name=code]", phone.code(old_secret))
    page.locator("form:has(input[name=code]) [type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{base}/security/")
    assert page.locator("#two-factor").count() == 1

    # when TOTP is disabled with a current code
    page.goto(f"{base}/security/totp/disable/")
    page.fill("input[name=code]", phone.code(old_secret))
    page.click("#totp-disable")
    page.wait_for_url("**/security/")
    assert page.locator("#totp-setup-link").count() == 1

    # and enabled again: a new secret
    new_secret = _enable(page, base, phone, outbox)
    assert new_secret != old_secret

    # then at the next sign-in a code from the old secret is refused, the new one works
    _sign_out(page)
    _sign_in(page, base, user.email)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("input[name=code]", phone.current(old_secret))
    page.locator("form:has(input[name=code]) [type=submit]").first.click()
    page.wait_for_load_state()
    assert "/accounts/2fa/authenticate/" in page.url
    assert page.locator(".errorlist, .error, [role=alert]").count() >= 1
    page.fill("input[name=code]", phone.code(new_secret))
    page.locator("form:has(input[name=code]) [type=submit]").first.click()
    page.wait_for_load_state()
    assert "/accounts/2fa/authenticate/" not in page.url
    page.goto(f"{base}/security/")
    assert page.locator("#totp-disable-link").count() == 1
