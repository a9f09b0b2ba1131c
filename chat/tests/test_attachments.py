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
