"""A page's first visit does the least it can on the GUI thread (issue 30): the tabs behind the
first are built when chosen, the page's reads start once it is built and painted, and the
common characters' glyphs are drawn beforehand in idle slices."""

from __future__ import annotations

import threading

from app.ui.duty.page import DutyPage
from app.ui.duty.staff_tab import StaffTab
from app.ui.fonts import GlyphWarmer, common_hanzi
from app.ui.kit import add_lazy_tab, index_of, show_tab, tab_content, worker
from app.ui.qt import QEvent, QLabel, QObject, QTabWidget


def test_lazy_tab_builds_its_content_once_when_first_shown(qtbot):
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QLabel("first"), "一")
    built: list[QLabel] = []

    def build() -> QLabel:
        built.append(QLabel("second"))
        return built[-1]

    place = add_lazy_tab(tabs, "二", build)
    tabs.show()
    assert built == [] and not place.is_built  # not shown yet: nothing built
    tabs.setCurrentIndex(1)
    assert len(built) == 1 and place.is_built and built[0].isVisible()
    assert tab_content(tabs.currentWidget()) is built[0]
    assert index_of(tabs, built[0]) == 1 and index_of(tabs, QLabel()) == -1
    tabs.setCurrentIndex(0)
    show_tab(tabs, built[0])
    assert tabs.currentIndex() == 1 and len(built) == 1  # built once


def test_duty_page_first_visit_builds_the_roster_tab_only(qtbot, admin_ui_ctx):
    page = DutyPage(admin_ui_ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: not page.roster.reading)
    places = [page.staff_place, page.log_place, page.handover_place]
    assert [p.is_built for p in places] == [False, False, False]
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        "值班表", "人员", "值班记录", "交接班"]
    page.tabs.setCurrentIndex(1)  # chosen: built and read in the worker
    assert page.staff_place.is_built and isinstance(page.staff, StaffTab)
    qtbot.waitUntil(lambda: not page.staff.reading)
    assert [p.is_built for p in places] == [True, False, False]
    page.show_handover()  # the 工作台's 交接班 item
    assert page.tabs.currentWidget() is page.handover_place and page.handover.isVisible()


def test_tasks_started_while_held_wait_for_the_event_loop(qtbot):
    ran = threading.Event()
    got: list[int] = []
    with worker.held():
        worker.run_task(lambda _control: ran.set() or 7, on_result=got.append)
        assert not ran.wait(0.2)  # held while the page builds
    assert not ran.wait(0.2)  # and until the GUI thread is back in its event loop
    qtbot.waitUntil(lambda: got == [7])
    assert ran.is_set()
    again = threading.Event()
    with worker.held():  # nested holds release together, at the outer end
        with worker.held():
            worker.run_task(lambda _control: again.set() or 8, on_result=got.append)
        assert not again.wait(0.2)
    qtbot.waitUntil(lambda: got == [7, 8])


def test_glyph_warmer_draws_the_common_characters_in_both_weights(qtbot):
    chars = common_hanzi()
    assert len(chars) == 3755 and all(c in chars for c in "的一是在不了有和人这中大为上个国")
    warmer = GlyphWarmer()
    slices = -(-len(chars) // GlyphWarmer.SLICE)
    assert warmer.remaining == 2 * slices  # regular and bold
    weights = {font.bold() for font, _ in warmer._work}
    assert weights == {False, True}
    assert "".join(text for font, text in warmer._work if not font.bold()) == chars
    with qtbot.waitSignal(warmer.done, timeout=30_000):
        warmer.start()
    assert warmer.remaining == 0 and not warmer._timer.isActive()


def test_a_tasks_function_is_let_go_on_the_gui_thread(qtbot):
    """A task's function often holds its page; the worker must not drop the last reference (a
    parentless widget would be deleted on the worker thread)."""
    from app.ui.qt import QObject, Qt

    where: list[threading.Thread] = []
    held_only_by_the_task = QObject()
    held_only_by_the_task.destroyed.connect(
        lambda *_: where.append(threading.current_thread()), Qt.ConnectionType.DirectConnection)
    go = threading.Event()

    def fn(_control, obj=held_only_by_the_task):
        go.wait(5)
        return 1

    got: list[int] = []
    handle = worker.run_task(fn, on_result=got.append)
    del fn, held_only_by_the_task
    go.set()
    qtbot.waitUntil(lambda: got == [1] and bool(where))
    assert where == [threading.main_thread()] and handle.finished


class _Painted(QObject):
    """Receives a posted ``User`` event standing in for a paint; ``delivered`` once it came."""

    def __init__(self) -> None:
        super().__init__()
        self.delivered = threading.Event()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.User:
            self.delivered.set()
            return True
        return super().event(event)


def test_reads_a_result_starts_wait_for_the_paint_it_causes(qtbot):
    """A result applied on the GUI thread often starts the next read (the list's first row's
    detail); that read starts once the events the result posted (its paint) are delivered."""
    import time

    from app.ui.qt import QApplication, QEvent

    target = _Painted()
    delivered = target.delivered
    seen: list[bool] = []

    def first_arrived(_value: int) -> None:
        QApplication.postEvent(target, QEvent(QEvent.Type.User))  # (as a paint is posted)
        worker.run_task(lambda _c: seen.append(delivered.is_set()))
        time.sleep(0.2)  # the GUI thread still applying the result: a read started now would run

    worker.run_task(lambda _c: 1, on_result=first_arrived)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [True]  # it ran after the posted event was delivered


def test_a_windows_first_reads_wait_for_its_first_paint(qtbot):
    """Events posted while a window is built are delivered *before* its first paint once it is
    shown (offscreen and xcb alike), so a window's first reads wait for the paint itself."""
    import time

    from app.ui.qt import QEvent, QObject, QWidget

    ran = threading.Event()
    at_first_paint: list[bool] = []

    class Watch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and not at_first_paint:
                time.sleep(0.1)  # a read started before the paint would have run by now
                at_first_paint.append(ran.is_set())
            return False

    window = QWidget()
    qtbot.addWidget(window)
    watch = Watch()
    window.installEventFilter(watch)
    got: list[int] = []
    with worker.held(after_paint_of=window):
        worker.run_task(lambda _c: ran.set() or 1, on_result=got.append)
    window.resize(300, 200)
    window.show()
    qtbot.waitUntil(lambda: got == [1])
    assert at_first_paint == [False]  # the read had not run when the window first painted

    # a window built and never shown starts its reads at once (tests, a hidden window)
    hidden = QWidget()
    qtbot.addWidget(hidden)
    with worker.held(after_paint_of=hidden):
        worker.run_task(lambda _c: 2, on_result=got.append)
    qtbot.waitUntil(lambda: got == [1, 2])


def test_workers_wait_at_a_checkpoint_while_the_gui_thread_is_busy(qtbot, monkeypatch):
    """A worker's SQL statements pause while the GUI thread builds something and until the
    paints it posted are delivered (``held``); never on the GUI thread; never without bound."""
    import time

    from app import pacing
    from app.ui.qt import QApplication, QEvent

    worker.run_task(lambda _c: None)  # the pacer is installed with the relay
    qtbot.waitUntil(lambda: worker.wait_for_all(100))
    target = _Painted()
    delivered = target.delivered
    passed: list[bool] = []
    entered = threading.Event()

    def background() -> None:
        entered.set()
        pacing.checkpoint()
        passed.append(delivered.is_set())

    waits = worker.pacer_waits()
    monkeypatch.setattr(worker, "SPELL_MS", 10_000)  # (a loaded machine: no early way out)
    with worker.held():
        QApplication.postEvent(target, QEvent(QEvent.Type.User))  # (as a paint is posted)
        thread = threading.Thread(target=background)
        thread.start()
        assert entered.wait(5)
        t = time.monotonic()
        pacing.checkpoint()  # the GUI thread itself goes on
        assert time.monotonic() - t < 0.05
        time.sleep(0.1)
        assert passed == []  # the worker waits at its checkpoint
    qtbot.waitUntil(lambda: passed == [True])  # and goes on once the paint is delivered
    thread.join(5)
    assert worker.pacer_waits() == waits + 1

    # the GUI thread blocked on the workers (quitting, a test) lets them go on at once
    go = threading.Event()
    worker.run_task(lambda _c: (go.wait(5), pacing.checkpoint()))
    with worker.held():
        go.set()
        t = time.monotonic()
        assert worker.wait_for_all(20_000) and time.monotonic() - t < 5

    # a spell that never ends (its window went before it painted) holds a worker SPELL_MS at most
    from app.ui.kit.worker import _pacer

    monkeypatch.setattr(worker, "SPELL_MS", 300)
    _pacer[0].begin()
    try:
        done: list[float] = []
        t0 = time.monotonic()
        thread = threading.Thread(target=lambda: (pacing.checkpoint(),
                                                  done.append(time.monotonic() - t0)))
        thread.start()
        thread.join(5)
        assert done and 0.25 <= done[0] < 3.0
    finally:
        _pacer[0].end()
