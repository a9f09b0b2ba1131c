"""Writes of the live chat. Every change of a conversation goes through here (web page,
WebSocket consumer, JSON API, periodic task): permission checks, rate limits, validation,
the row, history, audit and notifications live together.

A message is stored (with its sequence number) before anyone is told about it; the fan-out
to the sockets (``chat.realtime.publish``) runs after the commit, so a crash between the
two loses nothing: clients catch up by sequence number.
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
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from chat import conf, realtime, selectors
from chat.errors import ChatErrorCode
from chat.models import ChatAttachment, ChatMessage, ChatStatus, Conversation, Sender
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode, not_found, validation_failed
from core.notify import send_email
from support import selectors as support_selectors
from support import services as support_services
from support.internal.fields import normalise_text
from support.models import Category, Inquiry, Queue

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


# --------------------------------------------------------------------------- customers


def conversation_start(
    *,
    category_slug: str,
    body: Any,
    customer: User | None = None,
    guest_email: str = "",
    client_key: str = "",
    ip: str | None = None,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Conversation:
    """Start a chat (signed-in customer, or a guest whose email is confirmed, on the
    categories open to guests). Routed like an inquiry: the category's team."""
    now = now or timezone.now()
    is_guest = customer is None
    if is_guest and not guest_email:
        raise ApplicationError(
            CommonErrorCode.NOT_AUTHENTICATED, _("Please sign in or confirm your email address."), status=401
        )
    _require_open_hours(now)
    try:
        category: Category = support_selectors.category_by_slug(category_slug or "", guest=is_guest)
    except Http404:
        raise validation_failed({"category": [_("Please choose a category.")]}) from None
    text = _clean_body(body)
    key = _clean_key(client_key)
    who = f"user:{customer.pk}" if customer else f"guest:{guest_email.lower()}"
    existing = selectors.open_conversation(customer=customer, guest_email=guest_email)
    if existing is not None:
        raise ApplicationError(
            ChatErrorCode.CHAT_OPEN_EXISTS,
            _("You already have an open chat (%(ref)s). Please continue there.") % {"ref": existing.reference},
            status=409,
            fields={"existing_id": [str(existing.pk)]},
        )
    ratelimit.check(f"chat:start:{who}", limit=conf.start_limit_per_hour(), period=3600)
    _rate_limits(who=who, ip=ip)
    with transaction.atomic():
        conversation = Conversation(
            customer=customer,
            guest_email=guest_email if is_guest else "",
            language=getattr(customer, "language", None) or _lang(),
            category=category,
            queue=category.queue,
            status=ChatStatus.WAITING,
            created_at=now,
        )
        for _attempt in range(5):
            conversation.reference = _new_reference()
            if not Conversation.objects.filter(reference=conversation.reference).exists():
                break
        conversation.save()
        _append(conversation, sender=Sender.CUSTOMER, author=customer, body=text, client_key=key, now=now)
        if category.queue.is_security:
            audit_log(
                user=customer,
                event="chat.security_chat",
                request=request,
                data={"reference": conversation.reference, "guest": is_guest},
            )
        realtime.publish_queue(conversation.queue_id)
    return conversation


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


# --------------------------------------------------------------------------- agents


def _staff_locked(user: User, conversation: Conversation) -> Conversation:
    support_services._require_staff(user)  # the console's own refusal (403 permission_denied)
    locked = _lock(conversation)
    if locked.queue_id not in {q.id for q in support_selectors.visible_queues_for_staff(user)}:
        raise not_found()
    return locked


def _agent_name(user: User) -> str:
    return str(getattr(user, "full_name", "") or "").strip()


def conversation_accept(*, agent: User, conversation: Conversation, now: dt.datetime | None = None) -> Conversation:
    """An agent takes a waiting chat (first come, first served; at most
    ``MADOGUCHI_CHAT_MAX_PER_AGENT`` at once)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _staff_locked(agent, conversation)
        if locked.status != ChatStatus.WAITING:
            if locked.assignee_id == agent.pk and locked.status == ChatStatus.ACTIVE:
                return locked
            raise ApplicationError(
                ChatErrorCode.CHAT_TAKEN, _("Another agent has taken this chat, or it has ended."), status=409
            )
        if selectors.active_count_for_agent(agent) >= conf.max_per_agent():
            raise ApplicationError(
                ChatErrorCode.CHAT_LIMIT,
                _("You already have %(n)s chats open. Close one first.") % {"n": conf.max_per_agent()},
                status=409,
            )
        locked.status = ChatStatus.ACTIVE
        locked.assignee = agent
        locked.accepted_at = locked.accepted_at or now
        locked.save(update_fields=["status", "assignee", "accepted_at"])
        _system(locked, "accepted", now=now, agent=_agent_name(agent))
        realtime.publish_state(locked)
        realtime.publish_queue(locked.queue_id)
    return locked


def _may_steer(agent: User, locked: Conversation) -> None:
    if locked.assignee_id != agent.pk and not roles.has_role(agent, roles.SUPERVISOR):
        raise ApplicationError(
            ChatErrorCode.NOT_ASSIGNED, _("Only the assigned agent or a supervisor can do this."), status=403
        )


def conversation_transfer(
    *, agent: User, conversation: Conversation, queue_slug: str, reason: str = "", now: dt.datetime | None = None
) -> Conversation:
    """Hand a chat to another team: it waits in that team's queue again (the customer stays
    connected and sees the transfer)."""
    now = now or timezone.now()
    target = Queue.objects.filter(slug=queue_slug, active=True).first()
    if target is None:
        raise validation_failed({"queue": [_("Please choose a team.")]})
    with transaction.atomic():
        locked = _staff_locked(agent, conversation)
        if not locked.is_open:
            raise ApplicationError(ChatErrorCode.CHAT_ENDED, _("This chat has ended."), status=409)
        if locked.status == ChatStatus.ACTIVE:
            _may_steer(agent, locked)
        if target.id == locked.queue_id:
            raise validation_failed({"queue": [_("The chat is already in this team's queue.")]})
        old = locked.queue
        locked.queue = target
        locked.status = ChatStatus.WAITING
        locked.assignee = None
        locked.save(update_fields=["queue", "status", "assignee"])
        _system(locked, "transferred", now=now, team_ja=target.name_ja, team_en=target.name_en)
        audit_log(
            user=locked.customer,
            actor=agent,
            event="chat.transferred",
            data={"reference": locked.reference, "from": old.slug, "to": target.slug, "reason": reason[:200]},
            visible_to_customer=False,
        )
        realtime.publish_state(locked)
        realtime.publish_queue(old.id)
        realtime.publish_queue(target.id)
    return locked


def _transcript_text(conversation: Conversation) -> str:
    from chat.presenters import transcript_text

    return transcript_text(conversation, selectors.transcript(conversation))


def _notify_transcript(conversation: Conversation) -> None:
    """Link-only: never the text (a customer may have typed a code into the chat)."""
    context = {"reference": conversation.reference, "conversation_id": conversation.pk}
    if conversation.customer is not None:
        send_email(user=conversation.customer, kind="chat_transcript", context=context)
    elif conversation.guest_email:
        send_email(to=conversation.guest_email, kind="chat_transcript", context=context, language=conversation.language)


def conversation_close(
    *,
    conversation: Conversation,
    user: User | AnonymousUser | None = None,
    guest_email: str = "",
    now: dt.datetime | None = None,
) -> Conversation:
    """The customer, the assigned agent or a supervisor ends the chat; the transcript stays
    in お問い合わせ and the customer gets a link to it."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(conversation)
        sender = _sender_for(locked, user=user, guest_email=guest_email)
        if not sender:
            if not (support_selectors.is_support_staff(user) and roles.has_role(user, roles.SUPERVISOR)):
                if support_selectors.is_support_staff(user):
                    raise ApplicationError(
                        ChatErrorCode.NOT_ASSIGNED,
                        _("Only the assigned agent or a supervisor can do this."),
                        status=403,
                    )
                raise not_found()
            if not isinstance(user, User):
                raise not_found()
            locked = _staff_locked(user, locked)
        if not locked.is_open:
            return locked
        locked.status = ChatStatus.CLOSED
        locked.ended_at = now
        locked.end_reason = "customer" if sender == Sender.CUSTOMER else "agent"
        locked.save(update_fields=["status", "ended_at", "end_reason"])
        _system(locked, "closed", now=now, by=locked.end_reason)
        realtime.publish_state(locked)
        realtime.publish_queue(locked.queue_id)
        _notify_transcript(locked)
    return locked


def conversation_convert(
    *, conversation: Conversation, agent: User | None = None, reason: str = "agent", now: dt.datetime | None = None
) -> Inquiry:
    """Continue the chat as an inquiry with the whole transcript (an agent's choice, the
    waiting timeout, or chat hours ending). Idempotent: a converted chat returns its inquiry."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _staff_locked(agent, conversation) if agent is not None else _lock(conversation)
        if locked.status == ChatStatus.CONVERTED and locked.inquiry_id:
            return Inquiry.objects.get(pk=locked.inquiry_id)
        if not locked.is_open:
            raise ApplicationError(ChatErrorCode.CHAT_ENDED, _("This chat has ended."), status=409)
        if agent is not None and locked.status == ChatStatus.ACTIVE:
            _may_steer(agent, locked)
        first = locked.messages.filter(sender=Sender.CUSTOMER).order_by("seq").first()
        with translation.override(locked.language):
            transcript = _transcript_text(locked)
        inquiry = support_services.inquiry_create_from_chat(
            category=locked.category,
            queue=locked.queue,
            customer=locked.customer,
            guest_email=locked.guest_email,
            language=locked.language,
            first_message=first.body if first else "",
            transcript=transcript,
            reference=locked.reference,
            now=now,
        )
        locked.status = ChatStatus.CONVERTED
        locked.inquiry = inquiry
        locked.ended_at = now
        locked.end_reason = reason
        locked.save(update_fields=["status", "inquiry", "ended_at", "end_reason"])
        _system(locked, "converted", now=now, inquiry=inquiry.reference, inquiry_id=inquiry.pk, reason=reason)
        realtime.publish_state(locked)
        realtime.publish_queue(locked.queue_id)
    return inquiry


def customer_freeze_from_chat(*, agent: User, conversation: Conversation, request: HttpRequest | None = None) -> bool:
    """A security agent freezes the customer's account from a security chat at once (the
    same freeze as the security inquiry's)."""
    from accounts.services import account_freeze

    roles.require_role(agent, roles.SECURITY_AGENT)
    visible = selectors.conversation_for_staff(user=agent, conversation_id=conversation.pk, audit=False)
    if visible.customer is None:
        raise ApplicationError(CommonErrorCode.NO_ACCOUNT, _("This chat is not linked to an account."))
    frozen = account_freeze(
        user=visible.customer, reason=f"Support chat {visible.reference}", actor=agent, request=request
    )
    with transaction.atomic():
        locked = _lock(visible)
        _system(locked, "account_frozen", now=timezone.now())
    return frozen


# --------------------------------------------------------------------------- periodic


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
