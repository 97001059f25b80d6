"""The background-task helper: results, errors, progress and cancel arrive on the GUI thread."""

from __future__ import annotations

import threading

from app.errors import InputError
from app.ui.qt import QThread
from app.ui.worker import run_task


def test_result_arrives_on_gui_thread(qtbot):
    gui = QThread.currentThread()
    seen = {}

    def work(control, a, b):
        seen["worker_thread"] = threading.current_thread() is not threading.main_thread()
        control.progress(50, "一半")
        return a + b

    progress = []

    def on_result(value):
        seen["value"] = value
        seen["on_gui"] = QThread.currentThread() is gui

    handle = run_task(work, 2, 3, on_result=on_result, on_progress=lambda p, t: progress.append((p, t)))
    with qtbot.waitSignal(handle.done, timeout=5000):
        pass
    assert seen == {"worker_thread": True, "value": 5, "on_gui": True}
    assert progress == [(50, "一半")] and handle.finished


def test_error_is_delivered_not_raised(qtbot):
    errors = []

    def work(control):
        raise InputError("数据有误")

    handle = run_task(work, on_error=errors.append, on_result=lambda v: errors.append("nope"))
    with qtbot.waitSignal(handle.done, timeout=5000):
        pass
    assert len(errors) == 1 and isinstance(errors[0], InputError)


def test_cancel(qtbot):
    started = threading.Event()
    release = threading.Event()
    outcome = []

    def work(control):
        started.set()
        release.wait(5)
        control.check()
        return "finished"

    handle = run_task(work, on_result=outcome.append, on_cancelled=lambda: outcome.append("cancelled"))
    assert started.wait(5)
    handle.cancel()
    release.set()
    with qtbot.waitSignal(handle.done, timeout=5000):
        pass
    assert outcome == ["cancelled"]
