"""突发事件 page driven with qtbot: an incident entered in the form, 首报 drafted, signed by a
leader at another desk, sent; a 续报 with the changes highlighted; the 终报; the clocks on the
screen turning amber and red; the PDF saved in the background and read back; the rule table
edited by an administrator through its dialog; statistics and the XLSX export; a phone-log entry
turned into a 首报 draft."""

from __future__ import annotations

import datetime as dt

import pdfplumber
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import incident_rules as R
from app.domain.security import Clearance, Role
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.incidents import reports as svc
from app.storage.models import Incident, IncidentReport, IncidentRuleTable
from app.ui.incidents.dialogs import IncidentDialog, SendDialog, SignDialog, to_qt
from app.ui.incidents.page import IncidentsPage, LogPickDialog
from app.ui.incidents.rules_dialog import RuleTableDialog
from app.ui.incidents.stats import StatisticsDialog
from app.ui.kit import worker
from app.ui.qt import QColor, Qt


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at.astimezone()


@pytest.fixture
def desks(admin_ui_ctx):
    clock = Clock(dt.datetime(2026, 3, 1, 23, 20))
    for name, role in (("duty", Role.DUTY), ("boss", Role.LEADER)):
        accounts.add_user(admin_ui_ctx, name, "Pass-word-1", display_name=name.upper(),
                          role=role, clearance=Clearance.INTERNAL, must_change_password=False)
    base = ServiceContext(admin_ui_ctx.engine, None, clock)
    out = {n: base.with_actor(accounts.login(base, n, "Pass-word-1")) for n in ("duty", "boss")}
    out["admin"] = base.with_actor(admin_ui_ctx.actor)
    return clock, out


def _page(qtbot, ctx) -> IncidentsPage:
    page = IncidentsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    _clocks_read(qtbot, page)
    _listed(qtbot, page)
    return page


def _listed(qtbot, page) -> None:
    """The list is counted and read in the worker: wait until it shows the last read."""
    qtbot.waitUntil(lambda: not page.model.loading, timeout=10_000)


def _clocks_read(qtbot, page) -> None:
    """The clocks are read in the worker: wait until the table shows the last read."""
    qtbot.waitUntil(lambda: not page.clocks_pending, timeout=10_000)


def _clock_rows(qtbot, page):
    _clocks_read(qtbot, page)
    t = page.clocks
    return [(t.item(r, 1).text(), t.item(r, 3).text(), t.item(r, 4).text(),
             t.item(r, 0).background().color().name()) for r in range(t.rowCount())]


def _reports(engine):
    with Session(engine) as s:
        return [(r.kind, r.number, r.status, r.signed_by, r.sent_to) for r in s.execute(
            select(IncidentReport).order_by(IncidentReport.seq)).scalars()]


def _send(qtbot, page, to="市政府总值班室"):
    page.send_button.click()
    dlg = page.dialog
    assert isinstance(dlg, SendDialog) and dlg.isVisible()
    dlg.to.setText(to)
    dlg.ok_button().click()
    assert not dlg.isVisible(), dlg.message()


def _sign(qtbot, boss, incident_id):
    boss.refresh()
    assert boss.select_incident(incident_id)
    # a leader signs, does not report: the button is there, disabled, saying why
    assert boss.new_button.isVisible() and not boss.new_button.isEnabled()
    assert boss.new_button.toolTip() == "需要“文书”或“值班员”角色"
    boss.sign_button.click()
    dlg = boss.dialog
    assert isinstance(dlg, SignDialog)
    return dlg


def test_new_incident_through_the_form(qtbot, desks):
    _clock, u = desks
    engine = u["duty"].engine
    page = _page(qtbot, u["duty"])
    assert page.clock_label.text() == "当前没有待报时限。"
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.dialog is not None)
    dlg = page.dialog
    assert isinstance(dlg, IncidentDialog) and dlg.isVisible()
    dlg.ok_button().click()
    assert "事件名称" in dlg.message() and dlg.isVisible()
    dlg.title.setText("临江路燃气爆燃事故")  # QTest types ASCII only
    dlg.category.setCurrentText("事故灾难")
    dlg.subtype.setCurrentText("火灾事故")
    dlg.level.setCurrentIndex(2)  # Ⅲ
    dlg.received.setDateTime(to_qt(dt.datetime(2026, 3, 1, 23, 15)))
    assert not dlg.occurred.isEnabled()  # 不详: the shown time is greyed out, not silently dropped
    dlg.occurred_known.setCurrentText("已知")
    assert dlg.occurred.isEnabled()
    dlg.occurred.setDateTime(to_qt(dt.datetime(2026, 3, 1, 23, 30)))
    dlg.injured.setValue(2)
    qtbot.keyClicks(dlg.rep_phone, "0571-8888")
    dlg.leaders.setPlainText("王副市长，副市长，13900000000")
    dlg.ok_button().click()
    assert dlg.message() == "事发时间不能晚于接报时间。" and dlg.isVisible()
    dlg.occurred.setDateTime(to_qt(dt.datetime(2026, 3, 1, 23, 0)))
    dlg.ok_button().click()
    assert not dlg.isVisible(), dlg.message()
    with Session(engine) as s:
        inc = s.execute(select(Incident)).scalar_one()
        assert (inc.title, inc.level, inc.injured, inc.dead, inc.received_at, inc.occurred_at,
                inc.reporter_phone) == ("临江路燃气爆燃事故", 3, 2, None,
                                        dt.datetime(2026, 3, 1, 23, 15),
                                        dt.datetime(2026, 3, 1, 23, 0), "0571-8888")
        assert inc.leaders_on_site == [{"姓名": "王副市长", "职务": "副市长", "电话": "13900000000"}]
    assert page.incident is not None and page.incident.id == inc.id
    # the written 首报 clock: 1 hour from 23:15, across midnight
    assert _clock_rows(qtbot, page) == [("首报（书面）", "剩余55分", "正常",
                                  QColor("#e8f5e9").name())]
    assert page.clocks.item(0, 2).text() == "2026-03-02 00:15"
    assert not page.clocks.isHidden()  # shown while there is a clock
    assert page.draft_button.text() == "起草首报(&D)"
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    qtbot.keyClick(page, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.current_report() is not None)
    assert _reports(engine) == [("first", None, "draft", "", "")]


def test_full_chain_from_a_phone_log_entry(qtbot, desks, tmp_path):
    from app.services import duty

    clock, u = desks
    engine = u["duty"].engine
    entry = duty.add_log_entry(u["duty"], duty.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 3, 1, 23, 15).astimezone(),
        caller_unit="西湖区应急管理局", caller_name="赵六", caller_post="值班员",
        caller_phone="0571-8888", content="临江路一餐馆发生燃气爆燃。2人受伤，火已扑灭。"))
    page = _page(qtbot, u["duty"])
    boss = _page(qtbot, u["boss"])
    assert not boss.sign_button.isEnabled()

    # -- one action: the call becomes an incident and its 首报 draft
    page.from_log_button.click()
    dlg = page.dialog
    assert isinstance(dlg, LogPickDialog)
    qtbot.waitUntil(lambda: dlg.load_task.finished)  # the entries are read in the worker
    assert dlg.chosen_id() == entry.id
    dlg.buttons.button(dlg.buttons.StandardButton.Ok).click()
    inc = page.incident
    assert inc is not None and inc.duty_log_id == entry.id
    iid = inc.id
    assert page.current_report().name == "首报"
    assert _reports(engine) == [("first", None, "draft", "", "")]
    # -- the officer completes it: level Ⅲ, place, time, measures; the draft follows
    page.edit_button.click()
    dlg = page.dialog
    assert dlg.title.text() == "临江路一餐馆发生燃气爆燃" and dlg.rep_name.text() == "赵六（值班员）"
    dlg.title.setText("临江路燃气爆燃事故")
    dlg.subtype.setCurrentText("火灾事故")
    dlg.level.setCurrentIndex(2)  # Ⅲ
    dlg.occurred_known.setCurrentText("已知")
    dlg.occurred.setDateTime(to_qt(dt.datetime(2026, 3, 1, 23, 0)))
    dlg.place.setText("临江路128号")
    dlg.injured.setValue(2)
    dlg.measures.setPlainText("消防出动扑救\n伤员送医")
    dlg.ok_button().click()
    assert not dlg.isVisible(), dlg.message()
    assert page.current_report().snapshot["place"] == ""  # the draft is a snapshot
    page.update_button.click()
    rep = page.current_report()
    assert (rep.snapshot["place"], rep.snapshot["level"]) == ("临江路128号", "Ⅲ级（较大）")
    # Ⅲ: written 首报 within 1 hour of 23:15 (the call), across midnight
    assert _clock_rows(qtbot, page) == [("首报（书面）", "剩余55分", "正常",
                                  QColor("#e8f5e9").name())]
    assert page.clocks.item(0, 2).text() == "2026-03-02 00:15"

    assert not page.send_button.isEnabled()
    clock.at = dt.datetime(2026, 3, 2, 0, 5)  # 10 minutes left: amber
    page.refresh_clocks()
    assert _clock_rows(qtbot, page)[0][1:3] == ("剩余10分", "临近")
    dlg = _sign(qtbot, boss, iid)
    assert dlg.ok_button().isEnabled(), dlg.checklist_label.text()
    assert "请在续报中补报" in dlg.checklist_label.text()
    dlg.ok_button().click()
    assert not dlg.isVisible()
    assert _reports(engine) == [("first", None, "signed", "BOSS", "")]
    page.refresh()
    _send(qtbot, page)
    assert _reports(engine)[0][2:] == ("sent", "BOSS", "市政府总值班室")
    assert [r[0] for r in _clock_rows(qtbot, page)] == ["续报"]

    # -- the situation worsens: edit, the 续报 highlights the changes, the clock turns red
    clock.at = dt.datetime(2026, 3, 2, 1, 0)
    page.edit_button.click()
    dlg = page.dialog
    dlg.dead.setValue(1)
    dlg.injured.setValue(4)
    dlg.ok_button().click()
    assert not dlg.isVisible(), dlg.message()
    assert [r[0] for r in _clock_rows(qtbot, page)] == ["续报（情况变化）", "续报"]
    assert page.draft_button.text() == "起草续报(&D)"
    page.draft_button.click()
    rep = page.current_report()
    assert rep is not None and rep.name == "续报一"
    html_text = page.view.toHtml()
    assert "较上次报告有 2 处变化" in html_text and "（原：2）" in html_text
    assert "#b00020" in html_text  # casualties: significant
    clock.at = dt.datetime(2026, 3, 2, 2, 20)
    page.refresh_clocks()
    assert _clock_rows(qtbot, page)[0][:3] == ("续报（情况变化）", "已超时20分", "已超时")
    assert "已超时" in page.clock_label.text()
    _sign(qtbot, boss, iid).ok_button().click()
    page.refresh()
    _send(qtbot, page)
    assert "迟报 20 分钟" in page.missed_label.text()

    # -- 终报 closes the chain
    page.final_button.click()
    _sign(qtbot, boss, iid).ok_button().click()
    page.refresh()
    _send(qtbot, page)
    assert _reports(engine) == [
        ("first", None, "sent", "BOSS", "市政府总值班室"),
        ("follow_up", 1, "sent", "BOSS", "市政府总值班室"),
        ("final", None, "sent", "BOSS", "市政府总值班室")]
    _clocks_read(qtbot, page)
    assert page.clocks.rowCount() == 0 and not page.draft_button.isEnabled()
    assert page.clocks.isHidden() and page.clock_label.text() == "当前没有待报时限。"
    _listed(qtbot, page)
    assert page.model.data(page.model.index(0, 4)) == "已终报"
    page.status_filter.setCurrentText("处置中")
    _listed(qtbot, page)
    assert page.model.rowCount() == 0
    page.status_filter.setCurrentText("已终报")
    _listed(qtbot, page)
    assert page.model.rowCount() == 1

    # -- the 终报 printed in the background, read back from the PDF
    out = tmp_path / "out" / "终报.pdf"
    page.save_report_to(out)
    qtbot.waitUntil(lambda: "已保存" in page.status.text(), timeout=30_000)
    # the paper path's answer: where it went and the template that made it
    assert page.status.text().startswith(f"已保存：{out}（模板：")
    with pdfplumber.open(out) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages).replace("\n", "")
    assert "关于临江路燃气爆燃事故的情况报告（终报）" in text
    assert "死亡1人" in text and "受伤4人" in text and "BOSS" in text


def test_sign_blocked_by_missing_basic_elements(qtbot, desks):
    _clock, u = desks
    inc = svc.create_incident(u["duty"], svc.IncidentData(
        title="某地山体滑坡", category="自然灾害", level=4,
        received_at=dt.datetime(2026, 3, 1, 23, 0)))
    svc.draft_report(u["duty"], inc.id)
    boss = _page(qtbot, u["boss"])
    dlg = _sign(qtbot, boss, inc.id)
    assert not dlg.ok_button().isEnabled()
    assert dlg.checklist_label.text().startswith("以下要素必须填写后才能签发：事发时间、事发地点")


def test_rule_table_edited_by_administrator(qtbot, desks):
    _clock, u = desks
    duty_rules = _page(qtbot, u["duty"]).rules_button
    assert duty_rules.isVisible() and not duty_rules.isEnabled()
    assert duty_rules.toolTip() == "需要“管理员”或“系统管理员”角色"
    page = _page(qtbot, u["admin"])
    assert page.rules_button.isVisible() and page.rules_button.isEnabled()
    page.rules_button.click()
    dlg = page.dialog
    assert isinstance(dlg, RuleTableDialog) and dlg.table.rowCount() == 4
    dlg.set_cell(0, 2, "90")  # Ⅰ: phone later than written (60): refused
    dlg.set_cell(3, 3, "abc")
    dlg.save_button().click()
    assert dlg.isVisible()
    assert "不应晚于书面报告时限" in dlg.message() and "第 4 条规则" in dlg.message()
    dlg.set_cell(0, 6, "事发时间、天气")
    dlg.save_button().click()
    assert dlg.message().startswith("首报必填要素中有未知项：天气。可选：事发时间、事发地点")
    dlg.set_cell(0, 6, "事发时间、事发地点")
    dlg.set_cell(0, 2, "20")
    dlg.set_cell(3, 3, "90")
    dlg.add_button.click()
    dlg.set_cell(4, 0, "Ⅳ")
    dlg.set_cell(4, 1, "省应急厅")
    dlg.set_cell(4, 3, "45")
    dlg.set_cell(4, 6, "事发时间、事发地点、事件级别")
    dlg.amber_minutes.setValue(15)
    dlg.save_button().click()
    assert not dlg.isVisible(), dlg.message()
    with Session(u["admin"].engine) as s:
        table = s.get(IncidentRuleTable, 1).table
    assert table["rules"][0]["phone_minutes"] == 20 and table["rules"][3]["written_minutes"] == 90
    assert table["rules"][0]["first_report_blocking"] == ["occurred_at", "place"]
    assert table["rules"][4] == {
        "level": "Ⅳ", "authority": "省应急厅", "phone_minutes": None, "written_minutes": 45,
        "follow_up_hours": None, "change_minutes": None,
        "first_report_blocking": ["occurred_at", "place", "level"]}
    assert table["thresholds"]["amber_minutes"] == 15
    # the dialog reopens with what was saved
    page.rules_button.click()
    assert page.dialog.table.item(4, 1).text() == "省应急厅"


def test_statistics_dialog_and_export(qtbot, desks, tmp_path):
    _clock, u = desks
    for level, cat in ((3, "事故灾难"), (4, "事故灾难"), (2, "自然灾害")):
        svc.create_incident(u["duty"], svc.IncidentData(
            title=f"事件{level}", category=cat, level=level,
            received_at=dt.datetime(2026, 3, 1, 22, 0)))
    svc.create_incident(u["duty"], svc.IncidentData(
        title="内部", category="社会安全事件", level=4,
        received_at=dt.datetime(2026, 2, 1, 9, 0)), classification=1)
    reader_ctx = u["admin"]
    accounts.add_user(reader_ctx, "low", "Pass-word-1", role=Role.LEADER,
                      clearance=Clearance.PUBLIC, must_change_password=False)
    low = reader_ctx.with_actor(accounts.login(reader_ctx, "low", "Pass-word-1"))
    for ctx, total, months in ((u["boss"], 4, 2), (low, 3, 1)):
        dlg = StatisticsDialog(ctx, 2026)
        qtbot.addWidget(dlg)
        qtbot.waitUntil(lambda d=dlg: d.stats is not None, timeout=10_000)
        assert dlg.status.text() == f"共 {total} 起。"
        cats = dlg.tabs.widget(0)
        assert [(cats.item(r, 0).text(), cats.item(r, 1).text()) for r in range(4)][:2] == [
            ("自然灾害", "1"), ("事故灾难", "2")]
        assert dlg.tabs.widget(2).rowCount() == months
        assert [b[1] for b in dlg.chart.bars] == [v for _, v in dlg.stats.by_month]
        dlg.chart_kind.setCurrentText("按级别")
        assert [b[2] for b in dlg.chart.bars] == ["#D7000F", "#F08C00", "#F5C400", "#1F5FBF"]
    out = tmp_path / "统计.xlsx"
    dlg.export_to(out)
    qtbot.waitUntil(lambda: "已导出" in dlg.status.text(), timeout=10_000)
    wb = load_workbook(out)
    assert [c.value for c in wb["按类别"][3]] == ["事故灾难", 2]
    assert wb["按月份"].max_row == 2  # the 内部 February incident is not in a 公开 export


def test_phone_log_entry_to_first_report_draft(qtbot, desks):
    from app.services import duty

    _clock, u = desks
    entry = duty.add_log_entry(u["duty"], duty.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 3, 1, 23, 12).astimezone(),
        caller_unit="西湖区应急管理局", caller_name="赵六", caller_phone="0571-8888",
        content="临江路一餐馆发生燃气爆燃。2人受伤。"))
    page = _page(qtbot, u["duty"])
    assert page.from_log_button.isVisible()
    page.from_log_button.click()
    dlg = page.dialog
    assert isinstance(dlg, LogPickDialog)
    qtbot.waitUntil(lambda: dlg.load_task.finished)  # the entries are read in the worker
    assert dlg.chosen_id() == entry.id
    dlg.buttons.button(dlg.buttons.StandardButton.Ok).click()
    assert page.incident is not None and page.incident.duty_log_id == entry.id
    rep = page.current_report()
    assert rep is not None and rep.name == "首报" and rep.status == "draft"
    assert rep.snapshot["received_at"] == "2026-03-01 23:12"
    assert rep.snapshot["reporter_phone"] == "0571-8888"
    assert "赵六" in page.view.toPlainText()
    _clocks_read(qtbot, page)
    assert page.clocks.item(0, 2).text() == "2026-03-02 01:12"  # Ⅳ: 2 hours


def test_list_is_fetched_a_page_at_a_time(qtbot, desks):
    _clock, u = desks
    engine = u["duty"].engine
    with Session(engine) as s, s.begin():
        for i in range(230):
            s.add(Incident(title=f"事件{i:03d}", category="事故灾难", subtype="", level=4,
                           received_at=dt.datetime(2026, 1, 1) + dt.timedelta(hours=i),
                           status="closed", daily_mode=False, rule={}, change_times=[],
                           leaders_on_site=[], commander={}, classification=0))
    page = _page(qtbot, u["duty"])
    assert page.model.rowCount() == 230 and page.model.total == 230  # the count, one page read
    assert len(page.model.cache) == 1 and page.model.page_reads == 0
    assert page.model.data(page.model.index(0, 1)) == "事件229"  # newest first
    row = [page.model.data(page.model.index(0, c)) for c in range(page.model.columnCount())]
    assert row == ["2026-01-10 13:00", "事件229", "事故灾难", "Ⅳ级（一般）", "已终报", "0", "公开"]
    level = page.model.index(0, 3)
    assert page.model.data(level, Qt.ItemDataRole.BackgroundRole).color().name() == \
        QColor(R.Level(4).colour_hex).name()
    assert page.model.data(level, Qt.ItemDataRole.ForegroundRole).color().name() == "#ffffff"
    assert page.model.data(page.model.index(0, 1), Qt.ItemDataRole.ForegroundRole) is None
    assert page.model.data(page.model.index(0, 1), Qt.ItemDataRole.BackgroundRole) is None
    assert page.model.data(page.model.index(0, 5), Qt.ItemDataRole.UserRole) == \
        page.model.row(0).id
    assert page.model.data(page.model.index(0, 1), Qt.ItemDataRole.FontRole) is None
    assert page.model.data(page.model.index(150, 0)) == "…"  # not read yet: asked of the worker
    qtbot.waitUntil(lambda: page.model.data(page.model.index(150, 1)) == "事件079")
    assert page.model.seeks == 1  # page 1 read after the last row of page 0, not by offset
    with Session(engine) as s:
        oldest = s.execute(select(Incident.id).where(Incident.title == "事件000")).scalar_one()
    assert page.select_incident(oldest)  # its details at once; its row when its page is in
    assert page.incident.data.title == "事件000"
    qtbot.waitUntil(lambda: [page.model.row(i.row()).id for i in
                             page.list.selectionModel().selectedRows()] == [oldest])
    assert page.model.rowCount() == 230 and page.incident.data.title == "事件000"
    page.search.setText("事件12")
    _listed(qtbot, page)
    assert page.model.rowCount() == 10 and page.model.total == 10  # 事件120 … 事件129


def test_a_hidden_page_reads_nothing_on_its_timer(qtbot, desks, monkeypatch):
    """The clock timer of a page that is not on screen (window closed or signed out, or its
    database gone) must not query — an old page's query used to fail into a modal error box."""
    _clock, u = desks
    page = _page(qtbot, u["duty"])
    calls = []
    monkeypatch.setattr(svc, "open_clocks", lambda ctx: calls.append(ctx) or [])
    page.timer.timeout.emit()
    _clocks_read(qtbot, page)
    assert len(calls) == 1
    page.hide()
    page.timer.timeout.emit()
    assert not page.clocks_pending and len(calls) == 1


def _open_incidents(engine, n: int) -> None:
    from app.domain import incident_rules as R

    with Session(engine) as s, s.begin():
        for i in range(n):
            s.add(Incident(title=f"未报事件{i:02d}", category="事故灾难", subtype="", level=4,
                           received_at=dt.datetime(2026, 3, 1, 22, 0) + dt.timedelta(minutes=i),
                           status="open", daily_mode=False,
                           rule=svc._rule_json(R.DEFAULT_RULES.rule_for(4)), change_times=[],
                           leaders_on_site=[], commander={}, classification=0))


def test_clock_refresh_runs_in_the_worker_one_at_a_time_keeping_selection(qtbot, desks,
                                                                          monkeypatch):
    """The 30 s clock refresh reads in the worker: while a read runs the window keeps serving,
    further ticks are dropped (no pile-up of reads), a refresh asked for by an action runs once
    after it, and the table keeps the selected clock and the scroll position."""
    import threading

    clock, u = desks
    _open_incidents(u["duty"].engine, 30)
    page = _page(qtbot, u["duty"])
    rows = _clock_rows(qtbot, page)
    assert len(rows) == 30 and page.clock_label.text() == "待报时限 30 项。"
    page.clocks.setCurrentCell(20, 0)
    picked = (page.clocks.item(20, 0).text(), page.clocks.item(20, 1).text())
    bar = page.clocks.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum() // 2)
    scroll = bar.value()

    gate, calls, real = threading.Event(), [], svc.open_clocks

    def slow(ctx):  # type: ignore[no-untyped-def]
        calls.append(1)
        assert gate.wait(10)
        return real(ctx)

    monkeypatch.setattr(svc, "open_clocks", slow)
    clock.at = dt.datetime(2026, 3, 1, 23, 40)
    page.timer.timeout.emit()
    qtbot.waitUntil(lambda: calls == [1])  # the GUI thread serves events while the read waits
    reads = set(worker._running)
    for _ in range(3):
        page.timer.timeout.emit()
    # the dropped ticks started no background read (one would wait on the gate, still running)
    qtbot.waitUntil(lambda: set(worker._running) <= reads)
    assert calls == [1] and page.clocks_pending
    page.refresh_clocks()  # an action changed the data: one more read after this one
    gate.set()
    _clocks_read(qtbot, page)
    assert calls == [1, 1]
    r = page.clocks.currentRow()
    assert (page.clocks.item(r, 0).text(), page.clocks.item(r, 1).text()) == picked
    assert bar.value() == scroll
    assert _clock_rows(qtbot, page) != rows  # 20 minutes later: the times left changed
    from app.ui.kit.worker import TaskHandle

    qtbot.waitUntil(lambda: not page.findChildren(TaskHandle))  # one every 30 s: deleted


def test_a_failed_clock_read_is_said_in_chinese(qtbot, desks, monkeypatch):
    from app.errors import PermissionDenied

    _clock, u = desks
    page = _page(qtbot, u["duty"])

    def refused(ctx):  # type: ignore[no-untyped-def]
        raise PermissionDenied("账户已停用，请联系管理员。")

    monkeypatch.setattr(svc, "open_clocks", refused)
    page.refresh_clocks()
    _clocks_read(qtbot, page)
    assert "账户已停用" in page.clock_label.text()

    def broken(ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("database is locked")

    monkeypatch.setattr(svc, "open_clocks", broken)
    page.refresh_clocks()
    _clocks_read(qtbot, page)
    assert page.clock_label.text() == "读取待报时限时出错，请稍后重试。"


def test_the_log_pick_dialog_reads_in_the_worker(qtbot, desks, sql_watch):
    """Opening 从值班记录生成首报 runs no statement on the GUI thread: the latest entries are read
    in the worker and shown when they arrive."""
    from app.services import duty

    _clock, u = desks
    entry = duty.add_log_entry(u["duty"], duty.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 3, 1, 8, 0).astimezone(),
        caller_unit="西湖区应急管理局", caller_name="赵六", content="路面塌陷，无人员伤亡。"))
    sql_watch.recording = True
    sql_watch.where = "LogPickDialog"
    dlg = LogPickDialog(u["duty"])
    qtbot.addWidget(dlg)
    assert dlg.table.rowCount() == 0 and not dlg.load_task.finished
    qtbot.waitUntil(lambda: dlg.load_task.finished)
    sql_watch.recording = False
    assert sql_watch.anywhere > 0 and sql_watch.seen == []
    assert dlg.table.rowCount() == 1 and dlg.chosen_id() == entry.id
