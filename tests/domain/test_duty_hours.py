"""Shift hours (班次时间): the office's 交接班 time and uneven 白班/夜班 decide which duty is on."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.duty_hours import ShiftHours, format_time, parse_time
from app.errors import InputError

CST = dt.timezone(dt.timedelta(hours=8))
T = dt.time


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=CST)


def test_handover_time_decides_the_duty_day_at_0815():
    assert ShiftHours().at(at(4, 8, 15)) == (dt.date(2026, 3, 3), 0)  # 08:30: still yesterday's
    assert ShiftHours((T(8, 0),)).at(at(4, 8, 15)) == (dt.date(2026, 3, 4), 0)
    assert ShiftHours((T(8, 0),)).at(at(4, 7, 59)) == (dt.date(2026, 3, 3), 0)
    assert ShiftHours((T(9, 0),)).at(at(4, 8, 59)) == (dt.date(2026, 3, 3), 0)
    assert ShiftHours((T(9, 0),)).at(at(4, 9, 0)) == (dt.date(2026, 3, 4), 0)


def test_even_split_keeps_the_old_two_shift_hours():
    hours = ShiftHours.even(T(8, 30), 2)
    assert hours.starts == (T(8, 30), T(20, 30))
    assert hours.at(at(4, 20, 29)) == (dt.date(2026, 3, 4), 0)
    assert hours.at(at(5, 3, 0)) == (dt.date(2026, 3, 4), 1)
    assert ShiftHours.resolve((), 1).starts == (T(8, 30),)
    assert ShiftHours.resolve((T(8, 0),), 2).starts == (T(8, 0), T(20, 0))
    # stored for another pattern (two times, now one shift): from the first time
    assert ShiftHours.resolve((T(8, 0), T(18, 0)), 1).starts == (T(8, 0),)


def test_uneven_day_and_night_shifts():
    hours = ShiftHours((T(8, 0), T(18, 0)))
    assert hours.at(at(4, 17, 59)) == (dt.date(2026, 3, 4), 0)
    assert hours.at(at(4, 18, 0)) == (dt.date(2026, 3, 4), 1)
    assert hours.at(at(5, 7, 59)) == (dt.date(2026, 3, 4), 1)
    assert hours.start(dt.date(2026, 3, 4), 1, CST) == at(4, 18)
    assert hours.end(dt.date(2026, 3, 4), 1, CST) == at(5, 8)
    assert hours.following(dt.date(2026, 3, 4), 1) == (dt.date(2026, 3, 5), 0)
    assert hours.preceding(dt.date(2026, 3, 4), 0) == (dt.date(2026, 3, 3), 1)
    assert hours.label(("白班", "夜班")) == "白班 08:00–18:00，夜班 18:00–次日08:00"
    assert ShiftHours((T(9, 0),)).label(("全天",)) == "每日 09:00 交接班"


def test_times_are_parsed_and_checked():
    assert parse_time("8:00") == T(8, 0) and parse_time(" 18：30 ") == T(18, 30)
    assert format_time(T(8, 5)) == "08:05"
    for bad in ("24:00", "8点", "", "08:60"):
        with pytest.raises(InputError, match="时间"):
            parse_time(bad)
    with pytest.raises(InputError, match="依次排列"):
        ShiftHours((T(8, 0), T(8, 0)))
    with pytest.raises(InputError, match="依次排列"):
        ShiftHours((T(8, 0), T(20, 0), T(12, 0)))
