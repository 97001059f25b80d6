"""Shift hours (班次时间): when each duty shift of a day starts, and so who is on at a moment.

Offices differ: most hand 24-hour duty over at 08:30, some at 08:00 or 09:00, and offices with a
白班 and a 夜班 often split the day unevenly (白班 08:00–18:00, 夜班 18:00–次日08:00). A duty
belongs to the date its FIRST shift starts (the 交接班 time): at 03:00 the night shift of the
previous date is still on.

``ShiftHours`` holds one start time per shift, the first being the handover time; the others
follow it within the next 24 hours, in order. Pure: no database, no Qt.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from app.errors import InputError

#: The common practice when an office has not set its own: 24-hour duty handed over at 08:30.
DEFAULT_HANDOVER = dt.time(8, 30)
DAY = dt.timedelta(days=1)
_TIME = re.compile(r"^\s*(\d{1,2})\s*[:：]\s*(\d{2})\s*$")


def parse_time(text: str) -> dt.time:
    """“8:00”, “08:30”, “18：00” → time; a clear Chinese error otherwise."""
    m = _TIME.match(text or "")
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise InputError(f"时间“{text}”无效，应为 时:分，如 08:30。")
    return dt.time(int(m.group(1)), int(m.group(2)))


def format_time(t: dt.time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


@dataclass(frozen=True)
class ShiftHours:
    """Start time of each shift of a duty day; ``starts[0]`` is the 交接班 time."""

    starts: tuple[dt.time, ...] = (DEFAULT_HANDOVER,)

    def __post_init__(self) -> None:
        if not self.starts:
            raise InputError("至少要有一个班次的开始时间。")
        offsets = self.offsets()
        if any(b <= a for a, b in pairwise(offsets)):
            raise InputError(
                "各班次的开始时间应从交接班时间起依次排列、互不相同（如 白班 08:00、夜班 18:00）。")

    @classmethod
    def even(cls, handover: dt.time, count: int) -> ShiftHours:
        """``count`` shifts of equal length from ``handover`` (two: 08:30–20:30, 20:30–08:30)."""
        count = max(count, 1)
        base = _minutes(handover)
        step = 24 * 60 // count
        return cls(tuple(dt.time(((base + i * step) // 60) % 24, (base + i * step) % 60)
                         for i in range(count)))

    @classmethod
    def resolve(cls, stored: Sequence[dt.time], count: int) -> ShiftHours:
        """The hours of ``count`` shifts from what an office stored: nothing → 08:30 evenly; one
        time (or a list of another length, e.g. after the shift pattern changed) → evenly from
        its first time; one time per shift → exactly those."""
        if len(stored) == max(count, 1) and count > 1:
            try:
                return cls(tuple(stored))
            except InputError:
                pass
        return cls.even(stored[0] if stored else DEFAULT_HANDOVER, count)

    @property
    def handover(self) -> dt.time:
        return self.starts[0]

    def offsets(self) -> list[int]:
        """Minutes of each start after the handover time (0 for the first), within a day."""
        base = _minutes(self.starts[0])
        return [(_minutes(t) - base) % (24 * 60) for t in self.starts]

    def day_start(self, day: dt.date, tz: dt.tzinfo | None) -> dt.datetime:
        """The handover that opens the duty day ``day`` (local time ``tz``)."""
        return dt.datetime.combine(day, self.handover, tz)

    def start(self, day: dt.date, index: int, tz: dt.tzinfo | None) -> dt.datetime:
        """When shift ``index`` of the duty day ``day`` starts."""
        return self.day_start(day, tz) + dt.timedelta(minutes=self.offsets()[index])

    def end(self, day: dt.date, index: int, tz: dt.tzinfo | None) -> dt.datetime:
        """When shift ``index`` of ``day`` ends (the next shift's start)."""
        next_day, next_index = self.following(day, index)
        return self.start(next_day, next_index, tz)

    def following(self, day: dt.date, index: int) -> tuple[dt.date, int]:
        """(date, index) of the shift after shift ``index`` of ``day``."""
        if index + 1 < len(self.starts):
            return day, index + 1
        return day + DAY, 0

    def preceding(self, day: dt.date, index: int) -> tuple[dt.date, int]:
        """(date, index) of the shift before shift ``index`` of ``day``."""
        if index > 0:
            return day, index - 1
        return day - DAY, len(self.starts) - 1

    def at(self, moment: dt.datetime) -> tuple[dt.date, int]:
        """(duty date, shift index) on at a local ``moment``."""
        base = self.day_start(moment.date(), moment.tzinfo)
        if moment < base:
            base -= DAY
        offset = (moment - base) / dt.timedelta(minutes=1)
        index = 0
        for i, off in enumerate(self.offsets()):
            if offset >= off:
                index = i
        return base.date(), index

    def label(self, shifts: Sequence[str]) -> str:
        """“全天 08:30 交接班” or “白班 08:00–18:00，夜班 18:00–次日08:00”."""
        if len(self.starts) == 1:
            return f"每日 {format_time(self.handover)} 交接班"
        parts = []
        offsets = self.offsets()
        for i, name in enumerate(shifts[:len(self.starts)]):
            nxt = offsets[i + 1] if i + 1 < len(offsets) else 24 * 60
            end = self.starts[(i + 1) % len(self.starts)]
            crosses = _minutes(self.handover) + nxt >= 24 * 60
            parts.append(f"{name} {format_time(self.starts[i])}–"
                         f"{'次日' if crosses else ''}{format_time(end)}")
        return "，".join(parts)
