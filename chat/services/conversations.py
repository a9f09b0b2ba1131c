"""The customer's side of a conversation's life: starting a chat (it waits in the
category's team queue) and ending it (customer, assigned agent or supervisor), with the
transcript link sent afterwards.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from chat import conf, realtime, selectors
from chat.errors import ChatErrorCode
from chat.models import ChatStatus, Conversation, Sender
from chat.services._common import (
    _append,
    _clean_body,
    _clean_key,
    _lang,
    _lock,
    _new_reference,
    _rate_limits,
    _require_open_hours,
    _sender_for,
    _staff_locked,
    _system,
)
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode, not_found, validation_failed
from core.notify import send_email
from support import selectors as support_selectors
from support.models import Category


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
