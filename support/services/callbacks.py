"""Telephone callback requests."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.phone import normalize_phone
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode, validation_failed
from support import conf, selectors
from support.errors import SupportErrorCode
from support.models import (
    CallbackRequest,
    Inquiry,
    Message,
    MessageKind,
    Priority,
    Queue,
    Status,
)
from support.services._common import _event, _notify_customer, _save_new


def callback_request(
    *,
    customer: User | AnonymousUser | None,
    phone: str,
    preferred: str,
    category_slug: str,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> CallbackRequest:
    """A signed-in customer asks to be called back during phone hours.

    ``preferred`` is "asap" or one of ``selectors.callback_slots`` as ISO time. Refused
    while the line is closed (saying when it opens), over the per-customer limit, or with a
    number we cannot call. Creates a ticket in the topic's queue (the agents' console lists
    it like any inquiry) and audits the request.
    """
    now = now or timezone.now()
    if customer is None or not customer.is_authenticated:
        raise ApplicationError(
            CommonErrorCode.NOT_AUTHENTICATED, _("Please sign in to request a callback."), status=401
        )
    status = selectors.phone_status(now=now)
    if not status.open_now:
        when = timezone.localtime(status.next_open).strftime("%Y-%m-%d %H:%M") if status.next_open else ""
        raise ApplicationError(
            SupportErrorCode.CALLBACK_CLOSED,
            _("The phone line is closed now. It opens at %(when)s (JST).") % {"when": when}
            if when
            else _("The phone line is closed now."),
            status=409,
        )
    errors: dict[str, list[str]] = {}
    try:
        number = normalize_phone(phone or "")
    except ValidationError:
        number = ""
        errors["phone"] = [_("Enter a phone number we can call, e.g. 090-1234-5678.")]
    slots = selectors.callback_slots(now=now)
    preferred_at: dt.datetime | None = None
    if preferred != "asap":
        try:
            wanted = dt.datetime.fromisoformat(str(preferred)[:40])
        except ValueError:
            wanted = None
        preferred_at = next((s for s in slots if wanted is not None and wanted.tzinfo and s == wanted), None)
        if preferred_at is None:
            errors["preferred"] = [_("Choose a time from the list.")]
    try:
        category = selectors.category_by_slug(category_slug, guest=False)
    except Http404:
        category = None
        errors["topic"] = [_("Please choose a topic.")]
    if errors:
        raise validation_failed(errors)
    assert category is not None
    limit, period = conf.callback_rate_limit()
    ratelimit.check(f"support:callback:user:{customer.pk}", limit=limit, period=period)

    language = (translation.get_language() or "ja")[:2]
    when_text = timezone.localtime(preferred_at).strftime("%H:%M") if preferred_at else _("as soon as possible")
    description = "\n".join(
        [
            _("Please call me back."),
            _("Number: %(number)s") % {"number": number},
            _("Preferred time (JST): %(when)s") % {"when": when_text},
            _("Topic: %(topic)s") % {"topic": category.name(language)},
        ]
    )
    queue: Queue = category.queue
    with transaction.atomic():
        inquiry = Inquiry(
            customer=customer,
            language=getattr(customer, "language", None) or language,
            category=category,
            queue=queue,
            priority=min(category.default_priority, Priority.HIGH),
            status=Status.NEW,
            subject=(_("Callback request") + f": {category.name(language)} ({when_text})")[:200],
            fields={},
            description=description,
            created_at=now,
            updated_at=now,
        )
        _save_new(inquiry, number, now=now)
        Message.objects.create(
            inquiry=inquiry, author=customer, kind=MessageKind.CUSTOMER, body=description, created_at=now
        )
        callback = CallbackRequest.objects.create(
            customer=customer, inquiry=inquiry, phone=number, preferred_at=preferred_at, created_at=now
        )
        _event(inquiry, "created", actor=customer, now=now, queue=queue.slug, priority=inquiry.priority, guest=False)
        audit_log(
            user=customer,
            event="support.callback_requested",
            request=request,
            data={
                "reference": inquiry.reference,
                "preferred_at": preferred_at.isoformat() if preferred_at else "asap",
                "queue": queue.slug,
            },
        )
        _notify_customer(inquiry, "support_received")
    return callback
