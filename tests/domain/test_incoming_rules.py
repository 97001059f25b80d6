"""收文 deadlines and due states across the 2026 Spring Festival and National Day (make-up
workdays: Sat 14 Feb, Sat 28 Feb, Sun 20 Sep, Sat 10 Oct 2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.incoming import (
    DueState,
    Urgency,
    deadline_from_receipt,
    due_state,
    parse_enum,
    soon_limit,
    workdays_left,
)
from app.domain.workdays import HolidayCalendar
from app.errors import InputError

D = dt.date


def test_deadline_counts_make_up_saturday_and_skips_spring_festival():
    # Fri 13 Feb: Sat 14 is a make-up workday (1), 15–23 Feb holiday, Tue 24 (2), Wed 25 (3)
    assert deadline_from_receipt(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert deadline_from_receipt(D(2026, 2, 13), 3) == D(2026, 2, 25)
    # received on a holiday: counting starts with the first workday after it
    assert deadline_from_receipt(D(2026, 2, 17), 1) == D(2026, 2, 24)


def test_deadline_across_national_day_and_make_up_sunday():
    assert deadline_from_receipt(D(2026, 9, 18), 1) == D(2026, 9, 20)  # make-up Sunday
    assert deadline_from_receipt(D(2026, 9, 30), 2) == D(2026, 10, 9)  # 1–7 Oct off
    assert deadline_from_receipt(D(2026, 9, 30), 3) == D(2026, 10, 10)  # make-up Saturday


def test_deadline_bounds():
    with pytest.raises(InputError):
        deadline_from_receipt(D(2026, 3, 2), 0)


def test_due_soon_is_counted_in_working_days_over_the_holiday():
    # 12 calendar days away but only 3 working days: amber already
    assert due_state(D(2026, 2, 25), D(2026, 2, 13)) == DueState.DUE_SOON
    assert due_state(D(2026, 2, 26), D(2026, 2, 13)) == DueState.ON_TRACK
    assert soon_limit(D(2026, 2, 13)) == D(2026, 2, 25)
    assert workdays_left(D(2026, 2, 25), D(2026, 2, 13)) == 3


def test_due_states_around_national_day():
    today = D(2026, 9, 30)
    assert due_state(D(2026, 10, 10), today) == DueState.DUE_SOON  # Sat 10 Oct is a workday
    assert due_state(D(2026, 10, 12), today) == DueState.ON_TRACK
    assert due_state(D(2026, 9, 30), today) == DueState.DUE_SOON  # due today
    assert due_state(D(2026, 9, 29), today) == DueState.OVERDUE
    assert due_state(D(2026, 10, 3), D(2026, 10, 5)) == DueState.OVERDUE  # holiday or not
    assert workdays_left(D(2026, 9, 29), D(2026, 10, 9)) == -3  # 30 Sep, 8 and 9 Oct


def test_done_and_no_deadline():
    assert due_state(D(2026, 1, 1), D(2026, 3, 1), done=True) == DueState.DONE
    assert due_state(None, D(2026, 3, 1)) == DueState.NONE


def test_office_override_changes_the_outcome():
    cal = HolidayCalendar()
    cal.override(D(2026, 3, 3), workday=False, name="本地假日")
    assert deadline_from_receipt(D(2026, 3, 2), 1, cal) == D(2026, 3, 4)
    assert due_state(D(2026, 3, 6), D(2026, 3, 2), calendar=cal) == DueState.DUE_SOON
    assert due_state(D(2026, 3, 6), D(2026, 3, 2)) == DueState.ON_TRACK


def test_parse_enum_accepts_code_or_label():
    assert parse_enum(Urgency, "特急", "紧急程度") == Urgency.EXPRESS
    assert parse_enum(Urgency, "urgent", "紧急程度") == Urgency.URGENT
    with pytest.raises(InputError, match="紧急程度"):
        parse_enum(Urgency, "十万火急", "紧急程度")
