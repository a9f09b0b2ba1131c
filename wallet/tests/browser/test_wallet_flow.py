"""Browser: taro signs in with TOTP, sees his totals, adds an address (asked for a code),
requests a withdrawal (asked again), and once frozen is refused with the reason."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from pathlib import Path

import pytest

from tests_support.totp import totp
from wallet.tests.helpers import SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Taro2026pass"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
NEW_BTC_ADDRESS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"


class Phone:
    """The authenticator app: a fresh code each time, never one already used (each code
    works once). Uses the current step or the next one, waiting for time to move on
    when both are spent."""

    def __init__(self) -> None:
        self.used: set[int] = set()

    def code(self) -> str:
        while True:
            now = int(time.time() // 30)
            for step in (now, now + 1):
                if step not in self.used:
                    self.used.add(step)
                    return totp(SECRET, at=step * 30)
            time.sleep(30 - time.time() % 30 + 0.2)


@pytest.fixture
def taro(user_factory, settings):
    from allauth.mfa.totp.internal.auth import TOTP

    from wallet import demo

    settings.MADOGUCHI_CAPTCHA_MAXNUMBER = 2000
    user = user_factory(email="taro@example.jp", password=PASSWORD, language="ja")
    TOTP.activate(user, SECRET)
    demo.load()
    return user


def test_taro_checks_balances_adds_an_address_withdraws_and_is_stopped_when_frozen(live_server, browser_page, taro):
    from accounts.services import account_freeze
    from wallet.models import Withdrawal, WithdrawalAddress
    from wallet.selectors import overview_for_user

    page = browser_page
    phone = Phone()
    base = live_server.url

    # taro signs in: password, then the code from his authenticator
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", taro.email)
    page.fill("input[name=password]", PASSWORD)
    page.wait_for_selector("[data-captcha].done", state="attached")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector("input[name=code]")
    page.fill("input[name=code]", phone.code())
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")

    # he sees his total assets (home page and header) with yen formatting
    total = overview_for_user(taro).net_assets_jpy
    assert total > Decimal("1000000")
    expected_total = f"¥{int(total):,}"
    assert page.text_content("[data-testid=net-assets]").strip() == expected_total
    assert expected_total in page.text_content("[data-testid=header-total]")
    btc_row = page.locator("tr[data-currency=BTC]").inner_text()
    assert "0.52345678" in btc_row
    assert page.text_content("[data-testid=maintenance-ratio]").strip() == "152.3%"
    page.screenshot(path=str(SCREENSHOTS / "wallet-home.png"), full_page=True)

    # he adds a withdrawal address and is asked for a code
    page.goto(f"{base}/wallet/addresses/")
    page.select_option("select[name=currency]", "BTC")
    page.fill("input[name=address]", NEW_BTC_ADDRESS)
    page.fill("input[name=label]", "Genesis")
    page.click("#address-submit")
    page.wait_for_selector("[data-testid=code-prompt]")
    page.screenshot(path=str(SCREENSHOTS / "wallet-address-code-prompt.png"), full_page=True)
    assert not WithdrawalAddress.objects.filter(address=NEW_BTC_ADDRESS).exists()
    page.fill("input[name=code]", phone.code())
    page.click("#address-submit")
    page.wait_for_selector("ul.messages")
    assert NEW_BTC_ADDRESS in page.text_content("[data-testid=addresses]")
    assert WithdrawalAddress.objects.filter(user=taro, address=NEW_BTC_ADDRESS).exists()

    # he requests a withdrawal to his saved (already usable) address and is asked again
    usable = WithdrawalAddress.objects.get(user=taro, currency="BTC", label="My hardware wallet")
    page.goto(f"{base}/wallet/withdraw/")
    page.select_option("select[name=currency]", "BTC")
    eth = WithdrawalAddress.objects.get(user=taro, currency="ETH")
    assert page.locator(f"select[name=address_id] option[value='{eth.pk}']").is_disabled()
    page.select_option("select[name=address_id]", str(usable.pk))
    page.fill("input[name=amount]", "0.01")
    page.click("#withdraw-submit")
    page.wait_for_selector("[data-testid=code-prompt]")
    assert not Withdrawal.objects.filter(user=taro, status="pending").exists()
    page.fill("input[name=code]", phone.code())
    page.click("#withdraw-submit")
    page.wait_for_url(re.compile(r".*/wallet/withdrawals/$"))
    assert Withdrawal.objects.filter(user=taro, status="pending", amount=Decimal("0.01")).count() == 1
    assert "0.01" in page.text_content("[data-testid=withdrawals]")

    # his account is frozen (lost phone); a withdrawal is refused with the reason
    account_freeze(user=taro, reason="lost phone")
    page.goto(f"{base}/wallet/withdraw/")
    page.select_option("select[name=currency]", "BTC")
    page.select_option("select[name=address_id]", str(usable.pk))
    page.fill("input[name=amount]", "0.01")
    page.click("#withdraw-submit")
    error = page.wait_for_selector("[data-testid=form-error]")
    assert "凍結" in error.inner_text() or "frozen" in error.inner_text()
    # the freeze cancelled the pending withdrawal (funds back); the banner says how to lift it
    assert not Withdrawal.objects.filter(user=taro, status="pending").exists()
    assert Withdrawal.objects.filter(user=taro, status="cancelled", amount=Decimal("0.01")).count() == 1
    assert "/recovery/identity/" in page.get_attribute("#frozen-banner-lift", "href")
