"""Filters for emails: times in Japan time with the zone written out.

Emails are rendered in a worker long after the request (core.tasks outbox), from a JSON
payload, so a time may arrive as an ISO string; it is shown in JST either way.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.utils import translation

register = template.Library()
JST = ZoneInfo("Asia/Tokyo")


def to_jst(value: object) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(JST)


@register.filter
def jst(value: object) -> str:
    """``2026年12月3日 20:05 JST`` (ja) / ``3 Dec 2026, 20:05 JST`` (en)."""
    moment = to_jst(value)
    if moment is None:
        return str(value or "")
    if (translation.get_language() or "ja").startswith("ja"):
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M} JST"
    return f"{moment.day} {moment:%b %Y, %H:%M} JST"


@register.filter
def device_label(user_agent: object) -> str:
    """``Chrome 131 · Windows 10`` from a User-Agent string (core.useragent)."""
    from core.useragent import describe

    return describe(str(user_agent or "")).label
