"""Fixtures for the 会议纪要 tests: a clerk (文书) and a leader (领导) signed in, a fixed clock,
and a meeting with a type ready to record."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.security import Clearance, Role

PASSWORD = "Clerk-pass-1"


class Clock:
    """A settable clock so 督办 steps get distinct, known timestamps."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


def make_user(admin_ctx, username: str, role: Role, display: str,
              clearance: Clearance = Clearance.PUBLIC):
    """A signed-in user of ``role``. The forced first-login password change is marked done in
    the account row (the password policy has its own tests): these tests act as a user at work."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from app.services.accounts import users as accounts
    from app.storage.models import User

    accounts.add_user(admin_ctx, username, PASSWORD, display_name=display, role=role,
                      clearance=clearance)
    with Session(admin_ctx.engine) as s, s.begin():
        s.execute(update(User).where(User.username == username)
                  .values(must_change_password=False))
    return accounts.login(admin_ctx.with_actor(None), username, PASSWORD)


@pytest.fixture
def clock():
    return Clock(dt.datetime(2026, 2, 5, 1, 0, tzinfo=dt.UTC))


@pytest.fixture
def people(admin_ctx, clock):
    from app.services.context import ServiceContext

    clerk = make_user(admin_ctx, "wenshu", Role.CLERK, "卫晓东")
    leader = make_user(admin_ctx, "lingdao", Role.LEADER, "钱国华")
    base = ServiceContext(admin_ctx.engine, None, clock)
    return base.with_actor(clerk), base.with_actor(leader)
