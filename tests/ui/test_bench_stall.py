"""The stall meter of ``benchmarks/bench_stall.py`` finds a stall and says where it was: a
GUI-thread function that holds the thread (a sleep, and a busy loop) is reported as a gap of
about its length, in the phase it ran in, with the function named and — for the busy loop, not
the sleep — the GUI thread's own CPU time in the gap."""

from __future__ import annotations

import threading
import time

from app.ui.qt import QEventLoop, QTimer
from benchmarks.bench_stall import TICK_MS, Watch


def _spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def sleeps_on_the_gui_thread() -> None:
    time.sleep(0.3)


def works_on_the_gui_thread() -> None:
    end = time.thread_time() + 0.25
    while time.thread_time() < end:
        pass


def test_a_stall_is_measured_and_located(qapp):
    watch = Watch()
    ticker = QTimer()
    ticker.timeout.connect(watch.tick)
    ticker.start(TICK_MS)
    dog = threading.Thread(target=watch.watchdog, daemon=True)
    dog.start()
    try:
        watch.restart("quiet")
        _spin(200)
        watch.restart("sleep")
        QTimer.singleShot(20, sleeps_on_the_gui_thread)
        _spin(500)
        watch.restart("work")
        QTimer.singleShot(20, works_on_the_gui_thread)
        _spin(500)
    finally:
        watch.stop.set()
        ticker.stop()
        dog.join(5)
    by_phase = {phase: (ms, cpu, where) for ms, cpu, phase, where, *_ in watch.gaps}
    # each gap also carries the GUI thread's wait for a core and the machine's steal time
    assert all(queued >= 0 and steal >= 0 for *_, queued, steal in watch.gaps)
    ms, cpu, where = by_phase["sleep"]
    assert 290 <= ms < 2000 and cpu < 100 and "sleeps_on_the_gui_thread" in where
    ms, cpu, where = by_phase["work"]
    assert 240 <= ms < 2000 and cpu >= 240 and "works_on_the_gui_thread" in where
    assert watch.worst["quiet"] < 300  # (a loaded machine stretches a 5 ms tick, not this far)
