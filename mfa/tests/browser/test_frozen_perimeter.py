"""Browser: a frozen customer cannot change the password or turn off TOTP, on the pages
or through the old allauth pages (which are gone)."""

from __future__ import annotations

import time

import pytest

from mfa.internal import totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Passw0rd-test"
SECRET = "JBSWY3DPEHPK3PXP"


def _code(offset: int = 0) -> str:
    return totp.hotp(totp.decode_secret(SECRET), int(time.time() // 30) + offset)


def test_frozen_customer_cannot_change_password_or_remove_totp(live_server, browser_page, user_factory, settings):
    from allauth.mfa.models import Authenticator

    from accounts.services import account_freeze
    from mfa.tests.helpers import enable_totp

    settings.MADOGUCHI_CAPTCHA_MAXNUMBER = 2000
    page, base = browser_page, live_server.url
    user = user_factory(email="frozen@example.jp", phone=None, language="en")
    enable_totp(user, SECRET)

    # given a customer signed in with password and authenticator
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.wait_for_function("document.querySelector('[data-captcha] input[type=hidden]').value !== ''")
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("input[name=code]", _code(-1))
    page.locator("form:has(input[name=code]) [type=submit]").first.click()
    page.wait_for_load_state()
    assert "/accounts/2fa/authenticate/" not in page.url

    # and the account is frozen (say, from the emailed link after the phone was stolen)
    account_freeze(user=user, reason="phone stolen")

    # when the password change is tried with a valid second factor
    page.goto(f"{base}/security/password/")
    page.fill("input[name=current_password]", PASSWORD)
    page.fill("input[name=new_password]", "Another-passw0rd-9")
    page.fill("input[name=code]", _code(0))
    page.click("#password-change")
    page.wait_for_selector("text=Your account is frozen")

    # and TOTP removal is tried with a valid code
    page.goto(f"{base}/security/totp/disable/")
    page.fill("input[name=code]", _code(1))
    page.click("#totp-disable")
    page.wait_for_selector("text=Your account is frozen")

    # and allauth's own pages are tried
    for path in ("/accounts/password/change/", "/accounts/2fa/totp/deactivate/", "/accounts/email/"):
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 404

    # then nothing changed
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
