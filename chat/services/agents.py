"""Agents' writes on a conversation: accept, transfer to another team, continue as an
inquiry (also used by the periodic sweep), and freezing the customer from a security chat.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from chat import conf, realtime, selectors
from chat.errors import ChatErrorCode
from chat.models import ChatStatus, Conversation, Sender
from chat.services._common import (
    _agent_name,
    _lock,
    _may_steer,
    _staff_locked,
    _system,
    _transcript_text,
)
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode, validation_failed
from support import services as support_services
from support.models import Inquiry, Queue


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
