"""督办 rules for the decisions (议定事项) of a meeting — pure, no database, no Qt.

The loop a decision goes through::

    待立项 ─立项→ 办理中 ─(进展报告)→ 办理中
                  办理中 ─申请延期→ 延期待批 ─批准(新期限)/不批准→ 办理中
                  办理中 ─报告办结→ 待审核 ─审核通过→ 待销号 ─销号→ 已销号
                                      待审核 ─退回→ 办理中

Deadlines are either a date or "N working days after the meeting" (statutory holidays and 调休
make-up workdays from ``app.domain.workdays``). Reminders: a decision still being handled is
*yellow* when its deadline is today or within the next ``DUE_SOON_DAYS`` calendar days, *red* once
the deadline has passed. A decision is *on time* when the completion report that was finally
accepted is dated on or before the deadline in force (an approved extension moves the deadline:
that is what approving it means).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar
from app.errors import InputError, UserError

#: A deadline this many calendar days away (or fewer) turns the reminder yellow.
DUE_SOON_DAYS = 3
#: Longest "N working days" a decision may be given (about two years).
MAX_WORKDAYS = 500


class Status(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    EXTENSION = "extension"
    REPORTED = "reported"
    ACCEPTED = "accepted"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.PENDING: "待立项",
    Status.OPEN: "办理中",
    Status.EXTENSION: "延期待批",
    Status.REPORTED: "待审核",
    Status.ACCEPTED: "待销号",
    Status.CLOSED: "已销号",
}

#: Statuses in which the decision still counts as open on the 督办 board.
OPEN_STATUSES = frozenset({Status.PENDING, Status.OPEN, Status.EXTENSION, Status.REPORTED})
#: Statuses in which the unit has finished its work (the reminder no longer applies).
DONE_STATUSES = frozenset({Status.ACCEPTED, Status.CLOSED})


class Step(StrEnum):
    REGISTER = "register"
    PROGRESS = "progress"
    EXTENSION_REQUEST = "extension_request"
    EXTENSION_APPROVE = "extension_approve"
    EXTENSION_REFUSE = "extension_refuse"
    COMPLETION = "completion"
    ACCEPT = "accept"
    SEND_BACK = "send_back"
    CLOSE = "close"

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS: dict[Step, str] = {
    Step.REGISTER: "立项",
    Step.PROGRESS: "进展报告",
    Step.EXTENSION_REQUEST: "申请延期",
    Step.EXTENSION_APPROVE: "批准延期",
    Step.EXTENSION_REFUSE: "不批准延期",
    Step.COMPLETION: "报告办结",
    Step.ACCEPT: "审核通过",
    Step.SEND_BACK: "退回重办",
    Step.CLOSE: "销号",
}

#: (status before, step) → status after. Anything not listed is refused.
TRANSITIONS: dict[tuple[Status, Step], Status] = {
    (Status.PENDING, Step.REGISTER): Status.OPEN,
    (Status.OPEN, Step.PROGRESS): Status.OPEN,
    (Status.OPEN, Step.EXTENSION_REQUEST): Status.EXTENSION,
    (Status.EXTENSION, Step.PROGRESS): Status.EXTENSION,
    (Status.EXTENSION, Step.EXTENSION_APPROVE): Status.OPEN,
    (Status.EXTENSION, Step.EXTENSION_REFUSE): Status.OPEN,
    (Status.OPEN, Step.COMPLETION): Status.REPORTED,
    (Status.REPORTED, Step.ACCEPT): Status.ACCEPTED,
    (Status.REPORTED, Step.SEND_BACK): Status.OPEN,
    (Status.ACCEPTED, Step.CLOSE): Status.CLOSED,
}


def next_status(status: Status | str, step: Step | str) -> Status:
    """The status after ``step``, or a ``UserError`` saying why the step is not possible now."""
    st, sp = Status(status), Step(step)
    after = TRANSITIONS.get((st, sp))
    if after is None:
        raise UserError(f"该事项当前状态为“{st.label}”，不能{sp.label}。")
    return after


def resolve_deadline(meeting_date: dt.date, *, on: dt.date | None = None,
                     workdays: int | None = None,
                     calendar: HolidayCalendar = DEFAULT_CALENDAR) -> dt.date | None:
    """The deadline as a date: ``on`` itself, or ``workdays`` working days after the meeting
    (the meeting day not counted), or None when neither is given."""
    if on is not None and workdays is not None:
        raise InputError("办理期限请填写具体日期或工作日天数，二者选一。")
    if workdays is not None:
        if not 1 <= workdays <= MAX_WORKDAYS:
            raise InputError(f"办理期限的工作日天数应在 1 到 {MAX_WORKDAYS} 之间。")
        return calendar.add_workdays(meeting_date, workdays)
    if on is not None and on < meeting_date:
        raise InputError("办理期限不能早于会议日期。")
    return on


class Reminder(StrEnum):
    NONE = "none"        # no deadline, or comfortably far
    DUE_SOON = "due_soon"  # yellow
    OVERDUE = "overdue"  # red
    DONE = "done"

    @property
    def label(self) -> str:
        return {"none": "", "due_soon": "临期", "overdue": "逾期", "done": "已办结"}[self.value]


def reminder(status: Status | str, deadline: dt.date | None, today: dt.date) -> Reminder:
    """Yellow when the deadline is within ``DUE_SOON_DAYS`` days, red once it has passed."""
    if Status(status) in DONE_STATUSES:
        return Reminder.DONE
    if deadline is None:
        return Reminder.NONE
    left = (deadline - today).days
    if left < 0:
        return Reminder.OVERDUE
    if left <= DUE_SOON_DAYS:
        return Reminder.DUE_SOON
    return Reminder.NONE


def on_time(completed_on: dt.date | None, deadline: dt.date | None) -> bool | None:
    """True/False once completed (no deadline: on time); None while not completed."""
    if completed_on is None:
        return None
    return deadline is None or completed_on <= deadline


@dataclass(frozen=True)
class DecisionFacts:
    """What the statistics need of one decision."""

    unit: str
    status: Status
    deadline: dt.date | None
    completed_on: dt.date | None


@dataclass(frozen=True)
class UnitStats:
    unit: str
    total: int
    open: int
    due_soon: int
    overdue: int
    completed: int
    on_time: int

    @property
    def on_time_rate(self) -> float | None:
        """按期办结率: on-time completions over completions (None before any completion)."""
        return self.on_time / self.completed if self.completed else None


def unit_stats(facts: Iterable[DecisionFacts], today: dt.date) -> list[UnitStats]:
    """Counts per lead unit (sorted by unit name) for the board and the monthly 通报."""
    acc: dict[str, list[int]] = {}
    for f in facts:
        row = acc.setdefault(f.unit, [0, 0, 0, 0, 0, 0])
        row[0] += 1
        state = reminder(f.status, f.deadline, today)
        if f.status in OPEN_STATUSES:
            row[1] += 1
            row[2] += state is Reminder.DUE_SOON
            row[3] += state is Reminder.OVERDUE
        else:
            row[4] += 1
            row[5] += bool(on_time(f.completed_on, f.deadline))
    return [UnitStats(u, *v) for u, v in sorted(acc.items())]


def monthly_on_time(facts: Iterable[DecisionFacts], year: int) -> list[tuple[int, int, int]]:
    """(month, on-time, late) completions in ``year``, months 1–12, by completion date."""
    months = {m: [0, 0] for m in range(1, 13)}
    for f in facts:
        if f.completed_on is None or f.completed_on.year != year or f.status not in DONE_STATUSES:
            continue
        months[f.completed_on.month][0 if on_time(f.completed_on, f.deadline) else 1] += 1
    return [(m, v[0], v[1]) for m, v in months.items()]
