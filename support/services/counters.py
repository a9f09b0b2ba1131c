"""Per-queue, per-status counters kept in the same transaction as the inquiry change."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, F

from support.models import (
    Inquiry,
    QueueCount,
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
    with transaction.atomic():
        QueueCount.objects.all().delete()
        rows = Inquiry.objects.values("queue_id", "status").annotate(n=Count("id")).order_by()
        QueueCount.objects.bulk_create(
            [QueueCount(queue_id=r["queue_id"], status=r["status"], count=r["n"]) for r in rows]
        )
