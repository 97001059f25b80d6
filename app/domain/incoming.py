"""收文 rules — pure, no database, no Qt: 紧急程度, status, 催办 methods, deadlines and due states.

A deadline (办理时限) is either a date or "N working days from receipt" (statutory holidays and
调休 make-up workdays from ``app.domain.workdays``; the day of receipt itself is not counted, so a
document received on Friday with 3 working days is due on Wednesday).

Due states of an item still being handled (办理中), on ``today``:

* **overdue** (red) — the deadline has passed;
* **due soon** (amber) — the deadline is today or within the next ``DUE_SOON_WORKDAYS`` working
  days (a long holiday in between does not make it look further away than the work left);
* **on track** — later than that; **none** — no deadline; **done** — 已办结.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TypeVar

from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar
from app.errors import InputError

DUE_SOON_WORKDAYS = 3
MAX_WORKDAYS = 250


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"      # 加急
    EXPRESS = "express"    # 特急

    @property
    def label(self) -> str:
        return URGENCY_LABELS[self]


URGENCY_LABELS = {Urgency.NORMAL: "普通", Urgency.URGENT: "加急", Urgency.EXPRESS: "特急"}


class Status(StrEnum):
    OPEN = "open"
    DONE = "done"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {Status.OPEN: "办理中", Status.DONE: "已办结"}


class UrgeMethod(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    IN_PERSON = "in_person"
    WRITTEN = "written"

    @property
    def label(self) -> str:
        return URGE_LABELS[self]


URGE_LABELS = {UrgeMethod.PHONE: "电话", UrgeMethod.SMS: "短信", UrgeMethod.IN_PERSON: "当面",
               UrgeMethod.WRITTEN: "书面"}


class DueState(StrEnum):
    NONE = "none"
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"

    @property
    def label(self) -> str:
        return DUE_LABELS[self]


DUE_LABELS = {DueState.NONE: "无时限", DueState.ON_TRACK: "未到期", DueState.DUE_SOON: "即将到期",
              DueState.OVERDUE: "已超期", DueState.DONE: "已办结"}


_E = TypeVar("_E", bound=StrEnum)


def parse_enum(enum: type[_E], value: str, what: str) -> _E:
    """Accept the code (``urgent``) or the Chinese label (``加急``)."""
    for member in enum:
        if value in (member.value, getattr(member, "label", None)):
            return member
    names = "、".join(m.label for m in enum)  # type: ignore[attr-defined]
    raise InputError(f"未知{what}“{value}”，可选：{names}。")


def deadline_from_receipt(received: dt.date, workdays: int,
                          calendar: HolidayCalendar = DEFAULT_CALENDAR) -> dt.date:
    """The date ``workdays`` working days after the day of receipt."""
    if not 1 <= workdays <= MAX_WORKDAYS:
        raise InputError(f"办理时限的工作日数应在 1 到 {MAX_WORKDAYS} 之间。")
    return calendar.add_workdays(received, workdays)


def due_state(deadline: dt.date | None, today: dt.date, *, done: bool = False,
              calendar: HolidayCalendar = DEFAULT_CALENDAR) -> DueState:
    if done:
        return DueState.DONE
    if deadline is None:
        return DueState.NONE
    if today > deadline:
        return DueState.OVERDUE
    if deadline <= calendar.add_workdays(today, DUE_SOON_WORKDAYS):
        return DueState.DUE_SOON
    return DueState.ON_TRACK


def soon_limit(today: dt.date, calendar: HolidayCalendar = DEFAULT_CALENDAR) -> dt.date:
    """The last deadline that is still "due soon" on ``today`` (for filtering in SQL)."""
    return calendar.add_workdays(today, DUE_SOON_WORKDAYS)


def workdays_left(deadline: dt.date, today: dt.date,
                  calendar: HolidayCalendar = DEFAULT_CALENDAR) -> int:
    """Working days from ``today`` to the deadline (negative: working days overdue)."""
    return calendar.workdays_between(today, deadline)
