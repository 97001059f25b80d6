"""``visible()`` puts the clearance filter into the SQL: counts and paging are right."""

from __future__ import annotations

import pytest
from sqlalchemy import String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app.domain.security import Clearance, Role
from app.errors import PermissionDenied
from app.services.context import Actor, visible
from app.storage.models import ClassifiedMixin, IdMixin


class _Base(DeclarativeBase):
    pass


class Paper(IdMixin, ClassifiedMixin, _Base):
    __tablename__ = "test_papers"
    title: Mapped[str] = mapped_column(String(32))


def test_visible_filters_in_sql(engine):
    _Base.metadata.create_all(engine)
    with Session(engine) as s, s.begin():
        for level in (0, 0, 1, 2, 3):
            s.add(Paper(title=f"L{level}", classification=level))
    reader = Actor(7, "r", Role.READER, Clearance.INTERNAL)
    stmt = visible(select(Paper.title).order_by(Paper.id), Paper, reader)
    assert "classification" in str(stmt)
    with Session(engine) as s:
        assert s.execute(stmt).scalars().all() == ["L0", "L0", "L1"]
        count = visible(select(func.count()).select_from(Paper), Paper, reader)
        assert s.execute(count).scalar_one() == 3
        top = Actor(8, "t", Role.LEADER, Clearance.CONFIDENTIAL)
        assert s.execute(visible(select(Paper), Paper, top)).scalars().all().__len__() == 5
    _Base.metadata.drop_all(engine)


def test_require_checks_role(admin_ctx):
    from app.services.accounts import users as accounts

    accounts.add_user(admin_ctx, "d", "Duty-pass-1", role=Role.DUTY, must_change_password=False)
    ctx = admin_ctx.with_actor(accounts.login(admin_ctx, "d", "Duty-pass-1"))
    assert ctx.require("edit_duty_log").username == "d"
    with pytest.raises(PermissionDenied, match="无权"):
        ctx.require("sign")


def test_require_sees_changes_made_after_login(admin_ctx):
    from app.services.accounts import users as accounts

    li = accounts.add_user(admin_ctx, "li", "Clerk-pass-1", role=Role.CLERK,
                           must_change_password=False)
    clerk = admin_ctx.with_actor(accounts.login(admin_ctx, "li", "Clerk-pass-1"))
    assert clerk.require("draft").username == "li"
    accounts.set_clearance(admin_ctx, li.id, Clearance.SECRET)
    with pytest.raises(PermissionDenied, match="重新登录"):
        clerk.require("draft")
    clerk = admin_ctx.with_actor(accounts.login(admin_ctx, "li", "Clerk-pass-1"))
    clerk.require("draft")
    accounts.set_active(admin_ctx, li.id, False)
    with pytest.raises(PermissionDenied, match="重新登录"):
        clerk.require("draft")
    ghost = admin_ctx.with_actor(Actor(999, "ghost", Role.ADMIN, Clearance.CONFIDENTIAL))
    with pytest.raises(PermissionDenied):
        ghost.require("manage_users")
