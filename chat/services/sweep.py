"""The periodic sweep: waiting chats nobody accepted in time, and all waiting chats once
chat hours end, become inquiries.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from chat import conf, selectors
from chat.models import ChatStatus, Conversation
from chat.services.agents import conversation_convert
from core.errors import ApplicationError


def waiting_timeout_convert(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """Waiting chats that no agent accepted within ``MADOGUCHI_CHAT_WAIT_TIMEOUT_MINUTES``,
    and all waiting chats once chat hours end, become inquiries (nothing typed is lost)."""
    now = now or timezone.now()
    qs = Conversation.objects.filter(status=ChatStatus.WAITING)
    hours_open = conf.always_open() or selectors.chat_hours(now=now).open_now
    if hours_open:
        qs = qs.filter(created_at__lt=now - dt.timedelta(minutes=conf.wait_timeout_minutes()))
    converted = 0
    for conversation in list(qs.order_by("created_at", "id")[:batch]):
        try:
            conversation_convert(conversation=conversation, reason="timeout" if hours_open else "hours_ended", now=now)
        except ApplicationError:
            continue  # accepted or ended meanwhile
        converted += 1
    return converted
