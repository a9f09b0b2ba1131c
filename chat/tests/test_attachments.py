"""Files in the chat: the page's compose form (a plain multipart post, works without JS) and
the JSON API's multipart endpoint, through the inquiry attachments' content checks; only the
chat's customer and its team's agents can download them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chat import services
from chat.models import ChatAttachment, Conversation
from support.tests.factories import png_bytes

pytestmark = pytest.mark.django_db


def _chat(customer: Any) -> Conversation:
    return services.conversation_start(category_slug="funds", body="出金が届きません", customer=customer)


def _png(name: str = "screen.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def test_the_page_form_posts_a_file_and_the_transcript_links_it(client: Any, customer: Any) -> None:
    chat = _chat(customer)
    client.force_login(customer)
    page = client.get(f"/chat/{chat.pk}/").content.decode()
    assert f'action="/chat/{chat.pk}/messages/"' in page and 'enctype="multipart/form-data"' in page
    response = client.post(f"/chat/{chat.pk}/messages/", {"body": "画面です", "key": "f-1", "attachments": [_png()]})
    assert response.status_code == 302
    att = ChatAttachment.objects.get(message__conversation=chat)
    page = client.get(f"/chat/{chat.pk}/").content.decode()
    assert f'href="/chat/{chat.pk}/files/{att.token}/"' in page
    download = client.get(f"/chat/{chat.pk}/files/{att.token}/")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    # a resend of the same form (double submit) stores nothing twice
    client.post(f"/chat/{chat.pk}/messages/", {"body": "画面です", "key": "f-1", "attachments": [_png()]})
    assert ChatAttachment.objects.filter(message__conversation=chat).count() == 1


def test_a_bad_file_is_refused_on_the_page_with_a_translated_message(client: Any, customer: Any) -> None:
    chat = _chat(customer)
    client.force_login(customer)
    fake = SimpleUploadedFile("x.png", b"MZ\x90\x00 not an image", content_type="image/png")
    response = client.post(f"/chat/{chat.pk}/messages/", {"body": "見てください", "key": "f-2", "attachments": [fake]})
    assert response.status_code == 400
    page = response.content.decode()
    box = page[page.index('id="chat-post-error"') : page.index('id="chat-compose"')]
    assert 'data-code="unsupported_type"' in box
    assert "この種類のファイルは受け付けていません" in box and box.count("<p>") == 1  # in the customer's language
    assert "見てください" in page  # the text is kept for the next try
    assert chat.messages.count() == 1
    assert not ChatAttachment.objects.exists()


def test_the_api_takes_multipart_and_refuses_a_bad_file_with_a_stable_code(api_client: Any, customer: Any) -> None:
    chat = _chat(customer)
    api_client.client.force_login(customer)
    ok = api_client.post(
        f"/api/v1/chats/{chat.pk}/attachments", {"key": "a-1", "attachments": [_png()]}, multipart=True
    )
    assert ok.status_code == 201, ok.content
    data = ok.json()
    assert [a["content_type"] for a in data["attachments"]] == ["image/png"]
    fake = SimpleUploadedFile("x.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    bad = api_client.post(
        f"/api/v1/chats/{chat.pk}/attachments",
        {"key": "a-2", "body": "x", "attachments": [fake]},
        multipart=True,
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "unsupported_type" and error["message"]
    assert "not accepted" in error["message"]  # English, not Japanese
    assert ChatAttachment.objects.count() == 1


def test_only_the_chat_s_people_can_download_its_files(
    client: Any, customer: Any, agent: Any, user_factory: Any
) -> None:
    chat = _chat(customer)
    message, _ = services.message_post(conversation=chat, user=customer, body="", attachments=[_png()])
    att = message.attachments.get()
    stranger = user_factory()
    client.force_login(stranger)
    assert client.get(f"/chat/{chat.pk}/files/{att.token}/").status_code == 404
    other = _chat(stranger)
    assert client.get(f"/chat/{other.pk}/files/{att.token}/").status_code == 404  # someone else's token
    client.logout()
    assert client.get(f"/chat/{chat.pk}/files/{att.token}/").status_code == 404


def _accepted(customer: Any, agent: Any) -> Conversation:
    chat = _chat(customer)
    services.conversation_accept(agent=agent, conversation=chat)
    return chat


def test_the_agent_console_posts_a_file_the_customer_can_open_and_it_is_audited(
    client: Any, customer: Any, agent: Any
) -> None:
    from core.models import AuditEvent

    chat = _accepted(customer, agent)
    client.force_login(agent)
    page = client.get(f"/staff/chat/{chat.pk}/").content.decode()
    assert f'action="/staff/chat/{chat.pk}/messages/"' in page and 'enctype="multipart/form-data"' in page
    assert 'id="chat-files"' in page and f'data-files="/staff/chat/{chat.pk}/files/"' in page
    response = client.post(
        f"/staff/chat/{chat.pk}/messages/",
        {"body": "こちらの手順です", "key": "s-1", "attachments": [_png("steps.png")]},
    )
    assert response.status_code == 302 and response["Location"] == f"/staff/chat/{chat.pk}/#chat-compose"
    att = ChatAttachment.objects.get(message__conversation=chat)
    assert att.message.sender == "agent" and att.message.author == agent and att.display_name == "steps.png"
    event = AuditEvent.objects.get(event="chat.agent_files_sent")
    assert event.actor == agent and event.user == customer and not event.visible_to_customer
    assert event.data["reference"] == chat.reference and event.data["files"][0]["sha256"] == att.sha256
    # the agent's page links it under /staff/, the customer's under /chat/
    assert f'href="/staff/chat/{chat.pk}/files/{att.token}/"' in client.get(f"/staff/chat/{chat.pk}/").content.decode()
    client.force_login(customer)
    assert f'href="/chat/{chat.pk}/files/{att.token}/"' in client.get(f"/chat/{chat.pk}/").content.decode()
    download = client.get(f"/chat/{chat.pk}/files/{att.token}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\x89PNG")
    # a double submit of the same form stores nothing twice
    client.force_login(agent)
    client.post(f"/staff/chat/{chat.pk}/messages/", {"body": "こちらの手順です", "key": "s-1", "attachments": [_png()]})
    assert ChatAttachment.objects.filter(message__conversation=chat).count() == 1


def test_an_agent_s_bad_file_is_refused_by_the_customer_checks(client: Any, customer: Any, agent: Any) -> None:
    chat = _accepted(customer, agent)
    client.force_login(agent)
    fake = SimpleUploadedFile("x.png", b"MZ\x90\x00 not an image", content_type="image/png")
    response = client.post(f"/staff/chat/{chat.pk}/messages/", {"body": "", "key": "s-2", "attachments": [fake]})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "この種類のファイルは受け付けていません" in page
    assert not ChatAttachment.objects.exists()
    assert chat.messages.filter(sender="agent").count() == 0


def test_agent_uploads_count_against_the_daily_file_budget_and_the_writer_s_limit(
    client: Any, customer: Any, agent: Any, settings: Any
) -> None:
    chat = _accepted(customer, agent)
    client.force_login(agent)
    settings.MADOGUCHI_SUPPORT_ATTACHMENTS_PER_DAY = 2
    for index in range(2):
        client.post(f"/staff/chat/{chat.pk}/messages/", {"key": f"b-{index}", "attachments": [_png()]})
    client.post(f"/staff/chat/{chat.pk}/messages/", {"key": "b-9", "attachments": [_png()]})
    assert ChatAttachment.objects.filter(message__conversation=chat).count() == 2
    settings.MADOGUCHI_SUPPORT_ATTACHMENTS_PER_DAY = 100
    settings.MADOGUCHI_CHAT_MESSAGE_RATE_LIMIT = (3, 60)
    for index in range(3):
        client.post(f"/staff/chat/{chat.pk}/messages/", {"key": f"r-{index}", "attachments": [_png()]})
    assert ChatAttachment.objects.filter(message__conversation=chat).count() == 3  # 2 + 1 within 3 a minute


def test_only_the_assigned_agent_posts_files_and_a_stranger_agent_gets_404(
    client: Any, customer: Any, agent: Any, staff_factory: Any
) -> None:
    chat = _accepted(customer, agent)
    colleague = staff_factory(roles=["support_agent"], email="colleague@example.com")
    client.force_login(colleague)
    response = client.post(f"/staff/chat/{chat.pk}/messages/", {"key": "c-1", "attachments": [_png()]})
    assert response.status_code == 302
    from django.contrib.messages import get_messages

    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert not ChatAttachment.objects.exists()
    client.force_login(customer)  # not staff: the console is not there
    assert client.post(f"/staff/chat/{chat.pk}/messages/", {"key": "c-2"}).status_code == 404


def test_the_live_frame_of_a_message_with_files_carries_them(
    customer: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from chat import realtime

    chat = _accepted(customer, agent)
    with realtime.collected() as events, django_capture_on_commit_callbacks(execute=True):
        message, _ = services.message_post(conversation=chat, user=agent, body="", attachments=[_png("a.png")])
    frames = [e for _g, e in events if e["type"] == "message"]
    assert len(frames) == 1
    att = message.attachments.get()
    assert frames[0]["message"]["attachments"] == [
        {"token": att.token, "name": "a.png", "content_type": "image/png", "size": att.size}
    ]
