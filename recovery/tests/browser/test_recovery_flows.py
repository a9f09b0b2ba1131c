"""Real browser (Debian chromium) through the password reset and the lost-authenticator flow."""

from __future__ import annotations

import json
import re

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from accounts.services import ensure_not_frozen
from core.errors import ApplicationError
from recovery.tests.conftest import totp_user
from tests_support.totp import totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SECRET = "JBSWY3DPEHPK3PXP"


def _solve_captcha_and_submit(page, button: str = "button[type=submit]") -> None:
    page.wait_for_function("document.querySelector('input[name=captcha]').value.length > 0")
    page.locator(button).first.click()


def _sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    _solve_captcha_and_submit(page, "form button[type=submit]")
    page.wait_for_load_state()


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_forgot_password_with_sms_code_and_link(live_server, browser_page, user_factory, outbox):
    page = browser_page
    base = live_server.url
    user = totp_user(user_factory, email="hanako@example.jp", phone="+819012345678")
    other = Client()
    other.force_login(user)
    assert other.get("/api/v1/me").status_code == 200  # signed in on another device

    # forgot password from the sign-in page → captcha
    page.goto(f"{base}/accounts/login/")
    page.locator("a[href*='/accounts/password/reset/']").first.click()
    page.fill("input[name=email]", "hanako@example.jp")
    _solve_captcha_and_submit(page)
    # → SMS code from var/outbox
    page.wait_for_selector("input[name=code]")
    page.fill("input[name=code]", outbox.last_sms_code("+819012345678"))
    page.locator("form button[type=submit]").first.click()
    page.wait_for_selector("#reset-sent")
    # → link from var/outbox → new password
    mail = [m for m in outbox.emails(to=user.email) if "/password/reset/key/" in m.body][-1]
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.body).group(0)
    page.goto(base + _path(link))
    page.fill("input[name=password1]", "Kaze-no-tani-2027")
    page.fill("input[name=password2]", "Kaze-no-tani-2027")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()

    # the new password works (and the authenticator is still required: a reset keeps 2FA)
    _sign_in(page, base, "hanako@example.jp", "Kaze-no-tani-2027")
    page.wait_for_selector("input[name=code]")
    assert "/2fa/" in page.url
    page.fill("input[name=code]", totp(SECRET))
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    # the hold is visible to the customer
    page.goto(f"{base}/api/v1/me")
    me = json.loads(page.locator("body").inner_text())
    assert me["withdrawal_hold_until"] is not None
    assert me["two_factor"]["totp"] is True
    # other sessions ended; the notification was sent
    assert other.get("/api/v1/me").status_code == 401
    assert outbox.emails(to=user.email, kind="password_reset")


def test_authenticator_lost_self_service_then_freeze_link(live_server, browser_page, user_factory, outbox):
    page = browser_page
    base = live_server.url
    user = totp_user(user_factory, email="taro@example.jp", phone="+819087654321")

    # password checked, at the 2FA step: "I can't use my authenticator"
    _sign_in(page, base, "taro@example.jp", "Passw0rd-test")
    page.wait_for_selector("#authenticator-lost")
    page.click("#authenticator-lost")
    page.click("#send-recovery")
    page.wait_for_selector("#recovery-sent")
    # email link + SMS code to the registered contacts
    mail = outbox.emails(to=user.email, kind="authenticator_lost_link")[-1]
    link = re.search(r"https?://\S+/recovery/authenticator-lost/confirm/\S+/", mail.body).group(0)
    page.goto(base + _path(link))
    page.fill("input[name=code]", outbox.last_sms_code("+819087654321"))
    page.click("#confirm-recovery")
    page.wait_for_selector("#recovery-done")
    # 2FA removed, hold set
    assert not Authenticator.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.withdrawal_hold_until is not None and user.frozen_at is None
    # the email carries "this wasn't me — freeze my account"; clicking it freezes the account
    notice = outbox.emails(to=user.email, kind="authenticator_recovered")[-1]
    freeze = re.search(r"https?://\S+/recovery/freeze/confirm/\S+/", notice.body).group(0)
    page.goto(base + _path(freeze))
    page.click("#freeze-confirm")
    page.wait_for_selector("#freeze-done")
    user.refresh_from_db()
    assert user.frozen_at is not None
    # a withdrawal is refused
    with pytest.raises(ApplicationError) as refused:
        ensure_not_frozen(user)
    assert refused.value.code == "account_frozen"
