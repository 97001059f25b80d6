"""Cyclic garbage is collected on the GUI thread only (``app/heap.py``, ``app/ui/collector.py``):
a pass triggered by a worker's allocation destroyed the Qt objects it freed on the worker thread
(a parentless list model in a cycle with its reads' callbacks crashed the process now and then)."""

from __future__ import annotations

import gc
import threading

from app.ui import collector
from app.ui.kit import worker
from app.ui.qt import QObject, Qt


def test_cycles_are_collected_by_the_gui_threads_timer_not_by_a_worker(qtbot):
    running = collector.start()
    assert collector.start() is running  # one per process
    assert not gc.isenabled() and running.timer.isActive()
    assert running.timer.thread() is QObject().thread()  # (the GUI thread's)

    where: list[threading.Thread] = []
    obj = QObject()
    obj.destroyed.connect(lambda *_: where.append(threading.current_thread()),
                          Qt.ConnectionType.DirectConnection)
    obj.itself = obj  # a reference cycle: only the collector frees it
    del obj
    got: list[int] = []

    def churn(_control: object) -> int:  # would trigger collections with Python's defaults
        junk = [[] for _ in range(300_000)]
        return len(junk)

    worker.run_task(churn, on_result=got.append)
    qtbot.waitUntil(lambda: got == [300_000], timeout=15_000)
    assert where == []  # the worker's allocations collected nothing
    passes = sum(running.passes)
    qtbot.waitUntil(lambda: bool(where), timeout=5_000)  # the timer's next pass (every second)
    assert where == [threading.main_thread()] and sum(running.passes) > passes
