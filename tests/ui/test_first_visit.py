"""A page's first visit does the least it can on the GUI thread (issue 30): the tabs behind the
first are built when chosen, the page's reads start once it is built and painted, and the
common characters' glyphs are drawn beforehand in idle slices."""

from __future__ import annotations

import threading

from app.ui.duty.page import DutyPage
from app.ui.duty.staff_tab import StaffTab
from app.ui.fonts import GlyphWarmer, common_hanzi
from app.ui.kit import add_lazy_tab, index_of, show_tab, tab_content, worker
from app.ui.qt import QLabel, QTabWidget


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


def test_reads_a_result_starts_wait_for_the_paint_it_causes(qtbot):
    """A result applied on the GUI thread often starts the next read (the list's first row's
    detail); that read starts once the events the result posted (its paint) are delivered."""
    import time

    from app.ui.qt import QApplication, QEvent, QObject

    delivered = threading.Event()

    class Painted(QObject):
        def event(self, event: QEvent) -> bool:
            if event.type() == QEvent.Type.User:
                delivered.set()
                return True
            return super().event(event)

    target = Painted()
    seen: list[bool] = []

    def first_arrived(_value: int) -> None:
        QApplication.postEvent(target, QEvent(QEvent.Type.User))  # (as a paint is posted)
        worker.run_task(lambda _c: seen.append(delivered.is_set()))
        time.sleep(0.2)  # the GUI thread still applying the result: a read started now would run

    worker.run_task(lambda _c: 1, on_result=first_arrived)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [True]  # it ran after the posted event was delivered
