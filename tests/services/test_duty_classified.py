"""值班安排 and 交接班 carry a 密级 (revision 0023, issue 20): a roster printed at 秘密 is marked
on every page (the calendar over two months, in two copies: each page's header and footer, each
copy's first page with its 份号), its XLSX has the mark row and the sheet names, its copies are
registered; a handover prints at its own level or at the level of the 值班记录 it carries; those
not cleared see neither (and the daily report naming the duties of a 秘密 roster is 秘密)."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.errors import InputError, PermissionDenied
from app.services import duty, duty_publish
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.duty import desk as duty_desk
from app.services.office import settings as office_settings
from app.services.output import paper
from app.storage.models import AuditEvent
from tests.services.test_duty import seed_staff
from tests.test_one_paper_path import MM, _band, _watermark, assert_pdf_marked

SECRET = int(Clearance.SECRET)
START, END = dt.date(2026, 2, 23), dt.date(2026, 3, 6)  # two months: two calendar pages


@pytest.fixture
def desk(admin_ctx):
    """zhang (cleared for 机密: 值班员, 排班 and 文书) and low (cleared for 内部), on a fixed
    clock; the office named."""
    clock = lambda: dt.datetime(2026, 2, 20, 10, 0).astimezone()  # noqa: E731
    base = ServiceContext(admin_ctx.engine, None, clock)
    office_settings.update_office(admin_ctx, office_settings.OfficeInfo(
        office_name="临江市人民政府办公室"))
    for name, display, level in (("zhang", "张保密", Clearance.CONFIDENTIAL),
                                 ("low", "李内部", Clearance.INTERNAL)):
        accounts.add_user(admin_ctx, name, "Pass-word-1", display_name=display,
                          roles=[Role.CLERK, Role.DUTY, Role.LEADER], clearance=level,
                          must_change_password=False)
    zhang = base.with_actor(accounts.login(base, "zhang", "Pass-word-1"))
    low = base.with_actor(accounts.login(base, "low", "Pass-word-1"))
    return zhang, low


def _secret_roster(ctx):
    seed_staff(ctx, 2, 4)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    r = duty.create_roster(ctx, START, END, "重大活动保障值班表", classification=SECRET)
    assert duty.generate(ctx, r.id, time_limit=5).ok
    duty.publish(ctx, r.id)
    return duty.get_roster(ctx, r.id)


def test_a_secret_roster_prints_marked_on_every_page_and_registers_its_copies(desk):
    zhang, _low = desk
    roster = _secret_roster(zhang)
    assert roster.classification == SECRET

    cal = duty_publish.render_calendar(zhang, roster.id, copies=2)
    assert cal.classification == SECRET and cal.copy_nos == ("000001", "000002")
    with pdfplumber.open(io.BytesIO(bytes(cal))) as doc:
        assert len(doc.pages) == 4  # two months, two copies
        corners = [_band(p, 12 * MM, 24 * MM, x1=120 * MM) for p in doc.pages]
        marks = [_watermark(p) for p in doc.pages]
    assert_pdf_marked(bytes(cal), "秘密", "张保密", first_pages=(0, 2),
                      copy_nos=("000001", "000002"))
    assert "第000001份" in corners[0] and "第000002份" in corners[2]
    assert "第000001份" in marks[1] and "第000002份" in marks[3]  # each copy's pages

    notice = duty_publish.render_notice(zhang, roster.id, duty_publish.NoticeOptions(
        period="重大活动期间"))
    assert_pdf_marked(bytes(notice), "秘密", "张保密", copy_nos=("000001",))

    wb = load_workbook(io.BytesIO(bytes(duty_publish.export_xlsx(zhang, roster.id))))
    assert [ws.title for ws in wb.worksheets] == ["值班表（秘密）", "公平台账（秘密）"]
    for ws in wb.worksheets:
        assert ws["A1"].value == "密级：秘密"
    assert wb.worksheets[0]["A2"].value == "重大活动保障值班表"
    assert wb.worksheets[0].freeze_panes == "A4"  # below the title and the header row

    copies = paper.list_copies(zhang)
    assert [(c.object_type, c.copy_text) for c in copies] == [
        ("duty_calendar", "000001"), ("duty_calendar", "000002"), ("duty_notice", "000001")]
    assert {c.object_id for c in copies} == {roster.id}
    assert copies[2].title == "重大活动期间值班安排通知"


def test_a_public_roster_prints_unmarked_and_registers_nothing(desk):
    zhang, _low = desk
    seed_staff(zhang, 2, 4)
    duty.save_rules(zhang, duty.Rules(roles={"leader": 1, "officer": 1}))
    r = duty.create_roster(zhang, START, START + dt.timedelta(days=2), "普通值班表")
    assert duty.generate(zhang, r.id, time_limit=5).ok
    cal = duty_publish.render_calendar(zhang, r.id, copies=2)
    with pdfplumber.open(io.BytesIO(bytes(cal))) as doc:
        assert len(doc.pages) == 2
        assert not any("秘密" in (p.extract_text() or "") or _watermark(p) for p in doc.pages)
    assert cal.copy_nos == () and paper.list_copies(zhang) == []
    wb = load_workbook(io.BytesIO(bytes(duty_publish.export_xlsx(zhang, r.id))))
    assert wb.worksheets[0].title == "值班表" and wb.worksheets[0]["A1"].value == "普通值班表"


def test_a_roster_above_ones_clearance_is_hidden_and_its_level_is_audited(desk):
    zhang, low = desk
    roster = _secret_roster(zhang)
    assert [r.id for r in duty.list_rosters(zhang)] == [roster.id]
    assert duty.list_rosters(low) == []
    with pytest.raises(PermissionDenied):
        duty.get_roster(low, roster.id)
    with pytest.raises(PermissionDenied):
        duty_publish.render_calendar(low, roster.id)
    assert duty.duties_between(low, START, END) == []  # nor on the desk
    assert len(duty.duties_between(zhang, START, START)) == 2
    with pytest.raises(PermissionDenied):  # nobody gives a level above their own clearance
        duty.create_roster(low, START, END, classification=SECRET)
    with pytest.raises(InputError, match="密级"):
        duty.create_roster(zhang, START, END, classification=7)

    # the daily report naming a 秘密 roster's duties is 秘密, with nothing classified logged
    daily = duty_publish.render_daily(zhang, START, START)
    assert daily.classification == SECRET and daily.copy_nos == ("000001",)
    assert duty_publish.render_daily(low, START, START).classification == 0  # (sees none)

    back = duty.set_roster_classification(zhang, roster.id, 0, expected_version=roster.version)
    assert back.classification == 0 and [r.id for r in duty.list_rosters(low)] == [roster.id]
    with Session(zhang.engine) as s:
        e = s.execute(select(AuditEvent).where(
            AuditEvent.action == "duty.roster.classification")).scalar_one()
        assert e.classification == SECRET  # the event keeps the level it lowered
        publish = s.execute(select(AuditEvent).where(
            AuditEvent.action == "duty.roster.publish")).scalar_one()
        assert publish.classification == SECRET  # events about a 秘密 roster are 秘密


def test_a_handover_prints_at_its_level_or_at_its_items(desk):
    zhang, low = desk
    h = duty_desk.hand_over(zhang, "交班：重要目标警卫情况正常。", classification=SECRET)
    assert h.classification == SECRET and h.level == SECRET
    pdf = duty_publish.render_handover(zhang, h.id)
    assert_pdf_marked(bytes(pdf), "秘密", "张保密", copy_nos=("000001",))
    assert [c.object_type for c in paper.list_copies(zhang)] == ["duty_handover"]

    # low sees that the shift was handed over, not what it says; may not print it
    pending = duty_desk.pending_handover(low)
    assert pending is not None and not pending.readable and "重要目标" not in pending.summary
    assert duty_desk.list_handovers(low) == []
    with pytest.raises(PermissionDenied):
        duty_publish.render_handover(low, h.id)
    duty_desk.acknowledge_handover(low, h.id)  # taking over the shift is not reading it

    # a 公开 handover carrying an item opened on a 秘密 值班记录 prints at 秘密 for a reader
    # cleared for it (who sees the item)
    entry = duty_desk.add_log_entry(zhang, duty_desk.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 2, 20, 9, 0).astimezone(),
        caller_unit="市公安局", content="涉密线索。", classification=SECRET))
    duty_desk.add_open_item(zhang, "核实线索", log_id=entry.id)
    h2 = duty_desk.hand_over(zhang, "交班：一项线索待核实。")
    assert (h2.classification, h2.items_level, h2.level) == (0, SECRET, SECRET)
    again = duty_publish.render_handover(zhang, h2.id)
    assert again.classification == SECRET
    assert_pdf_marked(bytes(again), "秘密", "张保密", copy_nos=("000001",))
    with pytest.raises(PermissionDenied):
        duty_desk.hand_over(low, "交班。", classification=SECRET)


def test_migration_0023_adds_the_levels_and_a_downgrade_keeps_the_rosters(tmp_path):
    from alembic import command

    from app.storage.db import make_engine
    from app.storage.migrate import (
        HEAD_REVISION,
        SCHEMA_VERSION,
        alembic_config,
        current_revision,
        upgrade,
    )

    engine = make_engine(f"sqlite:///{tmp_path / 'g.sqlite3'}")
    upgrade(engine)
    assert SCHEMA_VERSION >= 23 and HEAD_REVISION == f"{SCHEMA_VERSION:04d}"
    stamp = "'2026-03-01 01:00:00'"
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO duty_staff (id, name, unit, post, phone, mobile, roles, active, "
            f"created_at, updated_at, version) VALUES (1, '甲', '', '', '', '', '[]', 1, {stamp}, "
            f"{stamp}, 1)"))
        conn.execute(text(
            "INSERT INTO duty_rosters (id, title, start, \"end\", status, published_by, "
            f"classification, created_at, updated_at, version) VALUES (1, '表', '2026-03-01', "
            f"'2026-03-02', 'draft', '', 2, {stamp}, {stamp}, 1)"))
        conn.execute(text(
            "INSERT INTO duty_assignments (roster_id, day, shift, role, staff_id, source) "
            "VALUES (1, '2026-03-01', '全天', 'officer', 1, 'manual')"))
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0022")
        conn.commit()
    assert current_revision(engine) == "0022"
    for table in ("duty_rosters", "duty_handovers"):
        assert "classification" not in {c["name"] for c in inspect(engine).get_columns(table)}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM govdesk_meta "
                                 "WHERE key = 'schema_version'")).scalar() == "22"
        assert conn.execute(text("SELECT count(*) FROM duty_assignments")).scalar() == 1
    upgrade(engine)
    assert current_revision(engine) == HEAD_REVISION
    with engine.connect() as conn:
        assert conn.execute(text("SELECT title, classification FROM duty_rosters")).all() == [
            ("表", 0)]
        assert conn.execute(text("SELECT count(*) FROM duty_assignments")).scalar() == 1
        assert conn.execute(text("SELECT value FROM govdesk_meta "
                                 "WHERE key = 'schema_version'")).scalar() == str(SCHEMA_VERSION)
    engine.dispose()
