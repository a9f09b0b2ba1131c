import datetime as dt

from support.internal.calendar import JST, BusinessCalendar
from support.internal.sla import SlaTarget, due_dates, is_breached, remaining, resume

DESK = BusinessCalendar(opens=dt.time(9), closes=dt.time(18))


def jst(*args):
    return dt.datetime(*args, tzinfo=JST)


def test_normal_priority_due_in_business_hours():
    # given an inquiry on Friday 17:00 before a Monday holiday, 8h first response
    target = SlaTarget(first_response=dt.timedelta(hours=8), resolution=dt.timedelta(hours=24))
    due = due_dates(start=jst(2026, 11, 20, 17, 0), target=target, desk=DESK)
    # then 1h Friday + 7h Tuesday
    assert due.first_response_due_at == jst(2026, 11, 24, 16, 0)
    # 24h = 1 (Fri) + 9 (Tue) + 9 (Wed) + 5 (Thu)
    assert due.resolution_due_at == jst(2026, 11, 26, 14, 0)


def test_urgent_runs_around_the_clock():
    target = SlaTarget(first_response=dt.timedelta(hours=1), resolution=dt.timedelta(hours=8), around_the_clock=True)
    due = due_dates(start=jst(2026, 11, 21, 23, 0), target=target, desk=DESK)
    assert due.first_response_due_at == jst(2026, 11, 22, 0, 0)


def test_pause_and_resume_keeps_remaining_business_time():
    target = SlaTarget(first_response=dt.timedelta(hours=8), resolution=dt.timedelta(hours=24))
    due = jst(2026, 11, 26, 14, 0)
    # when paused on Tue 17:00 (left: 1h Tue + 9h Wed + 5h Thu = 15h)
    left = remaining(now=jst(2026, 11, 24, 17, 0), due_at=due, target=target, desk=DESK)
    assert left == dt.timedelta(hours=15)
    # and resumed the next Monday 9:00
    assert resume(now=jst(2026, 11, 30, 9, 0), left=left, target=target, desk=DESK) == jst(2026, 12, 1, 15, 0)


def test_breach_rules():
    due = jst(2026, 11, 24, 16, 0)
    assert not is_breached(due_at=due, met_at=None, now=jst(2026, 11, 24, 15, 59))
    assert is_breached(due_at=due, met_at=None, now=jst(2026, 11, 24, 16, 1))
    assert not is_breached(due_at=due, met_at=jst(2026, 11, 24, 15, 0), now=jst(2026, 12, 1))
    assert is_breached(due_at=due, met_at=jst(2026, 11, 24, 17, 0), now=jst(2026, 12, 1))
    assert not is_breached(due_at=None, met_at=None, now=due)
