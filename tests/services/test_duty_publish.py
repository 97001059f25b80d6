"""值班 outputs read back: the notice PDF (pdfplumber), the calendar grid, the XLSX (openpyxl),
the daily report for a date range."""

from __future__ import annotations

import datetime as dt
import io
from datetime import UTC, datetime

import pdfplumber
import pytest
from openpyxl import load_workbook

from app.domain.security import Role
from app.services import duty
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.duty_publish import publishing as duty_publish
from app.services.office import settings as office_settings
from tests.services.test_duty import PW, seed_staff

START = dt.date(2026, 2, 14)
END = dt.date(2026, 2, 22)  # 春节 2026: 2/15–2/23 holiday, 2/14 (Sat) a make-up workday


@pytest.fixture
def published(admin_ctx):
    ctx = ServiceContext(admin_ctx.engine, admin_ctx.actor,
                         lambda: datetime(2026, 2, 10, 2, 0, tzinfo=UTC))
    office_settings.update_office(ctx, office_settings.OfficeInfo(
        "临江市人民政府办公室", ["临政办发"], "临江市人民政府办公室文件", "临江市人民政府办公室"))
    seed_staff(ctx, 3, 6)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 2}))
    roster = duty.create_roster(ctx, START, END, "2026年春节值班表")
    assert duty.generate(ctx, roster.id, time_limit=5).ok
    duty.publish(ctx, roster.id)
    return ctx, duty.get_roster(ctx, roster.id)


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages)


def test_notice_pdf_lists_every_day_with_leader(published):
    ctx, roster = published
    pdf = duty_publish.render_notice(ctx, roster.id, duty_publish.NoticeOptions(
        period="2026年春节期间", duty_phone="0571-87001100"))
    text = _text(pdf).replace(" ", "")
    assert "临江市人民政府办公室关于2026年春节期间值班安排的通知" in text.replace("\n", "")
    assert "〔2026〕" not in text  # no 发文字号 outside the register (only 签发 takes one)
    for d in roster.duties:
        if d.role == "leader":
            assert d.staff_name in text
    assert "2月22日" in text and "0571-87001100" in text


def test_holiday_table_template_too(published):
    ctx, roster = published
    pdf = duty_publish.render_notice(ctx, roster.id, duty_publish.NoticeOptions(
        template="holiday_roster", holiday="春节"))
    assert "春节" in _text(pdf)


def test_calendar_grid_has_one_cell_per_day(published):
    ctx, roster = published
    pdf = duty_publish.render_calendar(ctx, roster.id)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 1
        page = doc.pages[0]
        text = page.extract_text().replace(" ", "")
        assert "2026年2月值班表" in text and "春节" in text
        cells = [r for r in page.rects if r["width"] > 80]
        assert len(cells) >= 28  # February 2026 spans 4 full weeks (plus the blanks)
        # the first leader shows inside the 14th's cell, top-left label "14"
        leader = next(d for d in roster.duties if d.day == START and d.role == "leader")
        words = page.extract_words()
        label = next(w for w in words if w["text"] == "14")
        cell = next(r for r in cells if r["x0"] <= label["x0"] <= r["x1"]
                    and r["top"] <= label["top"] <= r["bottom"])
        inside = "".join(w["text"] for w in words if cell["x0"] <= w["x0"] <= cell["x1"]
                         and cell["top"] <= w["top"] <= cell["bottom"])
        assert leader.staff_name in inside


def test_xlsx_reads_back(published):
    ctx, roster = published
    wb = load_workbook(io.BytesIO(duty_publish.export_xlsx(ctx, roster.id)))
    ws = wb["值班表"]
    assert [c.value for c in ws[2]][:5] == ["日期", "星期", "班次", "带班领导", "值班员"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 9
    first = rows[0]
    assert first[0].date() == START
    names = {d.staff_name for d in roster.duties if d.day == START and d.role == "officer"}
    assert set(first[4].split("、")) == names
    assert rows[1][6] == "是" and not rows[0][6]  # 2/15 holiday; 2/14 make-up workday
    ledger = list(wb["公平台账"].iter_rows(min_row=2, values_only=True))
    assert sum(r[2] for r in ledger) == len(roster.duties)


def test_daily_report_range(published):
    ctx, roster = published
    accounts.add_user(ctx, "zhiban", PW, display_name="值班员甲", role=Role.DUTY,
                      must_change_password=False)
    officer = ServiceContext(ctx.engine, accounts.login(ctx, "zhiban", PW),
                             lambda: datetime(2026, 2, 16, 12, 0, tzinfo=UTC))
    duty.add_log_entry(officer, duty.LogEntry(
        kind="来电", received_at=datetime(2026, 2, 15, 9, 0).astimezone(), caller_unit="市气象局",
        caller_name="赵敏", content="发布寒潮蓝色预警", passed_to="带班领导", result="已转告"))
    pdf = duty_publish.render_daily(ctx, dt.date(2026, 2, 15), dt.date(2026, 2, 16))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        first = (doc.pages[0].extract_text() or "").replace(" ", "")
        all_text = "".join((p.extract_text() or "") for p in doc.pages).replace(" ", "")
    assert "2026年2月15日" in first and "寒潮蓝色预" in first and "市气象局" in first
    assert "2026年2月16日" in all_text and "本日无来电来文" in all_text
    leader = next(d for d in roster.duties if d.day == dt.date(2026, 2, 15) and d.role == "leader")
    assert leader.staff_name in first


def test_handover_record_prints(admin_ctx):
    accounts.add_user(admin_ctx, "zhiban", PW, display_name="值班员甲", role=Role.DUTY,
                      must_change_password=False)
    accounts.add_user(admin_ctx, "zhiban2", PW, display_name="值班员乙", role=Role.DUTY,
                      must_change_password=False)
    a = admin_ctx.with_actor(accounts.login(admin_ctx, "zhiban", PW))
    b = admin_ctx.with_actor(accounts.login(admin_ctx, "zhiban2", PW))
    h = duty.hand_over(a, "本班接电话3个，无突发事件。", ["18时前报送值守情况"])
    duty.acknowledge_handover(b, h.id)
    text = _text(duty_publish.render_handover(a, h.id)).replace(" ", "").replace("\n", "")
    assert "交接班记录" in text and "值班员甲" in text and "值班员乙" in text
    assert "本班接电话3个" in text and "18时前报送值守情况" in text and "未办结" in text
