"""The one paper path (issue 20): every kind of record printed at 秘密 and read back.

* every kind in ``output.RECORD_KINDS`` has a producer here (a kind without one fails);
* PDFs: the 密级 in the header and the footer of every page and at the top left of the first
  page (a 公文: where GB/T 9704 puts it), and the watermark (user, 份号) on classified pages;
  rosters and handovers too (they carry a 密级 of their own since revision 0023);
* every classified PDF's copies are numbered from their record's series and registered in the
  涉密文件登记簿 (the 份号 read back from each copy's first page and watermark);
* XLSX: the mark row and the sheet names;
* the audit: who produced which kind, in how many copies, which 份号 range, which template;
* the template actually used: an office-edited template changes the output;
* typed warnings reach the CLI's stderr;
* no module outside ``app/services/output`` (and ``app/atomicfile.py``) writes a file.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pdfplumber
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.services import duty, output
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.audit_review import review as audit_log
from app.services.context import ServiceContext
from app.services.documents import drafts as docs
from app.services.documents import printing as document_output
from app.services.duty import desk as duty_desk
from app.services.duty_publish import publishing as duty_publish
from app.services.incidents import reports as inc
from app.services.minutes import meetings as mn
from app.services.output import paper
from app.services.templates import library as templates
from app.storage.models import AuditEvent, PaperCopy
from tests.services.documents_helpers import notice
from tests.services.test_duty import seed_staff

MM = 72 / 25.4
SECRET = int(Clearance.SECRET)
APP = Path(__file__).resolve().parents[1] / "app"


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


@pytest.fixture
def desk(admin_ctx):
    """One user who may do everything a desk does (文书 + 值班员 + 领导), cleared for 机密, on a
    fixed clock: 2026-03-02 10:00 local."""
    clock = Clock(dt.datetime(2026, 3, 2, 10, 0).astimezone())
    accounts.add_user(admin_ctx, "zhang", "Pass-word-1", display_name="张保密",
                      roles=[Role.CLERK, Role.DUTY, Role.LEADER],
                      clearance=Clearance.CONFIDENTIAL, must_change_password=False)
    base = ServiceContext(admin_ctx.engine, None, clock)
    user = base.with_actor(accounts.login(base, "zhang", "Pass-word-1"))
    return user, base.with_actor(admin_ctx.actor)


# ---------------------------------------------------------------- reading back
def _straight(obj: dict) -> bool:
    m = obj.get("matrix") or (1, 0, 0, 1)
    return abs(m[1]) < 1e-6 and abs(m[2]) < 1e-6


def _band(page, top: float, bottom: float, x1: float | None = None) -> str:
    """Upright text whose top lies between ``top`` and ``bottom`` (points from the top edge)."""
    return "".join(c["text"] for c in page.chars if _straight(c) and top <= c["top"] <= bottom
                   and (x1 is None or c["x1"] <= x1))


def _text(page) -> str:
    """A page's upright text (without the diagonal watermark), lines joined."""
    return (page.filter(lambda o: o.get("object_type") != "char" or _straight(o)).extract_text()
            or "").replace("\n", "")


def _watermark(page) -> str:
    return "".join(c["text"] for c in page.chars if not _straight(c)).replace(" ", "")


def assert_pdf_marked(pdf: bytes, label: str, user: str, *, first_pages=(0,),
                      gbt9704: bool = False, copy_nos=()) -> None:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = doc.pages
        assert pages
        for i, page in enumerate(pages):
            h = float(page.height)
            if not gbt9704:
                assert label in _band(page, 0, 12 * MM), f"header of page {i + 1}"
                assert label in _band(page, h - 12 * MM, h), f"footer of page {i + 1}"
            marks = _watermark(page)
            assert user in marks, f"watermark on page {i + 1}"
        for n, i in enumerate(first_pages):
            page = pages[i]
            if gbt9704:  # GB/T 9704 7.2.2: top left of the 版心's first lines
                corner = _band(page, 35 * MM, 60 * MM, x1=70 * MM)
            else:
                corner = _band(page, 12 * MM, 24 * MM, x1=80 * MM)
            assert label in corner, f"first page top left of copy {n + 1}: {corner!r}"
            if copy_nos:
                assert f"第{copy_nos[n]}份" in _watermark(page)


def assert_xlsx_marked(data: bytes, label: str) -> None:
    wb = load_workbook(io.BytesIO(data))
    assert wb.worksheets
    for ws in wb.worksheets:
        assert ws.title.endswith(f"（{label}）"), ws.title
        assert ws["A1"].value == f"密级：{label}", ws.title


def last_event(engine, action: str) -> tuple[AuditEvent, dict]:
    with Session(engine) as s:
        e = s.execute(select(AuditEvent).where(AuditEvent.action == action)
                      .order_by(AuditEvent.seq.desc())).scalars().first()
        assert e is not None, action
        s.expunge(e)
    return e, json.loads(e.detail)


# ---------------------------------------------------------------- producers
def _meeting(u, level: int = SECRET):
    t = mn.create_type(u, "常务会议", organ="市政府", mark="临江市人民政府常务会议纪要")
    m = mn.create_meeting(u, t.id, dt.date(2026, 3, 1), seq=3, venue="第一会议室", host="赵志远",
                          host_title="市长", recorder="卫晓东", classification=level)
    tp = mn.save_topic(u, m.id, "防汛准备工作", unit="市水利局", summary="会议听取了汇报。")
    mn.add_decision(u, tp.id, "会议要求=HYPERLINK(\"x\")立即排查险工险段。", lead_unit="市水利局",
                    deadline=dt.date(2026, 3, 20))
    mn.set_attendance(u, m.id, "present", [mn.AttendeeIn("赵志远"), mn.AttendeeIn("钱国华")])
    mn.generate_minutes(u, m.id)
    return m


def _incident(u, level: int = SECRET, **extra):
    data = inc.IncidentData(
        title="临江路燃气爆燃事故", category="事故灾难", subtype="火灾事故", level=3,
        occurred_at=dt.datetime(2026, 3, 2, 8, 50), received_at=dt.datetime(2026, 3, 2, 9, 5),
        place="临江路128号", county="西湖区", unit="好味道餐馆", source="区应急局电话报告",
        summary="发生燃气爆燃。", dead=0, missing=0, injured=1, measures="消防出动",
        reporter_unit="区应急局", reporter_name="张三", reporter_phone="0571-1", **extra)
    return inc.create_incident(u, data, classification=level)


def _roster(u, admin, level: int = SECRET):
    from app.services.office import settings as office_settings

    office_settings.update_office(admin, office_settings.OfficeInfo(
        office_name="临江市人民政府办公室"))
    seed_staff(u, 2, 3)
    duty.save_rules(u, duty.Rules(roles={"leader": 1, "officer": 1}))
    r = duty.create_roster(u, dt.date(2026, 3, 2), dt.date(2026, 3, 4), "三月值班表",
                           classification=level)
    assert duty.generate(u, r.id, time_limit=5).ok
    duty.publish(u, r.id)
    return r


def produce_document(u, admin, tmp):
    d = docs.create_document(u, notice(secrecy="秘密", secrecy_term="1年"), genre="通知")
    return document_output.print_pdf(u, d.id, copies=3, first_copy_no=7), "doc.print"


def produce_minutes(u, admin, tmp):
    m = _meeting(u)
    return mn.render_minutes(u, m.id, "pdf"), "minutes.render"


def produce_duty_daily(u, admin, tmp):
    duty_desk.add_log_entry(u, duty_desk.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 3, 2, 9, 30).astimezone(),
        caller_unit="市公安局", caller_name="王警官", content="通报涉密案件线索。",
        classification=SECRET))
    return duty_publish.render_daily(u, dt.date(2026, 3, 2), dt.date(2026, 3, 3)), "duty.daily.print"


def produce_incident_report(u, admin, tmp):
    i = _incident(u)
    rep = inc.draft_report(u, i.id)
    return inc.render_report(u, rep.id, "pdf"), "incident.report.print"


def produce_incident_statistics(u, admin, tmp):
    _incident(u)
    path = inc.export_statistics_xlsx(u, inc.statistics(u, 2026), tmp / "统计.xlsx")
    return path.read_bytes(), "incident.stats.export"


def produce_supervision_xlsx(u, admin, tmp):
    _meeting(u)
    path = mn.export_xlsx(u, tmp / "督办.xlsx", dt.date(2026, 3, 2))
    return path.read_bytes(), "minutes.export"


def _secret_event(u):
    with u.session() as s, s.begin():
        audit.append(s, u.actor, "doc.view", "document", 99,
                     {"classification": SECRET, "title": "秘密标题"}, classification=SECRET)


def produce_audit_print(u, admin, tmp):
    _secret_event(u)
    return audit_log.render_print(u, audit_log.AuditFilter(action="doc.view")), "audit.print"


def produce_audit_review(u, admin, tmp):
    """Made by a reviewer (the administrator of this 普通 office): business users review none."""
    _secret_event(u)
    data = audit_log.review_report_pdf(admin, audit_log.AuditFilter(action="doc.view"))
    return data, "audit.report", admin


def produce_audit_xlsx(u, admin, tmp):
    _secret_event(u)
    path = tmp / "审计.xlsx"
    audit_log.export_xlsx(u, audit_log.AuditFilter(action="doc.view"), path)
    return path.read_bytes(), "audit.export"


def produce_duty_notice(u, admin, tmp):
    r = _roster(u, admin)
    return duty_publish.render_notice(u, r.id, duty_publish.NoticeOptions(
        period="三月", duty_phone="0571-1")), "duty.roster.notice"


def produce_duty_calendar(u, admin, tmp):
    return duty_publish.render_calendar(u, _roster(u, admin).id), "duty.roster.calendar"


def produce_duty_roster_xlsx(u, admin, tmp):
    return duty_publish.export_xlsx(u, _roster(u, admin).id), "duty.roster.xlsx"


def produce_duty_handover(u, admin, tmp):
    h = duty_desk.hand_over(u, "交班：夜间平稳。", ["跟进燃气事故伤员情况"],
                            classification=SECRET)
    return duty_publish.render_handover(u, h.id), "duty.handover.print"


def produce_paper_register(u, admin, tmp):

    d = docs.create_document(u, notice(secrecy="秘密", secrecy_term="1年"), genre="通知")
    document_output.print_pdf(u, d.id, copies=2)
    return paper.print_register(u), "paper.register.print"


PRODUCERS = {
    "document": produce_document,
    "minutes": produce_minutes,
    "duty_daily": produce_duty_daily,
    "incident_report": produce_incident_report,
    "incident_statistics": produce_incident_statistics,
    "supervision_xlsx": produce_supervision_xlsx,
    "audit_print": produce_audit_print,
    "audit_xlsx": produce_audit_xlsx,
    "audit_review": produce_audit_review,
    "duty_notice": produce_duty_notice,
    "duty_calendar": produce_duty_calendar,
    "duty_roster_xlsx": produce_duty_roster_xlsx,
    "duty_handover": produce_duty_handover,
    "paper_register": produce_paper_register,
}
#: the 份号 series a classified print of each PDF kind registers its copies in (object_type);
#: a kind printed as PDF and missing here fails ``test_each_kind…``
SERIES = {
    "document": "document",
    "minutes": "meeting",
    "duty_notice": "duty_notice",
    "duty_calendar": "duty_calendar",
    "duty_daily": "duty_daily",
    "duty_handover": "duty_handover",
    "incident_report": "incident_report",
    "audit_print": "audit_print",
    "audit_review": "audit_review",
    "paper_register": "paper_register",
}


def test_every_record_kind_has_a_producer():
    assert set(PRODUCERS) == set(output.RECORD_KINDS)


def _registered(engine, object_type: str) -> list[PaperCopy]:
    with Session(engine) as s:
        return list(s.execute(select(PaperCopy).where(PaperCopy.object_type == object_type)
                              .order_by(PaperCopy.object_id, PaperCopy.copy_no)).scalars())


@pytest.mark.parametrize("kind", sorted(output.RECORD_KINDS))
def test_each_kind_printed_at_secret_carries_its_marks(desk, tmp_path, kind):
    u, admin = desk
    data, action, *by = PRODUCERS[kind](u, admin, tmp_path)
    producer = by[0] if by else u
    event, detail = last_event(u.engine, action)
    assert detail["kind"] == kind
    assert event.actor_id == producer.actor.user_id
    assert detail["classification"] == SECRET and detail["marked"] is True
    if data[:4] == b"%PDF":
        assert kind in SERIES, f"{kind}: which 份号 series do its copies take?"
        first_pages = (0,)
        copy_nos: tuple[str, ...] = ("000001",)
        if kind == "document":
            copy_nos = ("000007", "000008", "000009")
            with pdfplumber.open(io.BytesIO(bytes(data))) as doc:
                per_copy = len(doc.pages) // 3
            first_pages = tuple(i * per_copy for i in range(3))
            assert detail["copies"] == 3 and detail["copy_range"] == "000007-000009"
            assert detail["copy_nos"] == list(copy_nos)
        if kind == "duty_daily":  # two days, each report starts on its own first page
            with pdfplumber.open(io.BytesIO(bytes(data))) as doc:
                firsts = [i for i, p in enumerate(doc.pages) if "值班情况" in _text(p)]
            first_pages = tuple(firsts)
            assert len(first_pages) == 2
            copy_nos = ("000001", "000001")  # each day's report is a record with its series
            assert detail["copy_ranges"] == {"duty_daily:20260302": "000001",
                                        "duty_daily:20260303": "000001"}
        assert detail["watermark"] is True
        assert_pdf_marked(bytes(data), "秘密", producer.actor.label, first_pages=first_pages,
                          gbt9704=kind == "document", copy_nos=copy_nos)
        if kind != "document":  # the 份号 beside the 密级 at the top left
            with pdfplumber.open(io.BytesIO(bytes(data))) as doc:
                for i, n in zip(first_pages, copy_nos, strict=True):
                    assert f"第{n}份" in _band(doc.pages[i], 12 * MM, 24 * MM, x1=120 * MM)
        # every copy is in the 涉密文件登记簿, under its record's series, as printed
        rows = _registered(u.engine, SERIES[kind])
        assert sorted(f"{r.copy_no:06d}" for r in rows) == sorted(copy_nos)
        assert all(r.classification == SECRET and r.status == "held"
                   and r.printed_by == producer.actor.label for r in rows)
        assert list(data.copy_nos) == list(copy_nos) == detail["copy_nos"]
    else:
        assert_xlsx_marked(bytes(data), "秘密")


def _docx_minutes(u, admin):
    return mn.render_minutes(u, _meeting(u).id, "docx"), "minutes.render"


def _docx_report(u, admin):
    rep = inc.draft_report(u, _incident(u).id)
    return inc.render_report(u, rep.id, "docx"), "incident.report.print"


def _docx_notice(u, admin):
    r = _roster(u, admin)
    return duty_publish.render_notice(u, r.id, duty_publish.NoticeOptions(period="三月"),
                                      "docx"), "duty.roster.notice"


def _docx_handover(u, admin):
    h = duty_desk.hand_over(u, "交班：夜间平稳。", classification=SECRET)
    return duty_publish.render_handover(u, h.id, "docx"), "duty.handover.print"


def _docx_daily(u, admin):
    duty_desk.add_log_entry(u, duty_desk.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 3, 2, 9, 30).astimezone(),
        caller_unit="市公安局", content="通报涉密案件线索。", classification=SECRET))
    return duty_publish.render_daily(u, dt.date(2026, 3, 2), dt.date(2026, 3, 2),
                                     "docx"), "duty.daily.print"


#: every kind of record that is also exported as DOCX (editable: marked, not watermarked)
DOCX_PRODUCERS = {"minutes": _docx_minutes, "incident_report": _docx_report,
                  "duty_notice": _docx_notice, "duty_handover": _docx_handover,
                  "duty_daily": _docx_daily}


def _docx_marks(data: bytes) -> list[tuple[str, str]]:
    """(header text, footer text) of every header/footer pair a page of the DOCX may show."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    pairs = []
    for n, section in enumerate(doc.sections):
        variants = [(section.header, section.footer)]
        if doc.settings.odd_and_even_pages_header_footer:
            variants.append((section.even_page_header, section.even_page_footer))
        if section.different_first_page_header_footer:
            variants.append((section.first_page_header, section.first_page_footer))
        for header, footer in variants:
            if n and header.is_linked_to_previous and footer.is_linked_to_previous:
                continue
            pairs.append(("".join(p.text for p in header.paragraphs),
                          "".join(p.text for p in footer.paragraphs)))
    return pairs


@pytest.mark.parametrize("kind", sorted(DOCX_PRODUCERS))
def test_classified_docx_exports_carry_the_mark_in_every_header_and_footer(desk, kind):
    from docx import Document

    u, admin = desk
    data, action = DOCX_PRODUCERS[kind](u, admin)
    assert data.fmt == "docx" and data.classification == SECRET
    marks = _docx_marks(bytes(data))
    assert marks and all(h.startswith("秘密") and "秘密" in f for h, f in marks), marks
    body = Document(io.BytesIO(bytes(data))).paragraphs
    assert not any(p.text == "秘密" for p in body)  # the body is not touched
    _e, detail = last_event(u.engine, action)
    assert detail["format"] == "docx" and detail["marked"] is True and detail["copy_nos"] == []
    assert paper.list_copies(u) == []  # an export, not a print: no 份号 taken


def test_a_classified_docx_shows_the_mark_on_every_page(desk, tmp_path):
    """The 纪要 DOCX converted by LibreOffice: 秘密 at the top and the bottom of every page."""
    from app.typeset.libreoffice import convert_to_pdf, find_soffice

    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) 未安装")
    u, admin = desk
    data, _action = _docx_minutes(u, admin)
    pdf = convert_to_pdf(bytes(data), tmp_path / "lo")
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert doc.pages
        for i, page in enumerate(doc.pages):
            h = float(page.height)
            assert "秘密" in _band(page, 0, 37 * MM), f"top of page {i + 1}"
            # above the page number (GB/T 9704 7.5 keeps its place), below the text area
            assert "秘密" in _band(page, h - 37 * MM, h), f"bottom of page {i + 1}"


def test_user_text_in_xlsx_is_text_never_a_formula(desk, tmp_path):
    u, admin = desk
    _meeting(u)
    path = mn.export_xlsx(u, tmp_path / "督办.xlsx", dt.date(2026, 3, 2))
    ws = load_workbook(path).worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)
             and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)


def test_formula_like_text_is_stored_as_text():
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["=1+1", "+SUM(A1)", "-2+3", "@cmd", "正常"])
    output.mark_workbook(wb, SECRET)
    again = load_workbook(io.BytesIO(output.workbook_bytes(wb))).active
    assert again["A1"].value == "密级：秘密"
    assert [c.data_type for c in again[2]] == ["s"] * 5
    wo = Workbook(write_only=True)
    ws = output.marked_sheet(wo, "台账", SECRET)
    ws.append(["=HYPERLINK(\"http://x\")", 3])
    again = load_workbook(io.BytesIO(output.workbook_bytes(wo)))
    sheet = again["台账（秘密）"]
    assert sheet["A1"].value == "密级：秘密"
    assert sheet["A2"].data_type == "s" and sheet["B2"].value == 3


def test_daily_report_lists_the_days_incidents(desk):
    u, _admin = desk
    _incident(u, level=0)
    pdf = duty_publish.render_daily(u, dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    with pdfplumber.open(io.BytesIO(bytes(pdf))) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages).replace("\n", "")
    assert "09:05接报临江路燃气爆燃事故" in text
    assert "本日未发生突发事件" not in text
    # the next day has none
    pdf = duty_publish.render_daily(u, dt.date(2026, 3, 3), dt.date(2026, 3, 3))
    with pdfplumber.open(io.BytesIO(bytes(pdf))) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages).replace("\n", "")
    assert "本日未发生突发事件" in text


def test_office_template_changes_the_output_and_is_named(desk):
    u, admin = desk
    shipped = templates.default_info(admin, "值班日报", "description")
    text = templates.get(admin, shipped.ref).text
    assert "值班情况" in text
    mine = templates.save(admin, shipped.ref, text=text.replace("值班情况", "值守情况"))
    templates.set_default(admin, mine.ref)
    out = duty_publish.render_daily(u, dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    with pdfplumber.open(io.BytesIO(bytes(out))) as doc:
        body = "".join(p.extract_text() or "" for p in doc.pages).replace("\n", "")
    assert "值守情况" in body and "值班情况" not in body
    assert out.template is not None and out.template.ref == mine.ref and not out.template.shipped
    _e, detail = last_event(u.engine, "duty.daily.print")
    assert detail["template"] == mine.ref
    # back to the shipped one: the output says so
    templates.set_default(admin, shipped.ref)
    out = duty_publish.render_daily(u, dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    assert out.template.shipped and out.template.ref == shipped.ref


MARK = "（本单位样式）"


def _templated_minutes(u, admin):
    m = _meeting(u)  # generated from the office's 纪要 template
    return mn.render_minutes(u, m.id, "pdf"), ("minutes.generate", "template")


def _templated_notice(u, admin, template="duty_notice"):
    r = _roster(u, admin)
    out = duty_publish.render_notice(u, r.id, duty_publish.NoticeOptions(
        period="三月", holiday="春节", template=template))
    return out, None


def _templated_handover(u, admin):
    h = duty_desk.hand_over(u, "交班：夜间平稳。")
    return duty_publish.render_handover(u, h.id), None


def _templated_report(u, admin):
    i = _incident(u)
    return inc.render_report(u, inc.draft_report(u, i.id).id, "pdf"), None


def _templated_daily(u, admin):
    return duty_publish.render_daily(u, dt.date(2026, 3, 2), dt.date(2026, 3, 2)), None


def _templated_document(genre):
    def make(u, admin):
        from app.services.documents import templates as document_templates
        from app.typeset import render

        start = document_templates.starter(u, genre)
        assert start["title"].endswith(MARK)
        return render(start, "pdf").data, None

    return make


#: every kind of record printed from a template the office may edit → how to print one
TEMPLATED = {
    "通知": _templated_document("通知"),
    "请示": _templated_document("请示"),
    "会议纪要": _templated_minutes,
    "值班安排通知": _templated_notice,
    "节假日值班表": lambda u, admin: _templated_notice(u, admin, "holiday_roster"),
    "值班日报": _templated_daily,
    "交接班记录": _templated_handover,
    "突发事件首报": _templated_report,
}


def test_every_template_kind_is_covered():
    """A kind of template that is shipped (and so may be edited by the office) has a print
    here that shows the office's edit — or is a Word form, or a kind no print uses yet."""
    shipped = {json.loads(p.read_text(encoding="utf-8"))["kind"]
               for p in (APP.parent / "resources" / "templates").glob("*.json")}
    not_yet = {"通报", "报告", "函",  # 公文 starters like 通知 and 请示 (the same code)
               "突发事件续报", "突发事件终报"}  # drafted after a 首报 is sent (the same code)
    assert shipped - not_yet == set(TEMPLATED)


@pytest.mark.parametrize("kind", sorted(TEMPLATED))
def test_the_offices_template_is_used_for_every_kind(desk, kind):
    """The office edits the shipped template of ``kind`` (its title) and makes it the default:
    the print shows the edit, and says (or the audit says) which template made it."""
    u, admin = desk
    shipped = templates.default_info(admin, kind, "description")
    spec = json.loads(templates.get(admin, shipped.ref).text)
    spec["document"]["title"] += MARK
    mine = templates.save(admin, shipped.ref, text=json.dumps(spec, ensure_ascii=False))
    templates.set_default(admin, mine.ref)
    out, audited = TEMPLATED[kind](u, admin)
    with pdfplumber.open(io.BytesIO(bytes(out))) as doc:
        body = "".join(_text(p) for p in doc.pages)
    assert MARK in body, kind
    if audited is not None:  # made from the template earlier (the 纪要's draft): the audit says
        _e, detail = last_event(u.engine, audited[0])
        assert detail[audited[1]] == mine.ref
    elif isinstance(out, output.Output):
        assert out.template is not None and out.template.ref == mine.ref


def test_broken_office_template_falls_back_with_a_typed_warning(desk, monkeypatch):
    u, admin = desk
    shipped = templates.default_info(admin, "值班日报", "description")
    mine = templates.save(admin, shipped.ref, text=templates.get(admin, shipped.ref).text)
    templates.set_default(admin, mine.ref)
    real_load = templates.load

    def broken(ctx, ref):
        if ref == mine.ref:
            raise templates.InputError("模板第 3 行有误")
        return real_load(ctx, ref)

    monkeypatch.setattr(templates, "load", broken)
    out = duty_publish.render_daily(u, dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    assert out.template.shipped
    kinds = {w.kind for w in out.warnings}
    assert output.WarningKind.TEMPLATE_FALLBACK in kinds


def test_font_warnings_are_typed():
    from app.typeset import render

    result = render(notice(), "pdf")
    typed = output.typed(result.warnings)
    assert all(isinstance(w, output.OutputWarning) for w in typed)
    stand_ins = [w for w in typed if w.kind is output.WarningKind.FONT_STAND_IN]
    # the bundled faces stand in for the official ones on a machine without them
    from app.typeset.fonts import font_set

    expected = {r for r, f in font_set().stand_ins().items()}
    assert bool(stand_ins) == bool(expected)


def test_cli_prints_typed_warnings_on_stderr(tmp_path, capsys):
    from app.cli import main
    from app.typeset import render

    src = tmp_path / "in.json"
    src.write_text(json.dumps(notice(body="正文含生僻字\U0003134A。"), ensure_ascii=False),
                   encoding="utf-8")
    code = main(["render", str(src), "-o", str(tmp_path / "out.pdf")])
    assert code == 0
    err = capsys.readouterr().err
    warnings = output.typed(render(json.loads(src.read_text(encoding="utf-8")), "pdf").warnings)
    assert any(w.kind is output.WarningKind.GLYPH_MISSING for w in warnings)
    for w in warnings:
        assert f"警告：{w.text}" in err
    assert (tmp_path / "out.pdf").read_bytes()[:4] == b"%PDF"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "out.pdf"]


def test_saved_classified_output_is_private(desk, tmp_path):
    import os
    import sys

    u, _admin = desk
    out = output.save(produce_minutes(u, None, tmp_path)[0], tmp_path / "纪要.pdf")
    if sys.platform != "win32":
        assert os.stat(out).st_mode & 0o777 == 0o600


# ---------------------------------------------------------------- nobody else writes files
#: modules that still write files themselves, and why (each is not a record's print or export)
ALLOWED_WRITERS = {
    "atomicfile.py": "the one atomic writer",
    "services/backup/files.py": "database backups and restores (the lead moves them onto atomicfile)",
    "services/exchange/packages.py": "encrypted exchange packages (the lead moves them onto atomicfile)",
    "typeset/fontcache.py": "the converted-font cache (not a record)",
    "typeset/libreoffice.py": "LibreOffice's input in its own private temporary folder",
    "selftest.py": "the self test's files in a temporary folder",
}
WRITES = re.compile(
    r"""\bopen\([^)\n]*,\s*["'][^"']*[wax+]|os\.fdopen\(|\.write_bytes\(|\.write_text\(|"""
    r"""os\.replace\(|os\.rename\(|\.replace\(target\)|shutil\.(?:copy\w*|move)\(|mkstemp\(|"""
    r"""(?<!output)\.save\((?:tmp|path|target|p|str)\b""")


def test_no_module_outside_the_paper_path_writes_files():
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(APP).as_posix()
        if rel.startswith("services/output/") or rel in ALLOWED_WRITERS:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if WRITES.search(code) and not code.strip().startswith(('"', "'", "*")):
                offenders.append(f"app/{rel}:{n}: {line.strip()}")
    assert not offenders, "write files through app.services.output.save:\n" + "\n".join(offenders)


def test_the_write_check_catches_a_hand_rolled_writer():
    for bad in ('with open(p, "wb") as f:', "tmp.write_bytes(data)", "os.replace(tmp, path)",
                "wb.save(tmp)", 'fd, tmp = tempfile.mkstemp(dir=".")'):
        assert WRITES.search(bad), bad
    for fine in ("wb.save(buf)", "c.save()", "self.save()", 'open(p, "rb")',
                 "output.save(payload, p)", "doc.save(stream)"):
        assert not WRITES.search(fine), fine
