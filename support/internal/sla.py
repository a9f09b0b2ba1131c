"""SLA targets in business hours (pure; no database).

Targets are measured in business time of the support desk calendar (JST working hours,
Japanese public holidays and operator closures excluded); urgent inquiries run around the
clock. While an inquiry waits on the customer the resolution clock is paused: we keep the
business time that was left and restart from there when the customer answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from support.internal.calendar import BusinessCalendar


@dataclass(frozen=True)
class SlaTarget:
    first_response: dt.timedelta
    resolution: dt.timedelta
    around_the_clock: bool = False


@dataclass(frozen=True)
class SlaDue:
    first_response_due_at: dt.datetime
    resolution_due_at: dt.datetime


def calendar_for_target(target: SlaTarget, desk: BusinessCalendar) -> BusinessCalendar:
    if target.around_the_clock:
        return BusinessCalendar(around_the_clock=True)
    return desk


def due_dates(*, start: dt.datetime, target: SlaTarget, desk: BusinessCalendar) -> SlaDue:
    cal = calendar_for_target(target, desk)
    return SlaDue(
        first_response_due_at=cal.add(start, target.first_response),
        resolution_due_at=cal.add(start, target.resolution),
    )


def remaining(*, now: dt.datetime, due_at: dt.datetime, target: SlaTarget, desk: BusinessCalendar) -> dt.timedelta:
    """Business time left until ``due_at`` (zero once passed); stored when pausing."""
    cal = calendar_for_target(target, desk)
    return cal.elapsed(now, due_at)


def resume(*, now: dt.datetime, left: dt.timedelta, target: SlaTarget, desk: BusinessCalendar) -> dt.datetime:
    """New due time when the clock restarts with ``left`` business time remaining."""
    cal = calendar_for_target(target, desk)
    return cal.add(now, left)


def is_breached(*, due_at: dt.datetime | None, met_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Breached when met late, or not met and already overdue."""
    if due_at is None:
        return False
    if met_at is not None:
        return met_at > due_at
    return now > due_at
