"""值班 services against a real database (SQLite, and PostgreSQL when configured): generation
from the database honours the rules and carries the fairness ledger forward; swaps survive
regeneration; manual edits are validated; log and handover flows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.domain.roster_validate import spreads, validate
from app.domain.security import Clearance, Role
from app.errors import InputError, PermissionDenied
from app.services import duty
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.duty import roster as duty_roster
from app.storage.models import AuditEvent, DutyAssignment

PW = "Duty-pass-123"
START = dt.date(2026, 3, 2)
END = dt.date(2026, 3, 29)


def _clock(at: datetime):
    return lambda: at


def seed_staff(ctx, leaders=4, officers=10):
    ids = {"leader": [], "officer": []}
    for i in range(leaders):
        p = duty.save_staff(ctx, duty.StaffInfo(0, f"领导{i + 1}", "办公室", "副主任",
                                                mobile=f"1390000{i:04d}", roles=("leader",)))
        ids["leader"].append(p.id)
    for i in range(officers):
        p = duty.save_staff(ctx, duty.StaffInfo(0, f"干部{i + 1}", "秘书科", "科员",
                                                phone=f"8700{i:04d}", roles=("officer",)))
        ids["officer"].append(p.id)
    return ids


@pytest.fixture
def roster_ctx(admin_ctx):
    return ServiceContext(admin_ctx.engine, admin_ctx.actor,
                          _clock(datetime(2026, 2, 20, 2, 0, tzinfo=UTC)))


def test_generation_from_database_honours_rules(roster_ctx):
    ctx = roster_ctx
    ids = seed_staff(ctx)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 2},
                                    min_gap_days={"officer": 3, "leader": 2},
                                    max_per_month={"officer": 6},
                                    apart=((ids["officer"][0], ids["officer"][1]),)))
    duty.add_unavailability(ctx, ids["leader"][0], dt.date(2026, 3, 5), dt.date(2026, 3, 15), "出差")
    roster = duty.create_roster(ctx, START, END)
    out = duty.generate(ctx, roster.id, time_limit=5)
    assert out.ok, out.reasons
    info = duty.get_roster(ctx, roster.id)
    assert len(info.duties) == 28 * 3
    # independent validator on the rows read back from the database
    problem = duty_roster.build_problem(ctx, roster.id)
    assert validate(problem, [d.key() for d in info.duties]) == []
    assert not any(d.staff_id == ids["leader"][0] and dt.date(2026, 3, 5) <= d.day
                   <= dt.date(2026, 3, 15) for d in info.duties)
    for role, (total, rest) in spreads(problem, [d.key() for d in info.duties]).items():
        assert total <= 1 and rest <= 1, role
    assert duty.validate_roster(ctx, roster.id) == []


def test_history_carried_forward_evens_out_the_year(roster_ctx):
    ctx = roster_ctx
    ids = seed_staff(ctx, leaders=3, officers=6)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    first = duty.create_roster(ctx, dt.date(2026, 1, 5), dt.date(2026, 1, 8))  # 4 days
    assert duty.generate(ctx, first.id, time_limit=5).ok
    duty.publish(ctx, first.id)
    ledger = {r.staff_id: r for r in duty.ledger(ctx, 2026)}
    served = {sid for sid in ids["officer"] if ledger[sid].total}
    assert len(served) == 4
    second = duty.create_roster(ctx, dt.date(2026, 1, 12), dt.date(2026, 1, 13))
    problem = duty_roster.build_problem(ctx, second.id)
    assert {h.staff_id for h in problem.history} >= {str(s) for s in served}
    assert duty.generate(ctx, second.id, time_limit=5).ok
    officers = [d.staff_id for d in duty.get_roster(ctx, second.id).duties if d.role == "officer"]
    # the two officers who had no duty yet take the next two
    assert set(officers) == set(ids["officer"]) - served


def test_swap_survives_regeneration_and_manual_edit_is_validated(roster_ctx):
    ctx = roster_ctx
    ids = seed_staff(ctx, leaders=3, officers=8)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 2},
                                    min_gap_days={"officer": 2}))
    roster = duty.create_roster(ctx, START, dt.date(2026, 3, 15))
    assert duty.generate(ctx, roster.id, time_limit=5).ok
    duties = duty.get_roster(ctx, roster.id).duties
    day = dt.date(2026, 3, 10)
    a = next(d for d in duties if d.day == day and d.role == "officer")
    busy_near = {d.staff_id for d in duties if d.role == "officer" and abs((d.day - day).days) < 2}
    b = next(s for s in ids["officer"] if s not in busy_near)
    assert duty.record_swap(ctx, roster.id, "代班", day, a.shift, "officer", a.staff_id, b,
                            reason="因病请假") == []
    # a manual edit that breaks the gap rule is refused unless confirmed
    next_day = next(d for d in duties if d.day == day + dt.timedelta(days=1)
                    and d.role == "officer")
    problems = duty.set_duty(ctx, roster.id, next_day.day, next_day.shift, "officer",
                             next_day.staff_id, b)
    assert any("间隔不足" in p for p in problems)
    assert b not in {d.staff_id for d in duty.get_roster(ctx, roster.id).duties
                     if d.day == next_day.day}
    # regeneration (after new leave elsewhere) keeps the recorded swap
    duty.add_unavailability(ctx, ids["officer"][-1], START, dt.date(2026, 3, 15), "培训")
    out = duty.generate(ctx, roster.id, time_limit=5)
    assert out.ok and not out.dropped
    after = duty.get_roster(ctx, roster.id).duties
    kept = [d for d in after if d.day == day and d.staff_id == b and d.role == "officer"]
    assert kept and kept[0].source == "swap"
    assert not any(d.staff_id == ids["officer"][-1] for d in after)
    swaps = duty.list_swaps(ctx, roster.id)
    assert swaps[0].reason == "因病请假" and swaps[0].recorded_by == "系统管理员"
    # a swap the new leave makes impossible is listed, not silently lost
    duty.add_unavailability(ctx, b, day, day, "请假")
    out = duty.generate(ctx, roster.id, time_limit=5)
    assert out.ok and any("请假" in line for line in out.dropped)


def test_published_past_is_kept_on_regeneration(admin_ctx):
    ctx = ServiceContext(admin_ctx.engine, admin_ctx.actor,
                         _clock(datetime(2026, 3, 9, 2, 0, tzinfo=UTC)))
    seed_staff(ctx, leaders=3, officers=6)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    roster = duty.create_roster(ctx, START, dt.date(2026, 3, 15))
    assert duty.generate(ctx, roster.id, time_limit=5, today=START).ok
    duty.publish(ctx, roster.id)
    before = {d.key() for d in duty.get_roster(ctx, roster.id).duties if d.day < dt.date(2026, 3, 9)}
    # leave recorded afterwards for the first days does not rewrite what happened
    first = next(d for d in duty.get_roster(ctx, roster.id).duties if d.day == START)
    duty.add_unavailability(ctx, first.staff_id, START, START, "请假")
    out = duty.generate(ctx, roster.id, time_limit=5)
    assert out.ok
    after = duty.get_roster(ctx, roster.id)
    assert {d.key() for d in after.duties if d.day < dt.date(2026, 3, 9)} == before
    assert after.status == "draft"


def test_infeasible_is_explained_in_plain_words(roster_ctx):
    ctx = roster_ctx
    ids = seed_staff(ctx, leaders=1, officers=3)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    duty.add_unavailability(ctx, ids["leader"][0], dt.date(2026, 3, 10), dt.date(2026, 3, 10))
    roster = duty.create_roster(ctx, START, dt.date(2026, 3, 12))
    out = duty.generate(ctx, roster.id, time_limit=3)
    assert out.status == "infeasible"
    assert any("2026-03-10" in r and "领导1" in r for r in out.reasons), out.reasons
    assert duty.get_roster(ctx, roster.id).duties == ()
    with pytest.raises(InputError, match="不能发布"):
        duty.publish(ctx, roster.id)


def test_roster_edits_need_permission_and_are_audited(roster_ctx):
    ctx = roster_ctx
    accounts.add_user(ctx, "zhiban", PW, display_name="值班员甲", role=Role.DUTY,
                      must_change_password=False)
    officer = ctx.with_actor(accounts.login(ctx, "zhiban", PW))
    with pytest.raises(PermissionDenied):
        duty.save_staff(officer, duty.StaffInfo(0, "某人"))
    seed_staff(ctx, 2, 4)
    with ctx.session() as s:
        actions = Counter(s.execute(select(AuditEvent.action)).scalars())
    assert actions["duty.staff.add"] == 6


def _duty_ctx(admin_ctx, name="zhiban", label="值班员甲", clearance=Clearance.INTERNAL,
              at=datetime(2026, 3, 3, 6, 0, tzinfo=UTC)):
    accounts.add_user(admin_ctx, name, PW, display_name=label, role=Role.DUTY,
                      clearance=clearance, must_change_password=False)
    actor = accounts.login(admin_ctx, name, PW)
    return ServiceContext(admin_ctx.engine, actor, _clock(at))


def test_log_entries_attributed_paged_and_clearance_filtered(admin_ctx):
    officer = _duty_ctx(admin_ctx)
    e = duty.add_log_entry(officer, duty.LogEntry(
        kind="来电", received_at=datetime(2026, 3, 3, 5, 40, tzinfo=UTC), caller_unit="市应急管理局",
        caller_name="王强", caller_post="科长", caller_phone="0571-1234567",
        content="通报：某路段发生交通事故，请关注。", classification=1))
    assert e.author_name == "值班员甲"
    got = duty.get_log_entry(officer, e.id)
    with officer.session() as s:
        views = s.execute(select(AuditEvent.object_id).where(
            AuditEvent.action == "duty.log.view")).scalars().all()
    assert views == [str(e.id)]  # reading a classified entry is audited
    assert (got.caller_unit, got.caller_name, got.caller_post, got.caller_phone) == (
        "市应急管理局", "王强", "科长", "0571-1234567")
    assert got.received_at == datetime(2026, 3, 3, 5, 40, tzinfo=UTC)
    for i in range(30):
        duty.add_log_entry(officer, duty.LogEntry(
            received_at=datetime(2026, 3, 3, 4, i, tzinfo=UTC), content=f"咨询{i}"))
    assert duty.count_log(officer) == 31
    page = duty.list_log(officer, offset=0, limit=10)
    assert page[0].id == e.id and len(page) == 10
    assert duty.count_log(officer, text="交通事故") == 1
    # a reader cleared for 公开 only does not see the 内部 entry, neither in lists nor by id
    accounts.add_user(admin_ctx, "reader", PW, role=Role.READER, clearance=Clearance.PUBLIC,
                      must_change_password=False)
    reader = admin_ctx.with_actor(accounts.login(admin_ctx, "reader", PW))
    assert duty.count_log(reader) == 30
    assert all(x.id != e.id for x in duty.list_log(reader, limit=100))
    with pytest.raises(PermissionDenied):
        duty.get_log_entry(reader, e.id)
    with pytest.raises(PermissionDenied):
        duty.add_log_entry(reader, duty.LogEntry(content="x"))
    done = duty.update_log_entry(officer, duty.LogEntry(
        **{**got.__dict__, "passed_to": "带班领导领导1",
           "passed_at": datetime(2026, 3, 3, 5, 50, tzinfo=UTC), "result": "已转告，持续关注"}))
    assert done.result == "已转告，持续关注" and done.author_name == "值班员甲"
    with pytest.raises(InputError, match="内容"):
        duty.add_log_entry(officer, duty.LogEntry(content="  "))


def test_handover_carries_open_items_until_closed(admin_ctx):
    a = _duty_ctx(admin_ctx)
    b = _duty_ctx(admin_ctx, "zhiban2", "值班员乙")
    h = duty.hand_over(a, "本班接电话3个，无突发事件。", ["市应急局要求18时前报送值守情况"])
    assert [i.text for i in h.open_items] == ["市应急局要求18时前报送值守情况"]
    with pytest.raises(InputError, match="尚未接班确认"):
        duty.hand_over(a, "又一次")
    with pytest.raises(InputError, match="不能自己确认"):
        duty.acknowledge_handover(a, h.id)
    ack = duty.acknowledge_handover(b, h.id)
    assert ack.incoming_name == "值班员乙" and ack.acknowledged_at is not None
    # still open: carried again by the next handover
    h2 = duty.hand_over(b, "夜间平稳。")
    assert [i.text for i in h2.open_items] == ["市应急局要求18时前报送值守情况"]
    duty.acknowledge_handover(a, h2.id)
    duty.close_open_item(a, h2.open_items[0].id, "已报送")
    h3 = duty.hand_over(a, "白天平稳。")
    assert h3.open_items == ()
    assert duty.pending_handover(a).id == h3.id


def test_now_on_duty_reads_published_roster_with_phones(admin_ctx):
    ctx = ServiceContext(admin_ctx.engine, admin_ctx.actor,
                         _clock(datetime(2026, 3, 1, 2, 0, tzinfo=UTC)))
    seed_staff(ctx, 2, 4)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    roster = duty.create_roster(ctx, START, dt.date(2026, 3, 8))
    assert duty.generate(ctx, roster.id, time_limit=5).ok
    before = duty.now_on_duty(ctx, datetime(2026, 3, 4, 12, 0).astimezone())
    assert before.day is None  # a draft is not on duty
    duty.publish(ctx, roster.id)
    now = duty.now_on_duty(ctx, datetime(2026, 3, 4, 12, 0).astimezone())
    duties = duty.get_roster(ctx, roster.id).duties
    leader = next(d for d in duties if d.day == dt.date(2026, 3, 4) and d.role == "leader")
    assert now.day == dt.date(2026, 3, 4)
    assert now.people[0].role_name == "带班领导" and now.people[0].name == leader.staff_name
    assert now.people[0].phones.startswith("1390000")
    assert now.next_day == dt.date(2026, 3, 5)
    # before 08:30 the previous day's duty is still on
    early = duty.now_on_duty(ctx, datetime(2026, 3, 4, 7, 0).astimezone())
    assert early.day == dt.date(2026, 3, 3)


def test_assignments_rows_match(roster_ctx):
    ctx = roster_ctx
    seed_staff(ctx, 2, 4)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    roster = duty.create_roster(ctx, START, dt.date(2026, 3, 4))
    duty.generate(ctx, roster.id, time_limit=5)
    with ctx.session() as s:
        n = s.execute(select(func.count()).select_from(DutyAssignment)
                      .where(DutyAssignment.roster_id == roster.id)).scalar_one()
    assert n == 6


def test_cancelled_generation_saves_nothing(roster_ctx):
    ctx = roster_ctx
    seed_staff(ctx, 2, 4)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    roster = duty.create_roster(ctx, START, dt.date(2026, 3, 8))
    out = duty.generate(ctx, roster.id, time_limit=5, cancel=lambda: True)
    assert out.status == "cancelled" and duty.get_roster(ctx, roster.id).duties == ()


def test_log_entries_are_found_by_the_global_search(admin_ctx):
    from app.services.search import index as search

    officer = _duty_ctx(admin_ctx)
    e = duty.add_log_entry(officer, duty.LogEntry(
        received_at=datetime(2026, 3, 3, 5, 0, tzinfo=UTC), caller_unit="市水利局",
        caller_name="钱进", content="水库水位超汛限，请做好防范"))
    hits = search.search(officer, "汛限", kinds=["duty_log"]).hits
    assert [(h.kind, h.record_id) for h in hits] == [("duty_log", e.id)]
    duty.update_log_entry(officer, duty.LogEntry(**{**e.__dict__, "result": "已转防汛办处置"}))
    assert [h.record_id for h in search.search(officer, "防汛办", kinds=["duty_log"]).hits] == [e.id]


def test_opening_balance_counts_into_history(roster_ctx):
    """An office adopting the program mid-year enters what each person already served."""
    ctx = roster_ctx
    ids = seed_staff(ctx, leaders=2, officers=4)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    veteran = ids["officer"][0]
    duty.set_opening(ctx, veteran, 2026, 6, 3)
    with pytest.raises(InputError):
        duty.set_opening(ctx, veteran, 2026, 1, 2)
    row = next(r for r in duty.ledger(ctx, 2026) if r.staff_id == veteran)
    assert (row.total, row.rest_day, row.opening_total) == (6, 3, 6)
    roster = duty.create_roster(ctx, START, dt.date(2026, 3, 9))  # 8 officer duties
    problem = duty_roster.build_problem(ctx, roster.id)
    assert problem.history_of(str(veteran)).total == 6
    assert duty.generate(ctx, roster.id, time_limit=5).ok
    served = Counter(d.staff_id for d in duty.get_roster(ctx, roster.id).duties
                     if d.role == "officer")
    assert served[veteran] == 0  # the others catch up first (6 vs 0 before; 8 duties for 3)


def test_day_and_night_shifts(roster_ctx):
    ctx = roster_ctx
    seed_staff(ctx, leaders=4, officers=8)
    duty.save_rules(ctx, duty.Rules(shifts=("白班", "夜班"), roles={"leader": 1, "officer": 1}))
    roster = duty.create_roster(ctx, START, dt.date(2026, 3, 8))
    assert duty.generate(ctx, roster.id, time_limit=5).ok
    duties = duty.get_roster(ctx, roster.id).duties
    assert Counter(d.shift for d in duties) == {"白班": 14, "夜班": 14}
    per_day = Counter((d.staff_id, d.day) for d in duties)
    assert max(per_day.values()) == 1  # one shift a day at most
    duty.publish(ctx, roster.id)
    night = next(d for d in duties if d.day == dt.date(2026, 3, 4) and d.shift == "夜班"
                 and d.role == "leader")
    at_3am = duty.now_on_duty(ctx, datetime(2026, 3, 5, 3, 0).astimezone())
    assert (at_3am.day, at_3am.shift) == (dt.date(2026, 3, 4), "夜班")
    assert night.staff_name in [p.name for p in at_3am.people]
    assert (at_3am.next_day, at_3am.next_shift) == (dt.date(2026, 3, 5), "白班")


def test_deactivated_person_keeps_served_duties_and_gets_no_new_ones(admin_ctx):
    ctx = ServiceContext(admin_ctx.engine, admin_ctx.actor,
                         _clock(datetime(2026, 3, 9, 2, 0, tzinfo=UTC)))
    seed_staff(ctx, leaders=3, officers=6)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    roster = duty.create_roster(ctx, START, dt.date(2026, 3, 15))
    assert duty.generate(ctx, roster.id, time_limit=5, today=START).ok
    duty.publish(ctx, roster.id)
    duties = duty.get_roster(ctx, roster.id).duties
    gone = next(d for d in duties if d.day < dt.date(2026, 3, 9) and d.role == "officer")
    person = duty_roster.get_staff(ctx, gone.staff_id)
    duty.save_staff(ctx, duty.StaffInfo(**{**person.__dict__, "active": False}))
    problems = duty.validate_roster(ctx, roster.id)
    # served duties stay valid; only duties still ahead are flagged
    assert all("已停排" in p for p in problems)
    assert not any(str(d.day) in " ".join(problems) for d in duties
                   if d.staff_id == gone.staff_id and d.day < dt.date(2026, 3, 9))
    assert duty.generate(ctx, roster.id, time_limit=5).ok
    after = duty.get_roster(ctx, roster.id).duties
    mine = {d.day for d in after if d.staff_id == gone.staff_id}
    assert mine == {d.day for d in duties if d.staff_id == gone.staff_id
                    and d.day < dt.date(2026, 3, 9)}
    assert duty.validate_roster(ctx, roster.id) == []


def test_regenerating_a_published_roster_keeps_the_desk_informed(admin_ctx):
    ctx = ServiceContext(admin_ctx.engine, admin_ctx.actor,
                         _clock(datetime(2026, 3, 4, 4, 0, tzinfo=UTC)))
    seed_staff(ctx, 2, 4)
    duty.save_rules(ctx, duty.Rules(roles={"leader": 1, "officer": 1}))
    roster = duty.create_roster(ctx, START, dt.date(2026, 3, 8))
    assert duty.generate(ctx, roster.id, time_limit=5, today=START).ok
    duty.publish(ctx, roster.id)
    assert duty.generate(ctx, roster.id, time_limit=5).ok
    info = duty.get_roster(ctx, roster.id)
    assert info.status == "draft" and info.status_label == "已修改，待重新发布"
    now = duty.now_on_duty(ctx, datetime(2026, 3, 4, 12, 0).astimezone())
    assert now.day == dt.date(2026, 3, 4) and now.people
