"""The GUI keeps serving events while long work runs in the worker (``app.ui.worker.run_task``):
a year roster solve and a batch render of 200 documents. A 10 ms ``QTimer`` on the GUI thread
records the gaps between its ticks; none may exceed 100 ms.

Margin: the test machines are shared (2 cores, often a load of 10+), so the operating system can
deschedule the whole process for longer than 100 ms — no code of ours could prevent that. A gap
therefore counts as ours only if the GUI thread's own CPU time was not what was missing: gaps
during which the process got less than a third of the wall time on ANY core (measured with
``time.process_time`` over the gap) are reported but not failed. Work on the GUI thread (the
thing this test guards against) burns CPU and is always caught; so is a GUI thread that merely
waits (a lock, a sleep, a query), because the job keeps the process busy meanwhile — checked by
hand with a 300 ms sleep and a 100 ms loop on the GUI thread: both were reported as ours.
"""

from __future__ import annotations

import datetime as dt
import time

from app.ui.qt import QTimer
from app.ui.worker import run_task

LIMIT_MS = 100.0


class GapMeter:
    """Ticks every 10 ms and keeps (wall gap, process CPU during the gap) per tick."""

    def __init__(self) -> None:
        self.gaps: list[tuple[float, float]] = []
        self._last = (time.perf_counter(), time.process_time())
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = (time.perf_counter(), time.process_time())
        self.gaps.append(((now[0] - self._last[0]) * 1000, (now[1] - self._last[1]) * 1000))
        self._last = now

    def start(self) -> None:
        self._last = (time.perf_counter(), time.process_time())
        self.timer.start()

    def ours(self) -> list[float]:
        """Gaps over the limit while the process was running (not starved by the machine)."""
        return [wall for wall, cpu in self.gaps if wall > LIMIT_MS and cpu >= wall / 3]


def _run_while_measuring(qtbot, fn, *args) -> GapMeter:
    meter = GapMeter()
    done: list[object] = []
    meter.start()
    run_task(fn, *args, on_result=done.append, on_error=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=120_000)
    meter.timer.stop()
    assert not isinstance(done[0], BaseException), done[0]
    assert len(meter.gaps) >= 20  # the loop really ran while the job did
    return meter


def test_year_roster_solve_keeps_the_event_loop_serving(qtbot):
    from app.domain.roster import solve
    from benchmarks.bench_roster import make_problem

    problem = make_problem(dt.date(2025, 1, 1), dt.date(2025, 12, 31), seed=3)

    def job(control):  # type: ignore[no-untyped-def]
        return solve(problem, time_limit=4.0, workers=1)

    meter = _run_while_measuring(qtbot, job)
    worst = max(w for w, _ in meter.gaps)
    assert meter.ours() == [], f"event-loop gaps over {LIMIT_MS} ms: {meter.ours()} (max {worst:.0f})"


def test_batch_render_of_200_documents_keeps_the_event_loop_serving(qtbot):
    from app.typeset import render
    from tests.services.documents_helpers import notice

    descs = [notice(title=f"关于做好第{i + 1}批春节期间值班工作的通知") for i in range(200)]

    def job(control):  # type: ignore[no-untyped-def]
        sizes = []
        for d in descs:
            control.check()
            sizes.append(len(render(d, "pdf").data))
        return sizes

    meter = _run_while_measuring(qtbot, job)
    worst = max(w for w, _ in meter.gaps)
    assert meter.ours() == [], f"event-loop gaps over {LIMIT_MS} ms: {meter.ours()} (max {worst:.0f})"
