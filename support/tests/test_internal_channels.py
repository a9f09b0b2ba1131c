import datetime as dt

from support.internal.calendar import JST
from support.internal.channels import CHAT, FORM, PHONE, ChannelClosure, all_channel_status


def jst(*args):
    return dt.datetime(*args, tzinfo=JST)


def by_channel(now, closures=()):
    return {s.channel: s for s in all_channel_status(now=now, closures=closures)}


def test_weekday_morning_phone_open_chat_not_yet():
    # given Tuesday 2026-11-24 09:30 JST
    status = by_channel(jst(2026, 11, 24, 9, 30))
    # then
    assert status[FORM].open_now and status[FORM].next_open is None
    assert status[PHONE].open_now
    assert status[PHONE].closes_at == jst(2026, 11, 24, 17, 0)
    assert status[PHONE].next_open == jst(2026, 11, 25, 9, 0)
    assert not status[CHAT].open_now
    assert status[CHAT].next_open == jst(2026, 11, 24, 10, 0)
    assert status[CHAT].closed_reason == "outside_hours"


def test_at_17_both_closed_until_next_working_day():
    status = by_channel(jst(2026, 11, 20, 17, 0))  # Friday
    assert not status[PHONE].open_now and not status[CHAT].open_now
    # Monday 23rd is a holiday -> Tuesday
    assert status[PHONE].next_open == jst(2026, 11, 24, 9, 0)
    assert status[CHAT].next_open == jst(2026, 11, 24, 10, 0)


def test_public_holiday_reason():
    status = by_channel(jst(2026, 11, 23, 11, 0))
    assert not status[PHONE].open_now
    assert status[PHONE].closed_reason == "holiday"
    assert status[FORM].open_now


def test_new_year_holiday_reason_and_next_open():
    status = by_channel(jst(2027, 1, 1, 12, 0))  # 元日 (Friday)
    assert status[CHAT].closed_reason == "holiday"
    assert status[CHAT].next_open == jst(2027, 1, 4, 10, 0)


def test_closure_for_chat_only_leaves_phone_open():
    closures = [ChannelClosure(starts_at=jst(2026, 11, 24, 0), ends_at=jst(2026, 11, 25, 0), channels=(CHAT,))]
    status = by_channel(jst(2026, 11, 24, 11, 0), closures)
    assert status[PHONE].open_now
    assert not status[CHAT].open_now
    assert status[CHAT].closed_reason == "closure"
    assert status[CHAT].next_open == jst(2026, 11, 25, 10, 0)


def test_closure_for_all_channels_never_closes_the_form():
    closures = [ChannelClosure(starts_at=jst(2026, 11, 24, 0), ends_at=jst(2026, 11, 26, 0))]
    status = by_channel(jst(2026, 11, 24, 11, 0), closures)
    assert status[FORM].open_now
    assert not status[PHONE].open_now and not status[CHAT].open_now
    assert status[PHONE].next_open == jst(2026, 11, 26, 9, 0)
