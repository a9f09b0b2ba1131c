"""Staff console writes: replies, canned replies, status, priority, assignment, queue moves,
freezing a customer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from accounts.services import account_freeze
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode, not_found, validation_failed
from support import selectors
from support.errors import SupportErrorCode
from support.internal import canned as canned_text
from support.internal.fields import normalise_text
from support.models import (
    CannedReply,
    Inquiry,
    InquiryEvent,
    Message,
    MessageKind,
    Priority,
    Status,
)
from support.services._common import (
    ACTIVE_VALUES,
    _apply_sla,
    _clean_body,
    _event,
    _language_of,
    _lock,
    _notify_customer,
    _sanitise_all,
    _set_status,
    _store_attachments,
)
from support.services.counters import _move_count

# Staff-driven transitions (customer-driven ones are handled in their own services).
STAFF_TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.OPEN: {Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.WAITING: {Status.OPEN, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: {Status.OPEN},
}


# --------------------------------------------------------------------------- staff


def _require_staff(user: User | AnonymousUser) -> None:
    if not selectors.is_support_staff(user):
        raise ApplicationError(
            CommonErrorCode.PERMISSION_DENIED, _("You do not have permission to do this."), status=403
        )


def _staff_locked(user: User, inquiry: Inquiry) -> Inquiry:
    """Re-check visibility under the row lock (the queue might have moved)."""
    _require_staff(user)
    locked = _lock(inquiry)
    if locked.queue_id not in {q.id for q in selectors.visible_queues_for_staff(user)}:
        raise not_found()
    return locked


# history kinds that do not count as "someone else changed it" (clock bookkeeping)
_NOT_A_CHANGE = ("sla_breached",)


def _check_not_changed(locked: Inquiry, seen_event: int | None, agent: User) -> None:
    """Submit-time collision check: refuse when someone else (a colleague or the customer)
    changed the inquiry after the agent opened it (``seen_event`` is the newest history id
    the agent's page showed). Nothing is written; the page keeps the agent's text."""
    if seen_event is None:
        return
    newer = (
        InquiryEvent.objects.filter(inquiry=locked, id__gt=seen_event)
        .exclude(kind__in=_NOT_A_CHANGE)
        .exclude(actor_id=getattr(agent, "pk", None))
        .select_related("actor")
        .order_by("-id")
        .first()
    )
    if newer is None:
        return
    customer_kinds = ("customer_reply", "reopened", "customer_froze_account")
    if (newer.actor_id and newer.actor_id == locked.customer_id) or newer.kind in customer_kinds:
        who = _("the customer")
    elif newer.actor is not None:
        who = str(getattr(newer.actor, "full_name", "") or newer.actor.email)
    else:
        who = _("the system")
    raise ApplicationError(
        SupportErrorCode.INQUIRY_CHANGED,
        _(
            "%(who)s changed this inquiry after you opened it. Nothing was saved: read the latest "
            "history, then send again (your text is kept)."
        )
        % {"who": who},
        status=409,
        fields={"seen": [str(newer.pk)]},
    )


def _apply_priority(locked: Inquiry, *, agent: User, priority: int, now: dt.datetime) -> None:
    if priority not in Priority.values:
        raise validation_failed({"priority": [_("Unknown priority.")]})
    if locked.priority == priority:
        return
    if locked.category.priority_locked and priority != locked.category.default_priority:
        raise ApplicationError(
            SupportErrorCode.PRIORITY_LOCKED,
            _("The priority of this category cannot be changed (security is always urgent)."),
        )
    if (
        priority > locked.priority
        and not roles.has_role(agent, roles.SUPERVISOR)
        and locked.priority == Priority.URGENT
    ):
        raise ApplicationError(
            CommonErrorCode.PERMISSION_DENIED, _("Only a supervisor can lower an urgent inquiry."), status=403
        )
    old = locked.priority
    locked.priority = priority
    _apply_sla(locked, start=locked.created_at)
    _event(locked, "priority", actor=agent, now=now, old=old, new=priority)


def canned_render(*, reply: CannedReply, inquiry: Inquiry, agent: User) -> str:
    language = _language_of(inquiry)
    customer = inquiry.customer
    name = (getattr(customer, "full_name", "") or "") if customer else ""
    if not name:
        name = "お客様" if language == "ja" else "customer"
    values = {
        "customer_name": name,
        "reference": inquiry.reference,
        "agent_name": getattr(agent, "full_name", "") or ("サポート担当" if language == "ja" else "Support team"),
        "category": inquiry.category.name(language),
        "portal_url": f"{settings.SITE_URL}/support/inquiries/{inquiry.pk}/",
    }
    template = reply.body_en if language == "en" else reply.body_ja
    return canned_text.render(template, values)


def inquiry_reply_staff(
    *,
    agent: User,
    inquiry: Inquiry,
    body: Any = "",
    internal: bool = False,
    canned_slug: str = "",
    new_status: str | None = None,
    new_priority: int | None = None,
    attachments: Sequence[Any] = (),
    seen_event: int | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """A public reply (emails the customer a link) or an internal note (never shown or sent).
    A public reply marks the first response and by default waits on the customer.

    A macro (``canned_slug``) is the reply text plus its status and priority, applied in the
    same transaction; an explicit ``new_status`` / ``new_priority`` wins over the macro's.
    ``seen_event``: refuse (409 ``inquiry_changed``) when someone else changed the inquiry
    since the agent's page was rendered."""
    now = now or timezone.now()
    _require_staff(agent)
    text = normalise_text(str(body or ""))
    macro = None
    if canned_slug:
        macro = CannedReply.objects.filter(slug=canned_slug, active=True).first()
        if macro is None:
            raise validation_failed({"canned": [_("Unknown canned reply.")]})
        if not text:
            text = canned_render(reply=macro, inquiry=inquiry, agent=agent)
        new_status = new_status or macro.set_status or None
        new_priority = new_priority or macro.set_priority
    if new_status and new_status not in Status.values:
        raise validation_failed({"status": [_("Unknown status.")]})
    text = _clean_body(text)
    cleaned_files = _sanitise_all(attachments)
    with transaction.atomic():
        locked = _staff_locked(agent, inquiry)
        _check_not_changed(locked, seen_event, agent)
        if new_priority:
            _apply_priority(locked, agent=agent, priority=int(new_priority), now=now)
        kind = MessageKind.NOTE if internal else MessageKind.REPLY
        message = Message.objects.create(inquiry=locked, author=agent, kind=kind, body=text, created_at=now)
        _store_attachments(inquiry=locked, message=message, cleaned=cleaned_files, now=now)
        _event(
            locked,
            "note" if internal else "reply",
            actor=agent,
            now=now,
            message_id=message.pk,
            **({"canned": canned_slug} if canned_slug else {}),
        )
        if macro is not None:
            _event(locked, "macro", actor=agent, now=now, macro=macro.slug)
        if not internal:
            if locked.first_responded_at is None:
                locked.first_responded_at = now
            target = new_status or Status.WAITING
            if target != locked.status:
                _check_transition(locked.status, target)
                _set_status(locked, target, actor=agent, now=now)
            locked.updated_at = now
            if locked.assignee_id is None:
                locked.assignee = agent
                _event(locked, "assignee", actor=agent, now=now, old=None, new=agent.pk)
        elif new_status and new_status != locked.status:
            _check_transition(locked.status, new_status)
            _set_status(locked, new_status, actor=agent, now=now)
        locked.save()
        if not internal:
            _notify_customer(locked, "support_reply")
    inquiry.refresh_from_db()
    return message


def _check_transition(old: str, new: str) -> None:
    if new not in STAFF_TRANSITIONS.get(old, set()):
        raise ApplicationError(
            CommonErrorCode.INVALID_TRANSITION,
            _("This status change is not possible."),
            fields={"status": [_("This status change is not possible.")]},
        )


def inquiry_set_status(
    *, agent: User, inquiry: Inquiry, status: str, seen_event: int | None = None, now: dt.datetime | None = None
) -> None:
    now = now or timezone.now()
    if status not in Status.values:
        raise validation_failed({"status": [_("Unknown status.")]})
    with transaction.atomic():
        locked = _staff_locked(agent, inquiry)
        _check_not_changed(locked, seen_event, agent)
        if locked.status == status:
            return
        _check_transition(locked.status, status)
        _set_status(locked, status, actor=agent, now=now)
        if status in (Status.RESOLVED, Status.CLOSED) or locked.status in ACTIVE_VALUES:
            locked.updated_at = now
        locked.save()
        if status == Status.RESOLVED:
            _notify_customer(locked, "support_resolved")
    inquiry.refresh_from_db()


def inquiry_set_priority(
    *, agent: User, inquiry: Inquiry, priority: int, seen_event: int | None = None, now: dt.datetime | None = None
) -> None:
    now = now or timezone.now()
    if priority not in Priority.values:
        raise validation_failed({"priority": [_("Unknown priority.")]})
    with transaction.atomic():
        locked = _staff_locked(agent, inquiry)
        _check_not_changed(locked, seen_event, agent)
        if locked.priority == priority:
            return
        _apply_priority(locked, agent=agent, priority=priority, now=now)
        locked.save()
    inquiry.refresh_from_db()


def inquiry_assign(
    *,
    agent: User,
    inquiry: Inquiry,
    assignee: User | None,
    seen_event: int | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Agents take or release an inquiry; assigning someone else needs a supervisor, and the
    assignee must be able to see the queue."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _staff_locked(agent, inquiry)
        _check_not_changed(locked, seen_event, agent)
        new_id = assignee.pk if assignee is not None else None
        if assignee is not None and assignee.pk != agent.pk:
            roles.require_role(agent, roles.SUPERVISOR)
            if locked.queue_id not in {q.id for q in selectors.visible_queues_for_staff(assignee)}:
                raise ApplicationError(SupportErrorCode.INVALID_ASSIGNEE, _("This person cannot work on this queue."))
        if locked.assignee_id not in (None, agent.pk, new_id):
            # taking over or releasing a colleague's inquiry
            roles.require_role(agent, roles.SUPERVISOR)
        if locked.assignee_id == new_id:
            return
        old = locked.assignee_id
        locked.assignee_id = new_id
        _event(locked, "assignee", actor=agent, now=now, old=old, new=new_id)
        locked.save(update_fields=["assignee"])
    inquiry.refresh_from_db()


def inquiry_move(
    *,
    agent: User,
    inquiry: Inquiry,
    queue_slug: str,
    reason: str = "",
    seen_event: int | None = None,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Route to another queue. Moving into or out of a security queue needs the security role;
    moving out of it also needs a written reason (kept in the history and audited)."""
    now = now or timezone.now()
    reason = normalise_text(str(reason or ""))[:500]
    with transaction.atomic():
        locked = _staff_locked(agent, inquiry)
        _check_not_changed(locked, seen_event, agent)
        target = next((q for q in selectors.visible_queues_for_staff(agent) if q.slug == queue_slug), None)
        if target is None:
            raise validation_failed({"queue": [_("Unknown queue.")]})
        if target.id == locked.queue_id:
            return
        old = locked.queue
        leaves_security = old.is_security and not target.is_security
        if leaves_security and len(reason) < 5:
            raise ApplicationError(
                SupportErrorCode.REASON_REQUIRED,
                _("Moving an inquiry out of the security queue needs a reason (at least 5 characters)."),
                fields={"reason": [_("Please write why this is not a security matter.")]},
            )
        _move_count(old_queue=old.id, old_status=locked.status, new_queue=target.id, new_status=locked.status)
        locked.queue = target
        if locked.assignee_id and target.id not in {
            q.id for q in selectors.visible_queues_for_staff(get_user_model().objects.get(pk=locked.assignee_id))
        }:
            locked.assignee = None
        _event(
            locked,
            "queue",
            actor=agent,
            now=now,
            old=old.slug,
            new=target.slug,
            **({"reason": reason} if reason else {}),
        )
        locked.save()
        if leaves_security:
            audit_log(
                user=locked.customer,
                actor=agent,
                event="support.security_inquiry_moved",
                request=request,
                data={"reference": locked.reference, "from": old.slug, "to": target.slug, "reason": reason},
                visible_to_customer=False,
            )
    inquiry.refresh_from_db()


def customer_freeze_by_staff(*, agent: User, inquiry: Inquiry, request: HttpRequest | None = None) -> bool:
    """A security agent freezes the customer's account from the console."""
    roles.require_role(agent, roles.SECURITY_AGENT)
    locked_view = selectors.inquiry_for_staff(user=agent, inquiry_id=inquiry.pk)
    if locked_view.customer is None:
        raise ApplicationError(CommonErrorCode.NO_ACCOUNT, _("This inquiry is not linked to an account."))
    frozen = account_freeze(
        user=locked_view.customer, reason=f"Support inquiry {inquiry.reference}", actor=agent, request=request
    )
    _event(inquiry, "account_frozen", actor=agent, now=timezone.now())
    return frozen
