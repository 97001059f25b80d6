"""三员分立 in a 涉密 office (issue 31), in the services: every pair of the three roles refused,
an administrator role with a business role refused, each administrator refused what is not
theirs (and the refusal audited), the first-run setup, the switch from 普通 with its refusals,
and who sees whose audit entries."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import (
    BUSINESS_ROLES,
    THREE_ADMINS,
    Clearance,
    Role,
    SeparationDenied,
)
from app.errors import InputError, PermissionDenied
from app.services.accounts import classified, security
from app.services.accounts import mode as office_mode_mod
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.audit_review import review as audit_log
from app.services.audit_review.review import AuditFilter
from app.services.backup import files as backup
from app.services.context import ServiceContext
from app.storage.models import AuditEvent, SecuritySettings
from tests.services.documents_helpers import person

SYS, SEC, AUD = "sysadmin", "secadmin", "auditor"
INITIAL = {SYS: "Sys-initial-1", SEC: "Sec-initial-1", AUD: "Aud-initial-1"}
FINAL = {SYS: "Sys-changed-2", SEC: "Sec-changed-2", AUD: "Aud-changed-2"}


def _setup(ctx: ServiceContext) -> dict[str, ServiceContext]:
    """A 涉密 office from the first-run path; each administrator changes the initial password
    (required) and signs in again."""
    names = classified.setup_classified(ctx, [
        classified.NewAdmin(Role.SYSADMIN, SYS, INITIAL[SYS], "系统管理员甲"),
        classified.NewAdmin(Role.SECADMIN, SEC, INITIAL[SEC], "保密管理员乙"),
        classified.NewAdmin(Role.AUDITOR, AUD, INITIAL[AUD], "审计员丙"),
    ])
    assert names == [SYS, SEC, AUD]
    out = {}
    for name in names:
        first = accounts.login(ctx, name, INITIAL[name])
        assert first.must_change_password  # each must change the password at first sign-in
        accounts.change_password(ctx.with_actor(first), INITIAL[name], FINAL[name])
        out[name] = ctx.with_actor(accounts.login(ctx, name, FINAL[name]))
    return out


@pytest.fixture
def office(ctx):
    return _setup(ctx)


def _last(engine) -> AuditEvent:
    with Session(engine) as s:
        return s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()


def test_first_run_sets_up_a_classified_office_with_three_accounts(office, ctx):
    assert office_mode_mod.office_mode(ctx) == office_mode_mod.CLASSIFIED
    sysadmin = office[SYS]
    users = {u.username: u for u in accounts.list_users(sysadmin)}
    assert {n: u.roles for n, u in users.items()} == {
        SYS: {Role.SYSADMIN}, SEC: {Role.SECADMIN}, AUD: {Role.AUDITOR}}
    assert all(u.clearance == Clearance.CONFIDENTIAL for u in users.values())
    with Session(ctx.engine) as s:
        assert s.get(SecuritySettings, 1).pw_max_age_days == 90  # a 涉密 office's passwords expire
        actions = list(s.execute(select(AuditEvent.action)).scalars())
    assert "office.classified" in actions
    # once any account exists the first-run path is closed
    with pytest.raises(PermissionDenied, match="已存在用户账户"):
        classified.setup_classified(ctx, [
            classified.NewAdmin(Role.SYSADMIN, "a1", "Xyz-pass-11"),
            classified.NewAdmin(Role.SECADMIN, "a2", "Xyz-pass-12"),
            classified.NewAdmin(Role.AUDITOR, "a3", "Xyz-pass-13")])


def test_first_run_refuses_one_name_for_two_roles(ctx):
    with pytest.raises(SeparationDenied, match="三员分立"):
        classified.setup_classified(ctx, [
            classified.NewAdmin(Role.SYSADMIN, "same", "Xyz-pass-11"),
            classified.NewAdmin(Role.SECADMIN, "same", "Xyz-pass-12"),
            classified.NewAdmin(Role.AUDITOR, "a3", "Xyz-pass-13")])
    assert accounts.needs_first_admin(ctx.engine)


PAIRS = [frozenset(p) for p in itertools.combinations(sorted(THREE_ADMINS), 2)]


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: "+".join(sorted(r.value for r in p)))
def test_every_pair_of_the_three_roles_is_refused(office, pair):
    secadmin = office[SEC]
    target = accounts.find_user(secadmin, AUD)
    with pytest.raises(SeparationDenied, match="三员分立：一个账户不能同时担任") as info:
        accounts.set_roles(secadmin, target.id, pair, expected_version=target.version)
    assert info.value.exit_code == 2
    for role in pair:
        assert role.label in info.value.message
    assert accounts.find_user(secadmin, AUD).roles == {Role.AUDITOR}  # nothing changed
    refused = _last(secadmin.engine)
    assert (refused.action, refused.outcome, refused.actor) == ("user.set_role", "refused", SEC)


@pytest.mark.parametrize("admin_role", sorted(THREE_ADMINS))
@pytest.mark.parametrize("business", sorted(BUSINESS_ROLES))
def test_an_administrator_role_with_a_business_role_is_refused(office, admin_role, business):
    secadmin = office[SEC]
    clerk = person(secadmin, "li", Role.CLERK, Clearance.INTERNAL)
    uid = clerk.actor.user_id
    with pytest.raises(SeparationDenied, match="不能兼任业务角色"):
        accounts.set_roles(secadmin, uid, {admin_role, business})


def test_the_all_in_one_admin_role_is_not_used_in_a_classified_office(office):
    secadmin = office[SEC]
    uid = person(secadmin, "li", Role.CLERK, Clearance.INTERNAL).actor.user_id
    with pytest.raises(SeparationDenied, match="不使用合一的“管理员”角色"):
        accounts.set_roles(secadmin, uid, {Role.ADMIN})
    # a single administrator role is fine
    assert accounts.set_roles(secadmin, uid, {Role.AUDITOR}).roles == {Role.AUDITOR}


def _refused_with_rule(fn, *args, **kwargs) -> SeparationDenied:
    with pytest.raises(SeparationDenied, match="三员分立") as info:
        fn(*args, **kwargs)
    assert info.value.exit_code == 2
    return info.value


def test_the_system_administrator_is_refused_what_is_not_theirs(office, tmp_path):
    sysadmin = office[SYS]
    target = accounts.find_user(sysadmin, AUD)
    _refused_with_rule(accounts.set_roles, sysadmin, target.id, {Role.SECADMIN})
    _refused_with_rule(accounts.set_clearance, sysadmin, target.id, Clearance.SECRET)
    _refused_with_rule(audit_log.page, sysadmin, AuditFilter(), 0)
    _refused_with_rule(audit_log.render_print, sysadmin, AuditFilter())
    # creating an account with roles or a clearance is a grant: only 只读/公开
    _refused_with_rule(accounts.add_user, sysadmin, "wang", "Wang-pass-11", role=Role.CLERK)
    # and not another administrator's password (they could then act as them)
    _refused_with_rule(accounts.reset_password, sysadmin, target.id, "Taken-over-11")
    # what is theirs: accounts, settings
    wang = accounts.add_user(sysadmin, "wang", "Wang-pass-11")
    assert wang.roles == {Role.READER} and wang.clearance == Clearance.PUBLIC
    info = security.get_settings(sysadmin)
    security.update_settings(sysadmin, security.SecurityInfo(info.idle_lock_minutes, 30, False,
                                                             info.version))
    # every refusal is in the log as refused, naming the actor
    with Session(sysadmin.engine) as s:
        refused = s.execute(select(AuditEvent.action).where(
            AuditEvent.outcome == "refused", AuditEvent.actor == SYS)).scalars().all()
    assert len(refused) == 6


def test_the_security_administrator_is_refused_settings_and_restore(office, tmp_path):
    secadmin = office[SEC]
    info = security.get_settings(secadmin)
    _refused_with_rule(security.update_settings, secadmin,
                       security.SecurityInfo(info.idle_lock_minutes, 30, False, info.version))
    _refused_with_rule(security.set_exchange_passphrase, secadmin, "a-long-passphrase-1",
                       "a-long-passphrase-1")
    _refused_with_rule(backup.restore, secadmin, tmp_path / "x.sqlite3", tmp_path / "bk")
    _refused_with_rule(accounts.add_user, secadmin, "wang", "Wang-pass-11")
    # what is theirs: grants and the policy
    uid = accounts.add_user(office[SYS], "wang", "Wang-pass-11").id
    assert accounts.set_roles(secadmin, uid, {Role.CLERK}).roles == {Role.CLERK}
    assert accounts.set_clearance(secadmin, uid, Clearance.SECRET).clearance == Clearance.SECRET


def test_the_auditor_only_reads(office, tmp_path):
    auditor = office[AUD]
    _refused_with_rule(accounts.list_users, auditor)
    _refused_with_rule(accounts.add_user, auditor, "wang", "Wang-pass-11")
    info = security.get_settings(auditor)
    _refused_with_rule(security.update_settings, auditor,
                       security.SecurityInfo(info.idle_lock_minutes, 30, False, info.version))
    _refused_with_rule(backup.restore, auditor, tmp_path / "x.sqlite3", tmp_path / "bk")
    assert audit_log.count(auditor, AuditFilter()) > 0


@pytest.mark.parametrize("name", [SYS, SEC, AUD])
def test_no_administrator_does_business_work(office, name):
    """None of the three drafts, signs, registers, takes duty or reports (the 三员 rule named,
    the act named, exit code 2); a clerk's draft is not theirs to sign either."""
    import datetime as dt

    from app.services.documents import drafts as documents
    from app.services.documents import numbers as docnumbers
    from app.services.duty import desk as duty_desk
    from app.services.incidents import reports as incidents
    from app.services.incoming import book as incoming
    from tests.services.documents_helpers import notice

    admin = office[name]
    now = dt.datetime.now(dt.UTC)
    clerk = person(office[SYS], "wenshu", Role.CLERK, Clearance.CONFIDENTIAL)
    draft = documents.create_document(clerk, notice("关于值班安排的通知"))
    for act, call in [
        ("拟稿", lambda: documents.create_document(admin, notice("关于值班安排的通知"))),
        ("签发", lambda: documents.sign(admin, draft.id)),
        ("印发", lambda: docnumbers.reserve_numbers(admin, "临政发", 2026, 1, "预留")),
        ("收文登记", lambda: incoming.register(admin, incoming.IncomingIn(
            sender="某单位", title="来函", received_at=now))),
        ("填写值班日志", lambda: duty_desk.add_log_entry(admin, duty_desk.LogEntry(
            content="来电", caller_unit="某单位"))),
        ("报送突发事件", lambda: incidents.create_incident(admin, incidents.IncidentData(
            title="事件", occurred_at=now, received_at=now, place="某地", summary="经过"))),
    ]:
        err = _refused_with_rule(call)
        assert act in err.message, (act, err.message)
    with Session(admin.engine) as s:
        refused = s.execute(select(AuditEvent.action).where(
            AuditEvent.outcome == "refused", AuditEvent.actor == name)).scalars().all()
    assert len(refused) == 6  # each attempt audited


def test_who_sees_whose_audit_entries(office):
    sysadmin, secadmin, auditor = office[SYS], office[SEC], office[AUD]
    leader = person(sysadmin, "lingdao", Role.LEADER, Clearance.CONFIDENTIAL)
    clerk = person(sysadmin, "wenshu", Role.CLERK, Clearance.CONFIDENTIAL)
    accounts.logout(clerk)  # a business user's entry
    accounts.logout(sysadmin)
    accounts.logout(secadmin)
    audit_log.count(auditor, AuditFilter())  # nothing logged by a count; a view is:
    audit_log.page(auditor, AuditFilter(), 0)

    def actors(ctx) -> set[str]:
        return {r.actor.rsplit("（", 1)[-1].rstrip("）")
                for r in audit_log.page(ctx, AuditFilter(), 0, limit=1000)}

    assert actors(auditor) <= {SYS, SEC, "系统", "system", ""} and {SYS, SEC} <= actors(auditor)
    assert {AUD, "wenshu"} <= actors(secadmin) and not actors(secadmin) & {SYS, SEC}
    seen = actors(leader)
    assert "wenshu" in seen and not seen & {SYS, SEC, AUD, "system", "系统"}
    # marking: only what one may review
    auditor_seq = next(r.seq for r in audit_log.page(secadmin, AuditFilter(user=AUD), 0))
    with pytest.raises(PermissionDenied, match="不在您的审阅范围"):
        audit_log.mark_reviewed(auditor, [auditor_seq])
    assert audit_log.mark_reviewed(secadmin, [auditor_seq], "已核对") == 1
    assert _last(secadmin.engine).action == "audit.review"
    assert next(r for r in audit_log.page(secadmin, AuditFilter(user=AUD), 0)
                if r.seq == auditor_seq).reviewed
    assert audit.verify(secadmin.engine).ok  # the mark is kept apart; the chain is untouched


def test_refused_outcome_filter_and_desk(office, monkeypatch):
    monkeypatch.setenv("GOVDESK_DESK", "值班室-2号机")
    sysadmin, auditor = office[SYS], office[AUD]
    with pytest.raises(SeparationDenied):
        audit_log.page(sysadmin, AuditFilter(), 0)
    rows = audit_log.page(auditor, AuditFilter(outcome="refused"), 0)
    assert rows and {r.outcome for r in rows} == {"refused"}
    assert rows[0].desk == "值班室-2号机" and rows[0].action == "denied"
    with pytest.raises(InputError):
        audit_log.page(auditor, AuditFilter(outcome="maybe"), 0)


def test_a_normal_office_switches_only_when_the_rules_hold(admin_ctx):
    ctx = admin_ctx
    with pytest.raises(InputError, match="明确同意"):
        classified.switch_to_classified(ctx, consent=False)
    with pytest.raises(SeparationDenied) as info:
        classified.switch_to_classified(ctx, consent=True)
    message = info.value.message
    assert "用户“admin”" in message and "没有启用的“安全审计员”账户" in message
    assert _last(ctx.engine).outcome == "refused"
    # a 普通 office: one administrator may hold several roles, as before
    both = accounts.add_user(ctx, "both", "Both-pass-11", roles={Role.SYSADMIN, Role.AUDITOR},
                             clearance=Clearance.CONFIDENTIAL)
    assert both.roles == {Role.SYSADMIN, Role.AUDITOR}
    accounts.set_roles(ctx, both.id, {Role.SYSADMIN})
    accounts.add_user(ctx, "sec", "Secu-pass-11", roles={Role.SECADMIN})
    accounts.add_user(ctx, "aud", "Audi-pass-11", roles={Role.AUDITOR})
    with pytest.raises(SeparationDenied, match="用户“admin”"):  # still the all-in-one admin
        classified.switch_to_classified(ctx, consent=True)
    sec = ctx.with_actor(accounts.login(ctx, "sec", "Secu-pass-11"))
    accounts.change_password(sec, "Secu-pass-11", "Secu-pass-22")
    sec = ctx.with_actor(accounts.login(ctx, "sec", "Secu-pass-22"))
    sys_ = ctx.with_actor(accounts.login(ctx, "both", "Both-pass-11"))
    accounts.change_password(sys_, "Both-pass-11", "Both-pass-22")
    sys_ = ctx.with_actor(accounts.login(ctx, "both", "Both-pass-22"))
    admin_id = ctx.actor.user_id
    accounts.set_active(sys_, admin_id, False)  # the old all-in-one account is retired
    classified.switch_to_classified(sys_, consent=True)
    assert office_mode_mod.office_mode(ctx) == office_mode_mod.CLASSIFIED
    event = _last(ctx.engine)
    assert (event.action, event.actor, event.outcome) == ("office.classified", "both", "success")
    # and never back
    with pytest.raises(SeparationDenied, match="不能改回普通单位"):
        classified.switch_to_normal(sys_)
    assert office_mode_mod.office_mode(ctx) == office_mode_mod.CLASSIFIED
    del sec


# ------------------------------------------------ the 三员 accounts are disabled by two people

@pytest.mark.parametrize("target_name", [AUD, SEC])
def test_the_system_administrator_cannot_disable_a_reviewer(office, target_name):
    """The 系统管理员 manages accounts, but disabling the 安全审计员 (who reviews them) or the
    安全保密管理员 would let the reviewed escape review: refused, naming the rule, audited."""
    sysadmin, auditor = office[SYS], office[AUD]
    target = accounts.find_user(sysadmin, target_name)
    err = _refused_with_rule(accounts.set_active, sysadmin, target.id, False,
                             expected_version=target.version)
    assert "不能由一人直接停用" in err.message and "两人办理" in err.message
    assert next(iter(target.roles)).label in err.message
    assert accounts.find_user(sysadmin, target_name).active  # nothing changed
    refused = _last(sysadmin.engine)
    assert (refused.action, refused.outcome, refused.actor, refused.object_id) == (
        "user.disable", "refused", SYS, str(target.id))
    # the 安全审计员 sees the attempt (an administrator's entry)
    rows = audit_log.page(auditor, AuditFilter(action="user.disable", outcome="refused"), 0)
    assert [r.object_id for r in rows] == [str(target.id)]


def test_an_administrator_account_is_replaced_by_two_people(office):
    sysadmin, secadmin = office[SYS], office[SEC]
    old = accounts.find_user(sysadmin, AUD)
    # the 安全保密管理员 cannot take the role from the only 安全审计员 either
    with pytest.raises(SeparationDenied, match="没有启用的“安全审计员”账户"):
        accounts.set_roles(secadmin, old.id, {Role.READER})
    assert _last(secadmin.engine).outcome == "refused"
    # 1. the 系统管理员 creates the successor's account (只读/公开) …
    new = accounts.add_user(sysadmin, "shenji2", "Aud-next-11", display_name="审计员丁")
    # 2. … the 安全保密管理员 grants it the role, then takes it from the old account …
    accounts.set_roles(secadmin, new.id, {Role.AUDITOR})
    accounts.set_roles(secadmin, old.id, {Role.READER})
    # 3. … and the 系统管理员 disables the old account, now holding no administrator role
    assert not accounts.set_active(sysadmin, old.id, False).active
    # reviving an account that holds an administrator role is two people's act too
    accounts.set_roles(secadmin, old.id, {Role.AUDITOR})  # a disabled account: no holder lost
    err = _refused_with_rule(accounts.set_active, sysadmin, old.id, True)
    assert "不能由一人直接启用" in err.message
    assert not accounts.find_user(sysadmin, AUD).active
    accounts.set_roles(secadmin, old.id, {Role.READER})
    assert accounts.set_active(sysadmin, old.id, True).active
    assert accounts.set_roles(secadmin, old.id, {Role.AUDITOR}).roles == {Role.AUDITOR}
    # a business account: the 系统管理员's alone, as before
    clerk = accounts.add_user(sysadmin, "wenshu", "Clerk-pass-11")
    assert not accounts.set_active(sysadmin, clerk.id, False).active


def test_a_normal_office_keeps_one_administrator_managing_everything(admin_ctx):
    auditor = accounts.add_user(admin_ctx, "shenji", "Aud-pass-11", roles={Role.AUDITOR})
    assert not accounts.set_active(admin_ctx, auditor.id, False).active
    assert accounts.set_active(admin_ctx, auditor.id, True).active
