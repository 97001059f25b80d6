"""Accounts service against a real database (SQLite and, in CI, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.errors import ConflictError, InputError, PasswordChangeRequired, PermissionDenied
from app.services.accounts import users as accounts
from app.services.accounts.users import LoginFailed
from app.services.audit import chain as audit
from app.services.context import ServiceContext
from app.storage.models import AuditEvent, User
from tests.conftest import ADMIN_PASSWORD


class Clock:
    def __init__(self) -> None:
        self.t = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t


def _actions(engine) -> list[str]:
    with Session(engine) as s:
        return list(s.execute(select(AuditEvent.action).order_by(AuditEvent.seq)).scalars())


def _user(engine, username) -> User:
    with Session(engine, expire_on_commit=False) as s:
        return s.execute(select(User).where(User.username == username)).scalar_one()


def test_first_admin_then_login(ctx):
    assert accounts.needs_first_admin(ctx.engine)
    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD, "张管理")
    assert not accounts.needs_first_admin(ctx.engine)
    stored = _user(ctx.engine, "admin")
    assert stored.password_hash.startswith("$argon2id$") and ADMIN_PASSWORD not in stored.password_hash
    assert (stored.role_code, stored.clearance_level) == ("admin", 3)
    actor = accounts.login(ctx, "admin", ADMIN_PASSWORD)
    assert (actor.username, actor.roles, actor.clearance) == ("admin", {Role.ADMIN},
                                                            Clearance.CONFIDENTIAL)
    assert _user(ctx.engine, "admin").last_login_at is not None
    assert _actions(ctx.engine) == ["user.first_admin", "login"]
    with pytest.raises(PermissionDenied):
        accounts.create_first_admin(ctx, "second", ADMIN_PASSWORD)


def test_weak_password_and_bad_names_are_refused(ctx):
    with pytest.raises(InputError, match="至少需要 8"):
        accounts.create_first_admin(ctx, "admin", "short")
    with pytest.raises(InputError, match="用户名"):
        accounts.create_first_admin(ctx, "a b", ADMIN_PASSWORD)
    assert accounts.needs_first_admin(ctx.engine)


def test_wrong_password_unknown_user_and_lockout(engine):
    clock = Clock()
    ctx = ServiceContext(engine, clock=clock)
    admin = accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD)
    with pytest.raises(LoginFailed, match="用户名或密码错误"):
        accounts.login(ctx, "nobody", "whatever1")
    for i in range(1, 5):
        with pytest.raises(LoginFailed, match="用户名或密码错误"):
            accounts.login(ctx, "admin", "wrong-pass")
        assert _user(engine, "admin").failed_logins == i
    with pytest.raises(LoginFailed, match="锁定"):
        accounts.login(ctx, "admin", "wrong-pass")
    assert _user(engine, "admin").locked_until == clock.t + timedelta(minutes=15)
    # even the right password is refused while locked
    clock.t += timedelta(minutes=14, seconds=59)
    with pytest.raises(LoginFailed, match="锁定"):
        accounts.login(ctx, "admin", ADMIN_PASSWORD)
    clock.t += timedelta(seconds=2)
    assert accounts.login(ctx, "admin", ADMIN_PASSWORD).user_id == admin.user_id
    assert _user(engine, "admin").failed_logins == 0
    events = audit.recent(engine, 50)
    failed = [e for e in events if e.action == "login.failed"]
    assert [e.detail["reason"] for e in reversed(failed)] == (
        ["unknown_user"] + ["wrong_password"] * 5 + ["locked"])
    assert failed[-1].actor == "nobody"
    assert [e.action for e in events].count("user.locked") == 1
    assert audit.verify(engine).ok


def test_user_administration_is_audited_and_permission_checked(admin_ctx):
    engine = admin_ctx.engine
    li = accounts.add_user(admin_ctx, "li", "Clerk-pass-1", display_name="李文书",
                           role=Role.CLERK, clearance=Clearance.INTERNAL)
    assert li.must_change_password and li.roles == {Role.CLERK}
    clerk_ctx = admin_ctx.with_actor(accounts.login(admin_ctx, "li", "Clerk-pass-1"))
    with pytest.raises(PasswordChangeRequired):  # the administrator's password comes first
        accounts.list_users(clerk_ctx)
    accounts.change_password(clerk_ctx, "Clerk-pass-1", "Clerk-pass-9")
    with pytest.raises(PermissionDenied, match="管理用户"):
        accounts.add_user(clerk_ctx, "x", "Whatever-1")
    with pytest.raises(PermissionDenied):
        accounts.list_users(clerk_ctx)
    with pytest.raises(PermissionDenied, match="请先登录"):
        accounts.list_users(admin_ctx.with_actor(None))
    with pytest.raises(InputError, match="已被使用"):
        accounts.add_user(admin_ctx, "li", "Clerk-pass-2")

    li = accounts.set_roles(admin_ctx, li.id, [Role.LEADER])
    li = accounts.set_clearance(admin_ctx, li.id, Clearance.SECRET)
    li = accounts.set_active(admin_ctx, li.id, False)
    with pytest.raises(LoginFailed, match="用户名或密码错误"):  # same answer as a wrong password
        accounts.login(admin_ctx, "li", "Clerk-pass-1")
    li = accounts.set_active(admin_ctx, li.id, True)
    li = accounts.reset_password(admin_ctx, li.id, "Fresh-pass-1")
    assert li.must_change_password
    li_ctx = admin_ctx.with_actor(accounts.login(admin_ctx, "li", "Fresh-pass-1"))
    assert li_ctx.actor.roles == {Role.LEADER} and li_ctx.actor.clearance is Clearance.SECRET
    with pytest.raises(InputError, match="原密码不正确"):
        accounts.change_password(li_ctx, "nope-nope", "Mine-pass-1")
    accounts.change_password(li_ctx, "Fresh-pass-1", "Mine-pass-1")
    assert not _user(engine, "li").must_change_password
    accounts.login(admin_ctx, "li", "Mine-pass-1")

    stored = _user(engine, "li")
    assert (stored.role_code, stored.clearance_level, stored.active) == ("leader", 2, True)
    assert _actions(engine)[2:] == [
        # the clerk's two refused attempts (add_user, list_users) are audited too (issue 31)
        "user.add", "login", "user.change_password", "denied", "denied",
        "user.set_role", "user.set_clearance",
        "user.disable",
        "login.failed", "user.enable", "user.reset_password", "login", "user.change_password",
        "login"]
    assert audit.verify(engine).ok


def test_admin_cannot_lock_the_office_out(admin_ctx):
    me = admin_ctx.actor.user_id
    with pytest.raises(PermissionDenied, match="自己"):
        accounts.set_active(admin_ctx, me, False)
    with pytest.raises(PermissionDenied, match="自己"):
        accounts.set_roles(admin_ctx, me, [Role.READER])
    other = accounts.add_user(admin_ctx, "wang", "Admin-pass-2", role=Role.ADMIN,
                              clearance=Clearance.INTERNAL, must_change_password=False)
    other_ctx = admin_ctx.with_actor(accounts.login(admin_ctx, "wang", "Admin-pass-2"))
    with pytest.raises(PermissionDenied, match="不能管理该账户"):  # 内部 cannot manage 机密
        accounts.set_active(other_ctx, me, False)
    accounts.add_user(admin_ctx, "zhao", "Admin-pass-3", role=Role.ADMIN,
                      clearance=Clearance.CONFIDENTIAL, must_change_password=False)
    zhao_ctx = admin_ctx.with_actor(accounts.login(admin_ctx, "zhao", "Admin-pass-3"))
    accounts.set_active(zhao_ctx, me, False)  # several admins, cleared high enough: allowed
    with pytest.raises(PermissionDenied, match="高于本人"):
        accounts.add_user(other_ctx, "x1", "Whatever-1", clearance=Clearance.SECRET)
    with pytest.raises(PermissionDenied, match="高于本人"):
        accounts.set_clearance(other_ctx, me, Clearance.SECRET)
    assert _user(admin_ctx.engine, "admin").active is False
    assert other.id != me


def test_stale_version_is_a_conflict(admin_ctx):
    li = accounts.add_user(admin_ctx, "li", "Clerk-pass-1")
    accounts.set_roles(admin_ctx, li.id, [Role.CLERK], expected_version=li.version)
    with pytest.raises(ConflictError, match="已被他人修改"):
        accounts.set_roles(admin_ctx, li.id, [Role.DUTY], expected_version=li.version)
    assert accounts.get_user(admin_ctx, li.id).roles == {Role.CLERK}
    # adding a second role keeps the first one's row and still moves the version on
    li = accounts.get_user(admin_ctx, li.id)
    both = accounts.set_roles(admin_ctx, li.id, [Role.CLERK, Role.DUTY],
                              expected_version=li.version)
    assert both.version == li.version + 1 and both.roles == {Role.CLERK, Role.DUTY}
    with pytest.raises(ConflictError, match="已被他人修改"):
        accounts.set_roles(admin_ctx, li.id, [Role.READER], expected_version=li.version)
