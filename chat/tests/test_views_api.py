"""Chat pages and the JSON API: who may see what (stranger → 404), the contact-page entry,
the agents' console and the idempotent HTTP post."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from chat import services
from chat.models import ChatMessage, Conversation
from core.audit import AuditEvent

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(user)
    return client


@pytest.fixture
def chat(customer: Any) -> Conversation:
    return services.conversation_start(category_slug="funds", body="出金が届きません", customer=customer)


def test_contact_page_offers_the_chat_during_hours(client: Client, settings: Any) -> None:
    page = client.get("/contact/").content.decode()
    assert 'id="start-chat"' in page and 'href="/chat/new/"' in page
    settings.MADOGUCHI_CHAT_ALWAYS_OPEN = False
    import datetime as dt

    import time_machine

    from support.internal.calendar import JST

    with time_machine.travel(dt.datetime(2026, 12, 5, 12, 0, tzinfo=JST), tick=False):  # Saturday
        page = client.get("/contact/").content.decode()
    assert 'id="start-chat"' not in page and 'id="chat-closed-note"' in page


def test_start_a_chat_from_the_page(customer: Any) -> None:
    client = signed_in(customer)
    form = client.get("/chat/new/")
    assert form.status_code == 200 and "data-suggest-url" in form.content.decode()
    response = client.post("/chat/new/", {"category": "funds", "body": "入金が反映されない", "key": "start-1"})
    conversation = Conversation.objects.get(customer=customer)
    assert response.status_code == 302 and response["Location"] == f"/chat/{conversation.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "入金が反映されない" in page and 'data-ws="/ws/chat/' in page and "1" in page
    # a second start goes to the open chat
    again = client.post("/chat/new/", {"category": "funds", "body": "もう一度"})
    assert again["Location"] == f"/chat/{conversation.pk}/"


def test_transcript_is_listed_in_my_inquiries(chat: Conversation, customer: Any) -> None:
    services.conversation_close(conversation=chat, user=customer)
    page = signed_in(customer).get("/support/").content.decode()
    assert 'id="recent-chats"' in page and f'href="/chat/{chat.pk}/"' in page and chat.reference in page
    transcript = signed_in(customer).get(f"/chat/{chat.pk}/").content.decode()
    assert "出金が届きません" in transcript and 'id="chat-compose"' not in transcript


def test_start_refuses_bad_input_with_a_message(customer: Any) -> None:
    response = signed_in(customer).post("/chat/new/", {"category": "", "body": ""})
    assert response.status_code == 400
    assert "カテゴリ" in response.content.decode() or "category" in response.content.decode()
    assert not Conversation.objects.exists()


def test_anonymous_is_sent_to_sign_in_and_a_stranger_gets_404(
    client: Client, chat: Conversation, user_factory: Any
) -> None:
    assert client.get(f"/chat/{chat.pk}/")["Location"].startswith("/accounts/login/")
    stranger = signed_in(user_factory())
    assert stranger.get(f"/chat/{chat.pk}/").status_code == 404
    assert stranger.post(f"/chat/{chat.pk}/close/").status_code == 404
    chat.refresh_from_db()
    assert chat.status == "waiting"


def test_customers_cannot_open_the_agent_console(chat: Conversation, customer: Any) -> None:
    client = signed_in(customer)
    assert client.get("/staff/chat/").status_code == 404
    assert client.get(f"/staff/chat/{chat.pk}/").status_code == 404
    assert client.post(f"/staff/chat/{chat.pk}/accept/").status_code == 404


def test_agent_queue_accept_and_convert(chat: Conversation, customer: Any, agent: Any) -> None:
    client = signed_in(agent)
    queue = client.get("/staff/chat/").content.decode()
    assert chat.reference in queue
    detail = client.get(f"/staff/chat/{chat.pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert 'id="security-context"' in html and customer.email in html
    assert AuditEvent.objects.filter(event="chat.staff_read", actor=agent).exists()
    assert AuditEvent.objects.filter(event="support.security_context_viewed", actor=agent).exists()
    client.post(f"/staff/chat/{chat.pk}/accept/")
    chat.refresh_from_db()
    assert chat.status == "active" and chat.assignee == agent
    html = client.get(f"/staff/chat/{chat.pk}/").content.decode()
    assert 'id="chat-canned"' in html
    response = client.post(f"/staff/chat/{chat.pk}/convert/")
    chat.refresh_from_db()
    assert chat.status == "converted"
    assert response["Location"] == f"/staff/support/inquiries/{chat.inquiry_id}/"


def test_security_chat_offers_the_freeze_to_security_agents(customer: Any, security_agent: Any) -> None:
    chat = services.conversation_start(category_slug="security", body="乗っ取られた", customer=customer)
    client = signed_in(security_agent)
    assert 'id="chat-freeze"' in client.get(f"/staff/chat/{chat.pk}/").content.decode()
    client.post(f"/staff/chat/{chat.pk}/freeze/")
    customer.refresh_from_db()
    assert customer.frozen_at is not None


def test_api_start_post_resend_and_since(api_client: Any, customer: Any) -> None:
    api_client.client.force_login(customer)
    availability = api_client.get("/api/v1/chat/availability").json()
    assert availability["open_now"] is True
    created = api_client.post("/api/v1/chats", {"category": "funds", "body": "出金の件", "key": "s-1"})
    assert created.status_code == 201, created.content
    state = created.json()
    assert state["status"] == "waiting" and state["position"] == 1
    cid = state["id"]
    first = api_client.post(f"/api/v1/chats/{cid}/messages", {"body": "追加です", "key": "m-1"})
    again = api_client.post(f"/api/v1/chats/{cid}/messages", {"body": "追加です", "key": "m-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["seq"] == again.json()["seq"] == 2
    assert ChatMessage.objects.filter(conversation_id=cid).count() == 2
    since = api_client.get(f"/api/v1/chats/{cid}/messages?after=1").json()
    assert [m["body"] for m in since["messages"]] == ["追加です"]
    too_long = api_client.post(f"/api/v1/chats/{cid}/messages", {"body": "x" * 5000, "key": "m-2"})
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "validation_failed"
    assert api_client.post(f"/api/v1/chats/{cid}/close").status_code == 204


def test_api_stranger_gets_404(api_client: Any, chat: Conversation, user_factory: Any) -> None:
    api_client.client.force_login(user_factory())
    assert api_client.get(f"/api/v1/chats/{chat.pk}").status_code == 404
    assert api_client.get(f"/api/v1/chats/{chat.pk}/messages").status_code == 404
    response = api_client.post(f"/api/v1/chats/{chat.pk}/messages", {"body": "hi", "key": "x"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
