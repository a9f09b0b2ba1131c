"""An agent at 1280 px works an inquiry with the keyboard and a macro (reply + status +
priority in one step), sees the image preview, readable history and the SLA countdown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts import roles
from conftest import browser_timeout_ms
from support.models import CannedReply, Inquiry, Priority, Status
from support.tests.browser.test_support_flow import sign_in
from support.tests.factories import create_funds, png_bytes, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def test_agent_uses_a_macro_at_1280(_browser: Any, live_server: Any, user_factory: Any, staff_factory: Any) -> None:
    hanako = user_factory(email="hanako@example.jp", full_name="山田花子", language="ja")
    agent = staff_factory(roles=[roles.SUPPORT_AGENT, roles.SECURITY_AGENT], email="agent@example.jp")
    CannedReply.objects.create(
        slug="deposit_done_resolve",
        title_ja="入金反映済み（解決・優先度高）",
        title_en="Deposit credited (resolve, high)",
        body_ja="{customer_name} 様\n入金の反映を確認しました。{reference}",
        body_en="Dear {customer_name}, the deposit is credited. {reference}",
        set_status=Status.RESOLVED,
        set_priority=Priority.HIGH,
        position=0,
    )
    inquiry = create_funds(hanako, attachments=[upload("transfer.png", png_bytes((320, 200)))])

    context = _browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(browser_timeout_ms())
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/staff/support/?queue=funds")
    # keyboard: j selects the first row, o opens it
    page.wait_for_selector("#queue-table[data-keyboard-list]")
    page.keyboard.press("j")
    page.wait_for_selector("#queue-table tr.kb-current")
    page.keyboard.press("o")
    page.wait_for_url(f"**/staff/support/inquiries/{inquiry.pk}/")

    # the screenshot attached by the customer is previewed inline (permission-checked URL)
    page.wait_for_function("() => document.querySelector('img.att-preview').naturalWidth === 320")
    assert "/support/attachments/" in (page.get_attribute("img.att-preview", "src") or "")
    # the SLA is a countdown, the history is readable
    assert "残り" in page.inner_text("#sla-clock")
    assert "queue=" not in page.inner_text("#history")

    # m focuses the macro list; choosing the macro fills text, status and priority
    page.keyboard.press("m")
    assert page.evaluate("document.activeElement.id") == "canned"
    page.select_option("#canned", "deposit_done_resolve")
    page.wait_for_function("() => document.getElementById('id_body').value.includes('山田花子 様')")
    assert page.input_value("#reply-status") == Status.RESOLVED
    assert page.input_value("#reply-priority") == str(Priority.HIGH)
    page.screenshot(path=str(SCREENSHOTS / "support_console_macro_1280.png"), full_page=True)
    # Ctrl+Enter in the message sends it
    page.focus("#id_body")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    inquiry.refresh_from_db()
    assert inquiry.status == Status.RESOLVED and inquiry.priority == Priority.HIGH
    assert Inquiry.objects.get(pk=inquiry.pk).messages.filter(kind="reply").count() == 1
    history = page.inner_text("#history")
    assert "マクロを適用" in history and "ステータス：新規 → 解決済み" in history
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "support_console_after_macro_1280.png"), full_page=True)
    context.close()
