"""The GUI process's cyclic garbage collection, on the GUI thread (``app/heap.py``).

Once the main window is shown, Python's automatic collection is off: a pass triggered by a
worker's allocation would destroy, on the worker thread, the Qt objects whose wrappers it frees
(a parentless model in a cycle with its reads' callbacks). This timer collects instead, in the
event loop's idle time: the young generation every second, the middle one every ten seconds,
everything made since start-up (the rest is frozen) every minute.
"""

from __future__ import annotations

from app import heap
from app.ui.qt import QCoreApplication, QObject, QTimer

#: the timer's period, and how many periods between passes over the older generations
TICK_MS = 1000
MIDDLE_EVERY = 10
FULL_EVERY = 60


class Collector(QObject):
    """Collects on the GUI thread (one per process: ``start``)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ticks = 0
        self.passes = [0, 0, 0]  # per generation (tests)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)

    def tick(self) -> None:
        self.ticks += 1
        generation = 2 if self.ticks % FULL_EVERY == 0 else \
            1 if self.ticks % MIDDLE_EVERY == 0 else 0
        heap.collect(generation)
        self.passes[generation] += 1


_collector: list[Collector] = []


def start() -> Collector:
    """Settle the heap (``heap.settle``) and start collecting on the GUI thread; once per process
    (the main window calls it when first shown; a second window finds it running)."""
    if not _collector:
        heap.settle()
        collector = Collector(QCoreApplication.instance())
        collector.timer.start()
        _collector.append(collector)
    return _collector[0]
