"""The office's shift hours (交接班 time, 白班/夜班 starts) drive who is on duty now, the next
shift, the 工作台's "shift change without a handover" clock and the 值班日报's duty day."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.domain.security import Clearance, Role
from app.errors import ConflictError, InputError
from app.services import duty
from app.services.context import Actor, ServiceContext
from app.services.duty import roster as duty_roster
from app.services.duty_publish import publishing as duty_publish
from app.services.workbench import items as workbench
from app.storage.models import AuditEvent, Meta
from tests.services.test_duty import seed_staff

T = dt.time
DAY = dt.date(2026, 3, 4)


def _ctx(admin_ctx, at: datetime) -> ServiceContext:
    return ServiceContext(admin_ctx.engine, admin_ctx.actor, lambda: at)


def _officer(ctx: ServiceContext, clock) -> ServiceContext:
    return ServiceContext(ctx.engine, Actor(None, "值班员甲", Role.DUTY, Clearance.INTERNAL,
                                            "值班员甲"), clock)


def _local(day: dt.date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute).astimezone()


@pytest.fixture
def published(admin_ctx):
    """A published 全天 roster 2–8 March 2026."""
    ctx = _ctx(admin_ctx, datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
    seed_staff(ctx, 2, 4)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    roster = duty.create_roster(ctx, dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert duty.generate(ctx, roster.id, time_limit=5).ok
    duty.publish(ctx, roster.id)
    return ctx


def _set_starts(ctx, *starts: T, shifts=None) -> duty.Rules:
    rules = duty.get_rules(ctx)
    return duty.save_rules(ctx, duty.Rules(shifts or rules.shifts, rules.roles,
                                           rules.min_gap_days, rules.max_per_month, rules.apart,
                                           rules.version, starts))


def test_now_on_duty_at_0815_with_0800_and_0830_handover(published):
    ctx = published
    at_0815 = _local(DAY, 8, 15)
    assert duty.get_rules(ctx).hours.handover == T(8, 30)  # nothing set: 08:30
    before = duty.now_on_duty(ctx, at_0815)
    assert (before.day, before.next_day) == (DAY - dt.timedelta(days=1), DAY)
    _set_starts(ctx, T(8, 0))
    after = duty.now_on_duty(ctx, at_0815)
    assert (after.day, after.next_day) == (DAY, DAY + dt.timedelta(days=1))
    assert duty.now_on_duty(ctx, _local(DAY, 7, 59)).day == DAY - dt.timedelta(days=1)
    today = {(d.role, d.staff_name) for d in duty.duties_between(ctx, DAY, DAY)}
    assert {(p.role, p.name) for p in after.people} == today


def test_shift_starts_are_stored_audited_and_validated(published):
    ctx = published
    rules = _set_starts(ctx, T(9, 0))
    assert rules.starts == (T(9, 0),) and rules.hours.starts == (T(9, 0),)
    with ctx.session() as s:
        assert s.get(Meta, duty_roster.SHIFT_STARTS_KEY).value == '["09:00"]'
        last = s.execute(select(AuditEvent).where(AuditEvent.action == "duty.rules")
                         .order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
        assert "09:00" in str(last.detail)
    with pytest.raises(InputError, match="1个（交接班时间）或2个"):
        _set_starts(ctx, T(8, 0), T(12, 0), T(18, 0), shifts=("白班", "夜班"))
    with pytest.raises(InputError, match="依次排列"):
        _set_starts(ctx, T(8, 0), T(8, 0), shifts=("白班", "夜班"))
    # changing only the times still bumps the rules' version: a stale editor is refused
    stale = duty.get_rules(ctx)
    _set_starts(ctx, T(8, 0))
    with pytest.raises(ConflictError):
        duty.save_rules(ctx, stale)
    assert duty.get_rules(ctx).hours.handover == T(8, 0)
    # back to the default: the key is removed
    _set_starts(ctx)
    with ctx.session() as s:
        assert s.get(Meta, duty_roster.SHIFT_STARTS_KEY) is None
    assert duty.get_rules(ctx).hours.handover == T(8, 30)


def test_uneven_day_and_night_shifts_on_duty(admin_ctx):
    ctx = _ctx(admin_ctx, datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
    seed_staff(ctx, leaders=4, officers=8)
    duty.save_rules(ctx, duty.Rules(shifts=("白班", "夜班"), roles={"leader": 1, "officer": 1},
                                    starts=(T(8, 0), T(18, 0))))
    roster = duty.create_roster(ctx, dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert duty.generate(ctx, roster.id, time_limit=5).ok
    duty.publish(ctx, roster.id)
    day_shift = duty.now_on_duty(ctx, _local(DAY, 17, 30))
    assert (day_shift.day, day_shift.shift, day_shift.next_shift) == (DAY, "白班", "夜班")
    night = duty.now_on_duty(ctx, _local(DAY, 18, 30))  # evenly split it would be 白班 till 20:00
    assert (night.day, night.shift) == (DAY, "夜班")
    assert (night.next_day, night.next_shift) == (DAY + dt.timedelta(days=1), "白班")
    names = {d.staff_name for d in duty.duties_between(ctx, DAY, DAY) if d.shift == "夜班"}
    assert {p.name for p in night.people} == names


def test_missed_handover_is_due_from_the_office_handover_time(published):
    ctx = published
    _set_starts(ctx, T(8, 0))
    at = {"t": _local(DAY - dt.timedelta(days=1), 8, 5)}
    desk = _officer(ctx, lambda: at["t"])
    duty.hand_over(desk, "平稳。")  # the previous day's change was recorded
    at["t"] = _local(DAY, 7, 50)
    assert workbench.missed_handover_items(desk) == []  # 08:00 not reached yet
    at["t"] = _local(DAY, 8, 15)  # with 08:30 this would still be quiet
    [item] = workbench.missed_handover_items(desk)
    assert (item.state, item.text) == ("amber", "已过交班时间 15 分钟")
    assert item.due == _local(DAY, 8, 30)  # 30 minutes' grace from 08:00
    assert "03月04日08:00" in item.title
    at["t"] = _local(DAY, 8, 31)
    assert [i.state for i in workbench.missed_handover_items(desk)] == ["red"]
    _set_starts(ctx, T(8, 30))
    at["t"] = _local(DAY, 8, 15)
    assert workbench.missed_handover_items(desk) == []


def test_daily_report_day_starts_at_the_handover(published):
    ctx = published
    writer = _officer(ctx, lambda: _local(DAY, 9, 0))
    duty.add_log_entry(writer, duty.LogEntry(received_at=_local(DAY, 8, 10), caller_unit="市水利局",
                                             content="水位上涨"))

    def matters(day: dt.date) -> list[str]:
        return [c["matter"] for c in duty_publish.daily_data(writer, day)["daily"]["calls"]]

    assert "水位上涨" in matters(DAY - dt.timedelta(days=1))  # 08:30: the day before's report
    _set_starts(ctx, T(8, 0))
    assert "水位上涨" in matters(DAY) and "水位上涨" not in matters(DAY - dt.timedelta(days=1))
