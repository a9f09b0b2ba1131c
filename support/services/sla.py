"""Periodic jobs: flag SLA breaches, close resolved inquiries after the waiting period."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from support import conf
from support.models import (
    Inquiry,
    Status,
)
from support.services._common import ACTIVE_VALUES, _event, _set_status

# --------------------------------------------------------------------------- periodic


def sla_breaches_flag(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Mark active inquiries whose first-response or resolution target passed (history +
    the flag shown in the console). Idempotent; run every few minutes."""
    now = now or timezone.now()
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
