"""The GUI keeps serving events while long work runs in the worker (``app.ui.worker.run_task``):
a year roster solve and a batch render of 200 documents. A 10 ms ``QTimer`` on the GUI thread
records the gaps between its ticks; none may exceed 100 ms.

Margin: the test machines are shared (2 cores, often a load of 4–15), so a thread can wait for a
core, or for the GIL hand-over from the busy worker, longer than 100 ms — no code of ours could
prevent that (seen: 109–136 ms gaps at load 4 while the GUI thread itself was idle). A gap over
100 ms therefore fails when the GUI thread's OWN CPU time (``time.thread_time``) filled at least
half of it — work done on the GUI thread, what this test guards against — and any gap over
250 ms fails while the process was busy (process CPU ≥ a third of the gap), which also catches a
GUI thread that merely waits (a lock, a sleep, a query) or a worker call that holds the GIL.
Checked by hand: a 300 ms sleep and a 100 ms loop on the GUI thread are both reported.

Each measurement runs in a fresh process (``python -m tests.ui.test_responsiveness JOB``): at the
end of a 1 100-test session the test process carries every earlier test's leftovers (objects,
timers, windows), and a gap they cause says nothing about the program. The child builds a
QApplication, runs the job through ``run_task`` and prints the gaps as JSON.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from app.ui.qt import QTimer
from app.ui.worker import run_task

ROOT = Path(__file__).resolve().parents[2]
LIMIT_MS = 100.0
CEILING_MS = 250.0


class GapMeter:
    """Ticks every 10 ms and keeps (wall gap, process CPU, GUI-thread CPU) per tick, in ms."""

    def __init__(self) -> None:
        self.gaps: list[tuple[float, float, float]] = []
        self._last = self._now()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    @staticmethod
    def _now() -> tuple[float, float, float]:
        return time.perf_counter(), time.process_time(), time.thread_time()

    def _tick(self) -> None:
        now = self._now()
        self.gaps.append(tuple((a - b) * 1000 for a, b in zip(now, self._last)))  # type: ignore[arg-type]
        self._last = now

    def start(self) -> None:
        self._last = self._now()
        self.timer.start()

    def ours(self) -> list[float]:
        """Gaps the program caused (see the module docstring for the margin)."""
        return [wall for wall, proc, gui in self.gaps
                if wall > LIMIT_MS and (gui >= wall / 2 or (wall > CEILING_MS and proc >= wall / 3))]


def _roster_job():
    from app.domain.roster import solve
    from benchmarks.bench_roster import make_problem

    problem = make_problem(dt.date(2025, 1, 1), dt.date(2025, 12, 31), seed=3)

    def job(control):  # type: ignore[no-untyped-def]
        return solve(problem, time_limit=4.0, workers=1)

    return job


def _render_job():
    from app.typeset import render
    from tests.services.documents_helpers import notice

    descs = [notice(title=f"关于做好第{i + 1}批春节期间值班工作的通知") for i in range(200)]

    def job(control):  # type: ignore[no-untyped-def]
        sizes = []
        for d in descs:
            control.check()
            sizes.append(len(render(d, "pdf").data))
        return sizes

    return job


JOBS = {"roster": _roster_job, "render": _render_job}


def measure(name: str) -> dict:
    """Run job ``name`` in the worker while the GUI thread's timer measures (in this process)."""
    from app.ui.qt import QApplication, QEventLoop

    app = QApplication.instance() or QApplication([])
    job = JOBS[name]()
    gc.collect()
    meter = GapMeter()
    done: list[object] = []
    loop = QEventLoop()
    meter.start()
    run_task(job, on_result=lambda r: (done.append(r), loop.quit()),
             on_error=lambda e: (done.append(e), loop.quit()))
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    guard.start(120_000)
    loop.exec()
    meter.timer.stop()
    del app
    return {"done": bool(done), "error": repr(done[0]) if done and isinstance(done[0], BaseException)
            else None, "ticks": len(meter.gaps), "ours": meter.ours(),
            "worst": max((g[0] for g in meter.gaps), default=0.0)}


def _measure_in_child(name: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-m", "tests.ui.test_responsiveness", name],
                         check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_year_roster_solve_keeps_the_event_loop_serving():
    r = _measure_in_child("roster")
    assert r["done"] and r["error"] is None and r["ticks"] >= 20  # the loop really ran
    assert r["ours"] == [], f"event-loop gaps over {LIMIT_MS} ms: {r['ours']} (max {r['worst']:.0f})"


def test_batch_render_of_200_documents_keeps_the_event_loop_serving():
    r = _measure_in_child("render")
    assert r["done"] and r["error"] is None and r["ticks"] >= 20
    assert r["ours"] == [], f"event-loop gaps over {LIMIT_MS} ms: {r['ours']} (max {r['worst']:.0f})"


def test_the_meter_reports_a_busy_gui_thread(qtbot):
    """The criterion can fail: 300 ms of work on the GUI thread is reported."""
    meter = GapMeter()
    meter.start()
    qtbot.wait(50)
    end = time.perf_counter() + 0.3
    while time.perf_counter() < end:
        pass
    qtbot.wait(50)
    meter.timer.stop()
    assert any(g >= 300 for g in meter.ours())


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
    sys.stdout.flush()
    os._exit(0)  # see tests/conftest.py: no interpreter finalisation after a Qt session
