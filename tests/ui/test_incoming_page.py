"""收文 page driven with qtbot: register (with an attachment), colours by due state, 催办, 办结,
filters — rows read back from the database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.incoming import DueState, Status
from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext
from app.services.incoming import book as incoming
from app.services.incoming.book import IncomingIn
from app.storage.models.incoming import IncomingAttachment, IncomingDoc, IncomingUrge
from app.ui.incoming.dialogs import DoneDialog, IncomingDialog, UrgeDialog
from app.ui.incoming.model import COLUMNS, DUE_COLOURS, DUE_ROLE
from app.ui.incoming.page import IncomingPage
from app.ui.qt import QApplication, QDialog, Qt, QTimer

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 30, 10, 0, tzinfo=CST)  # the day before the National Day holiday


@pytest.fixture
def clerk(app_env, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    _config, ctx = app_env
    yield ServiceContext(ctx.engine, Actor(None, "clerk", Role.CLERK, Clearance.SECRET, "王文书"),
                         lambda: NOW)
    monkeypatch.delenv("TZ")
    time.tzset()


def _seed(ctx, title, **kw):
    data = IncomingIn(sender="市应急管理局", title=title, received_at=NOW - dt.timedelta(days=3),
                      handler_unit="办公室", handler_person="李四", **kw)
    return incoming.register(ctx, data)


def _rows(engine):
    with Session(engine) as s:
        return list(s.scalars(select(IncomingDoc).order_by(IncomingDoc.id)))


def _settle(qtbot, page: IncomingPage) -> None:
    """The list is read in the worker: wait until the rows (and the selection) are in."""
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)


def _page(qtbot, ctx) -> IncomingPage:
    page = IncomingPage(ctx)
    qtbot.addWidget(page)
    page.show()
    assert page.busy  # the first read is under way in the worker, not on the GUI thread
    _settle(qtbot, page)
    return page


def test_register_dialog_with_attachment(qtbot, clerk, tmp_path):
    f = tmp_path / "附件一 名单.xlsx"
    f.write_bytes(b"PK\x03\x04 list")
    dialog = IncomingDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.sender.setText("省应急管理厅")  # (QTest cannot type CJK)
    dialog.sender_ref.setText("应急函〔2026〕8号")
    dialog.title_edit.setText("关于做好国庆期间值班工作的通知")
    dialog.classification.setCurrentIndex(dialog.classification.findText("内部"))
    dialog.urgency.setCurrentIndex(dialog.urgency.findText("特急"))
    dialog.proposal.setPlainText("拟请办公室牵头。")
    dialog.handler_unit.setText("办公室")
    dialog.by_days.setChecked(True)
    dialog.deadline_days.setValue(2)
    assert dialog.deadline_hint.text() == "即 2026-10-09"  # 1–7 Oct off
    dialog.add_file(str(f))
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    [row] = _rows(clerk.engine)
    assert (row.sender, row.sender_ref, row.classification, row.urgency) == (
        "省应急管理厅", "应急函〔2026〕8号", 1, "express")
    assert row.deadline == dt.date(2026, 10, 9) and row.deadline_workdays == 2
    assert row.proposal == "拟请办公室牵头。" and row.registered_by == "王文书"
    with Session(clerk.engine) as s:
        att = s.scalars(select(IncomingAttachment)).one()
    assert att.filename == "附件一 名单.xlsx" and att.data == b"PK\x03\x04 list"


def test_register_dialog_keeps_input_when_refused(qtbot, clerk):
    dialog = IncomingDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.title_edit.setText("无来文单位")
    dialog.accept()
    assert "来文单位" in dialog.error.text() and dialog.title_edit.text() == "无来文单位"
    assert _rows(clerk.engine) == []


def test_ctrl_n_opens_the_register_dialog_and_selects_the_new_row(qtbot, clerk):
    page = _page(qtbot, clerk)

    def fill():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, IncomingDialog)
        dialog.sender.setText("市财政局")
        dialog.title_edit.setText("关于预算执行的函")
        dialog.no_deadline.setChecked(True)
        dialog.accept()

    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    QTimer.singleShot(0, fill)
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.model.total == 1 and page.selected() is not None
                    and not page.busy)
    assert page.selected().title == "关于预算执行的函"
    assert "收〔2026〕1号" in page.info_view.toPlainText()


def test_colours_summary_and_filters(qtbot, clerk):
    overdue = _seed(clerk, "已过期的件", deadline=dt.date(2026, 9, 29))
    soon = _seed(clerk, "国庆后到期的件", deadline=dt.date(2026, 10, 10))  # make-up Saturday
    later = _seed(clerk, "远期的件", deadline=dt.date(2026, 10, 12))
    page = _page(qtbot, clerk)
    model = page.model
    by_title = {model.row(r).title: r for r in range(model.total)}
    col = [k for k, _ in COLUMNS].index("title")

    def state(title):
        return model.data(model.index(by_title[title], col), DUE_ROLE)

    def brush(title):
        return model.data(model.index(by_title[title], col), Qt.ItemDataRole.BackgroundRole)

    assert state("已过期的件") == DueState.OVERDUE.value
    assert brush("已过期的件").color() == DUE_COLOURS[DueState.OVERDUE]
    assert brush("国庆后到期的件").color() == DUE_COLOURS[DueState.DUE_SOON]
    assert brush("远期的件") is None
    assert "已超期 1 件" in page.summary.text() and "到期 1 件" in page.summary.text()
    page.due.setCurrentIndex(page.due.findText("已超期"))
    _settle(qtbot, page)
    assert model.total == 1 and model.row(0).id == overdue.id
    page.due.setCurrentIndex(page.due.findText("即将到期"))
    _settle(qtbot, page)
    assert model.total == 1 and model.row(0).id == soon.id
    page.due.setCurrentIndex(0)
    _settle(qtbot, page)
    assert model.total == 3
    page.text.setText("远期")  # read after a pause in typing
    qtbot.waitUntil(lambda: not page._debounce.isActive() and not page.busy)
    assert model.total == 1
    assert model.row(0).id == later.id


def test_urge_and_done_dialogs(qtbot, clerk):
    info = _seed(clerk, "待催办的件", deadline=dt.date(2026, 9, 29))
    page = _page(qtbot, clerk)
    assert page.selected().id == info.id
    urge = UrgeDialog(clerk, page.selected(), page)
    qtbot.addWidget(urge)
    assert urge.target.text() == "办公室 李四" and urge.urged_by.text() == "王文书"
    urge.method.setCurrentIndex(urge.method.findText("短信"))
    urge.note.setPlainText("请于今日反馈")
    urge.accept()
    with Session(clerk.engine) as s:
        u = s.scalars(select(IncomingUrge)).one()
    assert (u.method, u.target, u.urged_by, u.note) == ("sms", "办公室 李四", "王文书", "请于今日反馈")
    page.reload()
    _settle(qtbot, page)
    assert page.selected().urge_count == 1 and "短信催办 办公室 李四" in page.info_view.toPlainText()
    done = DoneDialog(clerk, page.selected(), page)
    qtbot.addWidget(done)
    done.note.setPlainText("已落实")
    done.accept()
    [row] = _rows(clerk.engine)
    assert row.status == Status.DONE.value and row.done_note == "已落实"
    page.reload()
    _settle(qtbot, page)
    assert page.model.total == 0  # the default filter shows items still being handled
    page.status.setCurrentIndex(page.status.findText("已办结"))
    _settle(qtbot, page)
    assert page.model.total == 1 and not page.urge_button.isEnabled()
    page.toggle_done()  # reopen
    assert _rows(clerk.engine)[0].status == Status.OPEN.value


def test_reader_sees_the_list_and_write_buttons_disabled(qtbot, clerk, app_env):
    _seed(clerk, "公开件")
    _seed(clerk, "秘密件", classification=2)
    reader = ServiceContext(clerk.engine, Actor(None, "r", Role.READER, Clearance.INTERNAL, "读者"),
                            lambda: NOW)
    page = _page(qtbot, reader)
    assert page.model.total == 1 and page.model.row(0).title == "公开件"
    for button in (page.register_button, page.urge_button):  # shown, disabled, saying why
        assert not button.isHidden() and not button.isEnabled()
        assert button.toolTip() == "需要“文书”角色"
    page.register()  # the shortcut does nothing either
    assert len(_rows(clerk.engine)) == 2


def test_a_row_clicked_before_its_page_arrived_shows_its_detail_when_it_comes(
        qtbot, clerk, monkeypatch):
    import app.ui.incoming.model as model_module

    monkeypatch.setattr(model_module, "PAGE", 3)  # pages of 3 rows
    for i in range(40):
        _seed(clerk, f"第{i}件")
    page = _page(qtbot, clerk)
    page.table.setFixedHeight(150)  # a few rows on screen: the last pages are not asked for
    model = page.model

    def shown_rows_read() -> bool:  # the view has drawn its new height and has what it shows
        view = page.table.viewport()
        bottom = page.table.rowAt(view.height() - 1)
        return (view.height() < 150 and bottom >= 0 and not model.loading
                and model.cache.peek(bottom) is not None)

    qtbot.waitUntil(shown_rows_read)
    assert model.total == 40 and model.cache.page_size == 3
    assert model.cache.peek(39) is None  # the last page is not read yet
    with qtbot.waitSignal(model.page_arrived, timeout=10_000):
        page.table.setCurrentIndex(model.index(39, 0))  # the click asks for its page
        assert page.selected() is None and not page.edit_button.isEnabled()
    qtbot.waitUntil(lambda: model.row(39) is not None)
    assert page.selected_id() == model.row(39).id
    # the detail is read in the worker, not on the GUI thread
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.info.id == page.selected_id())
    assert page.detail is not None and page.detail.info.id == page.selected_id()
    assert page.edit_button.isEnabled() and page.info_view.toPlainText().startswith(
        page.detail.info.title)
