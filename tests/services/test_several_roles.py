"""Several roles per user (issue 17): what a user may do is the union of their roles; roles are
set as a whole, audited, checked against the database at every act; the CLI takes several."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.incoming import Urgency
from app.domain.security import (
    Action,
    Clearance,
    Role,
    denied_reason,
    parse_roles,
    permissions,
    require,
    roles_label,
)
from app.errors import InputError, PermissionDenied
from app.services.accounts import users as accounts
from app.services.incoming import book as incoming
from app.services.incoming.book import IncomingIn
from app.storage.models import AuditEvent, User, UserRole

NOW = dt.datetime(2026, 2, 13, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _incoming() -> IncomingIn:
    return IncomingIn(sender="省应急管理厅", sender_ref="应急函〔2026〕8号", received_at=NOW,
                      title="关于做好春节期间值班工作的通知", classification=0,
                      urgency=Urgency.URGENT, pages=3, summary="", proposal="",
                      handler_unit="办公室", handler_person="李四", deadline_workdays=3)


def _held(engine, username: str) -> set[str]:
    with Session(engine) as s:
        return set(s.execute(select(UserRole.role_code).join(User, User.id == UserRole.user_id)
                             .where(User.username == username)).scalars())


def test_permissions_are_the_union_and_reasons_name_the_roles():
    both = {Role.ADMIN, Role.CLERK}
    assert permissions(both) == permissions(Role.ADMIN) | permissions(Role.CLERK)
    require(both, Action.MANAGE_USERS)
    require(both, Action.REGISTER_INCOMING)
    assert denied_reason(both, Action.SIGN) == "需要“领导”角色"
    assert denied_reason(Role.ADMIN, Action.REGISTER_INCOMING) == "需要“文书”角色"
    assert denied_reason(Role.DUTY, Action.EDIT_ROSTER) == "需要“管理员”或“文书”角色"
    assert denied_reason(Role.DUTY, Action.EDIT_DUTY_LOG) is None
    with pytest.raises(PermissionDenied, match="当前角色“管理员、值班员”无权收文登记（需要“文书”角色）"):
        require([Role.DUTY, Role.ADMIN], Action.REGISTER_INCOMING)
    with pytest.raises(PermissionDenied, match="无"):
        require(frozenset(), Action.VIEW)  # no role at all: nothing
    assert parse_roles("admin,文书") == {Role.ADMIN, Role.CLERK}
    assert parse_roles(["值班员、领导", "duty"]) == {Role.DUTY, Role.LEADER}
    assert roles_label([Role.READER, Role.ADMIN]) == "管理员、只读"
    with pytest.raises(InputError, match="至少需要一个角色"):
        parse_roles(" , ")
    with pytest.raises(InputError, match="未知角色"):
        parse_roles("admin,boss")


def test_admin_who_also_drafts_can_do_both(admin_ctx):
    engine = admin_ctx.engine
    info = accounts.add_user(admin_ctx, "wang", "Admin-pass-2", display_name="王主任",
                             roles=[Role.ADMIN, Role.CLERK], must_change_password=False)
    assert info.roles == {Role.ADMIN, Role.CLERK} and info.roles_label == "管理员、文书"
    assert _held(engine, "wang") == {"admin", "clerk"}
    wang = admin_ctx.with_actor(accounts.login(admin_ctx, "wang", "Admin-pass-2"))
    assert wang.actor.roles == {Role.ADMIN, Role.CLERK}
    # an administrator's act and a 文书's act, by the same person
    accounts.add_user(wang, "zhao", "Zhao-pass-1")
    registered = incoming.register(wang, _incoming())
    assert incoming.get(wang, registered.id).info.title == "关于做好春节期间值班工作的通知"
    # a plain administrator may not register, and is told which role is needed
    with pytest.raises(PermissionDenied, match="需要“文书”角色"):
        incoming.register(admin_ctx, _incoming())
    with Session(engine) as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "user.add",
                                                   AuditEvent.object_id == str(info.id))
                          ).scalar_one()
        assert json.loads(event.detail)["roles"] == ["admin", "clerk"]


def test_roles_are_set_as_a_whole_and_checked_at_every_act(admin_ctx):
    engine = admin_ctx.engine
    li = accounts.add_user(admin_ctx, "li", "Clerk-pass-1", role=Role.CLERK,
                           must_change_password=False)
    li_ctx = admin_ctx.with_actor(accounts.login(admin_ctx, "li", "Clerk-pass-1"))
    incoming.register(li_ctx, _incoming())
    li = accounts.set_roles(admin_ctx, li.id, [Role.CLERK, Role.DUTY])
    assert _held(engine, "li") == {"clerk", "duty"}
    # the signed-in snapshot no longer matches the account: refused until signed in again
    with pytest.raises(PermissionDenied, match="重新登录"):
        incoming.register(li_ctx, _incoming())
    li_ctx = admin_ctx.with_actor(accounts.login(admin_ctx, "li", "Clerk-pass-1"))
    assert li_ctx.actor.roles == {Role.CLERK, Role.DUTY}
    incoming.register(li_ctx, _incoming())
    li = accounts.set_roles(admin_ctx, li.id, {Role.DUTY})
    assert _held(engine, "li") == {"duty"} and li.roles == {Role.DUTY}
    with pytest.raises(InputError, match="至少需要选择一个角色"):
        accounts.set_roles(admin_ctx, li.id, [])
    with Session(engine) as s:
        details = [e.detail for e in s.execute(select(AuditEvent).where(
            AuditEvent.action == "user.set_role").order_by(AuditEvent.seq)).scalars()]
    assert [json.loads(d) for d in details] == [
        {"username": "li", "from": ["clerk"], "to": ["clerk", "duty"]},
        {"username": "li", "from": ["clerk", "duty"], "to": ["duty"]}]


def test_the_last_administrator_keeps_the_admin_role(admin_ctx):
    me = admin_ctx.actor.user_id
    # adding a role to oneself is fine; taking away one's own 管理员 is not
    mine = accounts.set_roles(admin_ctx, me, [Role.ADMIN, Role.DUTY])
    assert mine.roles == {Role.ADMIN, Role.DUTY}
    admin_ctx = admin_ctx.with_actor(accounts.login(admin_ctx, "admin", admin_password()))
    with pytest.raises(PermissionDenied, match="不能取消自己的管理员角色"):
        accounts.set_roles(admin_ctx, me, [Role.DUTY])
    # cleared like the first administrator: managing an account needs its clearance (issue 18)
    other = accounts.add_user(admin_ctx, "wang", "Admin-pass-2", roles=[Role.ADMIN, Role.CLERK],
                              clearance=Clearance.CONFIDENTIAL, must_change_password=False)
    wang = admin_ctx.with_actor(accounts.login(admin_ctx, "wang", "Admin-pass-2"))
    accounts.set_roles(wang, me, [Role.DUTY])  # two administrators: allowed
    with pytest.raises(PermissionDenied, match="不能取消自己的管理员角色"):
        accounts.set_roles(wang, other.id, [Role.CLERK])
    # wang is now the last administrator: cannot be disabled by anyone
    with pytest.raises(PermissionDenied, match="最后一个管理员|自己"):
        accounts.set_active(wang, other.id, False)


def admin_password() -> str:
    from tests.conftest import ADMIN_PASSWORD

    return ADMIN_PASSWORD


def _cli(monkeypatch, capsys, argv, stdin=""):
    from app.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", "Admin-pass-1")
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_takes_several_roles(monkeypatch, capsys):
    from app.config import load_config
    from app.storage.db import make_engine

    assert _cli(monkeypatch, capsys, ["user", "add", "admin"], "Admin-pass-1\n")[0] == 0
    code, out, err = _cli(monkeypatch, capsys, ["user", "add", "wang", "--role", "admin",
                                                "--role", "clerk"], "Wang-pass-1\n")
    assert code == 0, err
    assert "（管理员、文书，公开）" in out
    code, out, err = _cli(monkeypatch, capsys, ["user", "add", "li", "--roles", "文书,值班员"],
                          "Clerk-pass-1\n")
    assert code == 0, err
    code, out, err = _cli(monkeypatch, capsys, ["user", "add", "zhao", "--role", "领导"],
                          "Zhao-pass-1\n")  # the old single form
    assert code == 0, err
    code, out, err = _cli(monkeypatch, capsys, ["user", "add", "qian"], "Qian-pass-1\n")
    assert code == 0, err  # no role given: 只读, as before
    code, out, err = _cli(monkeypatch, capsys, ["user", "roles", "zhao", "--roles", "leader",
                                                "--role", "duty"])
    assert code == 0 and "用户 zhao 的角色：值班员、领导。" in out, err
    code, out, err = _cli(monkeypatch, capsys, ["user", "list"])
    assert code == 0
    assert "wang\t—\t管理员、文书\t" in out and "li\t—\t文书、值班员\t" in out
    code, _out, err = _cli(monkeypatch, capsys, ["user", "roles", "zhao"])
    assert code == 2 and "至少一个角色" in err
    code, _out, err = _cli(monkeypatch, capsys, ["user", "roles", "zhao", "--roles", "boss"])
    assert code == 2 and "未知角色" in err and "Traceback" not in err

    engine = make_engine(load_config().db_url)
    try:
        for name, roles in [("admin", {"admin"}), ("wang", {"admin", "clerk"}),
                            ("li", {"clerk", "duty"}), ("zhao", {"duty", "leader"}),
                            ("qian", {"reader"})]:
            assert _held(engine, name) == roles, name
    finally:
        engine.dispose()
