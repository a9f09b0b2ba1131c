"""Browser journeys: a guest is offered their own open inquiry; the contact page's phone card
calls the line and takes a callback request that reaches the agents' queue. Screenshots at
390 px and 1280 px (var/screenshots/dead-end-*.png)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from accounts import roles
from support.internal.calendar import JST
from support.models import CallbackRequest, Inquiry
from tests_support.screens import at_both_widths, attach_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _confirm_guest(page: Any, base: str, email: str, outbox: Any) -> None:
    page.goto(f"{base}/support/guest/")
    page.fill("input[name=email]", email)
    page.wait_for_function("() => document.querySelector('input[name=captcha]').value.length > 0")
    with page.expect_navigation():
        page.click("#send-code")
    mail = outbox.emails(to=email, kind="support_guest_code")[-1]
    found = re.search(r"\b(\d{6})\b", mail.body)
    assert found is not None
    page.fill("input[name=code]", found.group(1))
    with page.expect_navigation():
        page.click("#confirm-code")


def test_a_guest_is_offered_to_add_to_their_open_inquiry(
    live_server: Any, browser_page: Any, outbox: Any, settings: Any
):
    settings.MADOGUCHI_CAPTCHA_MAXNUMBER = 1000
    page = browser_page
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    # a guest who cannot sign in confirms the address and sends a sign-in inquiry
    _confirm_guest(page, base, "guest@example.jp", outbox)
    page.goto(f"{base}/support/guest/new/sign_in/")
    assert page.locator("#duplicate-offer").count() == 0
    page.select_option("#id_subtopic", "sms")
    page.select_option("#id_failing_step", "sms_code")
    page.fill("#id_message_shown", "コードが違います")
    page.fill("#id_description", "SMSの認証コードが届きません。")
    with page.expect_navigation():
        page.click("#submit-inquiry")
    first = Inquiry.objects.get(guest_email="guest@example.jp")
    # coming back for the same category, the form offers that inquiry first
    page.goto(f"{base}/support/guest/new/sign_in/")
    offer = page.locator("#duplicate-offer")
    assert offer.is_visible() and first.reference in offer.inner_text()
    at_both_widths(page, "dead-end-3-guest-duplicate-offer")
    with page.expect_navigation():
        page.click("#duplicate-open")
    assert page.url.endswith(f"/support/guest/inquiries/{first.pk}/")
    page.fill("#id_body", "追記です。別の端末でも届きませんでした。")
    with page.expect_navigation():
        page.click("#send-reply")
    assert Inquiry.objects.filter(guest_email="guest@example.jp").count() == 1
    assert first.messages.count() == 2


def test_the_phone_card_calls_the_line_and_takes_a_callback_during_phone_hours(
    live_server: Any, browser_page: Any, _browser: Any, user_factory: Any, staff_factory: Any, time_machine: Any
):
    time_machine.move_to(dt.datetime(2026, 11, 24, 10, 5, tzinfo=JST))  # a Tuesday, the line is open
    page = browser_page
    base = live_server.url
    customer = user_factory(email="hanako@example.jp", phone="+819012345678", language="ja")
    attach_session(page, live_server, customer)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/contact/")
    call = page.locator("#phone-call")
    assert call.get_attribute("href") == "tel:0120000000" and "0120-000-000" in call.inner_text()
    at_both_widths(page, "dead-end-4-contact-phone-open")
    page.select_option("#cb-preferred", label="14:00")
    page.select_option("#cb-topic", "funds")
    with page.expect_navigation():
        page.click("#callback-send")
    callback = CallbackRequest.objects.get(customer=customer)
    assert callback.preferred_at == dt.datetime(2026, 11, 24, 14, 0, tzinfo=JST)
    assert page.locator("#my-callbacks").inner_text().startswith(callback.inquiry.reference)
    at_both_widths(page, "dead-end-4-contact-callback-sent")
    # the funds agent sees the callback in the console queue
    agent = staff_factory(roles=[roles.SUPPORT_AGENT], email="agent@example.jp")
    agent_context = _browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    agent_page = agent_context.new_page()
    attach_session(agent_page, live_server, agent)
    agent_page.goto(f"{base}/staff/support/?queue=funds")
    row = agent_page.locator(f'tr[data-reference="{callback.inquiry.reference}"]')
    assert "折り返し電話のご依頼" in row.inner_text()
    agent_context.close()


def test_on_a_public_holiday_the_phone_card_says_when_the_line_opens(
    live_server: Any, browser_page: Any, user_factory: Any, time_machine: Any
):
    time_machine.move_to(dt.datetime(2026, 11, 23, 11, 0, tzinfo=JST))  # 勤労感謝の日
    page = browser_page
    attach_session(page, live_server, user_factory(email="hanako@example.jp", language="ja"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/contact/")
    assert page.locator("#callback-form").count() == 0
    assert "2026-11-24 (火) 09:00" in page.locator("#callback-closed").inner_text()
    assert page.locator("#phone-call").get_attribute("href") == "tel:0120000000"
    at_both_widths(page, "dead-end-4-contact-phone-holiday")
