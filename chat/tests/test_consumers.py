"""The WebSocket through the real ASGI application (session auth, origin check, routing),
driven by channels.testing.WebsocketCommunicator."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from chat import services
from chat.models import ChatMessage

pytestmark = pytest.mark.django_db(transaction=True)


def cookie_for(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def communicator(path: str, cookie: bytes = b"", origin: bytes = b"http://testserver") -> WebsocketCommunicator:
    from config.asgi import application

    headers = [(b"origin", origin), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, path, headers=headers)


def run(coro_fn: Any) -> Any:
    """Run the scenario on its own thread and event loop (a browser test earlier in the
    session leaves Playwright's loop running on the main thread)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def scenario() -> Any:
        try:
            return async_to_sync(coro_fn)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(scenario).result()


@pytest.fixture
def chat(customer: Any) -> Any:
    return services.conversation_start(category_slug="funds", body="出金が届きません", customer=customer)


def test_customer_and_agent_chat_live(chat: Any, customer: Any, agent: Any) -> None:
    services.conversation_accept(agent=agent, conversation=chat)
    mine, theirs = cookie_for(customer), cookie_for(agent)

    async def scenario() -> None:
        me = communicator(f"/ws/chat/{chat.pk}/", mine)
        them = communicator(f"/ws/chat/{chat.pk}/", theirs)
        assert (await me.connect())[0] and (await them.connect())[0]
        first = await me.receive_json_from()
        assert first["type"] == "state" and first["state"]["status"] == "active" and first["role"] == "customer"
        assert (await them.receive_json_from())["role"] == "agent"
        await me.send_json_to({"type": "message", "body": "まだですか", "key": "k-1"})
        frames = [await me.receive_json_from() for _ in range(2)]  # the ack and the stored message
        assert {"type": "ack", "key": "k-1", "seq": 3, "duplicate": False} in frames
        assert any(f["type"] == "message" and f["message"]["seq"] == 3 for f in frames)
        pushed = await them.receive_json_from()
        assert pushed["type"] == "message" and pushed["message"]["body"] == "まだですか"
        assert pushed["message"]["seq"] == 3
        # typing reaches the other side only
        await them.send_json_to({"type": "typing"})
        assert await me.receive_json_from() == {"type": "typing", "sender": "agent"}
        # a resend after a lost ack: the same seq, no second row
        await me.send_json_to({"type": "message", "body": "まだですか", "key": "k-1"})
        assert await me.receive_json_from() == {"type": "ack", "key": "k-1", "seq": 3, "duplicate": True}
        assert await them.receive_nothing(timeout=0.2)  # nothing new was delivered
        await me.disconnect()
        await them.disconnect()

    run(scenario)
    assert ChatMessage.objects.filter(conversation=chat, client_key="k-1").count() == 1


def test_resume_after_reconnect_sends_only_what_was_missed(chat: Any, customer: Any, agent: Any) -> None:
    services.conversation_accept(agent=agent, conversation=chat)
    services.message_post(conversation=chat, user=agent, body="確認します")  # seq 3
    mine = cookie_for(customer)

    async def scenario() -> None:
        me = communicator(f"/ws/chat/{chat.pk}/", mine)
        assert (await me.connect())[0]
        await me.receive_json_from()
        await me.send_json_to({"type": "resume", "after": 1})
        batch = await me.receive_json_from()
        assert batch["type"] == "messages"
        assert [m["seq"] for m in batch["messages"]] == [2, 3]
        assert batch["messages"][-1]["body"] == "確認します" and batch["messages"][-1]["sender"] == "agent"
        await me.disconnect()

    run(scenario)


def test_a_stranger_and_an_anonymous_visitor_are_refused(chat: Any, user_factory: Any) -> None:
    stranger = cookie_for(user_factory())

    async def scenario() -> None:
        for cookie in (stranger, b""):
            ws = communicator(f"/ws/chat/{chat.pk}/", cookie)
            connected, code = await ws.connect()
            assert not connected and code == 4404
        missing = communicator("/ws/chat/999999/", stranger)
        assert not (await missing.connect())[0]

    run(scenario)


def test_a_foreign_origin_is_refused(chat: Any, customer: Any) -> None:
    mine = cookie_for(customer)

    async def scenario() -> None:
        ws = communicator(f"/ws/chat/{chat.pk}/", mine, origin=b"https://evil.example")
        connected, _ = await ws.connect()
        assert not connected

    run(scenario)


def test_an_agent_without_the_security_role_cannot_open_a_security_chat(
    customer: Any, agent: Any, security_agent: Any
) -> None:
    chat = services.conversation_start(category_slug="security", body="乗っ取り", customer=customer)
    plain, security = cookie_for(agent), cookie_for(security_agent)

    async def scenario() -> None:
        refused = communicator(f"/ws/chat/{chat.pk}/", plain)
        assert not (await refused.connect())[0]
        allowed = communicator(f"/ws/chat/{chat.pk}/", security)
        assert (await allowed.connect())[0]
        await allowed.disconnect()

    run(scenario)


def test_staff_socket_needs_the_second_factor_session(chat: Any, agent: Any) -> None:
    client = Client()
    client.force_login(agent, second_factor=False)  # type: ignore[call-arg]  # conftest.py
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def scenario() -> None:
        ws = communicator(f"/ws/chat/{chat.pk}/", cookie)
        assert not (await ws.connect())[0]
        queue = communicator("/ws/chat/queue/", cookie)
        assert not (await queue.connect())[0]

    run(scenario)


def test_waiting_customer_hears_the_position_and_the_agent_joining(chat: Any, customer: Any, agent: Any) -> None:
    mine, theirs = cookie_for(customer), cookie_for(agent)

    async def scenario() -> None:
        me = communicator(f"/ws/chat/{chat.pk}/", mine)
        assert (await me.connect())[0]
        state = (await me.receive_json_from())["state"]
        assert (state["status"], state["position"], state["expected_minutes"]) == ("waiting", 1, 4)
        queue = communicator("/ws/chat/queue/", theirs)
        assert (await queue.connect())[0]
        from channels.db import database_sync_to_async

        await database_sync_to_async(services.conversation_accept)(agent=agent, conversation=chat)
        frames = [await me.receive_json_from() for _ in range(3)]
        kinds = [f["type"] for f in frames]
        assert "message" in kinds and "state" in kinds
        joined = next(f for f in frames if f["type"] == "message")["message"]
        assert joined["system"] == "accepted" and "佐藤" in joined["body"]
        assert (await queue.receive_json_from())["type"] == "queue"
        await me.disconnect()
        await queue.disconnect()

    run(scenario)
