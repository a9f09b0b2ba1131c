"""Support endpoints of /api/v1 (thin: parse, call selectors/services, shape the answer)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja import Status as HttpStatus
from ninja.files import UploadedFile

from accounts.models import User
from api.auth import customer_auth
from core.errors import ApplicationError, CommonErrorCode
from core.uploads import ALL_KINDS
from support import conf, selectors, services
from support.models import Attachment, Category, Inquiry, Message, Priority, Status
from support.presenters import channel_dict, customer_can_reply, hours_text, reopen_until

router = Router(tags=["support"])


def _user(request: HttpRequest) -> User:
    """The customer ``customer_auth`` signed in."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise ApplicationError(CommonErrorCode.NOT_AUTHENTICATED, _("Please sign in."), status=401)
    return user


def _lang() -> str:
    return (translation.get_language() or "ja")[:2]


# --------------------------------------------------------------------------- schemas


class ChoiceOut(Schema):
    value: str
    label: str


class FieldOut(Schema):
    key: str
    kind: str
    label: str
    help: str
    required: bool
    max_length: int
    choices: list[ChoiceOut]


class SubtopicOut(Schema):
    slug: str
    name: str


class CategoryOut(Schema):
    slug: str
    name: str
    queue: str
    priority: str
    guest_allowed: bool
    offers_freeze: bool
    subtopics: list[SubtopicOut]
    fields: list[FieldOut]
    description_required: bool = True
    max_attachments: int
    attachment_types: list[str]


class ChannelOut(Schema):
    channel: str
    name: str
    open_now: bool
    hours: str
    next_open: dt.datetime | None
    closes_at: dt.datetime | None
    closed_reason: str | None


class InquiryCreatedOut(Schema):
    id: int
    reference: str
    queue: str
    priority: str
    status: str


class InquirySummaryOut(Schema):
    id: int
    reference: str
    category: str
    category_name: str
    subject: str
    status: str
    status_name: str
    priority: str
    created_at: dt.datetime
    updated_at: dt.datetime


class InquiryListOut(Schema):
    results: list[InquirySummaryOut]
    next_cursor: str | None


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    author: str  # "customer" | "staff"
    body: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]


class InquiryOut(InquirySummaryOut):
    queue: str
    subtopic: str | None
    fields: dict[str, str]
    can_reply: bool
    reopen_until: dt.datetime | None
    messages: list[MessageOut]


class SuggestionOut(Schema):
    slug: str
    title: str
    snippet: str
    category: str | None = None
    score: float | None = None


class ErrorOut(Schema):
    error: dict[str, Any]


# --------------------------------------------------------------------------- shaping


def _category_out(category: Category, language: str) -> dict[str, Any]:
    return {
        "slug": category.slug,
        "name": category.name(language),
        "queue": category.queue.slug,
        "priority": Priority(category.default_priority).name.lower(),
        "guest_allowed": category.guest_allowed,
        "offers_freeze": category.offers_freeze,
        "subtopics": [{"slug": s.slug, "name": s.name(language)} for s in category.subtopics.all()],
        "fields": [
            {
                "key": spec.key,
                "kind": spec.kind,
                "label": spec.label(language),
                "help": spec.help(language),
                "required": spec.required,
                "max_length": spec.limit,
                "choices": [{"value": c.value, "label": c.label(language)} for c in spec.choices],
            }
            for spec in selectors.field_specs(category)
        ],
        "max_attachments": conf.max_attachments(),
        "attachment_types": sorted(ALL_KINDS),
    }


def _summary(inquiry: Inquiry, language: str) -> dict[str, Any]:
    return {
        "id": inquiry.pk,
        "reference": inquiry.reference,
        "category": inquiry.category.slug,
        "category_name": inquiry.category.name(language),
        "subject": inquiry.subject,
        "status": inquiry.status,
        "status_name": str(Status(inquiry.status).label),
        "priority": Priority(inquiry.priority).name.lower(),
        "created_at": inquiry.created_at,
        "updated_at": inquiry.updated_at,
    }


def _attachment_out(att: Attachment) -> dict[str, Any]:
    return {
        "name": att.display_name,
        "content_type": att.content_type,
        "size": att.size,
        "url": reverse("support:attachment", args=[att.token]),
    }


def _message_out(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "author": "customer" if message.kind == "customer" else "staff",
        "body": message.body,
        "created_at": message.created_at,
        "attachments": [_attachment_out(a) for a in message.attachments.all()],
    }


def inquiry_detail(inquiry: Inquiry, language: str) -> dict[str, Any]:
    return {
        **_summary(inquiry, language),
        "queue": inquiry.queue.slug,
        "subtopic": inquiry.subtopic.slug if inquiry.subtopic else None,
        "fields": inquiry.fields or {},
        "can_reply": customer_can_reply(inquiry),
        "reopen_until": reopen_until(inquiry),
        "messages": [_message_out(m) for m in selectors.public_thread(inquiry)],
    }


def _parse_fields(request: HttpRequest, raw: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise ApplicationError(
                CommonErrorCode.VALIDATION_FAILED, "fields must be a JSON object", fields={"fields": ["invalid JSON"]}
            ) from None
        if not isinstance(parsed, dict):
            raise ApplicationError(
                CommonErrorCode.VALIDATION_FAILED, "fields must be a JSON object", fields={"fields": ["not an object"]}
            )
        data.update(parsed)
    # also accept fields[key] / fields.key form keys
    for key, value in request.POST.items():
        for prefix, suffix in (("fields[", "]"), ("fields.", "")):
            if key.startswith(prefix) and key.endswith(suffix):
                data[key[len(prefix) : len(key) - len(suffix) if suffix else None]] = value
    return data


# --------------------------------------------------------------------------- endpoints


@router.get("/contact-channels", response=list[ChannelOut], auth=None)
def contact_channels(request: HttpRequest) -> list[dict[str, Any]]:
    """Form, phone and chat: open now, hours and the next opening (JST, holidays, closures)."""
    return [channel_dict(status, _lang()) for status in selectors.contact_channels()]


@router.get("/inquiry-categories", response=list[CategoryOut], auth=None)
def inquiry_categories(request: HttpRequest, guest: bool = False) -> list[dict[str, Any]]:
    """Categories, their sub-topics and the fields each requires (``guest=true``: the ones a
    customer who cannot sign in may use)."""
    language = _lang()
    return [_category_out(c, language) for c in selectors.categories_for_customer(guest=guest)]


@router.get("/inquiry-suggestions", response=list[SuggestionOut], auth=None)
def inquiry_suggestions(request: HttpRequest, q: str = "", limit: int = 5) -> list[dict[str, Any]]:
    """Help articles matching what the customer is typing."""
    return selectors.suggest_articles(query=q, language=_lang(), limit=max(1, min(limit, 10)))


@router.get("/inquiries", response=InquiryListOut, auth=customer_auth)
def inquiries_list(request: HttpRequest, cursor: str | None = None, limit: int = 20) -> dict[str, Any]:
    page = selectors.inquiries_for_customer(user=_user(request), cursor=cursor, limit=max(1, min(limit, 100)))
    language = _lang()
    return {"results": [_summary(i, language) for i in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/inquiries",
    response={201: InquiryCreatedOut, 400: ErrorOut, 409: ErrorOut, 429: ErrorOut},
    auth=customer_auth,
)
def inquiries_create(
    request: HttpRequest,
    category: Form[str],
    description: Form[str] = "",
    subtopic: Form[str] = "",
    fields: Form[str] = "",
    allow_duplicate: Form[bool] = False,
    attachments: File[list[UploadedFile]] | None = None,
) -> HttpStatus:
    """Create an inquiry (multipart). ``fields`` is a JSON object, or send ``fields[key]``
    form fields. 409 ``open_inquiry_exists`` offers the open inquiry of the same category
    (``fields.existing_id``); send ``allow_duplicate=true`` to open a new one anyway."""
    inquiry = services.inquiry_create(
        customer=_user(request),
        category_slug=category,
        subtopic_slug=subtopic,
        fields=_parse_fields(request, fields),
        description=description,
        attachments=request.FILES.getlist("attachments") or list(attachments or []),
        allow_duplicate=allow_duplicate,
        request=request,
    )
    return HttpStatus(
        201,
        {
            "id": inquiry.pk,
            "reference": inquiry.reference,
            "queue": inquiry.queue.slug,
            "priority": Priority(inquiry.priority).name.lower(),
            "status": inquiry.status,
        },
    )


@router.get("/inquiries/{inquiry_id}", response=InquiryOut, auth=customer_auth)
def inquiries_read(request: HttpRequest, inquiry_id: int) -> dict[str, Any]:
    inquiry = selectors.inquiry_for_customer(user=_user(request), inquiry_id=inquiry_id)
    return inquiry_detail(inquiry, _lang())


@router.post(
    "/inquiries/{inquiry_id}/messages",
    response={201: MessageOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=customer_auth,
)
def inquiries_reply(
    request: HttpRequest,
    inquiry_id: int,
    body: Form[str] = "",
    attachments: File[list[UploadedFile]] | None = None,
) -> HttpStatus:
    """Reply (multipart: ``body``, ``attachments``). Reopens a resolved inquiry within the
    reopen period; afterwards 409 ``inquiry_closed``."""
    inquiry = selectors.inquiry_for_customer(user=_user(request), inquiry_id=inquiry_id)
    message = services.inquiry_reply_customer(
        inquiry=inquiry,
        user=_user(request),
        body=body,
        attachments=request.FILES.getlist("attachments") or list(attachments or []),
        request=request,
    )
    return HttpStatus(201, _message_out(message))


@router.post("/inquiries/{inquiry_id}/close", response={204: None, 404: ErrorOut}, auth=customer_auth)
def inquiries_close(request: HttpRequest, inquiry_id: int) -> HttpStatus:
    inquiry = selectors.inquiry_for_customer(user=_user(request), inquiry_id=inquiry_id)
    services.inquiry_close_customer(inquiry=inquiry, user=_user(request))
    return HttpStatus(204, None)


__all__ = ["hours_text", "router"]
