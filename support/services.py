"""Writes. Every change of an inquiry goes through here: permission checks, rate limits,
validation, SLA bookkeeping, queue counters, history and notifications live together so no
interface (web form, API, admin, command) can skip them."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import roles
from accounts.phone import normalize_phone
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, not_found, validation_failed
from core.notify import send_email
from core.uploads import ALL_KINDS, sanitise_upload
from support import conf, selectors
from support.internal import canned as canned_text
from support.internal import search
from support.internal import sla as sla_rules
from support.internal.fields import fold, normalise_text, validate_inquiry
from support.models import (
    ACTIVE_STATUSES,
    Attachment,
    CallbackRequest,
    CannedReply,
    Category,
    GuestChallenge,
    Inquiry,
    InquiryEvent,
    Message,
    MessageKind,
    Priority,
    Queue,
    QueueCount,
    Status,
    Subtopic,
)

ACTIVE_VALUES = {s.value for s in ACTIVE_STATUSES}
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MESSAGE_MAX_LENGTH = 10_000

# Staff-driven transitions (customer-driven ones are handled in their own services).
STAFF_TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.OPEN: {Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.WAITING: {Status.OPEN, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: {Status.OPEN},
}


# --------------------------------------------------------------------------- helpers


def _new_reference() -> str:
    return "Q-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _event(inquiry: Inquiry, kind: str, *, actor: Any = None, now: dt.datetime, **data: Any) -> None:
    InquiryEvent.objects.create(
        inquiry=inquiry, actor=actor if getattr(actor, "pk", None) else None, kind=kind, data=data, created_at=now
    )


def _count(queue_id: int, status: str, delta: int) -> None:
    updated = QueueCount.objects.filter(queue_id=queue_id, status=status).update(count=F("count") + delta)
    if not updated:
        try:
            with transaction.atomic():
                QueueCount.objects.create(queue_id=queue_id, status=status, count=delta)
        except IntegrityError:  # created concurrently
            QueueCount.objects.filter(queue_id=queue_id, status=status).update(count=F("count") + delta)


def _move_count(*, old_queue: int, old_status: str, new_queue: int, new_status: str) -> None:
    if (old_queue, old_status) == (new_queue, new_status):
        return
    _count(old_queue, old_status, -1)
    _count(new_queue, new_status, +1)


def queue_counts_rebuild() -> None:
    """Recompute the maintained counters from the inquiries (nightly task, after bulk loads)."""
    from django.db.models import Count

    with transaction.atomic():
        QueueCount.objects.all().delete()
        rows = Inquiry.objects.values("queue_id", "status").annotate(n=Count("id")).order_by()
        QueueCount.objects.bulk_create(
            [QueueCount(queue_id=r["queue_id"], status=r["status"], count=r["n"]) for r in rows]
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
        raise ApplicationError("upload_limit", message, status=429, fields={"attachments": [message]})
    for _file in files:
        ratelimit.hit(key, period=period)


def _sanitise_all(files: Sequence[Any], *, uploader: str | None = None) -> list[Any]:
    files = [f for f in files if f is not None]
    if len(files) > conf.max_attachments():
        raise ApplicationError(
            "too_many_files",
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


def _set_status(inquiry: Inquiry, new: str, *, actor: Any, now: dt.datetime, reason: str = "") -> None:
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


# --------------------------------------------------------------------------- customers


def inquiry_create(
    *,
    category_slug: str,
    fields: dict[str, Any] | None,
    description: Any,
    customer: Any = None,
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
        raise ApplicationError("not_authenticated", _("Please sign in or confirm your email address."), status=401)
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
                "open_inquiry_exists",
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
        _apply_sla(inquiry, start=now)
        for _attempt in range(5):
            inquiry.reference = _new_reference()
            if not Inquiry.objects.filter(reference=inquiry.reference).exists():
                break
        _refresh_search(inquiry)
        inquiry.save()
        _count(queue.id, Status.NEW, +1)
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


def inquiry_create_from_chat(
    *,
    category: Category,
    queue: Queue,
    customer: Any,
    guest_email: str,
    language: str,
    first_message: str,
    transcript: str,
    reference: str,
    now: dt.datetime | None = None,
) -> Inquiry:
    """An inquiry continuing a live chat (chat.services.conversation_convert): the same
    routing, SLA, counters, history and link-only email as a form inquiry; the description
    is the first message and the thread holds the whole transcript (nothing typed is lost).
    The category's form fields are not asked again: the chat carries the details."""
    now = now or timezone.now()
    first_line = (first_message.splitlines() or [""])[0]
    subject = f"{category.name(language)}: {first_line}"[:200]
    with transaction.atomic():
        inquiry = Inquiry(
            customer=customer,
            guest_email=guest_email if customer is None or guest_email else "",
            language=language,
            category=category,
            queue=queue,
            priority=category.default_priority,
            status=Status.NEW,
            subject=subject,
            fields={},
            description=first_message or transcript[:MESSAGE_MAX_LENGTH],
            created_at=now,
            updated_at=now,
        )
        _apply_sla(inquiry, start=now)
        for _attempt in range(5):
            inquiry.reference = _new_reference()
            if not Inquiry.objects.filter(reference=inquiry.reference).exists():
                break
        _refresh_search(inquiry, transcript[:5000])
        inquiry.save()
        _count(queue.id, Status.NEW, +1)
        Message.objects.create(
            inquiry=inquiry, author=customer, kind=MessageKind.CUSTOMER, body=transcript, created_at=now
        )
        _event(inquiry, "created", actor=None, now=now, queue=queue.slug, priority=inquiry.priority, chat=reference)
        if queue.is_security:
            audit_log(
                user=customer,
                event="support.security_inquiry",
                data={"reference": inquiry.reference, "guest": customer is None, "chat": reference},
            )
        _notify_customer(inquiry, "support_received")
    return inquiry


def callback_request(
    *,
    customer: Any,
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
        raise ApplicationError("not_authenticated", _("Please sign in to request a callback."), status=401)
    status = selectors.phone_status(now=now)
    if not status.open_now:
        when = timezone.localtime(status.next_open).strftime("%Y-%m-%d %H:%M") if status.next_open else ""
        raise ApplicationError(
            "callback_closed",
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
        _apply_sla(inquiry, start=now)
        for _attempt in range(5):
            inquiry.reference = _new_reference()
            if not Inquiry.objects.filter(reference=inquiry.reference).exists():
                break
        _refresh_search(inquiry, number)
        inquiry.save()
        _count(queue.id, Status.NEW, +1)
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


def _customer_may_reply(inquiry: Inquiry, now: dt.datetime) -> None:
    if inquiry.status == Status.CLOSED or (
        inquiry.status == Status.RESOLVED
        and inquiry.resolved_at is not None
        and now - inquiry.resolved_at > dt.timedelta(days=conf.reopen_days())
    ):
        raise ApplicationError(
            "inquiry_closed",
            _("This inquiry is closed. Please send a new inquiry and mention %(ref)s.") % {"ref": inquiry.reference},
            status=409,
        )


def inquiry_reply_customer(
    *,
    inquiry: Inquiry,
    body: Any,
    user: Any = None,
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
    *, inquiry: Inquiry, user: Any = None, guest_email: str = "", now: dt.datetime | None = None
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
    *, user: Any, inquiry: Inquiry | None = None, request: HttpRequest | None = None
) -> bool:
    """The signed-in customer accepts the immediate freeze offered on security inquiries."""
    from accounts.services import account_freeze

    if user is None or not user.is_authenticated:
        raise ApplicationError("not_authenticated", _("Please sign in."), status=401)
    reason = f"Customer request via support inquiry {inquiry.reference}" if inquiry else "Customer request via support"
    frozen = account_freeze(user=user, reason=reason, request=request)
    if inquiry is not None:
        _event(inquiry, "customer_froze_account", actor=user, now=timezone.now())
    return frozen


# --------------------------------------------------------------------------- guests


def _code_hash(email: str, code: str) -> str:
    import hashlib
    import hmac

    from django.conf import settings

    return hmac.new(settings.SECRET_KEY.encode(), f"{email}:{code}".encode(), hashlib.sha256).hexdigest()


def normalise_email(raw: str) -> str:
    value = fold(str(raw or "")).replace(" ", "")
    local, _sep, domain = value.rpartition("@")
    if not local or not domain or "." not in domain or len(value) > 254:
        raise validation_failed({"email": [_("Enter a valid email address.")]})
    return f"{local}@{domain.lower()}"


def guest_code_send(*, email: str, request: HttpRequest | None = None, now: dt.datetime | None = None) -> str:
    """Email a 6-digit confirmation code to ``email`` (captcha checked by the caller's
    form/API). Same answer whether or not an account uses the address."""
    now = now or timezone.now()
    address = normalise_email(email)
    ratelimit.check(f"support:guest-code:{address}", limit=5, period=3600)
    ip = ratelimit.client_ip(request) if request is not None else None
    if ip:
        ratelimit.check(f"support:guest-code-ip:{ip}", limit=20, period=3600)
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        GuestChallenge.objects.filter(email=address, used_at__isnull=True).update(used_at=now)
        GuestChallenge.objects.create(
            email=address,
            code_hash=_code_hash(address, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=conf.guest_code_ttl()),
        )
        language = (translation.get_language() or "ja")[:2]
        # the code goes to the address being confirmed, by design; never logged
        send_email(to=address, kind="support_guest_code", context={"code": code}, language=language)
    return address


def guest_code_verify(*, email: str, code: str, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    address = normalise_email(email)
    wrong = ApplicationError("code_invalid", _("The code is wrong or has expired. Please request a new one."))
    with transaction.atomic():
        challenge = (
            GuestChallenge.objects.select_for_update()
            .filter(email=address, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if challenge is None or challenge.expires_at <= now or challenge.attempts >= 5:
            raise wrong
        given = fold(str(code or "")).replace(" ", "")
        import hmac

        if not hmac.compare_digest(challenge.code_hash, _code_hash(address, given)):
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
            failed = True  # raise after the block so the attempt count is committed
        else:
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            failed = False
    if failed:
        raise wrong
    return address


# --------------------------------------------------------------------------- staff


def _require_staff(user: Any) -> None:
    if not selectors.is_support_staff(user):
        raise ApplicationError("permission_denied", _("You do not have permission to do this."), status=403)


def _staff_locked(user: Any, inquiry: Inquiry) -> Inquiry:
    """Re-check visibility under the row lock (the queue might have moved)."""
    _require_staff(user)
    locked = _lock(inquiry)
    if locked.queue_id not in {q.id for q in selectors.visible_queues_for_staff(user)}:
        raise not_found()
    return locked


# history kinds that do not count as "someone else changed it" (clock bookkeeping)
_NOT_A_CHANGE = ("sla_breached",)


def _check_not_changed(locked: Inquiry, seen_event: int | None, agent: Any) -> None:
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
        "inquiry_changed",
        _(
            "%(who)s changed this inquiry after you opened it. Nothing was saved: read the latest "
            "history, then send again (your text is kept)."
        )
        % {"who": who},
        status=409,
        fields={"seen": [str(newer.pk)]},
    )


def _apply_priority(locked: Inquiry, *, agent: Any, priority: int, now: dt.datetime) -> None:
    if priority not in Priority.values:
        raise validation_failed({"priority": [_("Unknown priority.")]})
    if locked.priority == priority:
        return
    if locked.category.priority_locked and priority != locked.category.default_priority:
        raise ApplicationError(
            "priority_locked", _("The priority of this category cannot be changed (security is always urgent).")
        )
    if (
        priority > locked.priority
        and not roles.has_role(agent, roles.SUPERVISOR)
        and locked.priority == Priority.URGENT
    ):
        raise ApplicationError("permission_denied", _("Only a supervisor can lower an urgent inquiry."), status=403)
    old = locked.priority
    locked.priority = priority
    _apply_sla(locked, start=locked.created_at)
    _event(locked, "priority", actor=agent, now=now, old=old, new=priority)


def canned_render(*, reply: CannedReply, inquiry: Inquiry, agent: Any) -> str:
    language = _language_of(inquiry)
    customer = inquiry.customer
    name = (getattr(customer, "full_name", "") or "") if customer else ""
    if not name:
        name = "お客様" if language == "ja" else "customer"
    from django.conf import settings

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
    agent: Any,
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
            "invalid_transition",
            _("This status change is not possible."),
            fields={"status": [_("This status change is not possible.")]},
        )


def inquiry_set_status(
    *, agent: Any, inquiry: Inquiry, status: str, seen_event: int | None = None, now: dt.datetime | None = None
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
    *, agent: Any, inquiry: Inquiry, priority: int, seen_event: int | None = None, now: dt.datetime | None = None
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
    *, agent: Any, inquiry: Inquiry, assignee: Any, seen_event: int | None = None, now: dt.datetime | None = None
) -> None:
    """Agents take or release an inquiry; assigning someone else needs a supervisor, and the
    assignee must be able to see the queue."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _staff_locked(agent, inquiry)
        _check_not_changed(locked, seen_event, agent)
        new_id = getattr(assignee, "pk", None)
        if new_id is not None and new_id != agent.pk:
            roles.require_role(agent, roles.SUPERVISOR)
            if locked.queue_id not in {q.id for q in selectors.visible_queues_for_staff(assignee)}:
                raise ApplicationError("invalid_assignee", _("This person cannot work on this queue."))
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
    agent: Any,
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
                "reason_required",
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


def customer_freeze_by_staff(*, agent: Any, inquiry: Inquiry, request: HttpRequest | None = None) -> bool:
    """A security agent freezes the customer's account from the console."""
    from accounts.services import account_freeze

    roles.require_role(agent, roles.SECURITY_AGENT)
    locked_view = selectors.inquiry_for_staff(user=agent, inquiry_id=inquiry.pk)
    if locked_view.customer is None:
        raise ApplicationError("no_account", _("This inquiry is not linked to an account."))
    frozen = account_freeze(
        user=locked_view.customer, reason=f"Support inquiry {inquiry.reference}", actor=agent, request=request
    )
    _event(inquiry, "account_frozen", actor=agent, now=timezone.now())
    return frozen


# --------------------------------------------------------------------------- periodic


def sla_breaches_flag(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Mark active inquiries whose first-response or resolution target passed (history +
    the flag shown in the console). Idempotent; run every few minutes."""
    now = now or timezone.now()
    from django.db.models import Q

    candidates = (
        Inquiry.objects.filter(status__in=list(ACTIVE_VALUES), breached_at__isnull=True)
        .filter(
            Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
            | Q(resolution_due_at__lt=now, sla_paused_seconds_left__isnull=True)
        )
        .values_list("pk", flat=True)[:batch]
    )
    flagged = 0
    for pk in list(candidates):
        with transaction.atomic():
            inquiry = Inquiry.objects.select_for_update().get(pk=pk)
            if inquiry.breached_at is not None:
                continue
            which = (
                "first_response"
                if inquiry.first_responded_at is None
                and inquiry.first_response_due_at
                and inquiry.first_response_due_at < now
                else "resolution"
            )
            inquiry.breached_at = now
            inquiry.save(update_fields=["breached_at"])
            _event(inquiry, "sla_breached", now=now, target=which)
            flagged += 1
    return flagged


def resolved_close_after_period(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Close resolved inquiries whose reopen period ended."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=conf.reopen_days())
    pks = list(
        Inquiry.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff).values_list("pk", flat=True)[:batch]
    )
    for pk in pks:
        with transaction.atomic():
            inquiry = Inquiry.objects.select_for_update().get(pk=pk)
            if inquiry.status != Status.RESOLVED:
                continue
            _set_status(inquiry, Status.CLOSED, actor=None, now=now, reason="reopen_period_ended")
            inquiry.save()
    return len(pks)
