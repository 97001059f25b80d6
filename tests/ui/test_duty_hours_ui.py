"""排班规则 dialog: the 交接班 time and, for 白班/夜班, each shift's start, saved with the rules."""

from __future__ import annotations

import datetime as dt

from app.services import duty
from app.ui.duty.page import DutyPage
from app.ui.duty.roster_tab import RulesDialog
from app.ui.qt import QTime


def test_rules_dialog_sets_shift_hours(qtbot, admin_ui_ctx):
    ctx = admin_ui_ctx
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    page = DutyPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.roster.reading)  # (read in the worker)
    tab = page.roster
    tab.rules_button.click()
    dlg = tab.dialog
    assert isinstance(dlg, RulesDialog)
    labels = [dlg.times_form.itemAt(i, dlg.times_form.ItemRole.LabelRole).widget().text()
              for i in range(dlg.times_form.rowCount())]
    assert labels == ["交接班时间（全天开始）："]
    assert dlg.time_edits[0].time() == QTime(8, 30)
    assert dlg.hours_label.text() == "班次时间：每日 08:30 交接班"
    dlg.time_edits[0].setTime(QTime(8, 0))
    assert dlg.hours_label.text() == "班次时间：每日 08:00 交接班"
    dlg.save()
    assert not dlg.isVisible()
    assert duty.get_rules(ctx).hours.starts == (dt.time(8, 0),)

    tab.rules_button.click()
    dlg = tab.dialog
    assert dlg.time_edits[0].time() == QTime(8, 0)
    dlg.pattern.setCurrentText("白班、夜班")  # one edit per shift, evenly from 08:00 at first
    assert [e.time() for e in dlg.time_edits] == [QTime(8, 0), QTime(20, 0)]
    dlg.time_edits[1].setTime(QTime(8, 0))  # same as the handover: refused, dialog stays
    dlg.save()
    assert "依次排列" in dlg.message.text() and dlg.isVisible()
    dlg.time_edits[1].setTime(QTime(18, 0))
    assert dlg.hours_label.text() == "班次时间：白班 08:00–18:00，夜班 18:00–次日08:00"
    dlg.save()
    rules = duty.get_rules(ctx)
    assert rules.shifts == ("白班", "夜班")
    assert rules.hours.starts == (dt.time(8, 0), dt.time(18, 0))
    tab.rules_button.click()
    assert [e.time() for e in tab.dialog.time_edits] == [QTime(8, 0), QTime(18, 0)]
    tab.dialog.reject()
