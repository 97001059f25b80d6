"""The background-task helper: results, errors, progress and cancel arrive on the GUI thread."""

from __future__ import annotations

import threading

from app.errors import InputError
from app.ui.kit.worker import run_task
from app.ui.qt import QApplication, QThread


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


def _gate():
    """A task that waits until released, so the test decides when its result arrives."""
    started, release = threading.Event(), threading.Event()

    def work(control):
        started.set()
        assert release.wait(5)
        return "answer"

    return work, started, release


def test_result_for_a_deleted_receiver_is_dropped(qtbot):
    """The page waiting for the answer was closed and deleted meanwhile: nothing is called,
    nothing raises, and the task no longer counts as running."""
    from app.ui.kit import worker
    from app.ui.qt import QWidget, qt_alive

    work, started, release = _gate()
    page = QWidget()
    calls = []
    handle = run_task(work, on_result=calls.append, on_error=calls.append, parent=page)
    handle.done.connect(lambda: calls.append("done"))
    assert started.wait(5) and handle in worker._running.values()
    page.deleteLater()
    qtbot.waitUntil(lambda: not qt_alive(handle))
    assert handle not in worker._running.values()
    release.set()
    assert worker.wait_for_all(5000)
    # the finished job's delivery (if any reached the queue) is processed, and dropped
    QApplication.processEvents()
    assert calls == []


def test_receiver_deleted_by_its_own_callback(qtbot):
    """The callback ends its receiver's life (a dialog accepted and let go): the rest of the
    delivery (``done``) is dropped instead of raising 'Signal source has been deleted'."""
    from app.ui.qt import QDialog

    class Holder:
        dialog: QDialog | None = None

    holder = Holder()
    holder.dialog = QDialog()  # owned by Python only, as the sign-in controller holds it
    seen = []

    def answered(value):
        seen.append(value)
        holder.dialog = None  # the last reference: the dialog and its handle are deleted

    handle = run_task(lambda _c: 42, on_result=answered, parent=holder.dialog)
    destroyed = handle.destroyed
    with qtbot.waitSignal(destroyed, timeout=5000):
        pass
    assert seen == [42]
    assert not handle.alive and handle.finished


STRESS = r"""
import os, random, sys, threading, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from app.ui.qt import QApplication, QWidget
app = QApplication([])
from app.ui.kit import run_task, wait_for_all
from app.ui.kit import worker

random.seed(7)
shown = []
pages = []
for i in range(3000):
    page = QWidget()
    pages.append(page)
    delay = random.random() / 2000
    run_task(lambda _c, d=delay, n=i: (time.sleep(d), n)[1], parent=page,
             on_result=shown.append, on_error=shown.append)
    if i % 3 == 0:  # a page closed while its answer is on the way
        victim = pages.pop(random.randrange(len(pages)))
        victim.deleteLater()
    app.processEvents()
wait_for_all(10_000)
for _ in range(20):
    app.processEvents()
    time.sleep(0.005)
alive = len(pages)
print(len(shown) >= alive and not worker._running, len(shown), alive)
"""


def test_pages_closed_while_their_reads_finish_never_crash():
    """Hundreds of tasks whose pages are deleted while the answers are being delivered: the
    workers emit on the relay, never on a handle the GUI thread may be deleting (that race
    crashed the process — a segfault in the worker's emit — now and then in CI). Run in a child
    process so that a crash is this test's failure, not the test worker's."""
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run([sys.executable, "-c", STRESS], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    ok, _shown, _alive = out.stdout.split()
    assert ok == "True", out.stdout


def test_after_paints_calls_back_once_a_shown_widget_has_painted_a_change(qtbot):
    """``after_paints``: the call comes after the paint of a change made before it (a zero
    timer comes before that paint), and not at all when its owner is gone by then."""
    from app.ui.kit import after_paints
    from app.ui.qt import QEvent, QLabel, QObject, QTimer

    label = QLabel("甲")
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    qtbot.wait(50)  # its first paint is behind it
    order: list[str] = []

    class Paints(QObject):
        def eventFilter(self, _obj, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint:
                order.append("paint")
            return False

    paints = Paints()
    label.installEventFilter(paints)
    label.setText("乙")  # posts its repaint
    QTimer.singleShot(0, lambda: order.append("zero timer"))
    after_paints(label, lambda: order.append("after paints"))
    gone = QObject()
    after_paints(gone, lambda: order.append("owner gone"))
    gone.deleteLater()
    qtbot.waitUntil(lambda: "after paints" in order)
    qtbot.wait(20)
    assert order.index("zero timer") < order.index("paint") < order.index("after paints")
    assert "owner gone" not in order


def test_gui_busy_from_a_hold_until_its_paints_are_delivered_and_a_moment_more(qtbot):
    """``gui_busy()``: what idle work on the GUI thread (the pages' module imports) asks."""
    import time

    from app.ui.kit import worker

    worker.run_task(lambda _c: None)  # (the relay and its pacer exist from the first task)
    assert worker.wait_for_all(5000)
    qtbot.wait(worker.SETTLE_MS + 20)
    assert not worker.gui_busy()
    with worker.held():
        assert worker.gui_busy()  # a page being built
    assert worker.gui_busy()  # its release is not delivered yet
    qtbot.waitUntil(lambda: worker._pacer[0].spells == 0)
    released = time.monotonic()
    assert worker.gui_busy() or time.monotonic() - released >= worker.SETTLE_MS / 1000
    qtbot.wait(worker.SETTLE_MS + 20)
    assert not worker.gui_busy()
