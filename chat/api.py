"""Live chat over /api/v1 for the apps (the same services as the WebSocket): start, read the
state, list messages after a sequence number, post (idempotent by ``key``), close."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import File, Form, Router, Schema
from ninja import Status as HttpStatus
from ninja.files import UploadedFile

from api.auth import customer_auth
from api.schemas import ErrorOut
from chat import presenters, selectors, services
from core.ratelimit import client_ip
from support.presenters import channel_dict

router = Router(tags=["chat"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _lang() -> str:
    return (translation.get_language() or "ja")[:2]


class AvailabilityOut(Schema):
    open_now: bool
    hours: str
    next_open: dt.datetime | None
    closes_at: dt.datetime | None
    closed_reason: str | None


class ChatStartIn(Schema):
    category: str
    body: str
    key: str = ""


class ChatMessageIn(Schema):
    body: str
    key: str = ""


class ChatAttachmentOut(Schema):
    token: str
    name: str
    content_type: str
    size: int


class ChatMessageOut(Schema):
    seq: int
    sender: str
    author: str
    body: str
    system: str
    inquiry_id: int | None = None
    key: str
    created_at: str
    attachments: list[ChatAttachmentOut]


class ChatStateOut(Schema):
    id: int
    reference: str
    status: str
    team: str
    agent: str
    position: int | None = None
    expected_minutes: int | None = None
    last_seq: int
    inquiry_id: int | None = None


class ChatMessagesOut(Schema):
    state: ChatStateOut
    messages: list[ChatMessageOut]


class ChatListOut(Schema):
    results: list[ChatStateOut]


@router.get("/chat/availability", response=AvailabilityOut, auth=None)
def chat_availability(request: HttpRequest) -> dict[str, Any]:
    """Chat hours: weekdays 10:00–17:00 JST, closed on Japanese public holidays and during
    the operator's closures (year-end); the same answer as the contact page."""
    return channel_dict(selectors.chat_hours(), _lang())


@router.get("/chats", response=ChatListOut, auth=customer_auth)
def chats_list(request: HttpRequest) -> dict[str, Any]:
    return {"results": [presenters.state_dict(c) for c in selectors.conversations_for_customer(user=_user(request))]}


@router.post(
    "/chats",
    response={201: ChatStateOut, 400: ErrorOut, 409: ErrorOut, 429: ErrorOut},
    auth=customer_auth,
)
def chats_start(request: HttpRequest, payload: ChatStartIn) -> HttpStatus:
    """Start a chat with a category (routed like inquiries) and the first message. 409
    ``chat_closed`` outside chat hours; 409 ``chat_open_exists`` with ``fields.existing_id``."""
    conversation = services.conversation_start(
        category_slug=payload.category,
        body=payload.body,
        customer=_user(request),
        client_key=payload.key,
        ip=client_ip(request),
        request=request,
    )
    return HttpStatus(201, presenters.state_dict(conversation))


@router.get("/chats/{conversation_id}", response={200: ChatStateOut, 404: ErrorOut}, auth=customer_auth)
def chats_read(request: HttpRequest, conversation_id: int) -> dict[str, Any]:
    return presenters.state_dict(
        selectors.conversation_for_customer(user=_user(request), conversation_id=conversation_id)
    )


@router.get("/chats/{conversation_id}/messages", response={200: ChatMessagesOut, 404: ErrorOut}, auth=customer_auth)
def chats_messages(request: HttpRequest, conversation_id: int, after: int = 0) -> dict[str, Any]:
    """Messages with a sequence number above ``after`` (0: all), oldest first, and the state
    (queue position while waiting). Poll with the last ``seq`` seen, or use the WebSocket."""
    conversation = selectors.conversation_for_customer(user=_user(request), conversation_id=conversation_id)
    return {
        "state": presenters.state_dict(conversation),
        "messages": [presenters.message_dict(m) for m in selectors.messages_since(conversation, after=after)],
    }


@router.post(
    "/chats/{conversation_id}/messages",
    response={200: ChatMessageOut, 201: ChatMessageOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut},
    auth=customer_auth,
)
def chats_post(request: HttpRequest, conversation_id: int, payload: ChatMessageIn) -> HttpStatus:
    """Post a message. Send a fresh ``key`` per message and the same key on a resend: 201 the
    first time, 200 with the stored message for a resend (never a second message)."""
    conversation = selectors.conversation_for_customer(user=_user(request), conversation_id=conversation_id)
    message, created = services.message_post(
        conversation=conversation,
        user=_user(request),
        body=payload.body,
        client_key=payload.key,
        ip=client_ip(request),
    )
    return HttpStatus(201 if created else 200, presenters.message_dict(message))


@router.post(
    "/chats/{conversation_id}/attachments",
    response={
        200: ChatMessageOut,
        201: ChatMessageOut,
        400: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        429: ErrorOut,
    },
    auth=customer_auth,
)
def chats_post_files(
    request: HttpRequest,
    conversation_id: int,
    key: Form[str] = "",
    body: Form[str] = "",
    attachments: File[list[UploadedFile]] | None = None,
) -> HttpStatus:
    """Post a message with files (multipart: ``attachments``, one or more JPEG, PNG, WebP or
    PDF files, checked like inquiry attachments; optional ``body``; ``key`` as for messages).
    A refused file is 400 with a stable code (``upload_rejected`` and the others of inquiry
    attachments) and a message in the caller's language; nothing is stored."""
    conversation = selectors.conversation_for_customer(user=_user(request), conversation_id=conversation_id)
    message, created = services.message_post(
        conversation=conversation,
        user=_user(request),
        body=body,
        client_key=key,
        attachments=request.FILES.getlist("attachments") or list(attachments or []),
        ip=client_ip(request),
    )
    stored = selectors.messages_since(conversation, after=message.seq - 1, limit=1)[0]
    return HttpStatus(201 if created else 200, presenters.message_dict(stored))


@router.post("/chats/{conversation_id}/close", response={204: None, 404: ErrorOut}, auth=customer_auth)
def chats_close(request: HttpRequest, conversation_id: int) -> HttpStatus:
    conversation = selectors.conversation_for_customer(user=_user(request), conversation_id=conversation_id)
    services.conversation_close(conversation=conversation, user=_user(request))
    return HttpStatus(204, None)
