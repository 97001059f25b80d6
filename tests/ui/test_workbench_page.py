"""工作台 page driven with qtbot: it is the first page after login, the clocks of the modules appear
in urgency order (read in the worker), the timer refresh picks up a new item and notifies it once,
and double-click / Enter switch to the item's page."""

from __future__ import annotations

import datetime as dt

from app.domain.incoming import Urgency
from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext
from app.services.incidents import reports as incidents
from app.services.incoming import book as incoming
from app.ui.application import db_label
from app.ui.main_window import MainWindow
from app.ui.qt import Qt
from app.ui.workbench.page import WorkbenchPage


def _clerk(ctx):
    return ServiceContext(ctx.engine, Actor(None, "wenshu", Role.CLERK, Clearance.SECRET, "王文书"))


def _overdue_incoming(ctx, title="关于报送防汛物资的函", classification=0):
    today = dt.datetime.now().astimezone().date()
    return incoming.register(_clerk(ctx), incoming.IncomingIn(
        sender="省应急管理厅", sender_ref="应急函〔2026〕8号", title=title,
        classification=classification, urgency=Urgency.URGENT, pages=2, summary="报送清单。",
        proposal="", handler_unit="办公室", handler_person="李四",
        received_at=dt.datetime.now().astimezone() - dt.timedelta(days=10),
        deadline=today - dt.timedelta(days=2)))


def _amber_incident(ctx):
    duty = ServiceContext(ctx.engine, Actor(None, "duty", Role.DUTY, Clearance.SECRET, "值班员"))
    now = dt.datetime.now().replace(microsecond=0)
    return incidents.create_incident(duty, incidents.IncidentData(
        title="临江路燃气爆燃事故", category="事故灾难", subtype="火灾事故", level=3,
        occurred_at=now - dt.timedelta(minutes=55), received_at=now - dt.timedelta(minutes=52),
        place="临江路128号", summary="发生燃气爆燃。"))


def _cell(page, r, c, role=Qt.ItemDataRole.DisplayRole):
    return page.table.model().data(page.table.model().index(r, c), role)


def _count(page):
    return page.table.model().rowCount()


def _rows(page):
    return [[_cell(page, r, c) for c in (0, 1, 2)] for r in range(_count(page))]


def test_items_appear_in_order_and_timer_refresh_notifies_once(qtbot, admin_ui_ctx):
    ctx = admin_ui_ctx
    late = _overdue_incoming(ctx)
    _amber_incident(ctx)
    page = WorkbenchPage(ctx)  # the default interval: no tick between the first paint and the checks
    qtbot.addWidget(page)
    page.show()  # the timer refreshes only a page that is on screen
    with qtbot.waitSignal(page.refreshed, timeout=10_000):
        pass
    assert _rows(page) == [["红", "收文", f"{late.reg_no} 关于报送防汛物资的函"],
                           ["黄", "突发事件", "临江路燃气爆燃事故"]]
    assert _cell(page, 0, 0, Qt.ItemDataRole.BackgroundRole).color().name() == "#f4c7c3"
    # the 事项 column alone has a tooltip; UserRole is the item; roles not served are None
    assert _cell(page, 0, 2, Qt.ItemDataRole.ToolTipRole) == _cell(page, 0, 2)
    assert _cell(page, 0, 1, Qt.ItemDataRole.ToolTipRole) is None
    assert _cell(page, 1, 0, Qt.ItemDataRole.UserRole).title == "临江路燃气爆燃事故"
    assert _cell(page, 0, 2, Qt.ItemDataRole.FontRole) is None
    assert page.table.model().data(page.table.model().index(5, 0)) is None  # no such row
    assert "红 1 项　黄 1 项" in page.status.text()
    assert "突发事件：1" in page.week_label.text()
    assert page.notices.count() == 0 and not page.notice_box.isVisibleTo(page)  # baseline

    notes = []
    page.notified.connect(notes.append)
    page.timer.setInterval(150)  # from now on the timer refreshes quickly
    newer = _overdue_incoming(ctx, "关于开展安全检查的通知")
    qtbot.waitUntil(lambda: _count(page) == 3, timeout=10_000)  # the timer, no click
    qtbot.waitUntil(lambda: len(notes) == 1, timeout=10_000)
    assert [(n.item.kind, n.item.record_id, n.state) for n in notes[0]] == [
        ("incoming", newer.id, "red")]
    assert page.notices.count() == 1 and "关于开展安全检查的通知" in page.notices.item(0).text()
    # further ticks: nothing new, no second notice
    for _ in range(2):
        with qtbot.waitSignal(page.refreshed, timeout=10_000):
            pass
    assert len(notes) == 1 and page.notices.count() == 1
    page.clear_notices.click()
    assert page.notices.count() == 0


def test_clearance_filters_what_the_page_shows(qtbot, admin_ui_ctx):
    _overdue_incoming(admin_ui_ctx, "秘密件", classification=2)
    public = admin_ui_ctx.with_actor(Actor(None, "reader", Role.READER, Clearance.PUBLIC, "读者"))
    page = WorkbenchPage(public)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.refreshed, timeout=10_000):
        pass
    assert _count(page) == 0
    secret = WorkbenchPage(admin_ui_ctx)
    qtbot.addWidget(secret)
    with qtbot.waitSignal(secret.refreshed, timeout=10_000):
        pass
    assert [r[1] for r in _rows(secret)] == ["收文"]


def test_first_page_after_login_and_navigation(qtbot, admin_ui_ctx, tmp_path):
    ctx = admin_ui_ctx
    late = _overdue_incoming(ctx)
    inc = _amber_incident(ctx)
    win = MainWindow(ctx, db_label(str(ctx.engine.url)), tmp_path / "ui.ini")
    qtbot.addWidget(win)
    win.show()
    assert win.current_key() == "workbench" and win.nav.item(0).text() == "工作台"
    page = win.show_page("workbench")
    assert isinstance(page, WorkbenchPage)
    qtbot.waitUntil(lambda: _count(page) == 2, timeout=10_000)

    # double-click the 收文 row: the 收文 page shows that record
    rect = page.table.visualRect(page.table.model().index(0, 2))
    # (QTest's double-click needs the press that precedes it on a real mouse)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.current_key() == "incoming"
    qtbot.waitUntil(lambda: win.show_page("incoming").selected_id() == late.id, timeout=10_000)

    # Enter on the incident row: the 突发事件 page with the incident selected
    win.show_page("workbench")
    qtbot.waitUntil(lambda: _count(page) == 2, timeout=10_000)
    page.table.setFocus()
    page.table.selectRow(1)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert win.current_key() == "incidents"
    incidents_page = win.show_page("incidents")
    assert incidents_page.incident is not None and incidents_page.incident.id == inc.id
    qtbot.waitUntil(lambda: [incidents_page.model.row(i.row()).id for i in  # (list in worker)
                             incidents_page.list.selectionModel().selectedRows()] == [inc.id],
                    timeout=10_000)


def test_a_hidden_workbench_does_not_refresh_on_its_timer(qtbot, admin_ui_ctx, monkeypatch):
    from app.services.workbench import items as workbench

    page = WorkbenchPage(admin_ui_ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page._task is None or page._task.finished, timeout=10_000)
    calls = []
    real = workbench.snapshot
    monkeypatch.setattr(workbench, "snapshot", lambda ctx: calls.append(1) or real(ctx))
    page.hide()
    page.timer.timeout.emit()
    assert calls == [] and (page._task is None or page._task.finished)
    page.show()
    page.timer.timeout.emit()
    qtbot.waitUntil(lambda: calls == [1] and page._task.finished, timeout=10_000)
    from app.ui.kit.worker import TaskHandle

    qtbot.waitUntil(lambda: not page.findChildren(TaskHandle))  # finished handles are deleted


def test_a_capped_source_says_how_many_are_not_listed_and_links_to_them(qtbot, admin_ui_ctx,
                                                                        tmp_path, monkeypatch):
    """Each source lists its most urgent clocks only (``PER_SOURCE_LIMIT``); the page counts the
    rest and its link opens the page that lists them all."""
    from app.services.workbench import items as workbench

    ctx = admin_ui_ctx
    monkeypatch.setattr(workbench, "PER_SOURCE_LIMIT", 2)
    for i in range(5):
        _overdue_incoming(ctx, f"关于第{i}批物资的函")
    win = MainWindow(ctx, db_label(str(ctx.engine.url)), tmp_path / "ui.ini")
    qtbot.addWidget(win)
    win.show()
    page = win.show_page("workbench")
    qtbot.waitUntil(lambda: page.snapshot is not None and _count(page) == 2, timeout=10_000)
    assert page.snapshot.unlisted == {"incoming": 3}
    assert page.more_label.isVisible() and "收文 3 项" in page.more_label.text()
    assert "href='incoming'" in page.more_label.text()
    page.more_label.linkActivated.emit("incoming")
    assert win.current_key() == "incoming"
    incoming_page = win.show_page("incoming")
    qtbot.waitUntil(lambda: not incoming_page.model.loading, timeout=10_000)
    assert incoming_page.model.total == 5  # (办理中, the default filter) all of them are there


def test_the_first_fill_paints_its_first_rows_then_the_rest(qtbot, admin_ui_ctx, monkeypatch):
    """A first fill of more than ``FIRST_FRAME_ROWS`` items shows those in a first frame and the
    rest after it (each frame rasterises fewer glyphs for the first time); ``refreshed`` comes
    with every item in; later refreshes fill the list at once."""
    from app.ui.qt import QEvent, QObject
    from app.ui.workbench import page as workbench_page

    ctx = admin_ui_ctx
    _overdue_incoming(ctx)
    _amber_incident(ctx)
    monkeypatch.setattr(workbench_page, "FIRST_FRAME_ROWS", 1)
    page = WorkbenchPage(ctx)
    qtbot.addWidget(page)
    painted: list[int] = []  # the rows in the model at each paint of the list

    class Paints(QObject):
        def eventFilter(self, _obj, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint:
                painted.append(page.model.rowCount())
            return False

    paints = Paints()
    page.table.viewport().installEventFilter(paints)
    filled: list[int] = []
    page.refreshed.connect(lambda: filled.append(page.model.rowCount()))
    page.show()
    qtbot.waitUntil(lambda: filled == [2], timeout=10_000)
    assert 1 in painted  # a frame of the first row alone, before the rest came
    qtbot.waitUntil(lambda: painted[-1] == 2)  # then one of both
    assert _rows(page)[1] == ["黄", "突发事件", "临江路燃气爆燃事故"]
    resets: list[int] = []
    page.model.modelReset.connect(lambda: resets.append(page.model.rowCount()))
    page.refresh()
    qtbot.waitUntil(lambda: len(filled) == 2, timeout=10_000)
    assert resets == [2] and filled == [2, 2]  # all at once, after the first fill
