"""突发事件 service: the report chain, 签发 and 报送, clocks across midnight, misses recorded and
kept, the rule table edited by an administrator, the checklist, clearance on lists and
statistics, XLSX export and the printed 信息专报 read back from the PDF."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import incident_rules as R
from app.domain.security import Clearance, Role
from app.errors import InputError, PermissionDenied
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.incidents import reports as svc
from app.storage.models import AuditEvent, IncidentMissedDeadline, IncidentReport, IncidentRuleTable


class Clock:
    """A settable clock; naive values are local times, as the incident module uses."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at.astimezone()  # aware, local zone: local_now() gives ``at`` back


def _users(admin_ctx, clock):
    for name, role, clr in (("duty", Role.DUTY, Clearance.INTERNAL),
                            ("boss", Role.LEADER, Clearance.SECRET),
                            ("low", Role.READER, Clearance.PUBLIC)):
        accounts.add_user(admin_ctx, name, "Pass-word-1", display_name=name.upper(), role=role,
                          clearance=clr, must_change_password=False)
    base = ServiceContext(admin_ctx.engine, None, clock)
    return {n: base.with_actor(accounts.login(base, n, "Pass-word-1"))
            for n in ("duty", "boss", "low")} | {"admin": base.with_actor(admin_ctx.actor)}


@pytest.fixture
def world(admin_ctx):
    clock = Clock(dt.datetime(2026, 3, 1, 23, 10))
    return clock, _users(admin_ctx, clock)


FULL = dict(  # noqa: C408 (reads like the form)
    title="临江路燃气爆燃事故", category="事故灾难", subtype="火灾事故", level=3,
    occurred_at=dt.datetime(2026, 3, 1, 22, 50), received_at=dt.datetime(2026, 3, 1, 23, 5),
    place="临江路128号餐馆", county="西湖区", unit="好味道餐馆", source="区应急局电话报告",
    summary="发生燃气爆燃，餐馆及相邻商铺受损。火情已被扑灭。", dead=0, missing=0, injured=3,
    property_loss="正在核查", cause="初步判断为燃气泄漏", impact="周边商铺", trend="已控制",
    commander=svc.Person("李强", "区长", "13800000000"), measures="消防出动\n伤员送医",
    next_steps="调查原因", reporter_unit="区应急局", reporter_name="张三",
    reporter_phone="0571-1",
)


def test_full_chain_clocks_across_midnight_and_pdf(world, engine):
    clock, u = world
    inc = svc.create_incident(u["duty"], svc.IncidentData(**FULL))
    assert inc.rule["written_minutes"] == 60 and inc.status == "open"
    clocks = svc.open_clocks(u["duty"])
    assert [(c.label, c.due, c.state) for c in clocks] == [
        ("首报（书面）", dt.datetime(2026, 3, 2, 0, 5), "ok")]
    assert clocks[0].text == "剩余55分"

    first = svc.draft_report(u["duty"], inc.id)
    assert first.name == "首报" and first.status == "draft"
    with pytest.raises(PermissionDenied):
        svc.sign_report(u["duty"], first.id)
    with pytest.raises(InputError, match="签发"):
        svc.send_report(u["duty"], first.id, "市政府总值班室")

    clock.at = dt.datetime(2026, 3, 1, 23, 58)  # the last 12 minutes (≤ 20 % of 60): amber
    assert svc.open_clocks(u["duty"])[0].state == "amber"
    signed = svc.sign_report(u["boss"], first.id)
    assert (signed.status, signed.signed_by, signed.issue_no) == ("signed", "BOSS", 1)
    clock.at = dt.datetime(2026, 3, 2, 0, 3)  # after midnight, still within the hour
    sent = svc.send_report(u["duty"], first.id, "市政府总值班室")
    assert sent.sent_at == dt.datetime(2026, 3, 2, 0, 3)
    # the daily 续报 clock runs from the 首报
    clocks = svc.open_clocks(u["duty"])
    assert [(c.label, c.due) for c in clocks] == [("续报", dt.datetime(2026, 3, 3, 0, 3))]

    # casualties rise: a significant change opens a 续报（情况变化） clock of 60 minutes
    clock.at = dt.datetime(2026, 3, 2, 1, 0)
    svc.update_incident(u["duty"], inc.id, svc.IncidentData(**(FULL | {"dead": 1, "injured": 4})))
    labels = {c.label: c.due for c in svc.open_clocks(u["duty"])}
    assert labels["续报（情况变化）"] == dt.datetime(2026, 3, 2, 2, 0)

    follow = svc.draft_report(u["duty"], inc.id)
    assert follow.name == "续报一"
    changed = {c["key"]: (c["old"], c["new"], c["significant"]) for c in follow.changes}
    assert changed["dead"] == (0, 1, True) and changed["injured"] == (3, 4, True)
    assert "title" not in changed
    # missed: the change deadline passes before the 续报 goes
    clock.at = dt.datetime(2026, 3, 2, 2, 30)
    assert svc.open_clocks(u["duty"])[0].state == "red"
    svc.sign_report(u["boss"], follow.id)
    svc.send_report(u["duty"], follow.id, "市政府总值班室")
    view = svc.incident_clocks(u["duty"], inc.id)
    assert [(m.label, m.satisfied_at, m.text) for m in view.missed] == [
        ("续报（情况变化）", dt.datetime(2026, 3, 2, 2, 30), "迟报 30 分钟")]

    final = svc.draft_report(u["duty"], inc.id, final=True)
    assert final.name == "终报"
    svc.sign_report(u["boss"], final.id)
    svc.send_report(u["duty"], final.id, "市政府总值班室")
    assert svc.get_incident(u["duty"], inc.id).status == "closed"
    assert svc.open_clocks(u["duty"]) == []
    with pytest.raises(InputError, match="终报"):
        svc.draft_report(u["duty"], inc.id)
    # the miss is kept after the chain closed
    with Session(engine) as s:
        assert s.execute(select(IncidentMissedDeadline.key)).scalars().all() == [
            "change@2026-03-02T01:00"]
        assert [r.issue_no for r in s.execute(
            select(IncidentReport).order_by(IncidentReport.seq)).scalars()] == [1, 2, 3]
        actions = s.execute(select(AuditEvent.action)).scalars().all()
    assert actions.count("incident.report.sign") == 3

    chain = svc.list_reports(u["duty"], inc.id)
    assert [r.name for r in chain] == ["首报", "续报一", "终报"]
    for rep, title in zip(chain, ("（首报）", "（续报一）", "（终报）"), strict=True):
        pdf = svc.render_report(u["duty"], rep.id)
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            text = "".join(p.extract_text() or "" for p in doc.pages).replace("\n", "")
        assert "关于临江路燃气爆燃事故的情况报告" + title in text
        assert f"第{rep.issue_no}期" in text and "BOSS" in text
    assert "死亡1人" in text and "受伤4人" in text and "此为终报" in text


def test_frozen_snapshot_and_refresh(world):
    _clock, u = world
    inc = svc.create_incident(u["duty"], svc.IncidentData(**FULL))
    draft = svc.draft_report(u["duty"], inc.id)
    svc.update_incident(u["duty"], inc.id, svc.IncidentData(**(FULL | {"injured": 5})))
    assert svc.refresh_draft(u["duty"], draft.id).snapshot["injured"] == 5
    svc.sign_report(u["boss"], draft.id)
    svc.update_incident(u["duty"], inc.id, svc.IncidentData(**(FULL | {"injured": 9})))
    with pytest.raises(InputError, match="固定"):
        svc.refresh_draft(u["duty"], draft.id)
    assert svc.list_reports(u["duty"], inc.id)[0].snapshot["injured"] == 5


def test_checklist_blocks_only_what_the_rule_says(world):
    _clock, u = world
    sparse = svc.IncidentData(title="某地山体滑坡", category="自然灾害", level=4,
                              received_at=dt.datetime(2026, 3, 1, 23, 0))
    inc = svc.create_incident(u["duty"], sparse)
    rep = svc.draft_report(u["duty"], inc.id)
    check = svc.checklist(u["duty"], rep.id)
    assert not check.can_sign
    with pytest.raises(InputError, match="事发时间.*事发地点"):
        svc.sign_report(u["boss"], rep.id)
    svc.update_incident(u["duty"], inc.id, svc.IncidentData(
        title="某地山体滑坡", category="自然灾害", level=4,
        occurred_at=dt.datetime(2026, 3, 1, 22, 0), received_at=dt.datetime(2026, 3, 1, 23, 0),
        place="某村", summary="山体滑坡", reporter_unit="乡政府", reporter_name="王五",
        reporter_phone="1"))
    svc.refresh_draft(u["duty"], rep.id)
    check = svc.checklist(u["duty"], rep.id)
    assert check.can_sign and "人员伤亡" in check.message() and "请在续报中补报" in check.message()
    assert svc.sign_report(u["boss"], rep.id).status == "signed"


def test_rule_table_edited_by_administrator(world, engine):
    _clock, u = world
    obj = R.DEFAULT_RULES.to_dict()
    obj["rules"][3]["written_minutes"] = 90
    obj["rules"].append({"level": "Ⅳ", "authority": "省应急厅", "written_minutes": 45})
    with pytest.raises(PermissionDenied):
        svc.save_rule_table(u["duty"], obj)
    bad = R.DEFAULT_RULES.to_dict()
    bad["rules"][0]["phone_minutes"] = 90
    with pytest.raises(InputError, match="不应晚于"):
        svc.save_rule_table(u["admin"], bad)
    svc.save_rule_table(u["admin"], obj)
    with Session(engine) as s:
        assert s.get(IncidentRuleTable, 1).table["rules"][3]["written_minutes"] == 90
    a = svc.create_incident(u["duty"], svc.IncidentData(**(FULL | {"level": 4})))
    b = svc.create_incident(u["duty"], svc.IncidentData(**(FULL | {"level": 4,
                                                                     "authority": "省应急厅"})))
    due = {c.incident_id: c.due for c in svc.open_clocks(u["duty"])}
    assert due[a.id] == FULL["received_at"] + dt.timedelta(minutes=90)
    assert due[b.id] == FULL["received_at"] + dt.timedelta(minutes=45)


def test_phone_first_report_for_level_two(world):
    clock, u = world
    inc = svc.create_incident(u["duty"], svc.IncidentData(**(FULL | {"level": 2})))
    labels = [c.label for c in svc.open_clocks(u["duty"])]
    assert labels == ["首报（电话）", "首报（书面）"]
    phone = svc.record_phone_report(u["duty"], inc.id, "市应急局", dt.datetime(2026, 3, 1, 23, 9))
    assert phone.name == "首报（电话）" and phone.status == "sent"
    assert [c.label for c in svc.open_clocks(u["duty"])] == ["首报（书面）"]
    # nobody writes: the written deadline is missed and recorded, the daily clock never starts
    clock.at = dt.datetime(2026, 3, 2, 8, 0)
    assert svc.open_clocks(u["duty"])[0].state == "red"
    view = svc.incident_clocks(u["duty"], inc.id)
    assert [(m.label, m.satisfied_at) for m in view.missed] == [("首报（书面）", None)]


def test_clearance_on_lists_and_statistics(world, tmp_path):
    _clock, u = world
    svc.create_incident(u["duty"], svc.IncidentData(**FULL))
    svc.create_incident(u["duty"], svc.IncidentData(**(FULL | {
        "title": "内部事件", "category": "社会安全事件", "subtype": "", "level": 2,
        "received_at": dt.datetime(2026, 2, 10, 9, 0),
        "occurred_at": dt.datetime(2026, 2, 10, 8, 0)})), classification=1)
    with pytest.raises(PermissionDenied):
        svc.create_incident(u["duty"], svc.IncidentData(**FULL), classification=2)
    assert svc.count_incidents(u["low"]) == 1 and svc.count_incidents(u["boss"]) == 2
    assert [r.title for r in svc.list_incidents(u["low"])] == ["临江路燃气爆燃事故"]
    low = svc.statistics(u["low"], 2026)
    boss = svc.statistics(u["boss"], 2026)
    assert low.total == 1 and dict(low.by_category)["社会安全事件"] == 0
    assert dict(boss.by_category)["社会安全事件"] == 1
    assert boss.by_month == (("2026-02", 1), ("2026-03", 1))
    assert dict(boss.by_level)["Ⅱ级（重大）"] == 1
    # the 内部 incident's two 首报 deadlines passed long ago: recorded as 漏报
    timely = {row[0]: row[1:] for row in boss.timeliness}
    assert timely["首报（电话）"] == (0, 0, 1) and timely["首报（书面）"] == (0, 0, 1)
    assert svc.statistics(u["boss"], 2025).total == 0
    with pytest.raises(PermissionDenied):
        svc.export_statistics_xlsx(u["duty"], boss, tmp_path / "s.xlsx")
    out = svc.export_statistics_xlsx(u["boss"], boss, tmp_path / "out" / "统计.xlsx")
    wb = load_workbook(out)
    # marked with the highest 密级 counted (a 内部 incident): sheet names and a first row
    assert wb.sheetnames == ["按类别（内部）", "按级别（内部）", "按月份（内部）", "报送及时性（内部）"]
    assert all(ws["A1"].value == "密级：内部" for ws in wb.worksheets)
    months = wb["按月份（内部）"]
    assert [c.value for c in months[4]] == ["2026-03", 1]
    assert len(months._charts) == 1
    # the chart reads the counts under the header (row 2): rows 3-4, not the mark row
    chart = months._charts[0]
    assert chart.series[0].val.numRef.f.endswith("!$B$3:$B$4")
    assert [c.value for c in wb["报送及时性（内部）"][4]] == ["首报（书面）", 0, 0, 1]


def test_bad_input_in_chinese(world):
    _clock, u = world
    with pytest.raises(InputError, match="事件名称"):
        svc.create_incident(u["duty"], svc.IncidentData(received_at=FULL["received_at"]))
    with pytest.raises(InputError, match="不能晚于接报时间"):
        svc.create_incident(u["duty"], svc.IncidentData(**(FULL | {
            "occurred_at": dt.datetime(2026, 3, 2, 0, 0)})))
    with pytest.raises(InputError, match="子类"):
        svc.create_incident(u["duty"], svc.IncidentData(**(FULL | {"subtype": "地震灾害"})))
    inc = svc.create_incident(u["duty"], svc.IncidentData(**FULL))
    with pytest.raises(InputError, match="首报"):
        svc.draft_report(u["duty"], inc.id, final=True)


def test_indexed_in_search_with_clearance(world):
    from app.services.search import index as search
    _clock, u = world
    inc = svc.create_incident(u["duty"], svc.IncidentData(**FULL))
    secret = svc.create_incident(u["duty"], svc.IncidentData(**(FULL | {
        "title": "临江码头内部事件"})), classification=1)
    rep = svc.draft_report(u["duty"], inc.id)
    svc.sign_report(u["boss"], rep.id)
    svc.send_report(u["duty"], rep.id, "省应急厅值班室")
    hits = search.search(u["boss"], "省应急厅", kinds=["incident"]).hits
    assert [(h.kind, h.record_id) for h in hits] == [("incident", inc.id)]
    assert {h.record_id for h in search.search(u["boss"], "临江", kinds=["incident"]).hits} == {
        inc.id, secret.id}
    assert {h.record_id for h in search.search(u["low"], "临江", kinds=["incident"]).hits} == {
        inc.id}


def test_phone_log_entry_becomes_first_report_draft(world):
    from app.services import duty
    _clock, u = world
    entry = duty.add_log_entry(u["duty"], duty.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 3, 1, 23, 2).astimezone(),
        caller_unit="西湖区应急管理局", caller_name="赵六", caller_post="值班员",
        caller_phone="0571-8888", content="临江路一餐馆发生燃气爆燃。3人受伤，火已扑灭。"))
    inc, draft = svc.draft_from_duty_log(u["duty"], entry.id, level=3)
    assert inc.duty_log_id == entry.id
    assert inc.data.received_at == dt.datetime(2026, 3, 1, 23, 2)
    assert inc.data.title == "临江路一餐馆发生燃气爆燃"
    assert (inc.data.reporter_unit, inc.data.reporter_phone) == ("西湖区应急管理局", "0571-8888")
    assert "赵六" in inc.data.reporter_name and "赵六" in inc.data.source
    assert draft.name == "首报" and draft.status == "draft"
    assert draft.snapshot["received_at"] == "2026-03-01 23:02"
    assert [c.due for c in svc.open_clocks(u["duty"])] == [dt.datetime(2026, 3, 2, 0, 2)]


def test_office_template_is_used_for_printing(world):
    from app.services.templates import library as templates
    _clock, u = world
    inc = svc.create_incident(u["duty"], svc.IncidentData(**FULL))
    rep = svc.draft_report(u["duty"], inc.id)
    shipped = templates.default_info(u["admin"], "突发事件首报", "description")
    text = templates.get(u["admin"], shipped.ref).text.replace(
        "的情况报告（首报）", "的紧急情况报告（首报）")
    mine = templates.save(u["admin"], shipped.ref, text=text)
    templates.set_default(u["admin"], mine.ref)
    pdf = svc.render_report(u["duty"], rep.id)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        body = "".join(p.extract_text() or "" for p in doc.pages).replace("\n", "")
    assert "关于临江路燃气爆燃事故的紧急情况报告（首报）" in body
    assert "待签发" not in body and "__" not in body and "期" not in body  # a draft: no 期号, no 签发人


def test_daily_mode_for_a_long_running_minor_incident(world, engine):
    clock, u = world
    inc = svc.create_incident(u["duty"], svc.IncidentData(**(FULL | {"level": 4})))
    rep = svc.draft_report(u["duty"], inc.id)
    svc.sign_report(u["boss"], rep.id)
    svc.send_report(u["duty"], rep.id, "市应急局")  # 23:10
    assert svc.open_clocks(u["duty"]) == []  # Ⅳ: 续报 only on change by default
    svc.set_daily_mode(u["duty"], inc.id, True)
    assert [(c.label, c.due) for c in svc.open_clocks(u["duty"])] == [
        ("续报", dt.datetime(2026, 3, 2, 23, 10))]
    clock.at = dt.datetime(2026, 3, 4, 9, 0)  # two daily windows passed
    daily = svc.draft_report(u["duty"], inc.id)
    assert daily.name == "续报一（日报）"
    view = svc.incident_clocks(u["duty"], inc.id)
    assert [(m.key, m.satisfied_at) for m in view.missed] == [
        ("follow_up@2026-03-02T23:10", None), ("follow_up@2026-03-03T23:10", None)]
    svc.sign_report(u["boss"], daily.id)
    svc.send_report(u["duty"], daily.id, "市应急局")
    view = svc.incident_clocks(u["duty"], inc.id)
    assert [m.text for m in view.missed] == ["迟报 2030 分钟", "迟报 590 分钟"]
    assert [c.due for c in view.open] == [dt.datetime(2026, 3, 5, 9, 0)]


def test_viewing_a_classified_incident_is_audited(world, engine):
    _clock, u = world
    inc = svc.create_incident(u["duty"], svc.IncidentData(**FULL), classification=1)
    svc.get_incident(u["boss"], inc.id)
    with Session(engine) as s:
        rows = s.execute(select(AuditEvent.actor, AuditEvent.object_id).where(
            AuditEvent.action == "incident.view")).all()
    assert rows == [("boss", str(inc.id))]
    with pytest.raises(PermissionDenied, match="密级"):
        svc.get_incident(u["low"], inc.id)


def test_report_saved_as_docx_and_pdf(world, tmp_path):
    from docx import Document

    _clock, u = world
    inc = svc.create_incident(u["duty"], svc.IncidentData(**FULL))
    rep = svc.draft_report(u["duty"], inc.id)
    svc.sign_report(u["boss"], rep.id)
    out = svc.save_report(u["duty"], rep.id, tmp_path / "报告" / "首报.docx")
    text = "".join(p.text for p in Document(str(out)).paragraphs)
    assert "关于临江路燃气爆燃事故的情况报告（首报）" in text and "〔2026〕第1期" in text
    assert sorted(p.name for p in out.parent.iterdir()) == ["首报.docx"]  # no temp file left
    with pytest.raises(InputError, match=r"\.pdf 或 \.docx"):
        svc.save_report(u["duty"], rep.id, tmp_path / "首报.txt")
    phone = svc.create_incident(u["duty"], svc.IncidentData(**(FULL | {"level": 1})))
    call = svc.record_phone_report(u["duty"], phone.id, "省政府总值班室")
    with pytest.raises(InputError, match="电话报告"):
        svc.render_report(u["duty"], call.id)
