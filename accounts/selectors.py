from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from core.models import AuditEvent


@dataclass(frozen=True)
class Restriction:
    frozen: bool
    hold_until: dt.datetime | None

    @property
    def on_hold(self) -> bool:
        return self.hold_until is not None and self.hold_until > timezone.now()


def restriction_for_user(user: Any) -> Restriction:
    hold = user.withdrawal_hold_until
    return Restriction(frozen=user.frozen_at is not None, hold_until=hold if hold and hold > timezone.now() else None)


def activity_for_user(user: Any, *, limit: int = 50) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(user=user, visible_to_customer=True).order_by("-created_at", "-id")[:limit]


def recent_signins_for_staff(user: Any, *, limit: int = 10) -> QuerySet[AuditEvent]:
    """Every sign-in event of a customer (success, failure, new device, SMS step), newest first."""
    return AuditEvent.objects.filter(user=user, event__startswith="login.").order_by("-created_at", "-id")[:limit]
