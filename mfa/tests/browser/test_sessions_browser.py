"""Browser, 390×844: a customer signs out her lost iPhone alone from the sessions page,
confirming with an SMS code, and then names her PC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings as django_settings
from django.test import Client

from tests_support.signin import html_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


def test_a_customer_ends_her_lost_iphones_session_from_her_phone_sized_browser(
    _browser: Any, live_server: Any, user_factory: Any, outbox: Any, settings: Any
) -> None:
    settings.MADOGUCHI_MFA_SMS_RESEND_COOLDOWN = 0
    # given hanako signed in on her iPhone (now lost) and in this browser
    hanako = user_factory(email="hanako@example.jp")
    iphone = Client(HTTP_USER_AGENT=IPHONE_SAFARI)
    assert html_sign_in(iphone, hanako).status_code == 302
    here = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36")
    assert html_sign_in(here, hanako).status_code == 302
    lost = UserSession.objects.get(user=hanako, user_agent=IPHONE_SAFARI)
    context = _browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 390, "height": 844})
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": here.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15000)

    # when she opens her signed-in devices: two cards, the iPhone named as such
    page.goto(f"{live_server.url}/security/sessions/")
    assert page.locator("tr[data-session]").count() == 2
    assert "iPhone の Safari" in page.inner_text("#sessions")
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "sessions-phone-list.png"), full_page=True)

    # and presses "Sign out" on the iPhone's card: she is asked to confirm with a code
    page.click(f'[data-end-session="{lost.pk}"]')
    page.wait_for_selector("#session-end-form")
    assert "iPhone の Safari をログアウトさせますか？" in page.inner_text("#session-end-form")
    page.click("#session-end-form button[formaction]")  # send the code by SMS
    page.wait_for_selector("#session-end-form")  # back at the same question
    page.fill("#session-end-form input[name=code]", outbox.last_sms_code(hanako.phone))
    page.screenshot(path=str(SCREENSHOTS / "sessions-phone-confirm.png"), full_page=True)
    page.click("#session-end-confirm")

    # then the iPhone alone is signed out, and she is still signed in here
    page.wait_for_selector(".messages .notice")
    assert "iPhone の Safari をログアウトさせました。" in page.inner_text(".messages")
    assert page.locator("tr[data-session]").count() == 1
    assert iphone.get("/account/activity/").status_code == 302
    assert not UserSession.objects.filter(pk=lost.pk).exists()

    # when she names this browser
    mine = UserSession.objects.get(user=hanako)
    page.click(f'[data-rename-session="{mine.pk}"]')
    page.fill(f"#id_label_{mine.pk}", "自宅のパソコン")
    page.click(".session-rename button[type=submit]")
    page.wait_for_selector(".messages .notice")
    # then the card shows her name for it
    assert "自宅のパソコン" in page.inner_text("#sessions")
    page.screenshot(path=str(SCREENSHOTS / "sessions-phone-renamed.png"), full_page=True)
    context.close()
