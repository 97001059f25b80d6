"""The office's holiday tables (issue 16) against a real database: importing next year's notice
changes every working-day deadline that crosses into it on the next computation, stored
deadlines given as N working days are recomputed (hand-set ones are not), other desks see the
table, supplements merge, local changes, permissions and the audit."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.errors import HolidayTableMissing, InputError, PermissionDenied
from app.services.context import Actor, ServiceContext
from app.services.holidays import tables as holidays
from app.services.incoming import book as incoming
from app.storage.models import AuditEvent
from app.storage.models.holidays import HolidayDay, HolidayYear

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "holidays"
CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 25, 10, 0, tzinfo=CST)  # a Friday


def text(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _beijing(monkeypatch):
    import time
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    holidays.invalidate()
    yield
    monkeypatch.delenv("TZ")
    time.tzset()
    holidays.invalidate()


@pytest.fixture
def admin(admin_ctx):
    return ServiceContext(admin_ctx.engine, admin_ctx.actor, lambda: NOW)


def clerk(ctx) -> ServiceContext:
    return ServiceContext(ctx.engine, Actor(None, "王文书", Role.CLERK, Clearance.SECRET, "王文书"),
                          lambda: NOW)


def register(ctx, **kw):
    base = {"sender": "省应急管理厅", "received_at": NOW, "title": "关于做好元旦期间值班工作的通知",
            "classification": 1, "deadline_workdays": 10}
    return incoming.register(clerk(ctx), incoming.IncomingIn(**(base | kw)))


def test_importing_next_year_moves_deadlines_that_cross_into_it(admin):
    counted = register(admin)                                   # 10 working days from 12-25
    by_date = register(admin, deadline_workdays=None, deadline=dt.date(2027, 1, 8))
    assert counted.deadline == dt.date(2027, 1, 8)              # 1月1日 counted as a workday
    assert counted.deadline_uncertain == "2027年节假日安排尚未录入，按周末计算，期限可能变动"
    assert by_date.deadline_uncertain is None

    pre = holidays.preview_notice(admin, text("2027-test.txt"))
    assert pre.year == 2027 and pre.current_source is None
    assert [(k, rid, old, new) for k, rid, _l, old, new in pre.deadline_changes] == [
        ("incoming", counted.id, dt.date(2027, 1, 8), dt.date(2027, 1, 11))]
    result = holidays.import_notice(admin, text("2027-test.txt"), source_name="2027.txt")
    assert result.deadlines_moved == 1

    after = incoming.get(clerk(admin), counted.id).info
    assert after.deadline == dt.date(2027, 1, 11) and after.deadline_uncertain is None
    assert incoming.get(clerk(admin), by_date.id).info.deadline == dt.date(2027, 1, 8)
    # a new registration counts with the table at once
    assert register(admin).deadline == dt.date(2027, 1, 11)
    cal = holidays.calendar(admin)
    assert cal.source_of(2027) == "office" and cal.holiday_name(dt.date(2027, 2, 8)) == "春节"
    assert cal.is_workday(dt.date(2027, 2, 14))                 # a make-up Sunday

    with Session(admin.engine) as s:
        row = s.get(HolidayYear, 2027)
        assert row.imported_by == "admin" and row.source_digest == holidays.sm3_digest(
            text("2027-test.txt"))
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.import")).one()
        detail = json.loads(ev.detail)
        assert detail["digest"].startswith("sm3:") and detail["deadlines_moved"] == 1


def test_reimporting_a_year_shows_the_changes_and_replaces_it(admin):
    holidays.import_notice(admin, text("2027-test.txt"))
    changed = text("2027-test.txt").replace(
        "四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。",
        "四、劳动节：5月1日（周六）至3日（周一）放假，共3天。")
    pre = holidays.preview_notice(admin, changed)
    assert pre.current_source == "office"
    assert [c.describe() for c in pre.changes] == [
        "4月25日（劳动节）：调休上班 → 正常作息", "5月4日（劳动节）：放假 → 正常作息",
        "5月5日（劳动节）：放假 → 正常作息", "5月8日（劳动节）：调休上班 → 正常作息"]
    holidays.import_notice(admin, changed)
    cal = holidays.calendar(admin)
    assert cal.is_workday(dt.date(2027, 5, 4)) and not cal.is_workday(dt.date(2027, 5, 8))
    with Session(admin.engine) as s:
        assert s.scalar(select(HolidayDay).where(HolidayDay.day == dt.date(2027, 4, 25))) is None


def test_a_supplement_merges_into_the_package_year_and_needs_a_base(admin):
    pre = holidays.preview_notice(admin, text("2019-labour.txt"))
    assert pre.current_source == "package" and pre.changes == ()  # the package has it already
    with pytest.raises(InputError, match="须先录入2027年"):
        holidays.preview_notice(admin, text("2027-test.txt").replace(
            "关于2027年部分节假日安排的通知", "关于调整2027年劳动节假期安排的通知"))
    holidays.import_notice(admin, text("2027-test.txt"))
    sup = ("国务院办公厅关于调整2027年劳动节假期安排的通知\n（测试用虚构文本）\n"
           "经国务院批准，现将2027年劳动节假期调整安排通知如下：\n"
           "5月1日至4日放假调休，共4天。4月25日（星期日）上班。\n")
    pre = holidays.preview_notice(admin, sup)
    assert [c.describe() for c in pre.changes] == [
        "5月5日（劳动节）：放假 → 正常作息", "5月8日（劳动节）：调休上班 → 正常作息"]
    holidays.import_notice(admin, sup)
    cal = holidays.calendar(admin)
    assert cal.is_workday(dt.date(2027, 5, 5)) and cal.holiday_name(dt.date(2027, 2, 8)) == "春节"
    with Session(admin.engine) as s:
        assert s.get(HolidayYear, 2027).supplements == 1


def test_another_desk_sees_the_table_without_restarting(admin, engine, monkeypatch):
    from app.storage.migrate import open_database
    other = open_database(str(engine.url.render_as_string(hide_password=False)))
    try:
        desk2 = ServiceContext(other, None, lambda: NOW)
        assert holidays.calendar(desk2).source_of(2027) is None
        holidays.import_notice(admin, text("2027-test.txt"))
        monkeypatch.setattr(holidays, "RECHECK_SECONDS", 0.0)
        assert holidays.calendar(desk2).source_of(2027) == "office"
        assert holidays.add_workdays(desk2, dt.date(2026, 12, 25), 10) == (dt.date(2027, 1, 11), [])
    finally:
        other.dispose()


def test_bad_notice_stores_nothing(admin):
    with pytest.raises(InputError, match="第7行"):
        holidays.import_notice(admin, text("2027-test.txt").replace("共8天", "共7天"))
    with Session(admin.engine) as s:
        assert s.scalars(select(HolidayYear)).all() == [] and s.scalars(
            select(HolidayDay)).all() == []


def test_only_an_administrator_imports_or_changes_days(admin):
    with pytest.raises(PermissionDenied):
        holidays.import_notice(clerk(admin), text("2027-test.txt"))
    with pytest.raises(PermissionDenied):
        holidays.set_day(clerk(admin), dt.date(2027, 3, 5), "rest", "闭馆")


def test_local_changes_win_and_are_audited(admin):
    with pytest.raises(InputError, match="原因"):
        holidays.set_day(admin, dt.date(2026, 12, 28), "rest")
    holidays.set_day(admin, dt.date(2026, 12, 28), "rest", "本单位搬迁")
    cal = holidays.calendar(admin)
    assert not cal.is_workday(dt.date(2026, 12, 28))
    assert holidays.add_workdays(admin, dt.date(2026, 12, 25), 1)[0] == dt.date(2026, 12, 29)
    holidays.set_day(admin, dt.date(2026, 12, 28), "clear")
    assert holidays.calendar(admin).is_workday(dt.date(2026, 12, 28))
    with Session(admin.engine) as s:
        acts = s.scalars(select(AuditEvent.action).where(
            AuditEvent.action == "calendar.set_day")).all()
    assert len(acts) == 2


def test_banner_from_november_while_next_year_is_missing(admin):
    assert holidays.missing_next_year(admin, dt.date(2026, 10, 31)) is None
    assert holidays.missing_next_year(admin, dt.date(2026, 11, 1)) == 2027
    holidays.import_notice(admin, text("2027-test.txt"))
    assert holidays.missing_next_year(admin, dt.date(2026, 12, 7)) is None
    years = holidays.list_years(admin)
    assert (years[0].year, years[0].source) == (2027, "office")
    assert any(y.year == 2026 and y.source == "package" for y in years)


def test_roster_generation_into_an_unknown_year_must_be_confirmed(admin):
    from app.services import duty

    roster = duty.create_roster(admin, dt.date(2027, 1, 1), dt.date(2027, 1, 31), "2027年1月")
    assert duty.roster_unknown_years(admin, roster.id) == [2027]
    with pytest.raises(HolidayTableMissing) as err:
        duty.generate(admin, roster.id, today=dt.date(2026, 12, 25))
    assert err.value.years == [2027] and "2027年节假日安排尚未录入" in err.value.message
    holidays.import_notice(admin, text("2027-test.txt"))
    assert duty.roster_unknown_years(admin, roster.id) == []
