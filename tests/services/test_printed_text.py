"""Issue 17: what reaches paper is what was entered. Golden texts read back from the PDFs
(pdfplumber) for the 首报, the 值班安排 notice and a 纪要 with its optional fields empty; the
发文字号 of the notice comes from the series register (签发) and is never issued twice; the print
path refuses unfilled placeholders; a second call about the same fire is offered the open
incident instead of a second deadline clock."""

from __future__ import annotations

import datetime as dt
import io
import re
from datetime import UTC, datetime

import pdfplumber
import pytest

from app.domain.security import Clearance, Role
from app.services import duty
from app.services.context import ServiceContext
from app.services.documents import drafts as documents
from app.services.documents import printing as document_output
from app.services.duty_publish import publishing as duty_publish
from app.services.incidents import reports as svc
from app.services.minutes import meetings as mn
from app.services.office import settings as office_settings
from app.services.placeholders import UnfilledPlaceholders
from tests.services.documents_helpers import notice, person
from tests.services.test_duty import seed_staff
from tests.services.test_incidents import Clock, _users

BAD = ("×××", "XX", "__", "（…）", "（值班电话）", "待签发", "第__期", "联系电话:）", "联系电话：）",
       "研究了研究", "立即报告市领导", "正在组织处置", "暂无人员伤亡")


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages)


def _flat(text: str) -> str:
    return "".join(text.split())


def _paper(text: str) -> str:
    """The PDF's text without whitespace and page numbers (— 1 —)."""
    return re.sub(r"—\d+—", "", _flat(text))


def _clean(text: str) -> None:
    for bad in BAD:
        assert bad not in text, bad


# ---- 首报 ----------------------------------------------------------------------------------------
CALL = "12月6日13时40分许，临江路128号一居民楼发生火灾，造成2人受伤，已送医救治。"


def test_first_report_golden_text_from_a_duty_call(admin_ctx):
    clock = Clock(dt.datetime(2026, 12, 6, 14, 0))
    u = _users(admin_ctx, clock)
    entry = duty.add_log_entry(u["duty"], duty.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 12, 6, 13, 52).astimezone(),
        caller_unit="临江区应急管理局", caller_name="赵六", caller_post="值班员",
        caller_phone="", content=CALL))
    inc, draft = svc.draft_from_duty_log(u["duty"], entry.id)
    assert inc.data.title == "临江路128号一居民楼发生火灾"  # not the first 30 characters
    data = inc.data
    svc.update_incident(u["duty"], inc.id, svc.IncidentData(**{
        **{f: getattr(data, f) for f in data.__dataclass_fields__},
        "subtype": "火灾事故", "county": "临江区", "place": "江城市临江区临江路128号",
        "occurred_at": dt.datetime(2026, 12, 6, 13, 40), "cause": "初步判断为电动自行车充电引发",
        "injured": 2}))
    draft = svc.refresh_draft(u["duty"], draft.id)
    text = _text(svc.render_report(u["duty"], draft.id))
    _clean(text)
    expected = (
        "特急 信息专报"
        "关于临江路128号一居民楼发生火灾的情况报告（首报）"
        "现将有关情况报告如下："
        "一、基本情况"
        "事发时间：2026年12月6日13时40分许。"
        "接报时间：2026年12月6日13时52分（临江区应急管理局赵六（值班员）电话报告）。"
        "事发地点：江城市临江区临江路128号。"
        "事件类别：事故灾难—火灾事故。"
        f"事件级别：{svc.R.Level(4).label}。"
        f"{CALL}"
        "性质和原因：初步判断为电动自行车充电引发。"
        "二、人员伤亡和财产损失"
        "截至12月6日14时，受伤2人。"
        "有关情况将及时续报。"
        "总值班室"
        "2026年12月6日"
        "（报告人：赵六（值班员））"
        "总值班室2026年12月6日印发"
    )
    assert _paper(text) == _flat(expected)


# ---- 值班安排 notice and the 发文字号 --------------------------------------------------------------
@pytest.fixture
def office(admin_ctx):
    ctx = ServiceContext(admin_ctx.engine, admin_ctx.actor,
                         lambda: datetime(2026, 2, 25, 2, 0, tzinfo=UTC))
    office_settings.update_office(ctx, office_settings.OfficeInfo(
        "江城市人民政府办公室", ["江政办发"], "江城市人民政府办公室文件", "江城市人民政府办公室"))
    seed_staff(ctx, 1, 2)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    roster = duty.create_roster(ctx, dt.date(2026, 3, 2), dt.date(2026, 3, 3), "3月值班表")
    assert duty.generate(ctx, roster.id, time_limit=5).ok
    duty.publish(ctx, roster.id)
    clerk = person(ctx, "wenshu", Role.CLERK, Clearance.CONFIDENTIAL, "王文书")
    leader = person(ctx, "lingdao", Role.LEADER, Clearance.CONFIDENTIAL, "李领导")
    return ctx, clerk, leader, duty.get_roster(ctx, roster.id)


def test_notice_golden_text_for_an_ordinary_month_without_phone(office):
    ctx, _clerk, _leader, roster = office
    opts = duty_publish.NoticeOptions(period="2026年3月上旬", date=dt.date(2026, 2, 25))
    text = _text(duty_publish.render_notice(ctx, roster.id, opts))
    _clean(text)
    assert "节后" not in text and "电话：" not in text and "〔2026〕" not in text
    by_day: dict[dt.date, dict[str, list[str]]] = {}
    for d in roster.duties:
        by_day.setdefault(d.day, {}).setdefault(d.role, []).append(d.staff_name)
    phones = {f"干部{i + 1}": f"8700{i:04d}" for i in range(2)}
    rows = "".join(
        f"{day.month}月{day.day}日星期{'一二三四五六日'[day.weekday()]}{roles['leader'][0]}"
        f"{roles['officer'][0]}{phones[roles['officer'][0]]}" for day, roles in sorted(by_day.items()))
    expected = (
        "江城市人民政府办公室文件"
        "江城市人民政府办公室关于2026年3月上旬值班安排的通知"
        "各处室、各直属单位："
        "2026年3月上旬（3月2日至3月3日，共2天），实行领导带班和24小时值班制度。现将值班安排通知如下："
        "一、值班安排带班领导和值班人员安排见附件。"
        "二、工作要求"
        "（一）带班领导和值班人员要坚守岗位，保持通信畅通，不得擅自离岗。"
        "（二）遇有重大突发事件，要按规定第一时间报告，不得迟报、漏报、瞒报。"
        "（三）值班人员因故不能值班的，须提前报经带班领导同意并安排人员替班。"
        "附件：2026年3月上旬值班安排表"
        "江城市人民政府办公室2026年2月25日"
        "附件2026年3月上旬值班安排表"
        f"日期星期带班领导值班人员联系电话{rows}"
        "江城市人民政府办公室2026年2月25日印发")
    assert _paper(text) == _flat(expected)


def test_the_notice_is_numbered_at_signing_from_the_register_never_twice(office):
    _ctx, clerk, leader, roster = office
    draft = duty_publish.draft_notice(clerk, roster.id, duty_publish.NoticeOptions(
        period="2026年3月上旬", duty_phone="0571-87001100", date=dt.date(2026, 2, 25)))
    assert draft.doc_no == "" and draft.genre == "通知"
    documents.workflow_step(leader, draft.id, "review")
    signed = documents.sign(leader, draft.id)
    assert signed.doc_no == "江政办发〔2026〕1号"
    text = _text(document_output.print_pdf(clerk, draft.id))
    assert "江政办发〔2026〕1号" in _flat(text) and "0571-87001100" in text
    other = documents.create_document(clerk, notice(), series_prefix="江政办发")
    documents.workflow_step(leader, other.id, "review")
    assert documents.sign(leader, other.id).doc_no == "江政办发〔2026〕2号"
    from app.services.documents import numbers as docnumbers

    rows = docnumbers.series_register(clerk, "江政办发", 2026).rows
    assert [(r.seq, r.state, r.document_id) for r in rows] == [
        (1, "issued", str(draft.id)), (2, "issued", str(other.id))]


def test_print_path_refuses_placeholders_without_override(office):
    _ctx, clerk, _leader, _roster = office
    doc = documents.create_document(clerk, notice(body="请于XX月XX日前报送，联系人：×××。"))
    with pytest.raises(UnfilledPlaceholders, match="×××"):
        document_output.print_pdf(clerk, doc.id)
    with pytest.raises(UnfilledPlaceholders):
        document_output.export_file(clerk, doc.id, "docx")
    assert b"%PDF" in document_output.print_pdf(clerk, doc.id, allow_placeholders=True)[:8]
    assert any(f.rule == "placeholder" for f in documents.proofread(documents.get_document(
        clerk, doc.id).description, "通知"))


# ---- 纪要 with the optional fields empty ---------------------------------------------------------
def test_minutes_golden_text_with_empty_optional_fields(admin_ctx):
    from tests.minutes.conftest import make_user

    clerk = admin_ctx.with_actor(make_user(admin_ctx, "wenshu", Role.CLERK, "卫晓东"))
    t = mn.create_type(clerk, "常务会议", organ="市政府", mark="江城市人民政府常务会议纪要")
    m = mn.create_meeting(clerk, t.id, dt.date(2026, 2, 5))
    tp = mn.save_topic(clerk, m.id, "研究春节期间安全生产工作")
    mn.add_decision(clerk, tp.id, "会议要求严格落实领导带班和24小时值班制度。")
    mn.set_attendance(clerk, m.id, "present", [mn.AttendeeIn("赵志远"), mn.AttendeeIn("钱国华")])
    assert mn.get_meeting(clerk, m.id).meeting.title == "市政府第一次常务会议"
    mn.generate_minutes(clerk, m.id)
    text = _text(mn.render_minutes(clerk, m.id))
    _clean(text)
    expected = (
        "江城市人民政府常务会议纪要"
        "市政府第一次常务会议纪要"
        "2026年2月5日，召开市政府第一次常务会议，研究了春节期间安全生产工作。现纪要如下："
        "一、研究春节期间安全生产工作"
        "会议要求严格落实领导带班和24小时值班制度。"
        "出席：赵志远、钱国华"
        "2026年2月5日"
        "2026年2月5日印发"
    )
    assert _paper(text) == _flat(expected)  # no 纪要 number before it is issued


# ---- a second call about the same fire ------------------------------------------------------------
def test_a_second_call_is_offered_the_open_incident(admin_ctx):
    clock = Clock(dt.datetime(2026, 12, 6, 14, 30))
    u = _users(admin_ctx, clock)
    first = duty.add_log_entry(u["duty"], duty.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 12, 6, 13, 52).astimezone(),
        caller_unit="临江区应急管理局", content=CALL))
    inc, _draft = svc.draft_from_duty_log(u["duty"], first.id)
    other = duty.add_log_entry(u["duty"], duty.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 12, 6, 14, 20).astimezone(),
        caller_unit="市消防救援支队", content="临江路128号居民楼火灾已扑灭，2名伤员送医。"))
    unrelated = duty.add_log_entry(u["duty"], duty.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 12, 6, 14, 25).astimezone(),
        caller_unit="市气象局", content="明日有大风降温天气，请做好防范。"))
    (cand,) = svc.attach_candidates(u["duty"], other.id)
    assert cand.incident_id == inc.id and any("临江路128号" in r for r in cand.reasons)
    assert svc.attach_candidates(u["duty"], unrelated.id) == []
    clocks = len(svc.open_clocks(u["duty"]))
    svc.attach_duty_log(u["duty"], other.id, inc.id)
    assert len(svc.open_clocks(u["duty"])) == clocks  # no second deadline clock
    assert svc.count_incidents(u["duty"]) == 1
    assert f"编号{inc.id}" in duty.get_log_entry(u["duty"], other.id).result


def test_incident_titles_come_from_content():
    assert svc.title_from_text(CALL) == "临江路128号一居民楼发生火灾"
    assert svc.title_from_text("今天下午3时许，省道S201线发生两车相撞事故，造成2人受伤，已") == \
        "省道S201线发生两车相撞事故"
    data = svc.IncidentData(title="", subtype="火灾事故", county="临江区",
                            place="江城市临江区临江路128号",
                            received_at=dt.datetime(2026, 12, 6, 13, 52))
    assert svc.title_from_data(data) == "江城市临江区临江路128号火灾事故"


def test_attach_candidates_never_offer_an_incident_above_the_callers_clearance(admin_ctx):
    clock = Clock(dt.datetime(2026, 12, 6, 14, 30))
    u = _users(admin_ctx, clock)
    first = duty.add_log_entry(u["duty"], duty.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 12, 6, 13, 52).astimezone(), content=CALL))
    inc = svc.create_incident(u["duty"], svc.IncidentData(
        title="", place="临江路128号", subtype="火灾事故", summary=CALL,
        received_at=dt.datetime(2026, 12, 6, 13, 52)), classification=1)
    assert inc.data.title == "临江路128号火灾事故"  # titled from its content: place + event type
    second = duty.add_log_entry(u["duty"], duty.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 12, 6, 14, 20).astimezone(),
        content="临江路128号居民楼火灾已扑灭。"))
    assert [c.incident_id for c in svc.attach_candidates(u["duty"], second.id)] == [inc.id]
    assert svc.attach_candidates(u["low"], second.id) == []  # 公开 clearance: the 内部 one is hidden
    assert first.id != second.id
