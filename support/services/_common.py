"""Internal helpers shared by the support service modules: references, history events, uploads,
search refresh, customer notifications, SLA start, status changes, row locks. Not part of the
public surface; callers use ``support.services``."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from accounts.models import User
from core import ratelimit
from core.errors import ApplicationError, validation_failed
from core.notify import send_email
from core.uploads import ALL_KINDS, sanitise_upload
from support import conf, selectors
from support.errors import SupportErrorCode
from support.internal import search
from support.internal import sla as sla_rules
from support.internal.fields import fold, normalise_text
from support.models import (
    ACTIVE_STATUSES,
    Attachment,
    Inquiry,
    InquiryEvent,
    Message,
    Status,
)
from support.services.counters import _count, _move_count

ACTIVE_VALUES = {s.value for s in ACTIVE_STATUSES}


REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


MESSAGE_MAX_LENGTH = 10_000


# --------------------------------------------------------------------------- helpers


def _new_reference() -> str:
    return "Q-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _event(
    inquiry: Inquiry, kind: str, *, actor: User | AnonymousUser | None = None, now: dt.datetime, **data: Any
) -> None:
    InquiryEvent.objects.create(
        inquiry=inquiry,
        actor=actor if isinstance(actor, User) and actor.pk else None,
        kind=kind,
        data=data,
        created_at=now,
    )


def _upload_budget(files: Sequence[Any], uploader: str | None) -> None:
    """Per-customer daily cap on uploaded files (decoding images costs server CPU)."""
    if not files or uploader is None:
        return
    limit, period = conf.attachments_per_day(), 24 * 3600
    key = f"support:attachments:{uploader}"
    if ratelimit.peek(key, period=period) + len(files) > limit:
        message = _("You have uploaded the most files allowed in 24 hours (%(n)s). Please try again tomorrow.") % {
            "n": limit
        }
        raise ApplicationError(SupportErrorCode.UPLOAD_LIMIT, message, status=429, fields={"attachments": [message]})
    for _file in files:
        ratelimit.hit(key, period=period)


def _sanitise_all(files: Sequence[Any], *, uploader: str | None = None) -> list[Any]:
    files = [f for f in files if f is not None]
    if len(files) > conf.max_attachments():
        raise ApplicationError(
            SupportErrorCode.TOO_MANY_FILES,
            _("You can attach at most %(n)s files.") % {"n": conf.max_attachments()},
            fields={"attachments": [_("You can attach at most %(n)s files.") % {"n": conf.max_attachments()}]},
        )
    _upload_budget(files, uploader)
    cleaned = []
    for upload in files:
        try:
            cleaned.append(
                (
                    sanitise_upload(
                        upload,
                        allowed=ALL_KINDS,
                        max_bytes=conf.max_attachment_bytes(),
                        max_pixels=conf.max_attachment_pixels(),
                    ),
                    upload,
                )
            )
        except ApplicationError as exc:
            exc.fields = {"attachments": [exc.message]}
            raise
    return cleaned


def _display_name(upload: Any, extension: str) -> str:
    raw = getattr(upload, "name", "") or "file"
    stem = fold(str(raw)).rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    stem = "".join(ch for ch in stem if ch.isalnum() or ch in " -_()（）")[:80].strip() or "file"
    return f"{stem}.{extension}"


def _store_attachments(*, inquiry: Inquiry, message: Message, cleaned: list[Any], now: dt.datetime) -> None:
    for clean, upload in cleaned:
        token = secrets.token_hex(16)
        att = Attachment(
            inquiry=inquiry,
            message=message,
            token=token,
            content_type=clean.content_type,
            size=clean.size,
            sha256=clean.sha256,
            display_name=_display_name(upload, clean.extension),
            width=clean.width,
            height=clean.height,
            created_at=now,
        )
        att.file.save(f"{token}.{clean.extension}", ContentFile(clean.content), save=False)
        att.save()


def _refresh_search(inquiry: Inquiry, *extra: str) -> None:
    customer_email = inquiry.customer.email if inquiry.customer_id and inquiry.customer else ""
    inquiry.search_grams = search.index_tokens(
        inquiry.reference,
        inquiry.subject,
        inquiry.description,
        customer_email,
        inquiry.guest_email,
        " ".join(str(v) for v in (inquiry.fields or {}).values()),
        *extra,
    )


def _language_of(inquiry: Inquiry) -> str:
    if inquiry.customer_id and inquiry.customer is not None:
        return inquiry.customer.language or inquiry.language
    return inquiry.language


def _notify_customer(inquiry: Inquiry, kind: str) -> None:
    """Link-only email in the customer's language: never the reply text or the fields."""
    # a guest inquiry links to the guest portal even when it joined an account: the sender
    # may be unable to sign in (that is why they wrote as a guest)
    context = {"reference": inquiry.reference, "inquiry_id": inquiry.pk, "guest": bool(inquiry.guest_email)}
    language = _language_of(inquiry)
    if inquiry.customer_id and inquiry.customer is not None:
        send_email(user=inquiry.customer, kind=kind, context=context, language=language)
    elif inquiry.guest_email:
        send_email(to=inquiry.guest_email, kind=kind, context=context, language=language)


def _apply_sla(inquiry: Inquiry, *, start: dt.datetime) -> None:
    due = sla_rules.due_dates(
        start=start, target=selectors.sla_target(inquiry.priority), desk=selectors.desk_calendar(now=start)
    )
    inquiry.first_response_due_at = due.first_response_due_at
    inquiry.resolution_due_at = due.resolution_due_at


def _save_new(inquiry: Inquiry, *search_extra: str, now: dt.datetime) -> None:
    """Save an inquiry being opened (a form, a callback request, a chat): its SLA clock from
    ``now``, a fresh reference, its search terms (plus ``search_extra``) and the queue's count
    of new inquiries."""
    _apply_sla(inquiry, start=now)
    for _attempt in range(5):
        inquiry.reference = _new_reference()
        if not Inquiry.objects.filter(reference=inquiry.reference).exists():
            break
    _refresh_search(inquiry, *search_extra)
    inquiry.save()
    _count(inquiry.queue_id, Status.NEW, +1)


def _set_status(
    inquiry: Inquiry, new: str, *, actor: User | AnonymousUser | None, now: dt.datetime, reason: str = ""
) -> None:
    old = inquiry.status
    if old == new:
        return
    target = selectors.sla_target(inquiry.priority)
    desk = selectors.desk_calendar(now=now)
    # pause the resolution clock while waiting on the customer; resume with what was left
    if new == Status.WAITING and inquiry.resolution_due_at and inquiry.sla_paused_seconds_left is None:
        left = sla_rules.remaining(now=now, due_at=inquiry.resolution_due_at, target=target, desk=desk)
        inquiry.sla_paused_seconds_left = int(left.total_seconds())
    elif old == Status.WAITING and new in ACTIVE_VALUES and inquiry.sla_paused_seconds_left is not None:
        inquiry.resolution_due_at = sla_rules.resume(
            now=now, left=dt.timedelta(seconds=inquiry.sla_paused_seconds_left), target=target, desk=desk
        )
        inquiry.sla_paused_seconds_left = None
    if new == Status.RESOLVED:
        inquiry.resolved_at = now
        inquiry.sla_paused_seconds_left = None
    if new == Status.CLOSED:
        inquiry.closed_at = now
        inquiry.sla_paused_seconds_left = None
    if old in (Status.RESOLVED, Status.CLOSED) and new in ACTIVE_VALUES:
        inquiry.reopened_count += 1
        inquiry.resolved_at = None
        inquiry.closed_at = None
        inquiry.breached_at = None
        inquiry.resolution_due_at = sla_rules.due_dates(start=now, target=target, desk=desk).resolution_due_at
    inquiry.status = new
    _move_count(old_queue=inquiry.queue_id, old_status=old, new_queue=inquiry.queue_id, new_status=new)
    _event(inquiry, "status", actor=actor, now=now, old=old, new=new, **({"reason": reason} if reason else {}))


def _lock(inquiry: Inquiry) -> Inquiry:
    locked = (
        Inquiry.objects.select_for_update(of=("self",))
        .select_related("customer", "category", "queue")
        .get(pk=inquiry.pk)
    )
    return locked


def _clean_body(body: Any, *, required: bool = True) -> str:
    text = normalise_text(str(body or ""))
    if required and not text:
        raise validation_failed({"body": [_("Please write a message.")]})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise validation_failed(
            {"body": [_("The message is too long (at most %(limit)s characters).") % {"limit": MESSAGE_MAX_LENGTH}]}
        )
    return text
