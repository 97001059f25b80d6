"""交接班 tab: an open item gets a 办理时限 in the add dialog or later; overdue rows are red,
rows due within two hours amber, and the text says how long is left or overdue."""

from __future__ import annotations

import datetime as dt

from app.domain.security import Clearance, Role
from app.services import duty
from app.services.context import Actor, ServiceContext
from app.ui.duty.common import from_datetime
from app.ui.duty.handover_tab import ITEM_COLOURS, HandoverTab, ItemDialog
from app.ui.qt import Qt


class Clock:
    def __init__(self, t: dt.datetime) -> None:
        self.t = t

    def __call__(self) -> dt.datetime:
        return self.t


def test_add_item_with_deadline_and_highlight(qtbot, admin_ui_ctx):
    clock = Clock(dt.datetime(2026, 3, 4, 9, 0).astimezone())
    ctx = ServiceContext(admin_ui_ctx.engine, Actor(None, "值班员甲", Role.DUTY,
                                                    Clearance.INTERNAL, "值班员甲"), clock)
    tab = HandoverTab(ctx)
    qtbot.addWidget(tab)
    tab.add_item()
    dlg = tab.dialog
    assert isinstance(dlg, ItemDialog) and not dlg.has_deadline.isChecked()
    assert not dlg.deadline.isEnabled()
    dlg.text.setText("整理来文")
    dlg.accept()  # no deadline
    tab.add_item()
    dlg = tab.dialog
    dlg.text.setText("回复市应急局")
    dlg.has_deadline.setChecked(True)
    dlg.deadline.setDateTime(from_datetime(dt.datetime(2026, 3, 4, 10, 0).astimezone()))
    dlg.accept()
    items = duty.list_open_items(ctx)
    assert [(i.text, i.deadline) for i in items] == [
        ("整理来文", None), ("回复市应急局", dt.datetime(2026, 3, 4, 10, 0).astimezone())]
    rows = [tab.items.item(r) for r in range(tab.items.count())]
    assert "〔时限 03-04 10:00，剩余 1 小时〕" in rows[1].text()
    assert rows[1].data(Qt.ItemDataRole.UserRole + 1) == "amber"
    assert rows[1].background().color() == ITEM_COLOURS["amber"]
    assert rows[0].data(Qt.ItemDataRole.UserRole + 1) == "" and "时限" not in rows[0].text()

    clock.t = dt.datetime(2026, 3, 4, 10, 30).astimezone()
    tab.refresh()
    row = tab.items.item(1)
    assert "逾期 30 分钟" in row.text() and row.background().color() == ITEM_COLOURS["red"]
    assert row.toolTip() == "已逾期"

    # set a deadline on the first item afterwards; a time in the past is refused in words
    tab.items.setCurrentRow(0)
    tab.edit_deadline()
    dlg = tab.dialog
    assert dlg.has_deadline.isChecked() and dlg.text.isReadOnly()
    dlg.deadline.setDateTime(from_datetime(dt.datetime(2026, 3, 4, 9, 0).astimezone()))
    dlg.accept()
    assert "晚于现在" in tab.message.text()
    tab.items.setCurrentRow(0)
    tab.edit_deadline()
    tab.dialog.deadline.setDateTime(from_datetime(dt.datetime(2026, 3, 5, 9, 0).astimezone()))
    tab.dialog.accept()
    assert duty.list_open_items(ctx)[0].deadline == dt.datetime(2026, 3, 5, 9, 0).astimezone()
    assert tab.message.text() == "已更新办理时限。"
    assert "剩余 22 小时 30 分钟" in tab.items.item(0).text()
