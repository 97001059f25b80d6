"""Optimistic locking at the service level: two desks edit the same record; the second save gets
``ConflictError`` (never a silent overwrite). Runs on SQLite and, with GOVDESK_TEST_PG_URL, on
PostgreSQL (the case the issue names: two desks against one server)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.domain.security import Clearance, Role
from app.errors import ConflictError
from app.services.accounts import security
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.storage.models import SecuritySettings, User
from tests.conftest import ADMIN_PASSWORD


def _two_admins(admin_ctx):
    accounts.add_user(admin_ctx, "admin2", "Admin2-pass-1", role=Role.ADMIN,
                      clearance=Clearance.CONFIDENTIAL, must_change_password=False)
    # a second desk: its own engine on the same database
    from app.storage.db import make_engine

    other = make_engine(admin_ctx.engine.url.render_as_string(hide_password=False))
    ctx2 = ServiceContext(other)
    return admin_ctx, ctx2.with_actor(accounts.login(ctx2, "admin2", "Admin2-pass-1")), other


def test_two_desks_edit_the_same_user(admin_ctx):
    a, b, other = _two_admins(admin_ctx)
    try:
        zhao = accounts.add_user(a, "zhao", "Zhao-pass-1")
        seen_a = accounts.get_user(a, zhao.id)
        seen_b = accounts.get_user(b, zhao.id)
        accounts.set_roles(a, zhao.id, {Role.CLERK}, expected_version=seen_a.version)
        with pytest.raises(ConflictError, match="已被他人修改"):
            accounts.set_clearance(b, zhao.id, Clearance.SECRET, expected_version=seen_b.version)
        now = accounts.get_user(a, zhao.id)
        assert (now.roles, now.clearance) == ({Role.CLERK}, Clearance.PUBLIC)
        assert now.version == seen_a.version + 1
    finally:
        other.dispose()


def test_two_desks_edit_the_security_settings(admin_ctx):
    a, b, other = _two_admins(admin_ctx)
    try:
        base_a, base_b = security.get_settings(a), security.get_settings(b)
        security.update_settings(a, security.SecurityInfo(5, 14, "", base_a.version))
        with pytest.raises(ConflictError):
            security.update_settings(b, security.SecurityInfo(30, 14, "", base_b.version))
        after = security.get_settings(a)
        assert after.idle_lock_minutes == 5
        security.update_settings(b, security.SecurityInfo(30, 7, "", after.version))
        assert (security.get_settings(a).idle_lock_minutes, security.get_settings(a).backup_keep) \
            == (30, 7)
    finally:
        other.dispose()


def test_version_column_catches_a_write_that_raced_past_the_check(admin_ctx):
    """Desk 2 read version 1, desk 1 then saved: desk 2's UPDATE carries ``WHERE version = 1``
    and matches no row, so the ORM refuses it (StaleDataError, which services turn into
    ConflictError) even without the service's own version comparison."""
    security.update_settings(admin_ctx, security.SecurityInfo(10, 14, "", 0))
    engine = admin_ctx.engine
    s1, s2 = Session(engine, expire_on_commit=False), Session(engine, expire_on_commit=False)
    try:
        r2 = s2.get(SecuritySettings, 1)
        s2.commit()  # desk 2 read version 1 and ended its transaction (the form is open)
        r1 = s1.get(SecuritySettings, 1)
        r1.idle_lock_minutes = 3
        s1.commit()
        r2.idle_lock_minutes = 4
        with pytest.raises(StaleDataError):
            s2.commit()
    finally:
        s1.close()
        s2.close()
    assert security.get_settings(admin_ctx).idle_lock_minutes == 3
    with Session(engine) as s:
        assert s.get(User, admin_ctx.actor.user_id).version >= 1
    assert ADMIN_PASSWORD
