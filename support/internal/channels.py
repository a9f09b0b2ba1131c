"""Contact channels and whether each is open now (pure; no database).

The inquiry form never closes. Phone and chat follow their own weekday hours in JST,
closed on Japanese public holidays and during operator-defined closures (a closure can
name the channels it affects; an empty list means phone and chat).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from support.internal.calendar import JST, BusinessCalendar, Closure

FORM = "form"
PHONE = "phone"
CHAT = "chat"


@dataclass(frozen=True)
class ChannelSpec:
    key: str
    always_open: bool = False
    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(17, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})


DEFAULT_CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(key=FORM, always_open=True),
    ChannelSpec(key=PHONE, opens=dt.time(9, 0), closes=dt.time(17, 0)),
    ChannelSpec(key=CHAT, opens=dt.time(10, 0), closes=dt.time(17, 0)),
)


@dataclass(frozen=True)
class ChannelClosure:
    starts_at: dt.datetime
    ends_at: dt.datetime
    channels: tuple[str, ...] = ()  # empty = every channel that has hours

    def applies_to(self, channel: str) -> bool:
        return not self.channels or channel in self.channels


@dataclass(frozen=True)
class ChannelStatus:
    channel: str
    always_open: bool
    open_now: bool
    opens: dt.time | None
    closes: dt.time | None
    weekdays: tuple[int, ...]
    closes_at: dt.datetime | None  # end of the current opening (None when closed/always open)
    next_open: dt.datetime | None  # next opening that starts after now (None: always open/unknown)
    closed_reason: str | None  # "holiday", "closure", "outside_hours", or None when open


def calendar_for(spec: ChannelSpec, closures: Iterable[ChannelClosure]) -> BusinessCalendar:
    return BusinessCalendar(
        opens=spec.opens,
        closes=spec.closes,
        weekdays=spec.weekdays,
        closures=tuple(Closure(starts_at=c.starts_at, ends_at=c.ends_at) for c in closures if c.applies_to(spec.key)),
    )


def channel_status(spec: ChannelSpec, *, now: dt.datetime, closures: Iterable[ChannelClosure] = ()) -> ChannelStatus:
    if spec.always_open:
        return ChannelStatus(
            channel=spec.key,
            always_open=True,
            open_now=True,
            opens=None,
            closes=None,
            weekdays=tuple(range(7)),
            closes_at=None,
            next_open=None,
            closed_reason=None,
        )
    relevant = [c for c in closures if c.applies_to(spec.key)]
    cal = calendar_for(spec, relevant)
    open_now = cal.is_open(now)
    reason: str | None = None
    if not open_now:
        if any(c.starts_at <= now < c.ends_at for c in relevant):
            reason = "closure"
        elif (local := now.astimezone(JST)).weekday() in spec.weekdays and (cal.is_public_holiday(local.date())):
            reason = "holiday"
        else:
            reason = "outside_hours"
    return ChannelStatus(
        channel=spec.key,
        always_open=False,
        open_now=open_now,
        opens=spec.opens,
        closes=spec.closes,
        weekdays=tuple(sorted(spec.weekdays)),
        closes_at=cal.current_close(now) if open_now else None,
        next_open=cal.next_opening_after(now),
        closed_reason=reason,
    )


def all_channel_status(
    *,
    now: dt.datetime,
    closures: Iterable[ChannelClosure] = (),
    channels: Sequence[ChannelSpec] = DEFAULT_CHANNELS,
) -> list[ChannelStatus]:
    closures = list(closures)
    return [channel_status(spec, now=now, closures=closures) for spec in channels]
