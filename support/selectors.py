"""Reads. Customer data is only reachable through these scoped functions: anything the
caller may not see is an ``Http404`` (never a 403 that would confirm it exists)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts import roles
from accounts.models import User
from accounts.selectors import recent_signins_for_staff, restriction_for_user
from core.audit import audit_log
from core.errors import not_found
from helpcenter.selectors import inquiry_prefill_text, search_articles
from mfa.selectors import two_factor_state
from recovery.selectors import open_cases_for_customer
from support import conf
from support.internal import cursor as cursors
from support.internal import search
from support.internal.calendar import BusinessCalendar
from support.internal.calendar import Closure as CalClosure
from support.internal.channels import ChannelClosure, ChannelStatus, all_channel_status
from support.internal.fields import FieldSpec, spec_from_dict
from support.internal.sla import SlaTarget
from support.models import (
    ACTIVE,
    ACTIVE_STATUSES,
    Attachment,
    CallbackRequest,
    CannedReply,
    Category,
    CategoryField,
    Closure,
    Inquiry,
    InquiryEvent,
    Message,
    MessageKind,
    Queue,
    QueueCount,
    SlaPolicy,
    Status,
    Subtopic,
)

logger = logging.getLogger(__name__)

STAFF_ROLES = (roles.SUPPORT_AGENT, roles.SECURITY_AGENT, roles.SUPERVISOR)
ACTIVE_VALUES = [s.value for s in ACTIVE_STATUSES]
# large columns a list never shows
_LIST_DEFER = ("description", "search_grams", "fields")
STAFF_VIEWS = ("active", "mine", "unassigned", "breached", "new", "open", "waiting", "resolved", "closed")


# --------------------------------------------------------------------------- roles


def is_support_staff(user: User | AnonymousUser | None) -> bool:
    return any(roles.has_role(user, role) for role in STAFF_ROLES)


def can_see_security(user: User | AnonymousUser | None) -> bool:
    return roles.has_role(user, roles.SECURITY_AGENT)


def visible_queues_for_staff(user: User | AnonymousUser) -> list[Queue]:
    """Queues the staff member may see (security queues need the security-agent role)."""
    if not is_support_staff(user):
        return []
    memo = vars(user)  # kept on the request's user object for the rest of the request
    cached = memo.get("_support_queues")
    if cached is None:
        qs = Queue.objects.filter(active=True)
        if not can_see_security(user):
            qs = qs.filter(is_security=False)
        cached = list(qs)
        memo["_support_queues"] = cached
    return list(cached)


def _staff_inquiries(user: User | AnonymousUser) -> QuerySet[Inquiry]:
    queue_ids = [q.id for q in visible_queues_for_staff(user)]
    return Inquiry.objects.filter(queue_id__in=queue_ids)


# --------------------------------------------------------------------------- catalogue


def categories_for_customer(*, guest: bool = False) -> list[Category]:
    qs = (
        Category.objects.filter(active=True)
        .select_related("queue")
        .prefetch_related(
            Prefetch("fields", queryset=CategoryField.objects.filter(active=True)),
            Prefetch("subtopics", queryset=Subtopic.objects.filter(active=True)),
        )
    )
    if guest:
        qs = qs.filter(guest_allowed=True)
    return list(qs)


def category_by_slug(slug: str, *, guest: bool = False) -> Category:
    for category in categories_for_customer(guest=guest):
        if category.slug == slug:
            return category
    raise not_found()


def field_specs(category: Category) -> list[FieldSpec]:
    return [
        spec_from_dict(
            {
                "key": f.key,
                "kind": f.kind,
                "label_ja": f.label_ja,
                "label_en": f.label_en,
                "required": f.required,
                "help_ja": f.help_ja,
                "help_en": f.help_en,
                "max_length": f.max_length,
                "choices": f.choices or [],
            }
        )
        for f in category.fields.all()
        if f.active
    ]


def sla_target(priority: int) -> SlaTarget:
    policy = SlaPolicy.objects.filter(priority=priority).first()
    if policy is None:
        return SlaTarget(first_response=dt.timedelta(hours=8), resolution=dt.timedelta(hours=24))
    return SlaTarget(
        first_response=dt.timedelta(minutes=policy.first_response_minutes),
        resolution=dt.timedelta(minutes=policy.resolution_minutes),
        around_the_clock=policy.around_the_clock,
    )


def sla_targets() -> dict[int, dt.timedelta]:
    """Every policy's targets in one query, keyed priority*10+1 (first response) / +2 (resolution)."""
    targets: dict[int, dt.timedelta] = {}
    for policy in SlaPolicy.objects.all():
        targets[policy.priority * 10 + 1] = dt.timedelta(minutes=policy.first_response_minutes)
        targets[policy.priority * 10 + 2] = dt.timedelta(minutes=policy.resolution_minutes)
    return targets


def people_names(user_ids: set[int]) -> dict[int, str]:
    """Display names (full name or email) of the staff and customers named in a history."""
    ids = {int(i) for i in user_ids if isinstance(i, int) or str(i).isdigit()}
    if not ids:
        return {}
    return {
        pk: (full_name or email)
        for pk, full_name, email in get_user_model().objects.filter(pk__in=ids).values_list("pk", "full_name", "email")
    }


def queue_names(language: str) -> dict[str, str]:
    return {q.slug: q.name(language) for q in Queue.objects.all()}


def desk_calendar(*, now: dt.datetime | None = None) -> BusinessCalendar:
    now = now or timezone.now()
    opens, closes = conf.desk_hours()
    closures = tuple(
        CalClosure(starts_at=c.starts_at, ends_at=c.ends_at)
        for c in Closure.objects.filter(affects_sla=True, ends_at__gt=now - dt.timedelta(days=30))
    )
    return BusinessCalendar(opens=opens, closes=closes, closures=closures)


def canned_replies() -> list[CannedReply]:
    return list(CannedReply.objects.filter(active=True))


# --------------------------------------------------------------------------- channels


def contact_channels(*, now: dt.datetime | None = None) -> list[ChannelStatus]:
    now = now or timezone.now()
    closures = [
        ChannelClosure(starts_at=c.starts_at, ends_at=c.ends_at, channels=tuple(c.channels or ()))
        for c in Closure.objects.filter(ends_at__gt=now, starts_at__lt=now + dt.timedelta(days=400))
    ]
    return all_channel_status(now=now, closures=closures)


def phone_status(*, now: dt.datetime | None = None) -> ChannelStatus:
    """The phone line now (hours, Japanese public holidays and closures counted)."""
    return next(c for c in contact_channels(now=now) if c.channel == "phone")


def callback_slots(*, now: dt.datetime | None = None) -> list[dt.datetime]:
    """Preferred callback times left in the current phone opening, in steps of
    ``conf.callback_slot_minutes()`` (at least one step from now, the last one step before
    closing); empty while the line is closed."""
    now = now or timezone.now()
    status = phone_status(now=now)
    if not status.open_now or status.closes_at is None:
        return []
    step = dt.timedelta(minutes=conf.callback_slot_minutes())
    start = now.replace(second=0, microsecond=0) + step
    start += dt.timedelta(minutes=-start.minute % conf.callback_slot_minutes())
    slots: list[dt.datetime] = []
    while start <= status.closes_at - step and len(slots) < 48:
        slots.append(start)
        start += step
    return slots


def callbacks_for_customer(*, user: User | AnonymousUser | None, limit: int = 5) -> list[CallbackRequest]:
    """The customer's latest callback requests (their inquiries are theirs already)."""
    if user is None or not user.is_authenticated:
        return []
    return list(CallbackRequest.objects.filter(customer=user).select_related("inquiry").order_by("-created_at")[:limit])


def upcoming_closures(*, now: dt.datetime | None = None, limit: int = 5) -> list[Closure]:
    now = now or timezone.now()
    return list(Closure.objects.filter(ends_at__gt=now).order_by("starts_at")[:limit])


# --------------------------------------------------------------------------- help articles


def suggest_articles(*, query: str, language: str, limit: int = 5) -> list[dict[str, Any]]:
    """Help-centre articles matching what the customer is typing (empty until the help
    centre exists; a failing help centre never breaks the inquiry form)."""
    query = query.strip()[:200]
    if len(query) < 2:
        return []
    try:
        results = search_articles(query=query, language=language, limit=limit)
    except Exception:
        logger.exception("help article suggestion failed")
        return []
    return [
        {k: r.get(k) for k in ("slug", "title", "snippet", "category", "score")}
        for r in list(results)[:limit]
        if isinstance(r, dict)
    ]


# --------------------------------------------------------------------------- pre-filled forms

# Link parameters carried from the troubleshooter or a help article to the inquiry form.
PREFILL_PARAMS = ("subtopic", "from", "article")


def category_or_none(slug: str, *, guest: bool = False) -> Category | None:
    try:
        return category_by_slug(slug, guest=guest)
    except Http404:
        return None


def inquiry_prefill(*, category: Category, params: Any, language: str) -> dict[str, str]:
    """Initial form values from a link: a known sub-topic, choice fields set to one of their
    values (``fields.<key>`` or ``<key>``), and a description written by the help centre for
    the troubleshooter step (``from``) or the article (``article``) the customer came from.
    Free text from the link is never copied into the form."""
    values: dict[str, str] = {}
    subtopic = str(params.get("subtopic", ""))
    if subtopic and any(s.slug == subtopic and s.active for s in category.subtopics.all()):
        values["subtopic"] = subtopic
    for spec in field_specs(category):
        raw = str(params.get(f"fields.{spec.key}") or params.get(spec.key) or "")
        if raw and spec.choices and any(c.value == raw for c in spec.choices):
            values[f"fields.{spec.key}"] = raw
    step, article = str(params.get("from", ""))[:64], str(params.get("article", ""))[:100]
    if step or article:
        try:
            text = inquiry_prefill_text(step=step, article=article, language=language)
        except Exception:  # a failing help centre never breaks the inquiry form
            logger.exception("inquiry prefill failed")
            text = ""
        if text:
            values["description"] = text
    return values


# --------------------------------------------------------------------------- customer


@dataclass
class Page:
    items: list[Inquiry]
    next_cursor: str | None
    counts: dict[int, dict[str, int]] = field(default_factory=dict)
    queues: list[Queue] = field(default_factory=list)


def _customer_page(qs: QuerySet[Inquiry], cursor: str | None, limit: int | None) -> Page:
    size = min(limit or conf.page_size(), 100)
    position = cursors.decode(cursor, kinds=(dt.datetime, int))
    if position is not None:
        qs = _before(qs, *position)
    rows = list(qs.select_related("category", "queue", "subtopic").order_by("-updated_at", "-id")[: size + 1])
    next_cursor = cursors.encode(rows[size - 1].updated_at, rows[size - 1].id) if len(rows) > size else None
    return Page(items=rows[:size], next_cursor=next_cursor)


def _db_datetime(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _before(qs: QuerySet[Inquiry], updated_at: dt.datetime, pk: int) -> QuerySet[Inquiry]:
    """Rows after the cursor in ``-updated_at, -id`` order (row-value comparison)."""
    return qs.extra(
        where=["(support_inquiry.updated_at, support_inquiry.id) < (%s, %s)"],
        params=[_db_datetime(updated_at), pk],
    )


def inquiries_for_customer(*, user: User, cursor: str | None = None, limit: int | None = None) -> Page:
    return _customer_page(Inquiry.objects.filter(customer=user), cursor, limit)


def inquiries_for_guest(*, email: str, cursor: str | None = None, limit: int | None = None) -> Page:
    return _customer_page(Inquiry.objects.filter(guest_email=email), cursor, limit)


def inquiry_for_customer(*, user: User | AnonymousUser | None, inquiry_id: Any) -> Inquiry:
    try:
        pk = int(inquiry_id)
    except (TypeError, ValueError):
        raise not_found() from None
    if not isinstance(user, User):  # signed out
        raise not_found()
    inquiry = Inquiry.objects.select_related("category", "queue", "subtopic").filter(pk=pk, customer=user).first()
    if inquiry is None:
        raise not_found()
    return inquiry


def inquiry_for_guest(*, email: str, inquiry_id: Any) -> Inquiry:
    try:
        pk = int(inquiry_id)
    except (TypeError, ValueError):
        raise not_found() from None
    if not email:
        raise not_found()
    inquiry = Inquiry.objects.select_related("category", "queue", "subtopic").filter(pk=pk, guest_email=email).first()
    if inquiry is None:
        raise not_found()
    return inquiry


def open_inquiry_in_category(*, user: User | AnonymousUser | None, category: Category) -> Inquiry | None:
    """An active inquiry of the customer in the same category (offered for a follow-up)."""
    if user is None or not user.is_authenticated:
        return None
    return Inquiry.objects.filter(ACTIVE, customer=user, category=category).order_by("-updated_at", "-id").first()


def open_inquiry_in_category_for_guest(*, email: str, category: Category) -> Inquiry | None:
    """A confirmed guest's active inquiry in the same category: only inquiries sent from
    that very address (the ones the guest pages can open), never anybody else's."""
    if not email:
        return None
    return Inquiry.objects.filter(ACTIVE, guest_email=email, category=category).order_by("-updated_at", "-id").first()


def public_thread(inquiry: Inquiry) -> list[Message]:
    """Messages the customer sees (internal notes excluded), with their attachments."""
    return list(
        inquiry.messages.exclude(kind=MessageKind.NOTE)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def _customer_visible_attachment(token: str, **owner: Any) -> Attachment:
    """An attachment of a public message (never of an internal note) on the owner's inquiry."""
    att = (
        Attachment.objects.select_related("inquiry")
        .filter(token=token, **owner)
        .exclude(message__kind=MessageKind.NOTE)
        .first()
    )
    if att is None:
        raise not_found()
    return att


def attachment_for_customer(*, user: User | AnonymousUser | None, token: str) -> Attachment:
    if user is None or not user.is_authenticated:
        raise not_found()
    return _customer_visible_attachment(token, inquiry__customer=user)


def attachment_for_guest(*, email: str, token: str) -> Attachment:
    if not email:
        raise not_found()
    return _customer_visible_attachment(token, inquiry__guest_email=email)


# --------------------------------------------------------------------------- staff


def inquiry_for_staff(*, user: User | AnonymousUser, inquiry_id: Any) -> Inquiry:
    try:
        pk = int(inquiry_id)
    except (TypeError, ValueError):
        raise not_found() from None
    inquiry = (
        _staff_inquiries(user)
        .select_related("category", "queue", "subtopic", "customer", "assignee")
        .filter(pk=pk)
        .first()
    )
    if inquiry is None:
        raise not_found()
    return inquiry


def attachment_for_staff(*, user: User | AnonymousUser, token: str) -> Attachment:
    queue_ids = [q.id for q in visible_queues_for_staff(user)]
    att = Attachment.objects.select_related("inquiry").filter(token=token, inquiry__queue_id__in=queue_ids).first()
    if att is None:
        raise not_found()
    return att


def staff_thread(inquiry: Inquiry) -> list[Message]:
    return list(inquiry.messages.select_related("author").prefetch_related("attachments").order_by("created_at", "id"))


def history(inquiry: Inquiry) -> list[InquiryEvent]:
    return list(inquiry.events.select_related("actor").order_by("created_at", "id"))


def queue_counts(queue_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {qid: {s.value: 0 for s in Status} for qid in queue_ids}
    for row in QueueCount.objects.filter(queue_id__in=queue_ids):
        counts.setdefault(row.queue_id, {})[row.status] = max(row.count, 0)
    for per in counts.values():
        per["active"] = sum(per.get(s, 0) for s in ACTIVE_VALUES)
    return counts


_SEARCH_ID_CAP = 5000
_REFERENCE = re.compile(r"^Q-[A-Z0-9]{8}$")


_TSV_WHERE = "to_tsvector('simple', support_inquiry.search_grams) @@ to_tsquery('simple', %s)"
_TSV_ESTIMATE = (
    "EXPLAIN (FORMAT JSON) SELECT 1 FROM support_inquiry "
    "WHERE to_tsvector('simple', support_inquiry.search_grams) @@ to_tsquery('simple', %s)"
)


def _estimated_matches(tsq: str) -> float:
    """The planner's estimate of how many inquiries match (EXPLAIN only; nothing runs)."""
    with connection.cursor() as cursor:
        cursor.execute(_TSV_ESTIMATE, [tsq])
        row = cursor.fetchone()
    plan = row[0] if row else None
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        return float(plan[0]["Plan"]["Plan Rows"])  # type: ignore[index]
    except (TypeError, KeyError, IndexError, ValueError):
        return 0.0


def _search_filter(qs: QuerySet[Inquiry], query: str) -> QuerySet[Inquiry]:
    """Reference lookup for a whole reference, otherwise the Japanese-aware token search."""
    query = query.strip()
    if not query:
        return qs
    if _REFERENCE.match(query.upper()):
        return qs.filter(reference=query.upper())
    tsq = search.tsquery(query)
    if not tsq:
        return qs.none()
    if connection.vendor == "postgresql":
        # tsq only contains [x0-9a-f:*& ] and is bound as a parameter
        where = [_TSV_WHERE]
        # Two plans, chosen by how many documents match at all: a rare term is fetched by
        # id through the GIN index (small set, then sorted); a common one is found by walking
        # the recency index and filtering, which stops after a page of matches. The choice
        # uses the planner's estimate (EXPLAIN, no execution) and, for a term estimated to be
        # rare, a bounded probe that also catches an underestimate. Left alone, the planner
        # walks the whole table for a rare term or bitmap-sorts 100k rows for a common one.
        if _estimated_matches(tsq) <= _SEARCH_ID_CAP:
            candidates = list(
                Inquiry.objects.extra(where=where, params=[tsq]).values_list("id", flat=True)[  # noqa: S610
                    : _SEARCH_ID_CAP + 1
                ]
            )
            if len(candidates) <= _SEARCH_ID_CAP:
                return qs.filter(id__in=candidates)
        return qs.extra(where=where, params=[tsq])  # noqa: S610
    matched = qs
    for token, prefix in search.query_terms(query):
        # SQLite fallback (embedded default): tokens are space-separated words
        matched = matched.filter(
            Q(search_grams__startswith=token) | Q(search_grams__contains=" " + token)
            if prefix
            else Q(search_grams__regex=rf"(^| ){token}( |$)")
        )
    return matched


def breached_q(now: dt.datetime) -> Q:
    """The one definition of "SLA breached" for an active inquiry: the breached view filters
    by it and ``presenters.sla_breached`` (the badge) evaluates the same rule in Python."""
    return (
        Q(breached_at__isnull=False)
        | Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
        | Q(first_responded_at__gt=F("first_response_due_at"))
        | Q(resolution_due_at__lt=now, sla_paused_seconds_left__isnull=True)
    )


def other_inquiries_for_staff(*, user: User | AnonymousUser, inquiry: Inquiry, limit: int = 10) -> list[Inquiry]:
    """The requester's other inquiries, newest activity first, only in queues the agent may see."""
    qs = _staff_inquiries(user).exclude(pk=inquiry.pk)
    if inquiry.customer_id:
        qs = qs.filter(customer_id=inquiry.customer_id)
    elif inquiry.guest_email:
        qs = qs.filter(guest_email=inquiry.guest_email)
    else:
        return []
    return list(qs.select_related("category", "queue").defer(*_LIST_DEFER).order_by("-updated_at", "-id")[:limit])


def queue_page_for_staff(
    *,
    user: User | AnonymousUser,
    queue: str | None = None,
    view: str = "active",
    priority: int | None = None,
    query: str = "",
    cursor: str | None = None,
    limit: int | None = None,
    now: dt.datetime | None = None,
) -> Page:
    """One page of a staff queue view, keyset-paginated; a constant number of queries."""
    now = now or timezone.now()
    queues = visible_queues_for_staff(user)
    if not queues or not isinstance(user, User):
        raise not_found()
    visible_ids = [q.id for q in queues]
    if queue:
        chosen = [q for q in queues if q.slug == queue]
        if not chosen:
            raise not_found()
        queue_ids = [chosen[0].id]
    else:
        queue_ids = visible_ids
    view = view if view in STAFF_VIEWS else "active"
    size = min(limit or conf.page_size(), 100)

    qs = Inquiry.objects.filter(queue_id__in=queue_ids)
    archive = view in ("resolved", "closed")
    if view == "active":
        qs = qs.filter(ACTIVE)
    elif view == "mine":
        qs = qs.filter(ACTIVE, assignee=user)
    elif view == "unassigned":
        qs = qs.filter(ACTIVE, assignee__isnull=True)
    elif view == "breached":
        qs = qs.filter(ACTIVE).filter(breached_q(now))
    else:
        qs = qs.filter(status=view)
    if priority:
        qs = qs.filter(priority=priority)
    if query:
        qs = _search_filter(qs, query)

    if archive or query:
        position = cursors.decode(cursor, kinds=(dt.datetime, int))
        if position is not None:
            qs = _before(qs, *position)
        qs = qs.order_by("-updated_at", "-id")
    else:
        position = cursors.decode(cursor, kinds=(int, dt.datetime, int))
        if position is not None:
            prio, created_at, pk = position
            # a row-value comparison lets the database seek the index instead of filtering
            qs = qs.extra(
                where=["(support_inquiry.priority, support_inquiry.created_at, support_inquiry.id) > (%s, %s, %s)"],
                params=[prio, _db_datetime(created_at), pk],
            )
        qs = qs.order_by("priority", "created_at", "id")
    rows = list(qs.select_related("category", "queue", "customer", "assignee").defer(*_LIST_DEFER)[: size + 1])
    next_cursor = None
    if len(rows) > size:
        last = rows[size - 1]
        next_cursor = (
            cursors.encode(last.updated_at, last.id)
            if archive or query
            else cursors.encode(last.priority, last.created_at, last.id)
        )
    return Page(items=rows[:size], next_cursor=next_cursor, counts=queue_counts(visible_ids), queues=queues)


def security_context_for_staff(
    *, user: User, inquiry: Inquiry, request: HttpRequest | None = None
) -> dict[str, Any] | None:
    """The customer's security state beside the thread (None for an unmatched guest).

    Each read is audited (who saw whose security context and which identity cases)."""
    customer = inquiry.customer
    if customer is None:
        return None
    context = customer_security_context(customer)
    audit_log(
        user=customer,
        actor=user,
        event="support.security_context_viewed",
        request=request,
        data={
            "inquiry": inquiry.pk,
            "identity_cases": [str(c.pk) for c in context["identity_cases"] or []],
        },
        visible_to_customer=False,
    )
    return context


def customer_security_context(customer: User) -> dict[str, Any]:
    """2FA, freeze/hold, recent sign-ins and open identity cases of one customer (callers
    check the staff member's role: the support console and the identity-case review)."""
    context: dict[str, Any] = {"customer": customer}
    context["two_factor"] = two_factor_state(customer)
    context["restriction"] = restriction_for_user(customer)
    context["recent_signins"] = list(recent_signins_for_staff(customer, limit=8))
    context["identity_cases"] = _identity_cases(customer)
    return context


def _identity_cases(customer: User) -> list[Any] | None:
    """The customer's open identity cases, newest first, at most 5 (None: the lookup failed)."""
    try:
        return list(open_cases_for_customer(user=customer)[:5])
    except Exception:  # context is advisory; never break the console
        logger.exception("identity case lookup failed")
        return None
