from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def delete(self) -> tuple[int, dict[str, int]]:  # type: ignore[override]
        raise PermissionError("The audit log is append-only.")

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Append-only record of every security-relevant event.

    Rows are never updated or deleted through the ORM (the queryset and model refuse it);
    a customer sees the rows marked visible_to_customer, staff see all of them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    visible_to_customer = models.BooleanField(default=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="audit_user_recent"),
            models.Index(fields=["event", "-created_at"], name="audit_event_recent"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.event}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")


class KnownDevice(models.Model):
    """A browser or app install a customer has signed in from (for new-device emails)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_devices")
    device_hash = models.CharField(max_length=64)
    user_agent = models.CharField(max_length=300, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "device_hash"], name="known_device_unique")]


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def pending(self) -> OutboxMessageQuerySet:
        return self.filter(delivered_at__isnull=True, dead_at__isnull=True)


class OutboxMessage(models.Model):
    """A side effect (email, SMS, task) written in the same transaction as its change.

    core.tasks.enqueue writes the row; a worker (Celery in production, the same process
    after commit in the embedded default) claims it with a lease, runs it and marks it
    delivered. ``key`` is the idempotency key handed to the sender, so a redelivery (a
    broker message delivered twice, a worker killed mid-task, the periodic re-dispatch)
    never sends twice. The payload (it may hold a one-time code) is erased on delivery.
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    task = models.CharField(max_length=200)
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # When the row was last handed to the broker (or run in-process); None: not handed on yet
    # (the broker was down, or a failed attempt waits for its retry time).
    dispatched_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_pending",
                condition=models.Q(delivered_at__isnull=True, dead_at__isnull=True),
            ),
            models.Index(fields=["delivered_at"], name="outbox_delivered"),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.key}"


class WorkerHeartbeat(models.Model):
    """The last sign of life of a Celery worker or beat (written by the process itself)."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16)  # "worker" or "beat"
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"
