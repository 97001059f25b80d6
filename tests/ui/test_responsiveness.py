"""The GUI keeps serving events while long work runs in the worker (``app.ui.kit.worker.run_task``):
a year roster solve and a batch render of 200 documents. A 10 ms ``QTimer`` on the GUI thread
records the gaps between its ticks; none may exceed 100 ms.

Margin: the test machines are shared (2 cores, often a load of 4–15), so a thread can wait for a
core, or for the GIL hand-over from the busy worker, longer than 100 ms — no code of ours could
prevent that (seen: 109–136 ms gaps at load 4 while the GUI thread itself was idle). A gap over
100 ms therefore fails when the GUI thread's OWN CPU time (``time.thread_time``) filled at least
half of it, or more than 100 ms of it however long the gap (a load of 9 on 2 cores stretched
300 ms of GUI-thread work to a 1.2 s gap) — work done on the GUI thread, what this test guards
against — and any gap over 250 ms fails while the process was busy (process CPU ≥ a third of
the gap), which also catches a GUI thread that merely waits (a lock, a sleep, a query) or a
worker call that holds the GIL.
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

from app.ui.kit.worker import run_task
from app.ui.qt import QTimer
from tests.conftest import seed_sqlite

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
        self.gaps.append(tuple((a - b) * 1000 for a, b in zip(now, self._last, strict=True)))  # type: ignore[arg-type]
        self._last = now

    def start(self) -> None:
        self._last = self._now()
        self.timer.start()

    def ours(self) -> list[float]:
        """Gaps the program caused (see the module docstring for the margin)."""
        return [wall for wall, proc, gui in self.gaps
                if wall > LIMIT_MS and (gui > LIMIT_MS or gui >= wall / 2
                                        or (wall > CEILING_MS and proc >= wall / 3))]


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


# ---- pages: their own refreshes, measured on a database (a seeded office copy, or a test's) ----
def _page_ctx(url: str):  # type: ignore[no-untyped-def]
    import tempfile

    from app.domain.security import Clearance, Role
    from app.services.context import Actor, ServiceContext
    from app.storage.migrate import open_database

    engine = open_database(url, Path(tempfile.mkdtemp()) / "backups")
    return ServiceContext(engine, Actor(None, "bench", Role.ADMIN, Clearance.INTERNAL, "测试"))


def seeded_incidents(n: int, folder: Path) -> str:
    """A database in ``folder`` with ``n`` incidents (5 % open, many overdue) seeded like
    ``benchmarks/bench_incidents.py`` around the real time now, and its first ``open_clocks``
    done (that one records the misses; the timer's refreshes come after it)."""
    from app.services.incidents import reports as incidents
    from app.storage.migrate import open_database
    from benchmarks.bench_incidents import seed

    url = f"sqlite:///{folder / 'incidents.sqlite3'}"
    seed_sqlite(url)
    engine = open_database(url, folder / "backups")
    seed(engine, n, dt.datetime.now().replace(microsecond=0))
    engine.dispose()
    incidents.open_clocks(_page_ctx(url))
    return url


def _incidents_page(ctx):  # type: ignore[no-untyped-def]
    """The 突发事件 page's clock refresh (the 30 s timer's work) five times in a row."""
    from app.ui.incidents.page import IncidentsPage

    page = IncidentsPage(ctx)
    page.show()
    return page, page.refresh_clocks, getattr(page, "clocks_refreshed", None)


def _duty_log_page(ctx):  # type: ignore[no-untyped-def]
    """The 值班记录 list reloaded (a search, a save) five times."""
    from app.ui.duty.log_tab import LogTab

    tab = LogTab(ctx)
    tab.show()
    return tab, tab.model.reload, getattr(tab.model, "loaded", None)


def _audit_page(ctx):  # type: ignore[no-untyped-def]
    """The 审计 viewer's query (查询) five times."""
    from app.ui.security.page import AuditViewer

    viewer = AuditViewer(ctx)
    viewer.show()
    return viewer, viewer.search, getattr(viewer.model, "loaded", None)


def _duty_log_search_page(ctx):  # type: ignore[no-untyped-def]
    """The same with a search text (a LIKE over every entry: no index helps)."""
    tab, _reload, finished = _duty_log_page(ctx)
    return tab, lambda: tab.model.reload("值班"), finished


def _audit_search_page(ctx):  # type: ignore[no-untyped-def]
    """The audit query filtered by user (a LIKE over the whole log) over the last 30 days."""
    viewer, search, finished = _audit_page(ctx)
    viewer.user_edit.setText("sys")
    return viewer, search, finished


def _documents_scroll_page(ctx):  # type: ignore[no-untyped-def]
    """The 公文 list: the scroll bar dragged to a new place in the list (a page never read)."""
    from app.ui.documents.page import DocumentsPage

    page = DocumentsPage(ctx)
    page.resize(1200, 800)
    page.show()
    model, jumps = page.model, [0]

    def jump() -> None:
        jumps[0] += 1
        model.cache.clear()
        page.view.scrollTo(model.index(model.total * jumps[0] // 7, 0))

    return page, jump, getattr(model, "page_arrived", None)


PAGES = {"incidents": _incidents_page, "documents_scroll": _documents_scroll_page, "duty_log": _duty_log_page, "audit": _audit_page,
         "duty_log_search": _duty_log_search_page, "audit_search": _audit_search_page}


def measure_page(name: str, url: str, times: int = 5) -> dict:
    """Build page ``name`` on ``url`` (not measured), let its first load finish, then trigger its
    refresh ``times`` times, each after the previous one's result arrived, while the meter runs."""
    from app.ui.qt import QApplication, QEventLoop

    app = QApplication.instance() or QApplication([])
    ctx = _page_ctx(url)
    page, refresh, finished = PAGES[name](ctx)
    loop = QEventLoop()
    left = [times]

    def settle(ms: int = 300) -> None:
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def next_refresh() -> None:
        if left[0] == 0:
            loop.quit()
            return
        left[0] -= 1
        started = time.perf_counter()
        refresh()
        took.append((time.perf_counter() - started) * 1000)
        if finished is None:  # a synchronous refresh: done when it returns
            QTimer.singleShot(20, next_refresh)

    took: list[float] = []
    settle(1500)  # the first load (the page may read in the background)
    if finished is not None:
        finished.connect(lambda *_: QTimer.singleShot(20, next_refresh))
    gc.collect()
    meter = GapMeter()
    meter.start()
    wall = time.perf_counter()
    QTimer.singleShot(0, next_refresh)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    guard.start(120_000)
    loop.exec()
    wall = (time.perf_counter() - wall) * 1000
    meter.timer.stop()
    page.close()
    del app
    return {"done": left[0] == 0, "error": None, "ticks": len(meter.gaps), "ours": meter.ours(),
            "worst": max((g[0] for g in meter.gaps), default=0.0), "wall_ms": wall,
            "gui_call_ms": took, "big": [[round(x) for x in g] for g in meter.gaps if g[0] > 100]}


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


def _measure_in_child(name: str, *args: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-m", "tests.ui.test_responsiveness", name, *args],
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


def test_incident_clock_refresh_keeps_the_event_loop_serving(tmp_path):
    """1 000 incidents, 50 of them open with overdue clocks: the 突发事件 page's timer refresh
    (read in the worker, table filled once) leaves no gap (before: 0.7–1.2 s per refresh at
    2 000 incidents, all on the GUI thread)."""
    url = seeded_incidents(1000, tmp_path)
    r = _measure_in_child("incidents", url)
    assert r["done"] and r["ticks"] >= 20
    assert r["ours"] == [], f"event-loop gaps over {LIMIT_MS} ms: {r['big']} (max {r['worst']:.0f})"


def test_the_meter_reports_a_busy_gui_thread(qtbot):
    """The criterion can fail: 300 ms of work on the GUI thread is reported."""
    meter = GapMeter()
    meter.start()
    qtbot.waitUntil(lambda: len(meter.gaps) >= 2)  # the meter is ticking
    ticks = len(meter.gaps)
    # 300 ms of the GUI thread's own CPU, not of the wall clock: on a loaded machine a 300 ms
    # wall-clock spin got under a third of a core and was (rightly) forgiven as the machine's wait
    end = time.thread_time() + 0.3
    while time.thread_time() < end:
        pass
    qtbot.waitUntil(lambda: len(meter.gaps) > ticks)  # the first tick after the busy spell
    meter.timer.stop()
    assert any(g >= 300 for g in meter.ours()), meter.gaps[ticks - 1:]


if __name__ == "__main__":
    if len(sys.argv) > 2:  # PAGE DB_URL: a page's refresh on that database
        print(json.dumps(measure_page(sys.argv[1], sys.argv[2])))
    else:
        print(json.dumps(measure(sys.argv[1])))
    sys.stdout.flush()
    os._exit(0)  # see tests/conftest.py: no interpreter finalisation after a Qt session
