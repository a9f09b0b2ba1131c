import datetime as dt

import pytest

from support.internal.calendar import JST, BusinessCalendar, Closure


def jst(*args):
    return dt.datetime(*args, tzinfo=JST)


DESK = BusinessCalendar(opens=dt.time(9), closes=dt.time(18))


def test_weekday_inside_hours_is_open():
    # given a Friday 10:00 JST (2026-11-20 is a Friday)
    # when / then
    assert DESK.is_open(jst(2026, 11, 20, 10, 0))


def test_closing_time_is_exclusive_and_opening_inclusive():
    assert DESK.is_open(jst(2026, 11, 20, 9, 0))
    assert not DESK.is_open(jst(2026, 11, 20, 18, 0))
    assert DESK.is_open(jst(2026, 11, 20, 17, 59, 59))


def test_weekend_is_closed_and_next_opening_is_monday_unless_holiday():
    # given Saturday 2026-11-21; Monday 2026-11-23 is Labour Thanksgiving Day (勤労感謝の日)
    saturday = jst(2026, 11, 21, 12, 0)
    # then
    assert not DESK.is_open(saturday)
    assert DESK.next_open(saturday) == jst(2026, 11, 24, 9, 0)


def test_public_holiday_on_a_weekday_is_closed():
    assert DESK.is_public_holiday(dt.date(2026, 11, 23))
    assert not DESK.is_open(jst(2026, 11, 23, 11, 0))


def test_golden_week_is_skipped():
    # 2026-05-01 (Fri) is a working day; 5/2-5/6 weekend + 憲法記念日, みどりの日, こどもの日, 振替休日
    cal = DESK
    assert cal.next_opening_after(jst(2026, 5, 1, 12, 0)) == jst(2026, 5, 7, 9, 0)


def test_utc_input_is_interpreted_in_jst():
    # 2026-11-20 00:30 UTC is 09:30 JST Friday
    moment = dt.datetime(2026, 11, 20, 0, 30, tzinfo=dt.UTC)
    assert DESK.is_open(moment)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        DESK.is_open(dt.datetime(2026, 11, 20, 10, 0))


def test_closure_splits_a_day_and_moves_next_open():
    # given an operator closure 2026-11-20 12:00-14:00 JST
    cal = BusinessCalendar(
        opens=dt.time(9),
        closes=dt.time(18),
        closures=(Closure(starts_at=jst(2026, 11, 20, 12), ends_at=jst(2026, 11, 20, 14)),),
    )
    # then
    assert not cal.is_open(jst(2026, 11, 20, 13, 0))
    assert cal.next_open(jst(2026, 11, 20, 13, 0)) == jst(2026, 11, 20, 14, 0)
    assert cal.current_close(jst(2026, 11, 20, 11, 0)) == jst(2026, 11, 20, 12, 0)


def test_year_end_closure_spanning_days():
    cal = BusinessCalendar(
        closures=(Closure(starts_at=jst(2026, 12, 29), ends_at=jst(2027, 1, 4)),),
    )
    assert cal.next_open(jst(2026, 12, 28, 18, 0)) == jst(2027, 1, 4, 9, 0)


def test_add_business_time_rolls_over_nights_weekends_and_holidays():
    # given Friday 2026-11-20 16:00, 4 business hours on a 9-18 desk
    # then 2h Friday + 2h on Tuesday (Mon 23rd is a holiday) -> Tue 11:00
    assert DESK.add(jst(2026, 11, 20, 16, 0), dt.timedelta(hours=4)) == jst(2026, 11, 24, 11, 0)


def test_add_from_outside_hours_starts_at_next_opening():
    assert DESK.add(jst(2026, 11, 24, 7, 0), dt.timedelta(minutes=30)) == jst(2026, 11, 24, 9, 30)


def test_add_exact_end_of_day_stays_on_that_day():
    assert DESK.add(jst(2026, 11, 24, 9, 0), dt.timedelta(hours=9)) == jst(2026, 11, 24, 18, 0)


def test_elapsed_counts_only_business_time():
    assert DESK.elapsed(jst(2026, 11, 20, 17, 0), jst(2026, 11, 24, 10, 0)) == dt.timedelta(hours=2)
    assert DESK.elapsed(jst(2026, 11, 24, 10, 0), jst(2026, 11, 24, 9, 0)) == dt.timedelta(0)


def test_add_and_elapsed_are_inverse():
    start = jst(2026, 12, 25, 15, 17)
    for minutes in (1, 59, 600, 3000):
        due = DESK.add(start, dt.timedelta(minutes=minutes))
        assert DESK.elapsed(start, due) == dt.timedelta(minutes=minutes)


def test_around_the_clock_counts_wall_time():
    cal = BusinessCalendar(around_the_clock=True)
    start = jst(2026, 11, 21, 23, 30)  # Saturday night
    assert cal.add(start, dt.timedelta(hours=1)) == jst(2026, 11, 22, 0, 30)
    assert cal.is_open(start)
