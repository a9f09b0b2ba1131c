"""The chat's WebSocket (``/ws/chat/<id>/`` and the agents' ``/ws/chat/queue/``).

Session authentication (``channels.auth.AuthMiddlewareStack``) behind the origin check
(``AllowedHostsOriginValidator``, config/asgi.py). The same selectors and services as the
pages: a conversation the caller may not see is refused before the handshake completes
(close code 4404, the socket's 404); staff sockets also need the staff gate's second factor.

Protocol (JSON frames, docs/api.md):
- client → ``{"type": "resume", "after": <seq>}``: every stored message after ``seq`` and the state;
- client → ``{"type": "message", "body": "...", "key": "<client idempotency key>"}``:
  answered by ``{"type": "ack", "key", "seq", "duplicate"}`` once stored, or ``{"type": "error", ...}``;
- client → ``{"type": "typing"}``: the other side gets ``{"type": "typing", "sender"}`` (not stored);
- server → ``{"type": "message", "message": {...}}``, ``{"type": "state", "state": {...}}``.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async as _database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import close_old_connections
from django.http import Http404, HttpRequest
from django.utils import translation

from chat import presenters, realtime, selectors, services
from chat.models import Conversation
from core.errors import ApplicationError

GUEST_SESSION_KEY = "support_guest"


def database_sync_to_async(func: Any) -> Any:
    """The ORM off the event loop, on the thread pool rather than one shared thread: chats
    are independent (each write locks only its own conversation row), so one slow query
    must not queue every socket of the process behind it."""
    return _database_sync_to_async(func, thread_sensitive=False)


_checked = threading.local()
CONNECTION_CHECK_SECONDS = 10.0


def _message_sync_to_async(func: Any) -> Any:
    """For the per-message write: like ``database_sync_to_async`` (the thread pool), but the
    connection's age and health (``close_old_connections``, a ``SELECT 1`` with health checks
    on) are checked at most every ``CONNECTION_CHECK_SECONDS`` per thread, not twice per
    message. A connection that failed meanwhile is replaced at the next check; the failed
    write reaches the client as a closed socket, and it resends with the same key."""

    def call(*args: Any, **kwargs: Any) -> Any:
        now = time.monotonic()
        if now - getattr(_checked, "at", 0.0) >= CONNECTION_CHECK_SECONDS:
            close_old_connections()
            _checked.at = now
        return func(*args, **kwargs)

    return sync_to_async(call, thread_sensitive=False)


TYPING_EVERY_SECONDS = 2.0
CLOSE_NOT_FOUND = 4404


def _guest_email(session: Any) -> str:
    data = session.get(GUEST_SESSION_KEY) if session is not None else None
    if not isinstance(data, dict) or data.get("until", 0) < time.time():
        return ""
    return str(data.get("email", ""))


def _language(scope: dict[str, Any], user: Any) -> str:
    language = getattr(user, "language", "") if getattr(user, "is_authenticated", False) else ""
    if not language:
        headers = dict(scope.get("headers") or [])
        cookie = headers.get(b"cookie", b"").decode("latin-1")
        if "django_language=en" in cookie or headers.get(b"accept-language", b"").decode("latin-1").lower().startswith(
            "en"
        ):
            language = "en"
    return "en" if language == "en" else "ja"


def _client_ip(scope: dict[str, Any]) -> str | None:
    """The same resolver as HTTP requests (trusted proxy header or X-Forwarded-For count)."""
    from core.ratelimit import client_ip

    request = HttpRequest()
    client = scope.get("client") or ("", 0)
    request.META["REMOTE_ADDR"] = client[0] if client else ""
    for name, value in scope.get("headers") or []:
        request.META["HTTP_" + name.decode("latin-1").upper().replace("-", "_")] = value.decode("latin-1")
    return client_ip(request)


def _staff_gate_passed(session: Any, user: Any) -> bool:
    from core import staff

    return staff.second_factor_enrolled(user) and staff.session_second_factor_fresh(
        SimpleNamespace(session=session),  # type: ignore[arg-type]
        user,
    )


class ChatConsumer(AsyncJsonWebsocketConsumer):
    conversation_id: int
    role: str = ""
    group: str = ""
    queue_group: str = ""
    language: str = "ja"
    guest_email: str = ""
    client_ip: str | None = None
    last_typing: float = 0.0

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.language = _language(self.scope, user)
        self.guest_email = _guest_email(self.scope.get("session"))
        self.client_ip = _client_ip(self.scope)  # once per socket, not per message
        try:
            self.conversation_id = int(self.scope["url_route"]["kwargs"]["conversation_id"])
            conversation, self.role = await self._open(user)
        except (Http404, ValueError, KeyError):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.group = realtime.conversation_group(conversation.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        if self.role == selectors.CUSTOMER and conversation.status == "waiting":
            self.queue_group = realtime.queue_group(conversation.queue_id)
            await self.channel_layer.group_add(self.queue_group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "state", "state": await self._state(), "role": self.role})

    @database_sync_to_async
    def _open(self, user: Any) -> tuple[Any, str]:
        conversation, role = selectors.conversation_for_user(
            user=user, conversation_id=self.conversation_id, guest_email=self.guest_email
        )
        if role == selectors.AGENT and not _staff_gate_passed(self.scope.get("session"), user):
            raise Http404
        return conversation, role

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.queue_group:
            await self.channel_layer.group_discard(self.queue_group, self.channel_name)

    @database_sync_to_async
    def _state(self) -> dict[str, Any]:
        with translation.override(self.language):
            conversation = selectors._base().get(pk=self.conversation_id)
            return presenters.state_dict(conversation)

    @database_sync_to_async
    def _since(self, after: int) -> list[dict[str, Any]]:
        with translation.override(self.language):
            conversation = selectors._base().get(pk=self.conversation_id)
            return [presenters.message_dict(m) for m in selectors.messages_since(conversation, after=after)]

    @_message_sync_to_async
    def _post(self, body: Any, key: str) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
        # the fan-out is collected (after the commit) and sent from the event loop by the
        # caller: no thread-to-loop round trip while this worker thread waits
        with translation.override(self.language), realtime.collected() as events:
            message, created = services.message_post(
                conversation=Conversation(pk=self.conversation_id),  # the service reads it under lock
                body=body,
                user=self.scope.get("user"),
                guest_email=self.guest_email,
                client_key=key,
                ip=self.client_ip,
            )
            return {"type": "ack", "key": key, "seq": message.seq, "duplicate": not created}, list(events)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "resume":
            try:
                after = int(content.get("after") or 0)
            except (TypeError, ValueError):
                after = 0
            await self.send_json({"type": "messages", "messages": await self._since(after)})
            await self.send_json({"type": "state", "state": await self._state(), "role": self.role})
        elif kind == "message":
            key = str(content.get("key") or "")[:64]
            try:
                ack, events = await self._post(content.get("body", ""), key)
                await realtime.group_send_async(events)
                await self.send_json(ack)
            except ApplicationError as exc:
                with translation.override(self.language):
                    error = exc.as_dict()["error"]
                await self.send_json({"type": "error", "key": key, **error})
        elif kind == "typing":
            now = time.monotonic()
            if now - self.last_typing >= TYPING_EVERY_SECONDS:
                self.last_typing = now
                await self.channel_layer.group_send(
                    self.group,
                    {
                        "type": realtime.EVENT_TYPE,
                        "event": {"type": "typing", "sender": self.role},
                        "from": self.channel_name,
                    },
                )

    async def chat_event(self, message: dict[str, Any]) -> None:
        event = message.get("event") or {}
        if message.get("from") == self.channel_name:
            return
        kind = event.get("type")
        if kind == "queue":
            if self.role == selectors.CUSTOMER:
                await self.send_json({"type": "state", "state": await self._state(), "role": self.role})
            return
        if kind == "message" and event.get("message", {}).get("system"):
            # system lines are stored as codes: render them in this reader's language
            seq = event["message"]["seq"]
            for m in await self._since(seq - 1):
                if m["seq"] == seq:
                    event = {"type": "message", "message": m}
        if kind == "state":
            state = await self._state()
            event = {"type": "state", "state": state, "role": self.role}
            if state["status"] != "waiting" and self.queue_group:
                await self.channel_layer.group_discard(self.queue_group, self.channel_name)
                self.queue_group = ""
        await self.send_json(event)


class QueueConsumer(AsyncJsonWebsocketConsumer):
    """Agents watching the chat queue: a ``{"type": "queue"}`` frame whenever a team's
    queue changes (the page then refreshes its list)."""

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        queue_ids = await self._queues(self.scope.get("user"))
        if not queue_ids:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        for queue_id in queue_ids:
            group = realtime.queue_group(queue_id)
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()

    @database_sync_to_async
    def _queues(self, user: Any) -> list[int]:
        from support import selectors as support_selectors

        if not getattr(user, "is_authenticated", False) or not support_selectors.is_support_staff(user):
            return []
        if not _staff_gate_passed(self.scope.get("session"), user):
            return []
        return [q.id for q in support_selectors.visible_queues_for_staff(user)]

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def chat_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message.get("event") or {})
