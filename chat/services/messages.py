"""Posting a message: sequence number under the row lock, the resend key (a resend returns
the stored message and writes nothing), rate limits and files (customers' and agents').
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from chat import realtime
from chat.errors import ChatErrorCode
from chat.models import ChatAttachment, ChatMessage, Conversation, Sender
from chat.services._common import (
    _clean_body,
    _clean_key,
    _rate_limits,
    _sender_for,
)
from core.audit import audit_log
from core.errors import ApplicationError, not_found
from support import selectors as support_selectors
from support import services as support_services


def message_post(
    *,
    conversation: Conversation,
    body: Any,
    user: User | AnonymousUser | None = None,
    guest_email: str = "",
    client_key: str = "",
    attachments: Sequence[Any] = (),
    ip: str | None = None,
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> tuple[ChatMessage, bool]:
    """Post a message as the customer or the assigned agent. Returns (message, created):
    a resend with the same ``client_key`` returns the stored message and writes nothing.

    Files go through the inquiry attachments' checks and daily budget (support's
    ``_sanitise_all``, per writer) for customers and agents alike; a customer's message also
    counts against the per-writer and per-address message limits, an agent's message with
    files against the per-writer one (an office shares one address), and is audited."""
    now = now or timezone.now()
    key = _clean_key(client_key)
    files = [f for f in attachments if f is not None]
    if key and files:
        # a resend of a message with files: do not check the files again
        stored = _stored(conversation, key)
        if stored is not None:
            return stored, False
    text = _clean_body(body, required=not files)
    writer = user if isinstance(user, User) else None
    who = f"user:{writer.pk}" if writer is not None else f"guest:{guest_email.lower()}"
    if writer is None and not guest_email:
        raise not_found()
    cleaned = support_services._sanitise_all(files, uploader=who) if files else []
    try:
        with transaction.atomic():
            # One statement takes the row lock and the next sequence number; anything refused
            # below rolls it back. Then one INSERT: a resend (same key) fails on the unique
            # constraint and returns the stored row, so the common path reads nothing twice.
            locked = _next_seq(conversation.pk)
            sender = _sender_for(locked, user=user, guest_email=guest_email)
            if not sender:
                if getattr(user, "is_authenticated", False) and support_selectors.is_support_staff(user):
                    raise ApplicationError(
                        ChatErrorCode.NOT_ASSIGNED, _("Accept the chat before you answer it."), status=403
                    )
                raise not_found()
            try:
                if not locked.is_open:
                    raise ApplicationError(ChatErrorCode.CHAT_ENDED, _("This chat has ended."), status=409)
                if sender == Sender.CUSTOMER:
                    # customers and guests; an agent's office shares one address and is not limited
                    _rate_limits(who=who, ip=ip)
                elif files:
                    # an agent's files: the writer's own counter, as a customer's
                    _rate_limits(who=who, ip=None)
            except ApplicationError:
                # a resend by this writer after the chat ended (or over the limit): the stored
                # message, and the sequence number taken above is rolled back
                stored = _stored(conversation, key) if key else None
                if stored is not None:
                    raise _Resent(stored) from None
                raise
            message = ChatMessage.objects.create(
                conversation_id=locked.pk,
                seq=locked.last_seq,
                sender=sender,
                author=writer,
                body=text,
                client_key=key,
                created_at=now,
            )
            stored_files = []
            for clean, upload in cleaned:
                token = secrets.token_hex(16)
                att = ChatAttachment(
                    message=message,
                    token=token,
                    content_type=clean.content_type,
                    size=clean.size,
                    sha256=clean.sha256,
                    display_name=support_services._display_name(upload, clean.extension),
                    created_at=now,
                )
                att.file.save(f"{token}.{clean.extension}", ContentFile(clean.content), save=False)
                att.save()
                stored_files.append(att)
            if stored_files:
                # the live frame carries the files, so the other side links them without a reload
                prefetch_related_objects([message], "attachments")
                if sender == Sender.AGENT:
                    audit_log(
                        user=conversation.customer,
                        actor=user,
                        event="chat.agent_files_sent",
                        request=request,
                        data={
                            "reference": conversation.reference,
                            "seq": message.seq,
                            "files": [
                                {"sha256": a.sha256, "type": a.content_type, "size": a.size} for a in stored_files
                            ],
                        },
                        visible_to_customer=False,
                    )
            realtime.publish_message(message)
    except _Resent as resent:
        return resent.message, False
    except IntegrityError:
        # a resend (the acknowledgement was lost, or the same key raced in from a second
        # connection): the first one won; only the writer got this far (checks above)
        stored = _stored(conversation, key) if key else None
        if stored is not None:
            return stored, False
        raise
    return message, True


class _Resent(Exception):
    def __init__(self, message: ChatMessage) -> None:
        super().__init__()
        self.message = message


def _stored(conversation: Conversation, key: str) -> ChatMessage | None:
    return ChatMessage.objects.filter(conversation_id=conversation.pk, client_key=key).first()


def _next_seq(conversation_id: int) -> Conversation:
    """``last_seq + 1`` under the row lock, with what decides who may write (one statement:
    ``UPDATE … RETURNING``, PostgreSQL and SQLite ≥ 3.35). 404 for an unknown id."""
    from django.db import connection

    table = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = %s "  # noqa: S608 (a model's table name)
            "RETURNING last_seq, status, customer_id, guest_email, assignee_id, queue_id",
            [conversation_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise not_found()
    last_seq, status, customer_id, guest_email, assignee_id, queue_id = row
    return Conversation(
        pk=conversation_id,
        last_seq=last_seq,
        status=status,
        customer_id=customer_id,
        guest_email=guest_email,
        assignee_id=assignee_id,
        queue_id=queue_id,
    )
