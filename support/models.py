"""Support desk data.

Catalogue rows (queues, categories, sub-topics, fields, SLA policies, closures, canned
replies) are operator data seeded from ``support.defaults``. Inquiries and their
messages, attachments and history are customer data: read them only through
``support.selectors`` (scoped; 404 for anything the caller may not see).

Indexes are designed for a million inquiries (see docs/support.md):
the staff queue reads ``WHERE queue_id = ? AND status IN (active) ORDER BY priority,
created_at, id`` from a partial index and pages by keyset; the customer list reads
``WHERE customer_id = ? ORDER BY updated_at DESC, id DESC``; per-queue counts come from
the maintained ``QueueCount`` table, never from COUNT(*) over inquiries.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Priority(models.IntegerChoices):
    URGENT = 1, _("Urgent")
    HIGH = 2, _("High")
    NORMAL = 3, _("Normal")
    LOW = 4, _("Low")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)
ACTIVE = Q(status__in=[s.value for s in ACTIVE_STATUSES])


class Bilingual(models.Model):
    name_ja = models.CharField(_("name (Japanese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_ja

    def name(self, language: str | None = None) -> str:
        lang = (language or get_language() or "ja")[:2]
        return self.name_en if lang == "en" else self.name_ja


class Queue(Bilingual):
    slug = models.SlugField(max_length=40, unique=True)
    is_security = models.BooleanField(
        default=False, help_text=_("Only staff with the security-agent role can see this queue.")
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]


class Category(Bilingual):
    slug = models.SlugField(max_length=40, unique=True)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="categories")
    default_priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    priority_locked = models.BooleanField(
        default=False, help_text=_("Inquiries keep the default priority (security: always urgent).")
    )
    guest_allowed = models.BooleanField(
        default=False, help_text=_("Customers who cannot sign in may use it after confirming their email.")
    )
    offers_freeze = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "categories"


class Subtopic(Bilingual):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="subtopics")
    slug = models.SlugField(max_length=40)
    queue = models.ForeignKey(
        Queue,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Overrides the category's queue when set."),
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "slug"], name="support_subtopic_unique")]


class FieldKind(models.TextChoices):
    TEXT = "text", _("Single line")
    TEXTAREA = "textarea", _("Multiple lines")
    DATETIME = "datetime", _("Date and time")
    DECIMAL = "decimal", _("Amount")
    CHOICE = "choice", _("Choice")


class CategoryField(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(max_length=40)
    kind = models.CharField(max_length=10, choices=FieldKind.choices)
    label_ja = models.CharField(max_length=120)
    label_en = models.CharField(max_length=120)
    help_ja = models.CharField(max_length=300, blank=True)
    help_en = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True, help_text=_('[{"value", "label_ja", "label_en"}, ...]'))
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "key"], name="support_field_unique")]

    def __str__(self) -> str:
        return f"{self.category.slug}.{self.key}"


class SlaPolicy(models.Model):
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    around_the_clock = models.BooleanField(default=False, help_text=_("Count every hour, not only desk hours."))

    class Meta:
        ordering = ["priority"]
        verbose_name_plural = "SLA policies"


class Closure(models.Model):
    """An operator-defined closure (year-end days, training afternoon, ...)."""

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    channels = models.JSONField(
        default=list, blank=True, help_text=_('Affected channels, e.g. ["phone", "chat"]; empty = all.')
    )
    affects_sla = models.BooleanField(default=True, help_text=_("The desk is closed: SLA clocks stop."))
    reason_ja = models.CharField(max_length=200, blank=True)
    reason_en = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["ends_at"], name="support_closure_end")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="support_closure_order")
        ]


class CannedReply(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    title_ja = models.CharField(max_length=120)
    title_en = models.CharField(max_length=120)
    body_ja = models.TextField()
    body_en = models.TextField()
    # a macro: the reply plus the status and priority it sets, in one step (blank: unchanged)
    set_status = models.CharField(
        max_length=10, blank=True, choices=Status.choices, help_text=_("Status after the reply (blank: waiting).")
    )
    set_priority = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=Priority.choices, help_text=_("Priority to set (blank: unchanged).")
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "canned replies"


class Inquiry(models.Model):
    reference = models.CharField(max_length=16, unique=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="inquiries"
    )
    guest_email = models.EmailField(blank=True, help_text=_("Confirmed address of a guest inquiry."))
    language = models.CharField(max_length=2, default="ja")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    subtopic = models.ForeignKey(Subtopic, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    subject = models.CharField(max_length=200)
    fields = models.JSONField(default=dict, blank=True)
    description = models.TextField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(help_text=_("Last customer-visible activity."))
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    sla_paused_seconds_left = models.PositiveIntegerField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    search_grams = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name_plural = "inquiries"
        indexes = [
            # staff queue page: one queue, active statuses, oldest most-urgent first (keyset)
            models.Index(fields=["queue", "priority", "created_at", "id"], condition=ACTIVE, name="inq_queue_active"),
            # all visible queues at once (security rows are filtered out by queue_id)
            models.Index(fields=["priority", "created_at", "id"], condition=ACTIVE, name="inq_active_all"),
            # one queue, one status (resolved/closed archive views)
            models.Index(fields=["queue", "status", "-updated_at", "-id"], name="inq_queue_status"),
            # archive and search across queues, newest activity first
            models.Index(fields=["-updated_at", "-id"], name="inq_recent"),
            # "assigned to me"
            models.Index(
                fields=["assignee", "priority", "created_at", "id"], condition=ACTIVE, name="inq_assignee_active"
            ),
            # customer portal list and duplicate check
            models.Index(fields=["customer", "-updated_at", "-id"], name="inq_customer_recent"),
            models.Index(
                fields=["guest_email", "-updated_at", "-id"], condition=~Q(guest_email=""), name="inq_guest_recent"
            ),
            # SLA breach sweep
            models.Index(
                fields=["resolution_due_at"], condition=ACTIVE & Q(breached_at__isnull=True), name="inq_sla_open"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in {s.value for s in ACTIVE_STATUSES}


class QueueCount(models.Model):
    """Maintained count of inquiries per (queue, status); updated by the services in the
    same transaction as the inquiry, rebuilt by ``support.services.queue_counts_rebuild``."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["queue", "status"], name="support_queuecount_unique")]


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")


class Message(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["inquiry", "created_at", "id"], name="msg_inquiry_time")]

    @property
    def is_public(self) -> bool:
        return self.kind != MessageKind.NOTE


def _attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is random: never derived from the client's name or the inquiry id.
    return f"support/{instance.token}.{filename.rsplit('.', 1)[-1]}"


class Attachment(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    display_name = models.CharField(max_length=120)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class InquiryEvent(models.Model):
    """History: every change of an inquiry (status, priority, queue, assignment, replies,
    notes, SLA breaches, reopen, joining an account). Append-only by convention."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=32)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["inquiry", "created_at", "id"], name="event_inquiry_time")]


class GuestChallenge(models.Model):
    """An email-confirmation code for a guest (hash only; newest valid; limited tries)."""

    email = models.EmailField()
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["email", "-created_at"], name="guest_challenge_recent")]


def bilingual(obj: Any, attr: str, language: str) -> str:
    return str(getattr(obj, f"{attr}_en" if language == "en" else f"{attr}_ja"))


class CallbackRequest(models.Model):
    """ "Call me back" from the contact page during phone hours: a ticket in the topic's
    queue (``inquiry``) plus the number and time the customer asked for."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    inquiry = models.OneToOneField(Inquiry, on_delete=models.CASCADE, related_name="callback")
    phone = models.CharField(max_length=20)  # E.164
    preferred_at = models.DateTimeField(null=True, blank=True)  # None: as soon as possible
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["customer", "created_at"], name="support_callback_recent")]
