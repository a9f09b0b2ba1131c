"""Business-hours arithmetic in Japan Standard Time.

Pure functions (no database): a :class:`BusinessCalendar` knows the daily opening hours,
which weekdays are working days, Japanese public holidays (``jpholiday``, a maintained
library) and operator-defined closures (arbitrary intervals, e.g. year-end days or an
afternoon off for training). The same calendar drives the contact-channel hours and the
SLA targets, so "open now" and "due by" never disagree.

All inputs and outputs are timezone-aware datetimes; naive datetimes are refused because
mixing them is how off-by-nine-hours bugs are born.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import jpholiday

JST = ZoneInfo("Asia/Tokyo")

# How far ahead ``next_open`` searches before giving up (a closure longer than this is
# treated as "no known next opening").
SEARCH_HORIZON_DAYS = 400


@dataclass(frozen=True)
class Closure:
    """An operator-defined interval during which a channel/desk is closed."""

    starts_at: dt.datetime
    ends_at: dt.datetime

    def __post_init__(self) -> None:
        _require_aware(self.starts_at)
        _require_aware(self.ends_at)
        if self.ends_at <= self.starts_at:
            raise ValueError("closure must end after it starts")


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours on working days (JST), minus holidays and closures.

    ``opens``/``closes`` are wall-clock times in JST; ``closes`` is exclusive.
    ``weekdays`` uses ``date.weekday()`` numbering (Monday = 0).
    ``around_the_clock`` makes every instant a business instant (used for urgent SLAs).
    """

    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(17, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    observe_public_holidays: bool = True
    closures: tuple[Closure, ...] = field(default_factory=tuple)
    around_the_clock: bool = False

    def __post_init__(self) -> None:
        if not self.around_the_clock and self.closes <= self.opens:
            raise ValueError("closing time must be after opening time")

    # -- days -----------------------------------------------------------------

    def is_public_holiday(self, day: dt.date) -> bool:
        return bool(jpholiday.is_holiday(day))

    def is_working_day(self, day: dt.date) -> bool:
        if self.around_the_clock:
            return True
        if day.weekday() not in self.weekdays:
            return False
        return not (self.observe_public_holidays and self.is_public_holiday(day))

    # -- intervals ------------------------------------------------------------

    def _raw_intervals(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Opening intervals (before closures) starting with the day containing ``start``."""
        if self.around_the_clock:
            day = start.astimezone(JST).date()
            while True:
                begin = dt.datetime.combine(day, dt.time(0), JST)
                yield begin, begin + dt.timedelta(days=1)
                day += dt.timedelta(days=1)
        day = start.astimezone(JST).date()
        for _ in range(SEARCH_HORIZON_DAYS):
            if self.is_working_day(day):
                yield (
                    dt.datetime.combine(day, self.opens, JST),
                    dt.datetime.combine(day, self.closes, JST),
                )
            day += dt.timedelta(days=1)

    def open_intervals(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Open intervals that end after ``start`` (clipped to start), in order.

        Closures are subtracted; the iterator is finite for ordinary calendars (it stops
        after ``SEARCH_HORIZON_DAYS`` days) and infinite for around-the-clock ones
        (callers stop when they have what they need).
        """
        _require_aware(start)
        closures = sorted(self.closures, key=lambda c: c.starts_at)
        for begin, end in self._raw_intervals(start):
            if end <= start:
                continue
            begin = max(begin, start)
            yield from _subtract(begin, end, closures)

    def is_open(self, moment: dt.datetime) -> bool:
        _require_aware(moment)
        for begin, _end in self.open_intervals(moment):
            return begin <= moment
        return False

    def next_open(self, moment: dt.datetime) -> dt.datetime | None:
        """``moment`` itself when open now, else the start of the next opening."""
        for begin, _end in self.open_intervals(moment):
            return begin
        return None

    def next_opening_after(self, moment: dt.datetime) -> dt.datetime | None:
        """The start of the next opening interval that begins strictly after ``moment``.

        While open, this is the start of the *following* opening (e.g. tomorrow 9:00),
        which is what the contact page shows as "next opens".
        """
        for begin, _end in self.open_intervals(moment):
            if begin > moment:
                return begin
        return None

    def current_close(self, moment: dt.datetime) -> dt.datetime | None:
        """When the interval containing ``moment`` ends (None if closed now)."""
        for begin, end in self.open_intervals(moment):
            return end if begin <= moment else None
        return None

    # -- durations --------------------------------------------------------------

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The instant at which ``duration`` of business time has elapsed after ``start``."""
        _require_aware(start)
        if duration < dt.timedelta(0):
            raise ValueError("duration must not be negative")
        remaining = duration
        for begin, end in self.open_intervals(start):
            span = end - begin
            if remaining <= span:
                return begin + remaining
            remaining -= span
        raise ValueError("no business time available within the search horizon")

    def elapsed(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Business time between ``start`` and ``end`` (zero if end <= start)."""
        _require_aware(start)
        _require_aware(end)
        total = dt.timedelta(0)
        if end <= start:
            return total
        for begin, stop in self.open_intervals(start):
            if begin >= end:
                break
            total += min(stop, end) - begin
        return total


def _subtract(
    begin: dt.datetime, end: dt.datetime, closures: Iterable[Closure]
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    cursor = begin
    for closure in closures:
        if closure.ends_at <= cursor or closure.starts_at >= end:
            continue
        if closure.starts_at > cursor:
            yield cursor, closure.starts_at
        cursor = max(cursor, closure.ends_at)
        if cursor >= end:
            return
    if cursor < end:
        yield cursor, end


def _require_aware(value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timezone-aware datetime required")
