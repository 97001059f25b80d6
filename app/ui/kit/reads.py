"""``LatestRead``: what a page or tab shows, read in the worker, the newest answer only.

    self.reads = LatestRead(self, on_error=self.message.error)
    self.reads.start(lambda: service.read(ctx), self._show)   # the worker reads, _show fills
    ...
    def refresh(self):          # an act of the user's reads at once, on the GUI thread,
        self.reads.supersede()  # and an answer still on its way is dropped
        self._show(service.read(self.ctx))

``start`` supersedes any read still under way (cancelled, and its answer dropped when it comes
anyway); ``reading`` says whether the last one is still out (tests wait on it). ``fn`` runs in the
worker: services only (it opens its own session), no widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.ui.kit.worker import TaskHandle, run_task
from app.ui.qt import QObject


class LatestRead:
    def __init__(self, parent: QObject,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self.parent = parent
        self.on_error = on_error
        self.task: TaskHandle | None = None
        self.generation = 0

    @property
    def reading(self) -> bool:
        return self.task is not None and not self.task.finished

    def supersede(self) -> None:
        """A newer answer is coming another way: the read under way (if any) is not shown."""
        self.generation += 1
        if self.task is not None and not self.task.finished:
            self.task.cancel()

    def start(self, fn: Callable[[], Any], apply: Callable[[Any], None]) -> TaskHandle:
        """Read ``fn()`` in the worker and ``apply`` its answer on the GUI thread, unless a newer
        read (or ``supersede``) came meanwhile."""
        self.supersede()
        n = self.generation

        def arrived(value: Any) -> None:
            if n == self.generation:
                apply(value)

        def failed(exc: BaseException) -> None:
            if n == self.generation and self.on_error is not None:
                self.on_error(exc)

        self.task = run_task(lambda _control: fn(), parent=self.parent, on_result=arrived,
                             on_error=failed)
        return self.task
