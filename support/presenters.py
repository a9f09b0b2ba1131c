"""Shaping support data for pages and the API (localised labels; no business rules)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from support import conf
from support.internal.calendar import JST
from support.internal.channels import ChannelStatus
from support.internal.sla import is_breached
from support.models import Inquiry, Status

CHANNEL_NAMES = {"form": "Inquiry form", "phone": "Phone", "chat": "Chat"}
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def channel_name(key: str) -> str:
    names = {"form": _("Inquiry form"), "phone": _("Phone"), "chat": _("Chat")}
    return names.get(key, key)


def hours_text(status: ChannelStatus) -> str:
    if status.always_open:
        return _("24 hours, every day")
    assert status.opens is not None and status.closes is not None
    if status.weekdays == (0, 1, 2, 3, 4):
        days = _("Weekdays")
    else:
        days = ", ".join(str(_(_DAY_NAMES[d])) for d in status.weekdays)
    return _("%(days)s %(opens)s–%(closes)s (JST), closed on Japanese public holidays") % {
        "days": days,
        "opens": status.opens.strftime("%H:%M"),
        "closes": status.closes.strftime("%H:%M"),
    }


def channel_dict(status: ChannelStatus, language: str) -> dict[str, Any]:
    return {
        "channel": status.channel,
        "name": str(channel_name(status.channel)),
        "open_now": status.open_now,
        "hours": str(hours_text(status)),
        "next_open": _utc(status.next_open),
        "closes_at": _utc(status.closes_at),
        "closed_reason": status.closed_reason,
    }


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if value is not None else None


def reopen_until(inquiry: Inquiry) -> dt.datetime | None:
    if inquiry.status == Status.RESOLVED and inquiry.resolved_at:
        return inquiry.resolved_at + dt.timedelta(days=conf.reopen_days())
    return None


def customer_can_reply(inquiry: Inquiry, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if inquiry.status == Status.CLOSED:
        return False
    until = reopen_until(inquiry)
    return until is None or now <= until


def sla_state(inquiry: Inquiry, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    active = inquiry.is_active
    first = is_breached(due_at=inquiry.first_response_due_at, met_at=inquiry.first_responded_at, now=now)
    paused = inquiry.sla_paused_seconds_left is not None
    resolution = active and not paused and is_breached(due_at=inquiry.resolution_due_at, met_at=None, now=now)
    return {
        "first_response_breached": first and (active or inquiry.first_responded_at is not None),
        "resolution_breached": resolution or (inquiry.breached_at is not None and active),
        "paused": paused,
        "first_response_due_at": inquiry.first_response_due_at,
        "resolution_due_at": inquiry.resolution_due_at,
        "breached": (first and active) or resolution or (inquiry.breached_at is not None and active),
    }


def jst(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M")
