"""节假日安排 in the GUI (issue 16): the page driven with qtbot (paste, parse, see 休/班, import,
the year listed as 本单位录入; a bad notice shows the line and stores nothing), the workbench
banner from 1 November, the uncertain mark on a 收文 deadline, and the roster question."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.domain.security import Clearance
from app.services import duty
from app.services.context import ServiceContext
from app.services.holidays import tables as holidays
from app.services.incoming import book as incoming
from app.ui.qt import QMessageBox, Qt

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "holidays"
CST = dt.timezone(dt.timedelta(hours=8))


def text(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def at(ctx, when: dt.datetime) -> ServiceContext:
    return ServiceContext(ctx.engine, ctx.actor, lambda: when)


@pytest.fixture
def page(qtbot, admin_ui_ctx):
    from app.ui.calendar.page import CalendarPage

    p = CalendarPage(admin_ui_ctx)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitUntil(lambda: p.years_table.rowCount() > 0, timeout=10_000)
    return p


def _answer(qtbot, owner, label: str) -> None:
    qtbot.waitUntil(lambda: owner.question is not None and owner.question.isVisible(),
                    timeout=5_000)
    box = owner.question
    button = next(b for b in box.buttons() if b.text() == label)
    button.click()


def test_paste_parse_import_and_list(qtbot, page, admin_ui_ctx):
    from app.ui.calendar.page import MonthGrid

    # the first visit builds no month grid: the twelve months come with the first parse
    assert page.findChildren(MonthGrid) == [] and not page.parsed_place.is_built
    page.notice_edit.setPlainText(text("2027-test.txt"))
    handle = page.parse()
    qtbot.waitUntil(lambda: handle.finished, timeout=10_000)
    assert page.parsed_place.is_built and page.parsed_view.isVisible()
    assert len(page.findChildren(MonthGrid)) == 12 and not page.year_place.is_built
    assert page.import_button.isEnabled()
    assert "2027年节假日安排（年度通知）：新录入安排" in page.message.text()
    view = page.parsed_view
    assert view.cell_text(dt.date(2027, 2, 8)) == "8休"
    assert view.cell_text(dt.date(2027, 2, 14)) == "14班"
    assert view.cell_text(dt.date(2027, 3, 1)) == "1"

    page.confirm_import()
    _answer(qtbot, page, "导入")
    qtbot.waitUntil(lambda: "已导入2027年节假日安排" in page.message.text(), timeout=10_000)
    qtbot.waitUntil(lambda: page.year_row(2027) is not None, timeout=10_000)
    assert page.year_row(2027).source_label == "本单位录入"
    assert page.years_table.item(0, 0).text() == "2027"
    assert page.years_table.item(0, 1).text() == "本单位录入"
    assert holidays.calendar(admin_ui_ctx).source_of(2027) == "office"
    # the imported year's calendar is shown when chosen
    qtbot.waitUntil(lambda: page.year_view.cell_text(dt.date(2027, 1, 1)) == "1休",
                    timeout=10_000)


def test_bad_notice_shows_the_line_and_stores_nothing(qtbot, page, admin_ui_ctx):
    page.notice_edit.setPlainText(text("2027-test.txt").replace("共8天", "共9天"))
    handle = page.parse()
    qtbot.waitUntil(lambda: handle.finished, timeout=10_000)
    assert page.message.text().startswith("无法导入：第7行：写明共9天")
    assert not page.import_button.isEnabled()
    assert holidays.calendar(admin_ui_ctx).source_of(2027) is None
    assert holidays.table_of(admin_ui_ctx, 2027) is None


def test_open_file_reads_and_parses_without_blocking(qtbot, page, tmp_path, monkeypatch):
    from app.ui.kit import file_dialogs
    from app.ui.qt import QFileDialog

    monkeypatch.setattr(file_dialogs, "start_folder", lambda kind: tmp_path)
    notice = tmp_path / "2027年节假日安排.txt"
    notice.write_text(text("2027-test.txt"), encoding="utf-8")
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    dialog = page.file_dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptOpen
    dialog.selectFile(str(notice))
    dialog.accept()
    assert page.message.is_busy  # read and parsed in the worker, the bar on the message line
    qtbot.waitUntil(lambda: page.import_button.isEnabled(), timeout=10_000)
    assert page.notice_edit.toPlainText() == text("2027-test.txt")
    assert "新录入安排" in page.message.text() and not page.message.is_busy


def test_editing_after_parsing_requires_parsing_again(qtbot, page):
    page.notice_edit.setPlainText(text("2025.txt"))
    handle = page.parse()
    qtbot.waitUntil(lambda: handle.finished, timeout=10_000)
    assert page.import_button.isEnabled() and "替换程序自带的安排" in page.message.text()
    page.notice_edit.appendPlainText("多余的一行")
    assert not page.import_button.isEnabled() and "重新解析" in page.message.text()


def test_local_change_from_the_page(qtbot, page, admin_ui_ctx):
    from app.ui.qt import QDate

    page.local_date.setDate(QDate(2026, 12, 28))
    page.local_state.setCurrentIndex(0)  # 放假
    page.local_reason.setText("本单位搬迁闭馆")
    handle = page.save_local()
    qtbot.waitUntil(lambda: handle.finished, timeout=10_000)
    assert "已保存" in page.local_message.text()
    assert not holidays.calendar(admin_ui_ctx).is_workday(dt.date(2026, 12, 28))
    qtbot.waitUntil(lambda: page.local_list.count() == 1, timeout=10_000)
    assert "本单位搬迁闭馆" in page.local_list.item(0).text()


def test_workbench_banner_until_next_year_is_entered(qtbot, admin_ui_ctx, tmp_path):
    from app.ui.application import db_label
    from app.ui.main_window import MainWindow

    november = at(admin_ui_ctx, dt.datetime(2026, 11, 5, 9, 0, tzinfo=CST))
    win = MainWindow(november, db_label(str(november.engine.url)), tmp_path / "ui.ini")
    qtbot.addWidget(win)
    win.show()
    bench = win.show_page("workbench")
    qtbot.waitUntil(lambda: bench.snapshot is not None, timeout=15_000)
    assert bench.holiday_box.isVisible()
    assert bench.holiday_label.text().startswith("2027年节假日安排尚未录入")
    bench.holiday_button.click()
    assert win.current_key() == "calendar"

    holidays.import_notice(november, text("2027-test.txt"))
    win.show_page("workbench")
    bench.snapshot = None
    bench.refresh()
    qtbot.waitUntil(lambda: bench.snapshot is not None, timeout=15_000)
    assert not bench.holiday_box.isVisible()


def test_incoming_list_marks_an_uncertain_deadline(qtbot, admin_ui_ctx):
    from app.domain.security import Role
    from app.services.accounts import users as accounts
    from app.ui.incoming.model import IncomingListModel

    accounts.add_user(admin_ui_ctx, "clerk", "Clerk-pass-1", role=Role.CLERK,
                      clearance=Clearance.SECRET, must_change_password=False)
    clerk = at(admin_ui_ctx.with_actor(accounts.login(admin_ui_ctx, "clerk", "Clerk-pass-1")),
               dt.datetime(2026, 12, 25, 10, 0, tzinfo=CST))
    incoming.register(clerk, incoming.IncomingIn(
        sender="省应急管理厅", received_at=dt.datetime(2026, 12, 25, 10, 0, tzinfo=CST),
        title="跨年事项", classification=1, deadline_workdays=10))
    from app.ui.qt import QTableView

    view = QTableView()  # the model lives as long as a view that shows it, as in the page
    qtbot.addWidget(view)
    model = IncomingListModel(clerk, view)
    view.setModel(model)
    handle = model.refresh()
    qtbot.waitUntil(lambda: handle.finished and model.rowCount() == 1, timeout=10_000)
    col = next(i for i, h in enumerate(model.HEADERS) if "时限" in h or "期限" in h)
    index = model.index(0, col)
    qtbot.waitUntil(lambda: model.data(index) not in (None, ""), timeout=10_000)
    assert "（待定）" in model.data(index)
    from app.ui.qt import Qt
    assert "2027年节假日安排尚未录入" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    qtbot.waitUntil(lambda: not model.loading, timeout=10_000)


def test_roster_into_an_unknown_year_asks_first(qtbot, admin_ui_ctx):
    from app.ui.duty.page import DutyPage

    roster = duty.create_roster(admin_ui_ctx, dt.date(2027, 1, 1), dt.date(2027, 1, 10), "元旦")
    page = DutyPage(admin_ui_ctx)
    qtbot.addWidget(page)
    page.show()
    tab = page.roster
    qtbot.waitUntil(lambda: tab.roster is not None and tab.roster.id == roster.id,
                    timeout=10_000)
    assert tab.generate(time_limit=1) is None  # nothing started: asked first
    assert isinstance(tab.question, QMessageBox) and "2027年" in tab.question.text()
    _answer(qtbot, tab, "取消")
    assert "已取消排班" in tab.status.text()
