"""Live chat data: conversations and their messages (customer data: read them only through
``chat.selectors``; 404 for anything the caller may not see).

A message is a row before it is a frame on a socket: ``seq`` orders a conversation and lets a
reconnecting client ask for everything after the last one it saw; ``client_key`` is the
client's idempotency key (unique per conversation), so a resend after a lost
acknowledgement returns the stored message instead of writing a second one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ChatStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for an agent")
    ACTIVE = "active", _("In progress")
    CLOSED = "closed", _("Closed")
    CONVERTED = "converted", _("Continued as an inquiry")


OPEN_STATUSES = (ChatStatus.WAITING, ChatStatus.ACTIVE)


class Conversation(models.Model):
    reference = models.CharField(max_length=16, unique=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    guest_email = models.EmailField(blank=True, help_text=_("Confirmed address of a guest chat."))
    language = models.CharField(max_length=2, default="ja")
    category = models.ForeignKey("support.Category", on_delete=models.PROTECT, related_name="+")
    queue = models.ForeignKey("support.Queue", on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=ChatStatus.choices, default=ChatStatus.WAITING)
    inquiry = models.ForeignKey("support.Inquiry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [
            # the agents' queue: one team, waiting first-come first-served
            models.Index(
                fields=["queue", "created_at", "id"], condition=Q(status="waiting"), name="chat_queue_waiting"
            ),
            models.Index(fields=["assignee", "status"], condition=Q(status="active"), name="chat_assignee_active"),
            models.Index(fields=["customer", "-created_at"], name="chat_customer_recent"),
            models.Index(fields=["guest_email", "-created_at"], condition=~Q(guest_email=""), name="chat_guest_recent"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in {s.value for s in OPEN_STATUSES}


class Sender(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class ChatMessage(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    sender = models.CharField(max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    client_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="chat_message_seq"),
            models.UniqueConstraint(
                fields=["conversation", "client_key"], condition=~Q(client_key=""), name="chat_message_client_key"
            ),
        ]


def _attachment_path(instance: ChatAttachment, filename: str) -> str:
    return f"chat/{instance.token}.{filename.rsplit('.', 1)[-1]}"


class ChatAttachment(models.Model):
    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    display_name = models.CharField(max_length=120)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
