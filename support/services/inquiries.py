"""Customer-side inquiry writes: create from the web form or API, reply, close, accept the freeze
offer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import account_freeze
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode, not_found, validation_failed
from support import conf, selectors
from support.errors import SupportErrorCode
from support.internal.fields import validate_inquiry
from support.models import (
    Inquiry,
    Message,
    MessageKind,
    Queue,
    Status,
    Subtopic,
)
from support.services._common import (
    _clean_body,
    _event,
    _lock,
    _notify_customer,
    _refresh_search,
    _sanitise_all,
    _save_new,
    _set_status,
    _store_attachments,
)

# --------------------------------------------------------------------------- customers


def inquiry_create(
    *,
    category_slug: str,
    fields: dict[str, Any] | None,
    description: Any,
    customer: User | None = None,
    guest_email: str = "",
    subtopic_slug: str = "",
    attachments: Sequence[Any] = (),
    allow_duplicate: bool = False,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Inquiry:
    """Create an inquiry from a signed-in customer or a confirmed guest address.

    Routing: the sub-topic's queue if set, else the category's. A guest inquiry joins the
    account whose email matches; the answer to the guest is the same either way.
    """
    now = now or timezone.now()
    is_guest = customer is None
    if is_guest and not guest_email:
        raise ApplicationError(
            CommonErrorCode.NOT_AUTHENTICATED, _("Please sign in or confirm your email address."), status=401
        )
    try:
        category = selectors.category_by_slug(category_slug, guest=is_guest) if category_slug else None
    except Http404:
        category = None
    if category is None:
        raise validation_failed({"category": [_("Please choose a category.")]})
    rate_key = f"support:create:user:{customer.pk}" if customer else f"support:create:guest:{guest_email}"
    ratelimit.check(rate_key, limit=conf.create_limit_per_hour(), period=3600)

    subtopic: Subtopic | None = None
    subtopics = [s for s in category.subtopics.all() if s.active]
    errors: dict[str, list[str]] = {}
    if subtopics:
        subtopic = next((s for s in subtopics if s.slug == subtopic_slug), None)
        if subtopic is None:
            errors["subtopic"] = [_("Please choose a topic.")]
    language = (translation.get_language() or "ja")[:2]
    result = validate_inquiry(
        specs=selectors.field_specs(category), fields=fields, description=description, now=now, language=language
    )
    errors.update(result.errors)
    if errors:
        raise validation_failed(errors)
    cleaned_files = _sanitise_all(
        attachments, uploader=f"user:{customer.pk}" if customer else f"guest:{guest_email.lower()}"
    )

    if not allow_duplicate:
        existing = (
            selectors.open_inquiry_in_category_for_guest(email=guest_email, category=category)
            if is_guest
            else selectors.open_inquiry_in_category(user=customer, category=category)
        )
        if existing is not None:
            raise ApplicationError(
                SupportErrorCode.OPEN_INQUIRY_EXISTS,
                _("You already have an open inquiry in this category (%(ref)s). Please add to it instead.")
                % {"ref": existing.reference},
                status=409,
                fields={"existing_id": [str(existing.pk)]},
            )

    owner = customer
    joined = False
    if is_guest:
        owner = get_user_model().objects.filter(email__iexact=guest_email, is_active=True).first()
        joined = owner is not None
    description_text = result.cleaned.pop("description")
    queue: Queue = subtopic.queue if subtopic and subtopic.queue else category.queue
    first_line = description_text.splitlines()[0] if description_text else ""
    subject = f"{category.name(language)}: {first_line}"[:200]

    with transaction.atomic():
        inquiry = Inquiry(
            customer=owner,
            guest_email=guest_email if is_guest else "",
            language=getattr(owner, "language", None) or language,
            category=category,
            subtopic=subtopic,
            queue=queue,
            priority=category.default_priority,
            status=Status.NEW,
            subject=subject,
            fields=result.cleaned,
            description=description_text,
            created_at=now,
            updated_at=now,
        )
        _save_new(inquiry, now=now)
        message = Message.objects.create(
            inquiry=inquiry, author=customer, kind=MessageKind.CUSTOMER, body=description_text, created_at=now
        )
        _store_attachments(inquiry=inquiry, message=message, cleaned=cleaned_files, now=now)
        _event(
            inquiry,
            "created",
            actor=customer,
            now=now,
            queue=queue.slug,
            priority=inquiry.priority,
            guest=is_guest,
            attachments=len(cleaned_files),
        )
        if joined:
            _event(inquiry, "joined_account", now=now)
        if category.queue.is_security or queue.is_security:
            audit_log(
                user=owner,
                event="support.security_inquiry",
                request=request,
                data={"reference": inquiry.reference, "guest": is_guest},
            )
        _notify_customer(inquiry, "support_received")
    return inquiry


def _customer_may_reply(inquiry: Inquiry, now: dt.datetime) -> None:
    if inquiry.status == Status.CLOSED or (
        inquiry.status == Status.RESOLVED
        and inquiry.resolved_at is not None
        and now - inquiry.resolved_at > dt.timedelta(days=conf.reopen_days())
    ):
        raise ApplicationError(
            SupportErrorCode.INQUIRY_CLOSED,
            _("This inquiry is closed. Please send a new inquiry and mention %(ref)s.") % {"ref": inquiry.reference},
            status=409,
        )


def inquiry_reply_customer(
    *,
    inquiry: Inquiry,
    body: Any,
    user: User | None = None,
    guest_email: str = "",
    attachments: Sequence[Any] = (),
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """A customer's reply (the inquiry must come from a ``*_for_customer``/``*_for_guest``
    selector). Reopens a resolved inquiry within the reopen period."""
    now = now or timezone.now()
    actor_key = f"user:{user.pk}" if user is not None else f"guest:{guest_email}"
    ratelimit.check(f"support:reply:{actor_key}", limit=30, period=3600)
    text = _clean_body(body)
    cleaned_files = _sanitise_all(attachments, uploader=actor_key)
    with transaction.atomic():
        locked = _lock(inquiry)
        if (user is not None and locked.customer_id != user.pk) or (user is None and locked.guest_email != guest_email):
            raise not_found()
        _customer_may_reply(locked, now)
        message = Message.objects.create(
            inquiry=locked, author=user, kind=MessageKind.CUSTOMER, body=text, created_at=now
        )
        _store_attachments(inquiry=locked, message=message, cleaned=cleaned_files, now=now)
        _event(locked, "customer_reply", actor=user, now=now, message_id=message.pk, attachments=len(cleaned_files))
        if locked.status == Status.RESOLVED:
            _event(locked, "reopened", actor=user, now=now)
            _set_status(locked, Status.OPEN, actor=user, now=now, reason="customer_reply")
        elif locked.status == Status.WAITING:
            _set_status(locked, Status.OPEN, actor=user, now=now, reason="customer_reply")
        locked.updated_at = now
        _refresh_search(locked, text)
        locked.save()
    inquiry.refresh_from_db()
    return message


def inquiry_close_customer(
    *, inquiry: Inquiry, user: User | None = None, guest_email: str = "", now: dt.datetime | None = None
) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(inquiry)
        if (user is not None and locked.customer_id != user.pk) or (user is None and locked.guest_email != guest_email):
            raise not_found()
        if locked.status == Status.CLOSED:
            return
        _set_status(locked, Status.CLOSED, actor=user, now=now, reason="customer_closed")
        locked.updated_at = now
        locked.save()
    inquiry.refresh_from_db()


def inquiry_freeze_offer_accept(
    *, user: User | AnonymousUser | None, inquiry: Inquiry | None = None, request: HttpRequest | None = None
) -> bool:
    """The signed-in customer accepts the immediate freeze offered on security inquiries."""
    if user is None or not user.is_authenticated:
        raise ApplicationError(CommonErrorCode.NOT_AUTHENTICATED, _("Please sign in."), status=401)
    reason = f"Customer request via support inquiry {inquiry.reference}" if inquiry else "Customer request via support"
    frozen = account_freeze(user=user, reason=reason, request=request)
    if inquiry is not None:
        _event(inquiry, "customer_froze_account", actor=user, now=timezone.now())
    return frozen
