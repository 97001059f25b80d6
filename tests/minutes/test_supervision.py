"""督办 rules and deadlines: the 2026 Spring Festival (holiday 2月15日–23日, make-up workdays
2月14日 Saturday and 2月28日 Saturday), reminders, transitions, statistics."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain import supervision as sv
from app.domain.workdays import HolidayCalendar
from app.errors import InputError, UserError

D = dt.date


@pytest.mark.parametrize(("meeting", "n", "due"), [
    # Friday 13 Feb: the make-up Saturday 14 Feb counts, then nine rest days, then 24 Feb.
    (D(2026, 2, 13), 1, D(2026, 2, 14)),
    (D(2026, 2, 13), 2, D(2026, 2, 24)),
    (D(2026, 2, 13), 5, D(2026, 2, 27)),
    # the second make-up Saturday 28 Feb is a working day, Sunday 1 Mar is not
    (D(2026, 2, 13), 6, D(2026, 2, 28)),
    (D(2026, 2, 13), 7, D(2026, 3, 2)),
    # a meeting held on the make-up Saturday itself
    (D(2026, 2, 14), 1, D(2026, 2, 24)),
    # ten working days from a pre-festival Monday span the whole holiday
    (D(2026, 2, 9), 10, D(2026, 2, 28)),
])
def test_workday_deadlines_across_the_spring_festival(meeting, n, due):
    assert sv.resolve_deadline(meeting, workdays=n) == due


def test_a_plain_weekend_calendar_would_give_a_different_date():
    """The same arithmetic without the holiday table lands inside the festival: the table matters."""
    cal = HolidayCalendar()
    for day in (D(2026, 2, 14), D(2026, 2, 28)):
        cal.override(day, workday=False, name="")
    for n in (16, 17, 18, 19, 20, 23):
        cal.override(D(2026, 2, n), workday=True, name="")
    assert sv.resolve_deadline(D(2026, 2, 13), workdays=2, calendar=cal) == D(2026, 2, 17)


def test_deadline_input_is_checked():
    with pytest.raises(InputError, match="二者选一"):
        sv.resolve_deadline(D(2026, 2, 13), on=D(2026, 3, 1), workdays=3)
    with pytest.raises(InputError, match="不能早于"):
        sv.resolve_deadline(D(2026, 2, 13), on=D(2026, 2, 1))
    with pytest.raises(InputError, match="1 到"):
        sv.resolve_deadline(D(2026, 2, 13), workdays=0)
    assert sv.resolve_deadline(D(2026, 2, 13)) is None


@pytest.mark.parametrize(("today", "state"), [
    (D(2026, 2, 20), sv.Reminder.NONE),
    (D(2026, 2, 21), sv.Reminder.DUE_SOON),  # three days before
    (D(2026, 2, 24), sv.Reminder.DUE_SOON),  # the day itself
    (D(2026, 2, 25), sv.Reminder.OVERDUE),
])
def test_reminder_colours(today, state):
    assert sv.reminder(sv.Status.OPEN, D(2026, 2, 24), today) is state
    assert sv.reminder(sv.Status.CLOSED, D(2026, 2, 24), today) is sv.Reminder.DONE


def test_transitions_refuse_out_of_order_steps():
    assert sv.next_status("pending", "register") is sv.Status.OPEN
    with pytest.raises(UserError, match="待立项.*不能报告办结"):
        sv.next_status("pending", "completion")
    with pytest.raises(UserError, match="已销号"):
        sv.next_status("closed", "progress")


def test_unit_stats_and_monthly_counts():
    F = sv.DecisionFacts
    facts = [
        F("市交通运输局", sv.Status.CLOSED, D(2026, 3, 10), D(2026, 3, 9)),
        F("市交通运输局", sv.Status.ACCEPTED, D(2026, 3, 10), D(2026, 3, 12)),
        F("市交通运输局", sv.Status.OPEN, D(2026, 3, 1), None),
        F("市民政局", sv.Status.OPEN, D(2026, 3, 22), None),
    ]
    stats = {s.unit: s for s in sv.unit_stats(facts, D(2026, 3, 20))}
    t = stats["市交通运输局"]
    assert (t.total, t.open, t.overdue, t.completed, t.on_time) == (3, 1, 1, 2, 1)
    assert t.on_time_rate == 0.5
    m = stats["市民政局"]
    assert (m.due_soon, m.completed, m.on_time_rate) == (1, 0, None)
    months = sv.monthly_on_time(facts, 2026)
    assert months[2] == (3, 1, 1) and sum(a + b for _m, a, b in months) == 2
