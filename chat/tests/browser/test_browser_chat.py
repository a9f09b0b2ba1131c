"""A customer on a 390 px phone and an agent in a second browser context chat through a
live ASGI server (uvicorn in a thread, the test database): queue, accept, typing, messages
both ways, the customer's network dropping and coming back (nothing lost or doubled), the
waiting timeout becoming an inquiry with the transcript, a guest chat after email
confirmation, and a stranger's 404."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from chat import services
from chat.models import ChatMessage, Conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[str]:
    """uvicorn serving config.asgi (HTTP + WebSocket) on a free loopback port."""
    import uvicorn
    from channels.routing import ProtocolTypeRouter
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config.asgi import application as production_application
    from config.asgi import django_asgi_app

    # as pytest-django's live_server: static files from the apps (tests run with DEBUG off)
    application = ProtocolTypeRouter(
        {
            "http": ASGIStaticFilesHandler(django_asgi_app),
            "websocket": production_application.application_mapping["websocket"],
        }
    )

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(application, log_level="warning", lifespan="off", ws="websockets-sansio")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


def context_for(browser: Any, base: str, user: Any = None, *, width: int = 390, height: int = 844) -> Any:
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": width, "height": height})
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base}])
    return context


def new_page(context: Any, violations: list[str]) -> Any:
    page = context.new_page()
    page.set_default_timeout(15000)
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return page


def wait_bubble(page: Any, sender: str, text: str) -> None:
    page.wait_for_function(
        "([s, t]) => [...document.querySelectorAll('#chat-log li.from-' + s)].some(li => li.textContent.includes(t))",
        arg=[sender, text],
    )


def bubbles(page: Any, sender: str) -> list[str]:
    return page.locator(f"#chat-log li.from-{sender} .bubble").all_inner_texts()


def test_customer_at_390_and_agent_chat_then_reconnect_without_loss_or_doubles(
    _browser: Any, asgi_server: str, customer: Any, agent: Any, user_factory: Any
) -> None:
    base = asgi_server
    violations: list[str] = []
    phone = context_for(_browser, base, customer)
    desk = context_for(_browser, base, agent, width=1280, height=900)
    me, them = new_page(phone, violations), new_page(desk, violations)

    # the customer starts a chat from the contact page
    me.goto(f"{base}/contact/")
    me.click("#start-chat")
    me.wait_for_url("**/chat/new/")
    me.select_option("#id_category", "funds")
    me.fill("#id_body", "出金が2時間たっても届きません")
    me.click("#chat-start-submit")
    me.wait_for_url("**/chat/*/")
    chat = Conversation.objects.get(customer=customer)
    me.wait_for_function("() => document.getElementById('chat').dataset.connected === '1'")
    assert "1" in me.inner_text("#chat-status") and "分" in me.inner_text("#chat-status")  # position, wait

    # the agent sees it in the team's queue (live), opens and accepts it
    them.goto(f"{base}/staff/chat/?queue=funds")
    them.wait_for_selector(f'#chat-waiting tr[data-reference="{chat.reference}"]')
    them.click(f'#chat-waiting tr[data-reference="{chat.reference}"] a')
    them.wait_for_url(f"**/staff/chat/{chat.pk}/")
    assert customer.email in them.inner_text("#security-context")
    them.click("#chat-accept")
    them.wait_for_selector("#chat-input")
    them.wait_for_function("() => document.getElementById('chat').dataset.connected === '1'")
    me.wait_for_function("() => document.getElementById('chat').dataset.status === 'active'")
    assert "佐藤" in me.inner_text("#chat-status")

    # typing, then messages both ways
    them.type("#chat-input", "確認")
    me.wait_for_function("() => document.getElementById('chat-typing').textContent.length > 0")
    them.fill("#chat-input", "確認いたします。少々お待ちください。")
    them.click("#chat-send")
    wait_bubble(me, "agent", "少々お待ちください")
    me.fill("#chat-input", "よろしくお願いします")
    me.click("#chat-send")
    wait_bubble(them, "customer", "よろしくお願いします")

    # the phone layout does not scroll sideways
    assert me.evaluate("() => document.documentElement.scrollWidth") <= 390

    # the customer's network drops: messages typed now wait, the agent's reply is missed
    phone.set_offline(True)
    me.wait_for_function("() => document.getElementById('chat').dataset.connected === '0'")
    me.fill("#chat-input", "電波が悪いです")
    me.click("#chat-send")
    me.fill("#chat-input", "まだ届いていません")
    me.click("#chat-send")
    assert me.evaluate("() => document.getElementById('chat').dataset.pending") == "2"
    them.fill("#chat-input", "送金記録を確認しました")
    them.click("#chat-send")
    wait_bubble(them, "agent", "送金記録")
    assert "送金記録を確認しました" not in me.inner_text("#chat-log")
    me.screenshot(path=str(SCREENSHOTS / "chat_customer_offline_390.png"), full_page=True)

    # back online: the page catches up and resends; the server stores each message once
    phone.set_offline(False)
    me.wait_for_function("() => document.getElementById('chat').dataset.pending === '0'")
    wait_bubble(me, "agent", "送金記録")
    wait_bubble(them, "customer", "まだ届いていません")
    expected_customer = [
        "出金が2時間たっても届きません",
        "よろしくお願いします",
        "電波が悪いです",
        "まだ届いていません",
    ]
    assert bubbles(me, "customer") == expected_customer
    assert bubbles(them, "customer") == expected_customer
    assert bubbles(me, "agent") == ["確認いたします。少々お待ちください。", "送金記録を確認しました"]
    stored = list(ChatMessage.objects.filter(conversation=chat, sender="customer").values_list("body", flat=True))
    assert stored == expected_customer
    seqs = list(ChatMessage.objects.filter(conversation=chat).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))

    # a reload shows the same transcript, once
    me.reload()
    me.wait_for_function("() => document.getElementById('chat').dataset.connected === '1'")
    assert bubbles(me, "customer") == expected_customer
    me.screenshot(path=str(SCREENSHOTS / "chat_customer_390.png"), full_page=True)
    them.screenshot(path=str(SCREENSHOTS / "chat_agent_1280.png"), full_page=True)

    # a stranger opening the conversation gets a 404 (page and socket)
    stranger_ctx = context_for(_browser, base, user_factory(email="stranger@example.com"))
    stranger = new_page(stranger_ctx, violations)
    response = stranger.goto(f"{base}/chat/{chat.pk}/")
    assert response is not None and response.status == 404
    assert "出金" not in stranger.content()
    refused = stranger.evaluate(
        """(path) => new Promise(resolve => {
            const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path);
            ws.onopen = () => resolve('open');
            ws.onclose = (e) => resolve('closed');
        })""",
        f"/ws/chat/{chat.pk}/",
    )
    assert refused == "closed"
    for ctx in (phone, desk, stranger_ctx):
        ctx.close()
    assert not violations, violations


def test_no_agent_in_time_the_chat_becomes_an_inquiry_with_the_transcript(
    _browser: Any, asgi_server: str, customer: Any, settings: Any
) -> None:
    base = asgi_server
    violations: list[str] = []
    phone = context_for(_browser, base, customer)
    me = new_page(phone, violations)
    me.goto(f"{base}/chat/new/")
    me.select_option("#id_category", "trading")
    me.fill("#id_body", "注文が約定しません")
    me.click("#chat-start-submit")
    me.wait_for_url("**/chat/*/")
    me.wait_for_function("() => document.getElementById('chat').dataset.connected === '1'")
    me.fill("#chat-input", "注文番号は 12345 です")
    me.click("#chat-send")
    me.wait_for_function("() => document.getElementById('chat').dataset.pending === '0'")

    chat = Conversation.objects.get(customer=customer)
    settings.MADOGUCHI_CHAT_WAIT_TIMEOUT_MINUTES = 10
    assert services.waiting_timeout_convert(now=timezone.now() + dt.timedelta(minutes=11)) == 1
    chat.refresh_from_db()
    assert chat.status == "converted" and chat.inquiry is not None

    me.reload()
    me.wait_for_selector("#chat-inquiry-link")
    assert "お問い合わせ" in me.inner_text("#chat-status") or chat.inquiry.reference in me.inner_text("#chat-log")
    assert not me.locator("#chat-compose").is_visible() if me.locator("#chat-compose").count() else True
    me.click("#chat-inquiry-link")
    me.wait_for_url(f"**/support/inquiries/{chat.inquiry_id}/")
    page_text = me.inner_text("body")
    assert "注文が約定しません" in page_text and "注文番号は 12345 です" in page_text and chat.reference in page_text
    me.screenshot(path=str(SCREENSHOTS / "chat_timeout_inquiry_390.png"), full_page=True)
    phone.close()
    assert not violations, violations


def test_guest_chat_after_email_confirmation(_browser: Any, asgi_server: str, outbox: Any, solve_captcha: Any) -> None:
    """A guest who cannot sign in confirms their email (the guest-inquiry path), then chats."""
    base = asgi_server
    violations: list[str] = []
    phone = context_for(_browser, base)
    me = new_page(phone, violations)
    me.goto(f"{base}/support/guest/")
    me.fill("#id_email", "guest@example.com")
    me.wait_for_function(
        "() => { const el = document.querySelector('input[name=captcha]'); return el && el.value.length > 0; }",
        timeout=60000,
    )
    me.click("form button[type=submit]")
    me.wait_for_url("**/support/guest/verify/")
    import re

    mails = outbox.emails(to="guest@example.com")
    assert mails, "the confirmation email"
    match = re.search(r"(\d{6})", mails[-1].body)
    assert match, mails[-1].body
    code = match.group(1)
    me.fill("#id_code", code)
    me.click("form button[type=submit]")
    me.wait_for_url("**/support/guest/inquiries/")
    me.goto(f"{base}/chat/new/")
    options = me.eval_on_selector_all("#id_category option", "els => els.map(e => e.value)")
    assert "funds" not in options and "sign_in" in options
    me.select_option("#id_category", "sign_in")
    me.fill("#id_body", "ログインできません")
    me.click("#chat-start-submit")
    me.wait_for_url("**/chat/*/")
    me.wait_for_function("() => document.getElementById('chat').dataset.connected === '1'")
    chat = Conversation.objects.get(guest_email="guest@example.com")
    assert chat.customer is None and chat.status == "waiting"
    assert "ログインできません" in me.inner_text("#chat-log")
    phone.close()
    assert not violations, violations


def test_files_sent_by_the_agent_and_the_customer_are_linked_live_on_the_other_side(
    _browser: Any, asgi_server: str, customer: Any, agent: Any, user_factory: Any
) -> None:
    """A file message arrives over the WebSocket with working links (no reload), both ways;
    the link is the reader's own path and a stranger gets 404 on it."""
    from support.tests.factories import png_bytes

    base = asgi_server
    violations: list[str] = []
    chat = services.conversation_start(category_slug="funds", body="出金が届きません", customer=customer)
    services.conversation_accept(agent=agent, conversation=chat)
    phone = context_for(_browser, base, customer)
    desk = context_for(_browser, base, agent, width=1280, height=900)
    me, them = new_page(phone, violations), new_page(desk, violations)
    me.goto(f"{base}/chat/{chat.pk}/")
    them.goto(f"{base}/staff/chat/{chat.pk}/")
    for page in (me, them):
        page.wait_for_function("() => document.getElementById('chat').dataset.connected === '1'")
    loaded_at = me.evaluate("() => performance.timeOrigin")

    def file_link(page: Any, sender: str, name: str) -> str:
        selector = f"#chat-log li.from-{sender} a.chat-file"
        page.wait_for_function(
            "([sel, name]) => [...document.querySelectorAll(sel)].some(a => a.textContent === name)",
            arg=[selector, name],
        )
        return str(
            page.eval_on_selector_all(selector, "(els, name) => els.find(a => a.textContent === name).href", name)
        )

    def fetch_status(page: Any, href: str) -> list[Any]:
        return list(
            page.evaluate(
                """async (href) => {
                    const r = await fetch(href, {credentials: 'same-origin'});
                    const b = new Uint8Array(await r.arrayBuffer());
                    return [r.status, r.headers.get('content-type'), b[0], b[1]];
                }""",
                href,
            )
        )

    # the agent attaches a file in the console; the customer's page links it live
    them.fill("#chat-input", "手順の画像です")
    them.set_input_files("#chat-files", files=[{"name": "steps.png", "mimeType": "image/png", "buffer": png_bytes()}])
    them.click("#chat-send")
    them.wait_for_url(f"**/staff/chat/{chat.pk}/#chat-compose")
    href = file_link(me, "agent", "steps.png")
    assert me.evaluate("() => performance.timeOrigin") == loaded_at  # no reload
    assert href.startswith(f"{base}/chat/{chat.pk}/files/")
    assert fetch_status(me, href) == [200, "image/png", 0x89, 0x50]

    # the customer attaches one; the agent's console links it live, under /staff/
    them_loaded_at = them.evaluate("() => performance.timeOrigin")
    me.set_input_files("#chat-files", files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": png_bytes()}])
    me.click("#chat-send")
    me.wait_for_url(f"**/chat/{chat.pk}/#chat-compose")
    staff_href = file_link(them, "customer", "receipt.png")
    assert them.evaluate("() => performance.timeOrigin") == them_loaded_at
    assert staff_href.startswith(f"{base}/staff/chat/{chat.pk}/files/")
    assert fetch_status(them, staff_href)[:2] == [200, "image/png"]
    # the sender's reloaded page shows its own file once
    assert me.locator("#chat-log a.chat-file", has_text="receipt.png").count() == 1

    # a stranger (signed in, not this chat's) gets 404 on both links
    stranger_ctx = context_for(_browser, base, user_factory(email="stranger@example.com"))
    stranger = new_page(stranger_ctx, violations)
    for link in (href, staff_href):
        response = stranger.goto(link)
        assert response is not None and response.status == 404, link
    me.screenshot(path=str(SCREENSHOTS / "chat_files_customer_390.png"), full_page=True)
    them.screenshot(path=str(SCREENSHOTS / "chat_files_agent_1280.png"), full_page=True)
    for ctx in (phone, desk, stranger_ctx):
        ctx.close()
    assert not violations, violations
