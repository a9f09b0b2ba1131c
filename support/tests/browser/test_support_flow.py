"""Must-show browser stories: hanako's deposits inquiry end to end, and a security inquiry."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from accounts import roles
from conftest import browser_timeout_ms
from support.models import Inquiry, Priority, Status
from support.tests.factories import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, live_server: Any, user: Any) -> None:
    """Attach a real session of ``user`` to the browser (sign-in itself is tested by accounts)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])


def test_hanako_deposit_inquiry_canned_reply_email_reply_resolve_reopen(
    browser_page: Any,
    _browser: Any,
    live_server: Any,
    user_factory: Any,
    staff_factory: Any,
    outbox: Any,
    tmp_path: Any,
) -> None:
    hanako = user_factory(email="hanako@example.jp", full_name="山田花子", language="ja")
    agent = staff_factory(roles=[roles.SUPPORT_AGENT, roles.SECURITY_AGENT], email="agent@example.jp")
    page = browser_page
    sign_in(page, live_server, hanako)

    # hanako chooses deposits and withdrawals
    page.goto(f"{live_server.url}/support/new/")
    page.click('a[data-category="funds"]')
    # missing fields are refused with messages
    page.click("#submit-inquiry")
    page.wait_for_selector(".errorlist")
    body = page.content()
    assert "取引ID・トランザクションハッシュは必須です。" in body
    assert "お問い合わせ内容をご記入ください。" in body
    # she fills the form and attaches a screenshot
    page.select_option("#id_subtopic", "deposit")
    page.fill("#id_tx_reference", "ＴＸ－２０２６１１１９")
    page.fill("#id_occurred_at", "2026-11-19 14:30")
    page.select_option("#id_currency", "JPY")
    page.fill("#id_amount", "10,000")
    page.fill("#id_bank_or_network", "みずほ銀行")
    page.fill("#id_description", "昨日振り込んだ日本円の入金がまだ反映されていません。")
    shot = tmp_path / "screenshot.png"
    shot.write_bytes(png_bytes((320, 200)))
    page.set_input_files("#id_attachments", str(shot))
    page.click("#submit-inquiry")
    page.wait_for_url(re.compile(r"/support/inquiries/\d+/$"))
    inquiry = Inquiry.objects.get(customer=hanako)
    assert inquiry.queue.slug == "funds"
    assert inquiry.fields["tx_reference"] == "TX-20261119"
    assert page.locator("a.attachment").count() == 1

    # the agent answers with a canned reply
    agent_context = _browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    agent_page = agent_context.new_page()
    agent_page.set_default_timeout(browser_timeout_ms())
    sign_in(agent_page, live_server, agent)
    agent_page.goto(f"{live_server.url}/staff/support/?queue=funds")
    agent_page.click(f'tr[data-reference="{inquiry.reference}"] a')
    # the canned-reply list works once the page's script has run (deferred scripts run
    # before DOMContentLoaded): choosing earlier would fill nothing
    agent_page.wait_for_url(f"**/staff/support/inquiries/{inquiry.pk}/", wait_until="domcontentloaded")
    agent_page.select_option("#canned", "deposit_credited")
    agent_page.wait_for_function("() => document.getElementById('id_body').value.includes('山田花子 様')")
    with agent_page.expect_navigation():
        agent_page.click("#send-staff-reply")
    inquiry.refresh_from_db()
    assert inquiry.status == Status.WAITING

    # hanako receives a link-only email in Japanese
    mail = outbox.emails(to="hanako@example.jp", kind="support_reply")[-1]
    assert "反映済み" not in mail.body and "山田花子" not in mail.body
    found = re.search(r"https?://\S+/support/inquiries/\d+/", mail.body)
    assert found is not None
    link = found.group(0)
    path = link.split("/support/", 1)[1]
    page.goto(f"{live_server.url}/support/{path}")
    assert "反映済み" in page.content()
    page.fill("#id_body", "ありがとうございます。確認できました。")
    with page.expect_navigation():
        page.click("#send-reply")
    inquiry.refresh_from_db()
    assert inquiry.status == Status.OPEN

    # the agent resolves
    agent_page.goto(f"{live_server.url}/staff/support/inquiries/{inquiry.pk}/")
    agent_page.select_option("#set-status", "resolved")
    with agent_page.expect_navigation():
        agent_page.click("#apply-status")
    inquiry.refresh_from_db()
    assert inquiry.status == Status.RESOLVED

    # hanako reopens within the period by replying
    page.goto(f"{live_server.url}/support/inquiries/{inquiry.pk}/")
    assert page.locator("#send-reply").inner_text().strip() == "返信して再開する"
    page.fill("#id_body", "すみません、別の入金も反映されていません。")
    with page.expect_navigation():
        page.click("#send-reply")
    inquiry.refresh_from_db()
    assert inquiry.status == Status.OPEN and inquiry.reopened_count == 1
    agent_context.close()


def test_security_inquiry_is_urgent_and_offers_freeze(browser_page: Any, live_server: Any, user_factory: Any) -> None:
    hanako = user_factory(email="hanako@example.jp", language="ja")
    page = browser_page
    sign_in(page, live_server, hanako)
    page.goto(f"{live_server.url}/support/new/security/")
    assert page.locator("#freeze-offer").is_visible()
    page.fill("#id_what_happened", "身に覚えのないログイン通知が届きました。")
    page.fill("#id_occurred_at", "2026-11-19 23:10")
    page.fill("#id_description", "誰かが私のアカウントにログインしたようです。")
    page.click("#submit-inquiry")
    page.wait_for_url(re.compile(r"/support/inquiries/\d+/$"))
    inquiry = Inquiry.objects.get(customer=hanako)
    assert inquiry.priority == Priority.URGENT and inquiry.queue.slug == "security"
    # the offer is still there on the inquiry page; hanako freezes at once
    with page.expect_navigation():
        page.click("#freeze-now")
    hanako.refresh_from_db()
    assert hanako.frozen_at is not None
