"""Reads of the live chat, scoped to who asks: the customer (or the confirmed guest
address) who started it, the assigned agent, or support staff whose role opens the chat's
team (security teams need the security-agent role). Anything else is a 404, and every
staff read is audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from chat import conf
from chat.models import OPEN_STATUSES, ChatAttachment, ChatMessage, ChatStatus, Conversation
from core.audit import audit_log
from core.errors import not_found
from support import selectors as support_selectors
from support.internal.channels import CHAT, ChannelStatus

CUSTOMER = "customer"
AGENT = "agent"
OPEN_VALUES = [s.value for s in OPEN_STATUSES]


def chat_hours(*, now: dt.datetime | None = None) -> ChannelStatus:
    """The chat channel's hours as the contact page shows them (JST weekdays, Japanese
    public holidays and the operator's closures such as the year-end days)."""
    status = next(s for s in support_selectors.contact_channels(now=now) if s.channel == CHAT)
    if conf.always_open() and not status.open_now:
        status = dataclasses.replace(status, open_now=True, closed_reason=None)
    return status


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise not_found() from None


def _base() -> QuerySet[Conversation]:
    return Conversation.objects.select_related("category", "queue", "customer", "assignee", "inquiry")


def open_conversation(*, customer: User | None = None, guest_email: str = "") -> Conversation | None:
    qs = Conversation.objects.filter(status__in=OPEN_VALUES)
    if customer is not None:
        qs = qs.filter(customer=customer)
    elif guest_email:
        qs = qs.filter(guest_email__iexact=guest_email, customer__isnull=True)
    else:
        return None
    return qs.order_by("-created_at").first()


def active_count_for_agent(agent: User) -> int:
    return Conversation.objects.filter(assignee=agent, status=ChatStatus.ACTIVE).count()


def conversation_for_customer(*, user: User, conversation_id: int | str) -> Conversation:
    conversation = _base().filter(pk=_pk(conversation_id), customer_id=getattr(user, "pk", None)).first()
    if conversation is None or not getattr(user, "is_authenticated", False):
        raise not_found()
    return conversation


def conversation_for_guest(*, email: str, conversation_id: Any) -> Conversation:
    if not email:
        raise not_found()
    conversation = _base().filter(pk=_pk(conversation_id), guest_email__iexact=email).first()
    if conversation is None:
        raise not_found()
    return conversation


def conversation_for_staff(
    *, user: User, conversation_id: int | str, request: HttpRequest | None = None, audit: bool = True
) -> Conversation:
    if not support_selectors.is_support_staff(user):
        raise not_found()
    queue_ids = [q.id for q in support_selectors.visible_queues_for_staff(user)]
    conversation = _base().filter(pk=_pk(conversation_id)).first()
    if conversation is None or (conversation.queue_id not in queue_ids and conversation.assignee_id != user.pk):
        raise not_found()
    if audit:
        audit_log(
            user=conversation.customer,
            actor=user,
            event="chat.staff_read",
            request=request,
            data={"conversation": conversation.pk, "reference": conversation.reference},
            visible_to_customer=False,
        )
    return conversation


def conversation_for_user(
    *, user: User | AnonymousUser, conversation_id: int | str, guest_email: str = "", request: HttpRequest | None = None
) -> tuple[Conversation, str]:
    """(conversation, role) for whoever asks; 404 when they may not see it."""
    pk = _pk(conversation_id)
    if isinstance(user, User) and user.is_authenticated:
        owned = _base().filter(pk=pk, customer_id=user.pk).first()
        if owned is not None:
            return owned, CUSTOMER
        if support_selectors.is_support_staff(user):
            return conversation_for_staff(user=user, conversation_id=pk, request=request), AGENT
    if guest_email:
        return conversation_for_guest(email=guest_email, conversation_id=pk), CUSTOMER
    raise not_found()


def attachment_for_user(
    *,
    user: User | AnonymousUser,
    conversation_id: int | str,
    token: str,
    guest_email: str = "",
    request: HttpRequest | None = None,
) -> ChatAttachment:
    """A chat attachment for whoever may see its conversation (customer, confirmed guest,
    agent of its team); 404 for anyone else and for a token of another conversation."""
    conversation, _role = conversation_for_user(
        user=user, conversation_id=conversation_id, guest_email=guest_email, request=request
    )
    found = ChatAttachment.objects.filter(token=str(token)[:32], message__conversation=conversation).first()
    if found is None:
        raise not_found()
    return found


def messages_since(conversation: Conversation, *, after: int = 0, limit: int = 500) -> list[ChatMessage]:
    return list(
        ChatMessage.objects.filter(conversation=conversation, seq__gt=max(0, int(after)))
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("seq")[:limit]
    )


def transcript(conversation: Conversation) -> list[ChatMessage]:
    return messages_since(conversation, after=0, limit=100_000)


def queue_position(conversation: Conversation) -> tuple[int, int] | None:
    """(position, expected minutes) of a waiting chat in its team's queue, else None."""
    if conversation.status != ChatStatus.WAITING:
        return None
    ahead = Conversation.objects.filter(
        queue_id=conversation.queue_id, status=ChatStatus.WAITING, created_at__lt=conversation.created_at
    ).count()
    position = ahead + 1
    return position, position * conf.minutes_per_chat()


def conversations_for_customer(*, user: User, limit: int = 20) -> list[Conversation]:
    return list(_base().filter(customer_id=user.pk).order_by("-created_at", "-id")[:limit])


def conversations_for_guest(*, email: str, limit: int = 20) -> list[Conversation]:
    return list(_base().filter(guest_email__iexact=email).order_by("-created_at", "-id")[:limit])


def queue_for_staff(*, user: User, queue_slug: str = "") -> dict[str, Any]:
    """The chat queue by team: waiting chats (oldest first), the chats in progress, and the
    agent's own chats."""
    queues = support_selectors.visible_queues_for_staff(user)
    if not queues:
        raise not_found()
    queue_ids = [q.id for q in queues]
    chosen = [q for q in queues if q.slug == queue_slug] if queue_slug else queues
    chosen_ids = [q.id for q in chosen] or queue_ids
    waiting = list(
        _base().filter(queue_id__in=chosen_ids, status=ChatStatus.WAITING).order_by("created_at", "id")[:200]
    )
    active = list(_base().filter(queue_id__in=chosen_ids, status=ChatStatus.ACTIVE).order_by("accepted_at", "id")[:200])
    counts = {
        row["queue_id"]: row["n"]
        for row in Conversation.objects.filter(queue_id__in=queue_ids, status=ChatStatus.WAITING)
        .values("queue_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    mine = list(_base().filter(assignee=user, status=ChatStatus.ACTIVE).order_by("accepted_at", "id"))
    return {"queues": queues, "waiting": waiting, "active": active, "counts": counts, "mine": mine}


def now() -> dt.datetime:
    return timezone.now()
