"""Browser journey at 390 px (phone) and 1280 px: taro previews a withdrawal, taps max,
types an amount (the preview follows), confirms with his code, cancels the pending
withdrawal from the history (shown as cards on the phone), and removes an address after
a confirmation page. Screenshots: var/screenshots/money-*-<width>.png."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from wallet.tests.browser.test_wallet_flow import PASSWORD, Phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.fixture
def taro(user_factory):
    from allauth.mfa.totp.internal.auth import TOTP

    from wallet import demo
    from wallet.tests.helpers import SECRET

    user = user_factory(email="taro@example.jp", password=PASSWORD, language="ja")
    TOTP.activate(user, SECRET)
    demo.load()
    return user


def _sign_in(page, live_server, user) -> None:
    """A signed-in session (the sign-in itself has its own journeys), as a browser cookie."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _fits(page, width: int) -> None:
    """Nothing scrolls sideways."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= width, f"page is {overflow}px wide at {width}px"


@pytest.mark.parametrize("width", [390, 1280])
def test_preview_max_confirm_cancel_and_remove_an_address(live_server, browser_page, taro, width):
    from wallet.models import Withdrawal, WithdrawalAddress
    from wallet.selectors import withdrawal_preview_for_user

    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    phone = Phone()
    base = live_server.url
    _sign_in(page, live_server, taro)
    usable = WithdrawalAddress.objects.get(user=taro, currency="BTC", label="My hardware wallet")
    expected_max = withdrawal_preview_for_user(taro, currency="BTC").max_amount
    assert expected_max == Decimal("0.52295678")  # 0.52345678 available - 0.0005 fee

    # the withdrawal form: max fills in the largest amount, and the preview follows
    page.goto(f"{base}/wallet/withdraw/")
    page.select_option("select[name=currency]", "BTC")
    page.select_option("select[name=address_id]", str(usable.pk))
    page.click("#withdraw-max")
    page.wait_for_function("() => document.querySelector('input[name=amount]').value === '0.52295678'")
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=preview-received]') || {}).textContent"
        " && document.querySelector('[data-testid=preview-received]').textContent.includes('0.52295678')"
    )
    assert "0.0005 BTC" in page.text_content("[data-testid=preview-fee]")
    assert "¥" in page.text_content("[data-testid=preview-received]")  # the yen value
    assert "0 BTC" in page.text_content("[data-testid=preview-available]")  # nothing left after it
    _fits(page, width)
    page.screenshot(path=str(SCREENSHOTS / f"money-max-{width}.png"), full_page=True)

    # he types a smaller amount: the live preview shows its fee, yen value and what is left today
    page.fill("input[name=amount]", "0.01")
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=preview-total]') || {}).textContent"
        " && document.querySelector('[data-testid=preview-total]').textContent.includes('0.0105 BTC')"
    )
    received = page.text_content("[data-testid=preview-received]")
    assert "0.01 BTC" in received and "¥152,345" in received  # 0.01 × 15,234,567.5, rounded down
    assert "9.99 BTC" in page.text_content("[data-testid=preview-daily]")

    # Continue: the preview step asks for the code; nothing is withdrawn yet
    page.click("#withdraw-submit")
    page.wait_for_selector("[data-testid=confirm-step]")
    page.wait_for_selector("[data-testid=code-prompt]")
    assert "0.01 BTC" in page.text_content("[data-testid=preview-received]")
    assert not Withdrawal.objects.filter(user=taro, status="pending").exists()
    _fits(page, width)
    page.screenshot(path=str(SCREENSHOTS / f"money-preview-{width}.png"), full_page=True)
    page.fill("input[name=code]", phone.code())
    page.click("#withdraw-submit")
    page.wait_for_url(re.compile(r".*/wallet/withdrawals/$"))
    pending = Withdrawal.objects.get(user=taro, status="pending")
    assert pending.amount == Decimal("0.01")

    # the history: on the phone each withdrawal is a card with labelled figures
    row = page.locator(f"#withdrawal-{pending.pk}")
    if width == 390:
        assert row.locator("td").first.evaluate("(cell) => getComputedStyle(cell).display") == "grid"
        label = row.locator("td").nth(2).evaluate("(cell) => getComputedStyle(cell, '::before').content")
        assert "数量" in label
    else:
        assert row.locator("td").first.evaluate("(cell) => getComputedStyle(cell).display") == "table-cell"
    _fits(page, width)
    page.screenshot(path=str(SCREENSHOTS / f"money-history-{width}.png"), full_page=True)

    # he cancels it: a confirmation first, then the funds are back
    page.click(f"[data-testid=cancel-{pending.pk}]")
    page.wait_for_selector("[data-testid=cancel-confirm]")
    assert "0.0105 BTC" in page.text_content("[data-testid=cancel-confirm]")
    page.screenshot(path=str(SCREENSHOTS / f"money-cancel-confirm-{width}.png"), full_page=True)
    page.click("#cancel-confirm")
    page.wait_for_url(re.compile(r".*/wallet/withdrawals/$"))
    page.wait_for_selector("ul.messages")
    pending.refresh_from_db()
    assert (pending.status, pending.cancelled_by) == ("cancelled", "customer")
    assert withdrawal_preview_for_user(taro, currency="BTC").available == Decimal("0.52345678")
    assert page.locator(f"[data-testid=cancel-{pending.pk}]").count() == 0
    assert "取消" in row.inner_text()
    page.screenshot(path=str(SCREENSHOTS / f"money-cancelled-{width}.png"), full_page=True)

    # he removes an address: the list only links to a confirmation page
    eth = WithdrawalAddress.objects.get(user=taro, currency="ETH")
    page.goto(f"{base}/wallet/addresses/")
    page.click(f"[data-testid=remove-{eth.pk}]")
    page.wait_for_selector("[data-testid=remove-confirm]")
    assert eth.address in page.text_content("[data-testid=remove-confirm]")
    eth.refresh_from_db()
    assert eth.removed_at is None  # nothing removed by the first tap
    _fits(page, width)
    page.screenshot(path=str(SCREENSHOTS / f"money-remove-confirm-{width}.png"), full_page=True)
    page.click("#remove-confirm")
    page.wait_for_url(re.compile(r".*/wallet/addresses/$"))
    page.wait_for_selector("ul.messages")
    eth.refresh_from_db()
    assert eth.removed_at is not None
    assert eth.address not in page.text_content("main")
