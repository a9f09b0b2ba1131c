"""Fan-out to the sockets, after the commit (the row is the truth; this is a notification).

Groups: ``chat.<conversation id>`` (the customer's and the agents' sockets of one chat) and
``chatqueue.<queue id>`` (agents watching a team's queue, and customers waiting in it, who
are told their new position). A failing channel layer never fails the write: clients catch
up by sequence number when they reconnect or poll.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = structlog.get_logger("madoguchi.chat")

EVENT_TYPE = "chat.event"


def conversation_group(conversation_id: int) -> str:
    return f"chat.{conversation_id}"


def queue_group(queue_id: int) -> str:
    return f"chatqueue.{queue_id}"


def _group_send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": EVENT_TYPE, "event": event})
    except Exception:  # the layer (Redis) down: the rows are stored, clients catch up
        logger.warning("chat.fanout_failed", group=group, exc_info=True)


_collecting = threading.local()


@contextmanager
def collected() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Inside this block (on one thread), the after-commit fan-outs are appended to the
    yielded list instead of being sent: a WebSocket consumer, which runs its write on a
    worker thread, then sends them itself from the event loop (``group_send_async``)
    without a thread-to-loop round trip per message. Still only after the commit."""
    events: list[tuple[str, dict[str, Any]]] = []
    previous = getattr(_collecting, "events", None)
    _collecting.events = events
    try:
        yield events
    finally:
        _collecting.events = previous


async def group_send_async(events: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group, event in events:
        try:
            await layer.group_send(group, {"type": EVENT_TYPE, "event": event})
        except Exception:  # the layer (Redis) down: the rows are stored, clients catch up
            logger.warning("chat.fanout_failed", group=group, exc_info=True)


def _after_commit(group: str, event: dict[str, Any]) -> None:
    events = getattr(_collecting, "events", None)
    if events is not None:
        events.append((group, event))
    else:
        _group_send(group, event)


def send_after_commit(group: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _after_commit(group, event))


def publish_message(message: Any) -> None:
    from chat.presenters import message_dict

    send_after_commit(
        conversation_group(message.conversation_id), {"type": "message", "message": message_dict(message)}
    )


def publish_state(conversation: Any) -> None:
    from chat.presenters import state_dict

    send_after_commit(conversation_group(conversation.pk), {"type": "state", "state": state_dict(conversation)})


def publish_queue(queue_id: int) -> None:
    send_after_commit(queue_group(queue_id), {"type": "queue", "queue": queue_id})
