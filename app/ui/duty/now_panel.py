"""“正在值班” panel: today's leader and officers with their phones, and the next shift.

Read in the worker (``run_task``): the panel refreshes every minute and whenever a 值班 tab is
chosen, and none of that may hold the GUI thread (issue 30, ``benchmarks/bench_stall.py``)."""

from __future__ import annotations

import time

from app.services import duty
from app.services.context import ServiceContext
from app.services.duty import OnDuty, OnDutyPerson
from app.ui.duty.common import explain
from app.ui.kit import LatestRead, TaskHandle
from app.ui.qt import QFrame, QHBoxLayout, QLabel, QPushButton, QTimer, QWidget, Signal


def _people(people: tuple[OnDutyPerson, ...]) -> str:
    parts = []
    for p in people:
        phone = f"（{p.phones}）" if p.phones else ""
        parts.append(f"{p.role_name}：<b>{p.name}</b>{phone}")
    return "；".join(parts)


def _nobody_now(ctx: ServiceContext) -> str:
    """Why nobody is shown now: no roster published at all, or the published ones start
    later (the usual case right after publishing next month's roster) or have ended."""
    today = ctx.now().astimezone().date()
    published = [r for r in duty.list_rosters(ctx) if r.published_at is not None]
    if not published:
        return "当前没有已发布的值班安排。"
    later = sorted((r for r in published if r.start > today), key=lambda r: r.start)
    if later:
        r = later[0]
        return (f"今天不在已发布的值班表期间内；已发布的“{r.title}”自"
                f"{r.start.month}月{r.start.day}日起执行。")
    return "今天没有安排值班（已发布的值班表均已结束或当天无人）。"


class NowOnDutyPanel(QFrame):
    """Refreshes itself every minute (shifts change at the office's 交接班 time)."""

    refreshed = Signal()  # the labels show what was just read

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        self.now_label = QLabel()
        self.next_label = QLabel()
        for label in (self.now_label, self.next_label):
            label.setWordWrap(True)
        refresh = QPushButton("刷新")
        refresh.clicked.connect(self.refresh)
        layout.addWidget(self.now_label, 3)
        layout.addWidget(self.next_label, 2)
        layout.addWidget(refresh)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.timer.start(60_000)
        self.state: OnDuty | None = None
        self.read_at = -1e9  # time.monotonic() of the last read's start
        self.reads = LatestRead(self, on_error=self._failed)
        self.now_label.setText("正在值班：正在读取…")
        self.refresh()

    def _tick(self) -> None:
        if self.isVisible():  # a hidden panel (other page shown, window closed) reads nothing
            self.refresh()

    @property
    def reading(self) -> bool:
        return self.reads.reading

    def refresh_if_older(self, seconds: float) -> TaskHandle | None:
        """``refresh()``, unless the last read started less than ``seconds`` ago."""
        if time.monotonic() - self.read_at < seconds:
            return None
        return self.refresh()

    def refresh(self) -> TaskHandle:
        """Read who is on duty now and next in the worker; the labels change when it comes (a
        read still under way is superseded: only the newest answer is shown)."""
        ctx = self.ctx
        self.read_at = time.monotonic()

        def read() -> tuple[OnDuty, str]:
            state = duty.now_on_duty(ctx)
            return state, (_nobody_now(ctx) if state.day is None else "")

        return self.reads.start(read, self._show)

    def _failed(self, exc: BaseException) -> None:  # a panel must not break the page
        self.now_label.setText(f"正在值班：无法读取（{explain(exc)}）")
        self.refreshed.emit()

    def _show(self, result: tuple[OnDuty, str]) -> None:
        self.state = state = result[0]
        if state.day is None:
            self.now_label.setText("正在值班：" + result[1])
        else:
            shift = "" if state.shift == "全天" else state.shift
            self.now_label.setText(
                f"<b>正在值班</b>（{state.day.month}月{state.day.day}日{shift}）：{_people(state.people)}")
        if state.next_day is None:
            self.next_label.setText("下一班：未安排")
        else:
            shift = "" if state.next_shift == "全天" else state.next_shift
            self.next_label.setText(f"下一班（{state.next_day.month}月{state.next_day.day}日{shift}）："
                                    f"{_people(state.next_people)}")
        self.refreshed.emit()
