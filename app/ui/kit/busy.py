"""Background work with its progress on the page's message line, in one call.

    self.task = run_busy(self.message, fn, *args, busy="正在导出……", on_result=...,
                         cancellable=True)

``fn(control, *args, **kwargs)`` runs in the worker (``app.ui.kit.worker.run_task``: same rules —
it never touches a widget and opens its own session). Meanwhile the line shows ``busy`` with a
running bar, the percentage once ``fn`` calls ``control.progress``, and — with ``cancellable`` —
a 取消 button that cancels the task (``fn`` stops at its next ``control.check()``). When the work
ends, the bar and the button go, then the outcome is told:

* a result goes to ``on_result``; without one, a string result is shown on the line (``ok``);
* an error goes to ``on_error``; without one, the line shows it (``error``);
* a cancelled task calls ``on_cancelled``; without one, the line says “已取消。”.

The task belongs to ``parent`` (default: the line, which belongs to its page): when that widget
goes, the outcome is dropped. Several tasks may share a line; the bar shows the latest, and only
its end hides it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.ui.kit.message_line import MessageLine
from app.ui.kit.worker import TaskHandle, run_task
from app.ui.qt import QObject

CANCELLED = "已取消。"


def run_busy(
    line: MessageLine,
    fn: Callable[..., Any],
    *args: Any,
    busy: str = "正在处理……",
    on_result: Callable[[Any], object] | None = None,
    on_error: Callable[[BaseException], object] | None = None,
    on_progress: Callable[[int, str], object] | None = None,
    on_cancelled: Callable[[], object] | None = None,
    cancellable: bool = False,
    parent: QObject | None = None,
    **kwargs: Any,
) -> TaskHandle:
    """Run ``fn`` in the background with ``line`` showing it (see the module's docstring)."""
    holder: list[TaskHandle] = []

    def end() -> bool:
        """Hide the bar if this task is still the one the line shows; False when the line (and
        so the page) is gone."""
        try:
            if holder and line.owner is holder[0]:
                line.idle()
        except RuntimeError:  # the line was deleted: nobody to tell
            return False
        return True

    def succeeded(value: Any) -> None:
        if not end():
            return
        if on_result is not None:
            on_result(value)
        elif isinstance(value, str):
            line.ok(value)

    def failed(exc: BaseException) -> None:
        if not end():
            return
        if on_error is not None:
            on_error(exc)
        else:
            line.error(exc)

    def cancelled() -> None:
        if not end():
            return
        if on_cancelled is not None:
            on_cancelled()
        else:
            line.say(CANCELLED)

    def progressed(percent: int, text: str) -> None:
        if holder and line.owner is holder[0]:
            line.progress(percent, text)
        if on_progress is not None:
            on_progress(percent, text)

    handle = run_task(fn, *args, on_result=succeeded, on_error=failed, on_progress=progressed,
                      on_cancelled=cancelled, parent=parent if parent is not None else line,
                      **kwargs)
    holder.append(handle)
    line.busy(busy, cancel=handle.cancel if cancellable else None)
    line.owner = handle
    return handle
