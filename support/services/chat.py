"""The chat widget's hand-off: an inquiry created from a chat conversation."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.audit import audit_log
from support.models import (
    Category,
    Inquiry,
    Message,
    MessageKind,
    Queue,
    Status,
)
from support.services._common import (
    MESSAGE_MAX_LENGTH,
    _event,
    _notify_customer,
    _save_new,
)


def inquiry_create_from_chat(
    *,
    category: Category,
    queue: Queue,
    customer: User | None,
    guest_email: str,
    language: str,
    first_message: str,
    transcript: str,
    reference: str,
    now: dt.datetime | None = None,
) -> Inquiry:
    """An inquiry continuing a live chat (chat.services.conversation_convert): the same
    routing, SLA, counters, history and link-only email as a form inquiry; the description
    is the first message and the thread holds the whole transcript (nothing typed is lost).
    The category's form fields are not asked again: the chat carries the details."""
    now = now or timezone.now()
    first_line = (first_message.splitlines() or [""])[0]
    subject = f"{category.name(language)}: {first_line}"[:200]
    with transaction.atomic():
        inquiry = Inquiry(
            customer=customer,
            guest_email=guest_email if customer is None or guest_email else "",
            language=language,
            category=category,
            queue=queue,
            priority=category.default_priority,
            status=Status.NEW,
            subject=subject,
            fields={},
            description=first_message or transcript[:MESSAGE_MAX_LENGTH],
            created_at=now,
            updated_at=now,
        )
        _save_new(inquiry, transcript[:5000], now=now)
        Message.objects.create(
            inquiry=inquiry, author=customer, kind=MessageKind.CUSTOMER, body=transcript, created_at=now
        )
        _event(inquiry, "created", actor=None, now=now, queue=queue.slug, priority=inquiry.priority, chat=reference)
        if queue.is_security:
            audit_log(
                user=customer,
                event="support.security_inquiry",
                data={"reference": inquiry.reference, "guest": customer is None, "chat": reference},
            )
        _notify_customer(inquiry, "support_received")
    return inquiry
