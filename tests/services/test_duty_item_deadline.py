"""交接班 open items with a deadline (办理时限): validated, audited, carried, shown on the 工作台
amber before and red after it, printed in the 交接班记录; the 0011 migration keeps old items."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import inspect, select, text

from app.domain.security import Clearance, Role
from app.errors import InputError
from app.services import duty
from app.services.context import Actor, ServiceContext
from app.services.duty_publish import publishing as duty_publish
from app.services.workbench import items as workbench
from app.storage.models import AuditEvent

CST = dt.timezone(dt.timedelta(hours=8))


class Clock:
    def __init__(self, t: dt.datetime) -> None:
        self.t = t

    def __call__(self) -> dt.datetime:
        return self.t


def _as(engine, clock, role=Role.DUTY, name="值班员甲") -> ServiceContext:
    return ServiceContext(engine, Actor(None, name, role, Clearance.INTERNAL, name), clock)


@pytest.fixture
def desk(admin_ctx):
    clock = Clock(dt.datetime(2026, 3, 4, 9, 0, tzinfo=CST))
    return _as(admin_ctx.engine, clock), clock


def test_deadline_is_optional_validated_and_audited(desk):
    ctx, clock = desk
    plain = duty.add_open_item(ctx, "整理来文")
    assert plain.deadline is None and plain.due_state(clock.t) == ""
    due = duty.add_open_item(ctx, "回复市应急局", deadline=dt.datetime(2026, 3, 4, 17, 0, 30,
                                                                     tzinfo=CST))
    assert due.deadline == dt.datetime(2026, 3, 4, 17, 0, tzinfo=CST)  # to the minute
    assert [i.deadline for i in duty.list_open_items(ctx)] == [None, due.deadline]
    with pytest.raises(InputError, match="晚于现在"):
        duty.add_open_item(ctx, "补报", deadline=dt.datetime(2026, 3, 4, 8, 0, tzinfo=CST))
    with pytest.raises(InputError, match="时区"):
        duty.add_open_item(ctx, "补报", deadline=dt.datetime(2026, 3, 4, 18, 0))
    moved = duty.set_item_deadline(ctx, plain.id, dt.datetime(2026, 3, 5, 9, 0, tzinfo=CST))
    assert moved.deadline == dt.datetime(2026, 3, 5, 9, 0, tzinfo=CST)
    assert duty.set_item_deadline(ctx, plain.id, None).deadline is None
    with ctx.session() as s:
        events = [json.loads(e.detail) for e in s.execute(select(AuditEvent).where(
            AuditEvent.action == "duty.item.deadline").order_by(AuditEvent.id)).scalars()]
    assert events[0]["from"] is None and events[0]["to"].startswith("2026-03-05T")
    assert events[1]["to"] is None
    duty.close_open_item(ctx, due.id, "已回复")
    with pytest.raises(InputError, match="已办结"):
        duty.set_item_deadline(ctx, due.id, dt.datetime(2026, 3, 6, 9, 0, tzinfo=CST))
    reader = _as(ctx.engine, clock, Role.READER, "只读")
    with pytest.raises(Exception, match="无权"):
        duty.set_item_deadline(reader, plain.id, None)


def test_due_state_and_text():
    item = duty.OpenItem(1, "x", None, "甲", dt.datetime(2026, 3, 4, 9, 0, tzinfo=CST),
                         deadline=dt.datetime(2026, 3, 4, 17, 0, tzinfo=CST))
    def at(h, m=0):
        return dt.datetime(2026, 3, 4, h, m, tzinfo=CST)

    assert (item.due_state(at(9)), item.due_text(at(9))) == ("green", "剩余 8 小时")
    assert (item.due_state(at(15)), item.due_text(at(15))) == ("amber", "剩余 2 小时")
    assert (item.due_state(at(16, 50)), item.due_text(at(16, 50))) == ("amber", "剩余 10 分钟")
    assert (item.due_state(at(17)), item.due_text(at(17))) == ("red", "逾期 0 分钟")
    assert item.due_text(dt.datetime(2026, 3, 5, 18, 5, tzinfo=CST)) == "逾期 1 天 1 小时 5 分钟"


def test_workbench_lists_items_with_a_deadline_amber_then_red(desk):
    ctx, clock = desk
    duty.add_open_item(ctx, "整理来文")  # no deadline: not a clock
    late = duty.add_open_item(ctx, "回复市应急局", deadline=dt.datetime(2026, 3, 4, 10, 0,
                                                                      tzinfo=CST))
    later = duty.add_open_item(ctx, "报送值班表", deadline=dt.datetime(2026, 3, 5, 12, 0,
                                                                      tzinfo=CST))
    leader = _as(ctx.engine, clock, Role.LEADER, "领导")

    def mine():
        got, skipped = workbench.items(leader)
        assert "handover_open" not in skipped
        return [(i.record_id, i.label, i.state, i.text) for i in got if i.label == "交接事项"]

    assert mine() == [(late.id, "交接事项", "amber", "剩余 1 小时"),
                      (later.id, "交接事项", "green", "剩余 1 天 3 小时")]
    seen, _ = workbench.notifications(None, workbench.items(leader)[0])
    clock.t = dt.datetime(2026, 3, 4, 10, 5, tzinfo=CST)
    assert mine()[0] == (late.id, "交接事项", "red", "逾期 5 分钟")
    _, notes = workbench.notifications(seen, workbench.items(leader)[0])
    assert [(n.item.record_id, n.state) for n in notes if n.item.label == "交接事项"] == [
        (late.id, "red")]
    item = next(i for i in workbench.items(leader)[0] if i.record_id == late.id
                and i.label == "交接事项")
    assert (item.kind, item.area, item.title) == ("handover", "duty", "回复市应急局")
    assert item.due == dt.datetime(2026, 3, 4, 10, 0, tzinfo=CST)
    # closed, it leaves the workbench
    duty.close_open_item(ctx, late.id, "已回复")
    assert [r[0] for r in mine()] == [later.id]


def test_handover_record_prints_the_deadline(desk):
    ctx, _clock = desk
    duty.add_open_item(ctx, "回复市应急局", deadline=dt.datetime(2026, 3, 4, 17, 0, tzinfo=CST))
    h = duty.hand_over(ctx, "平稳。")
    [line] = duty_publish.handover_data(ctx, h.id)["handover"]["attention"]
    expected = dt.datetime(2026, 3, 4, 17, 0, tzinfo=CST).astimezone().strftime("%m月%d日%H:%M")
    assert f"办理时限{expected}前" in line and "未办结" in line


def test_migration_0011_adds_the_column_and_keeps_items(tmp_path):
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
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
        conn.commit()
    assert current_revision(engine) == "0010"
    assert "deadline" not in {c["name"] for c in inspect(engine).get_columns("duty_open_items")}
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO duty_open_items (text, opened_by, opened_at, closed_by, closed_note, "
            "created_at, updated_at) VALUES ('旧事项', '甲', '2026-03-01 01:00:00', '', '', "
            "'2026-03-01 01:00:00', '2026-03-01 01:00:00')"))
    upgrade(engine)
    assert current_revision(engine) == HEAD_REVISION  # 0011 and any later revision
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT text, deadline FROM duty_open_items")).all()
        version = conn.execute(text(
            "SELECT value FROM govdesk_meta WHERE key = 'schema_version'")).scalar()
    assert rows == [("旧事项", None)] and version == str(SCHEMA_VERSION)
    engine.dispose()
