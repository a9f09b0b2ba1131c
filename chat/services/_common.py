"""Helpers shared by the chat services: cleaning input, rate limits, chat hours, the row
lock, appending to the transcript, and who may write or steer a conversation.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from chat import conf, realtime, selectors
from chat.errors import ChatErrorCode
from chat.models import ChatMessage, Conversation, Sender
from core import ratelimit
from core.errors import ApplicationError, not_found, validation_failed
from support import selectors as support_selectors
from support import services as support_services
from support.internal.fields import normalise_text

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CLIENT_KEY_MAX = 64


def _new_reference() -> str:
    return "C-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _lang() -> str:
    return (translation.get_language() or "ja")[:2]


def _clean_body(body: Any, *, required: bool = True) -> str:
    text = normalise_text(str(body or ""))
    limit = conf.message_max_chars()
    if required and not text:
        raise validation_failed({"body": [_("Please write a message.")]})
    if len(text) > limit:
        raise validation_failed(
            {"body": [_("The message is too long (at most %(limit)s characters).") % {"limit": limit}]}
        )
    return text


def _clean_key(client_key: Any) -> str:
    key = str(client_key or "").strip()
    if len(key) > CLIENT_KEY_MAX or any(not (ch.isalnum() or ch in "-_") for ch in key):
        raise validation_failed({"key": [_("This field is missing or invalid.")]})
    return key


def _rate_limits(*, who: str, ip: str | None) -> None:
    """Both counters in one Redis round trip (``hit_many``: INCR with the window's expiry)."""
    count, period = conf.message_rate()
    items, limits = [(f"chat:msg:{who}", period)], [count]
    if ip:
        count, period = conf.address_rate()
        items.append((f"chat:msg:ip:{ip}", period))
        limits.append(count)
    for seen, limit in zip(ratelimit.hit_many(items), limits, strict=True):
        if seen > limit:
            raise ratelimit.limited()


def _require_open_hours(now: dt.datetime) -> None:
    status = selectors.chat_hours(now=now)
    if not status.open_now:
        raise ApplicationError(
            ChatErrorCode.CHAT_CLOSED,
            _("Chat is closed now (weekdays 10:00–17:00 Japan time). Please send an inquiry instead."),
            status=409,
        )


def _lock(conversation: Conversation) -> Conversation:
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("queue", "category", "customer", "assignee")
        .get(pk=conversation.pk)
    )


def _append(
    conversation: Conversation,
    *,
    sender: str,
    body: str,
    author: User | None = None,
    client_key: str = "",
    now: dt.datetime,
) -> ChatMessage:
    """Append under the conversation's row lock (the caller holds it): next seq, one row."""
    conversation.last_seq += 1
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=conversation.last_seq)
    message = ChatMessage.objects.create(
        conversation=conversation,
        seq=conversation.last_seq,
        sender=sender,
        author=author if getattr(author, "pk", None) else None,
        body=body,
        client_key=client_key,
        created_at=now,
    )
    realtime.publish_message(message)
    return message


def _system(conversation: Conversation, code: str, *, now: dt.datetime, **params: Any) -> ChatMessage:
    """A system line in the transcript; ``body`` holds a code the pages translate."""
    import json

    return _append(conversation, sender=Sender.SYSTEM, body=json.dumps({"code": code, **params}), now=now)


def _sender_for(conversation: Conversation, *, user: User | AnonymousUser | None, guest_email: str) -> str:
    if conversation.customer_id and getattr(user, "pk", None) == conversation.customer_id:
        return Sender.CUSTOMER
    if (
        guest_email
        and conversation.guest_email
        and conversation.guest_email.lower() == guest_email.lower()
        and not getattr(user, "is_authenticated", False)
    ):
        return Sender.CUSTOMER
    if conversation.assignee_id and getattr(user, "pk", None) == conversation.assignee_id:
        return Sender.AGENT
    return ""


def _staff_locked(user: User, conversation: Conversation) -> Conversation:
    support_services._require_staff(user)  # the console's own refusal (403 permission_denied)
    locked = _lock(conversation)
    if locked.queue_id not in {q.id for q in support_selectors.visible_queues_for_staff(user)}:
        raise not_found()
    return locked


def _agent_name(user: User) -> str:
    return str(getattr(user, "full_name", "") or "").strip()


def _may_steer(agent: User, locked: Conversation) -> None:
    if locked.assignee_id != agent.pk and not roles.has_role(agent, roles.SUPERVISOR):
        raise ApplicationError(
            ChatErrorCode.NOT_ASSIGNED, _("Only the assigned agent or a supervisor can do this."), status=403
        )


def _transcript_text(conversation: Conversation) -> str:
    from chat.presenters import transcript_text

    return transcript_text(conversation, selectors.transcript(conversation))
