"""No long list reads the database on the GUI thread while it is scrolled (issue 19).

A generated office (``benchmarks.generate``, tiny scale, plus incidents), the main window with
every page an administrator with 秘密 clearance sees, and on every page every view whose model is
a ``LazyTableModel`` — the one lazy, worker-fed list model — scrolled step by step to its end
and back. A SQLAlchemy ``before_cursor_execute`` listener records the thread of every statement;
while scrolling, none may run on the main (GUI) thread. Page sizes are made small so a small
office has many pages, and each list must really have read pages while being scrolled (else the
test would prove nothing)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext
from app.storage.migrate import open_database
from app.ui.kit import tab_content
from app.ui.lazy_table import LOADING, LazyTableModel
from app.ui.qt import QAbstractItemView, QTabWidget

PAGE = 5


@pytest.fixture
def small_pages(monkeypatch):
    from app.ui.documents import model as documents_model
    from app.ui.duty import log_tab
    from app.ui.incidents.page import IncidentListModel
    from app.ui.incoming import model as incoming_model
    from app.ui.minutes import board
    from app.ui.minutes import page as minutes_page
    from app.ui.security import page as security_page

    for module in (documents_model, incoming_model, log_tab, security_page, minutes_page, board):
        monkeypatch.setattr(module, "PAGE", PAGE)
    monkeypatch.setattr(IncidentListModel, "PAGE", PAGE)


@pytest.fixture
def office(tmp_path, qapp):
    from benchmarks import generate
    from benchmarks.bench_incidents import seed

    url = f"sqlite:///{tmp_path / 'office.sqlite3'}"
    generate.generate(url, scale=0.002, seed=19, log=lambda _msg: None)
    engine = open_database(url, tmp_path / "backups")
    seed(engine, 40, dt.datetime.now().replace(microsecond=0))
    yield ServiceContext(engine, Actor(None, "admin", Role.ADMIN, Clearance.SECRET, "管理员"))
    engine.dispose()


def _lists(widget) -> list[QAbstractItemView]:  # type: ignore[no-untyped-def]
    return [v for v in widget.findChildren(QAbstractItemView)
            if isinstance(v.model(), LazyTableModel) and v.isVisible()]


def _visible_rows_loaded(view: QAbstractItemView) -> bool:
    model = view.model()
    top = max(0, view.rowAt(0)) if hasattr(view, "rowAt") else 0
    bottom = view.rowAt(view.viewport().height() - 1) if hasattr(view, "rowAt") else -1
    bottom = model.rowCount() - 1 if bottom < 0 else bottom
    return not model.reloading and all(
        model.index(r, 0).data() != LOADING for r in range(top, bottom + 1))


def _scroll_through(qtbot, view: QAbstractItemView) -> None:  # type: ignore[no-untyped-def]
    bar = view.verticalScrollBar()
    step = max(1, bar.pageStep())

    def settle() -> None:
        view.viewport().repaint()  # paints now: the rows in view ask for their pages
        qtbot.waitUntil(lambda: _visible_rows_loaded(view), timeout=15_000)

    settle()
    for value in range(0, bar.maximum() + step, step):
        bar.setValue(value)
        settle()
    view.scrollToTop()
    settle()
    view.scrollToBottom()
    settle()
    view.scrollToTop()
    settle()


def test_no_list_queries_on_the_gui_thread_while_scrolling(qtbot, office, sql_watch, small_pages,
                                                           tmp_path):
    from app.ui import pages
    from app.ui.main_window import MainWindow

    win = MainWindow(office, "测试", tmp_path / "ui.ini")
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    scrolled: dict[str, tuple[int, int]] = {}  # list → (rows, pages read in the worker)
    seen: set[int] = set()
    for key in [p.key for p in pages.pages_for(office.actor)]:
        page = win.show_page(key)
        if key == "incoming":  # (the office's 收文 are all done: the default filter shows 待办)
            page.status.setCurrentIndex(page.status.findText("全部状态"))
        tabs = [page, *page.findChildren(QTabWidget)]
        for tab_widget in tabs:
            for i in range(tab_widget.count() if isinstance(tab_widget, QTabWidget) else 1):
                if isinstance(tab_widget, QTabWidget):
                    tab_widget.setCurrentIndex(i)
                for view in _lists(page):
                    model = view.model()
                    if id(model) in seen:
                        continue
                    seen.add(id(model))
                    name = f"{key}/{type(model).__name__}/{len(seen)}"
                    qtbot.waitUntil(lambda m=model: not m.reloading, timeout=15_000)
                    sql_watch.where, sql_watch.recording = name, True
                    try:
                        _scroll_through(qtbot, view)
                    finally:
                        sql_watch.recording = False
                    scrolled[name] = (model.total, model.page_reads)
    # every long list of the office was found and really read pages while scrolled …
    assert {n.split("/")[1] for n in scrolled} >= {
        "DocumentListModel", "IncomingListModel", "LogModel", "AuditModel", "ServiceListModel",
        "IncidentListModel"}, scrolled
    assert sum(n.startswith("minutes/ServiceListModel") for n in scrolled) == 2, scrolled
    thin = {n for n, (rows, reads) in scrolled.items() if reads < 1 or rows <= PAGE}
    assert thin <= {n for n in scrolled if "AuditModel" in n}, scrolled  # (few audit events)
    assert sql_watch.anywhere > 0  # … the listener saw the worker's statements …
    assert sql_watch.seen == []  # … and none ran on the GUI thread


def test_moving_through_incoming_and_the_duty_panel_read_in_the_worker(qtbot, office, sql_watch,
                                                                        tmp_path):
    """↓ through the 收文 list shows each item's detail (read, and its view audited, in the
    worker); the first visits of 公文 and 值班 read their lists, roster and panel in the worker;
    and the 值班 page's now-on-duty panel — refreshed every minute and on every tab — reads in
    the worker too: none of it runs a statement on the GUI thread (issue 30)."""
    from app.ui.main_window import MainWindow
    from app.ui.qt import Qt

    win = MainWindow(office, "测试", tmp_path / "ui.ini")
    qtbot.addWidget(win)
    win.show()
    page = win.show_page("incoming")
    page.status.setCurrentIndex(page.status.findText("全部状态"))
    qtbot.waitUntil(lambda: not page.busy and page.detail is not None, timeout=15_000)
    first = page.detail.info.id
    sql_watch.where, sql_watch.recording = "incoming", True
    shown = []
    page.detail_shown.connect(shown.append)
    for _ in range(3):
        qtbot.keyClick(page.table, Qt.Key.Key_Down)
        qtbot.waitUntil(lambda: not page.busy and page.detail is not None
                        and page.detail.info.id == page.selected_id(), timeout=15_000)
    assert len(set(shown)) == 3 and first not in shown  # three other items, each shown
    assert page.info_view.toPlainText().startswith(page.detail.info.title)
    sql_watch.recording = False
    assert sql_watch.seen == []
    # the first visits of 公文 (its 发文字号台账 is read when shown) and 值班 (the roster, the
    # now-on-duty panel) read in the worker
    sql_watch.where, sql_watch.recording = "first visits", True
    documents_page = win.show_page("documents")
    duty_page = win.show_page("duty")
    qtbot.waitUntil(lambda: not duty_page.roster.reading and not duty_page.now.reading
                    and not documents_page.model.loading, timeout=15_000)
    assert duty_page.roster.rosters.count() > 0 and duty_page.roster.roster is not None
    for i in [*range(1, duty_page.tabs.count()), 0]:  # each tab chosen reads in the worker
        duty_page.tabs.setCurrentIndex(i)
        tab = tab_content(duty_page.tabs.widget(i))  # (built when first chosen)
        qtbot.waitUntil(lambda t=tab: not duty_page.now.reading
                        and not getattr(t, "reading", False), timeout=15_000)
    sql_watch.recording = False
    assert duty_page.staff.table.rowCount() > 0 and duty_page.handover.pending_label.text()
    assert sql_watch.seen == []
    sql_watch.where, sql_watch.recording = "duty", True
    with qtbot.waitSignal(duty_page.now.refreshed, timeout=15_000):
        duty_page.now._tick()  # the minute timer's work
    sql_watch.recording = False
    assert duty_page.now.state is not None and "正在读取" not in duty_page.now.now_label.text()
    assert sql_watch.seen == []
