"""Password policy: length and character classes, no reuse of the last 5, forced change after a
reset — all refused below the UI and audited."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InputError
from app.services.accounts import users as accounts
from app.storage.models import AuditEvent, PasswordHistory, User
from tests.conftest import ADMIN_PASSWORD


def _actions(engine) -> list[str]:
    with Session(engine) as s:
        return list(s.execute(select(AuditEvent.action).order_by(AuditEvent.seq)).scalars())


@pytest.mark.parametrize("weak", ["Ab1-", "abcdefgh", "abcdefg1", "ABCDEFG1", "12345678!"])
def test_short_or_single_class_passwords_are_refused(admin_ctx, weak):
    with pytest.raises(InputError, match="至少"):
        accounts.add_user(admin_ctx, "zhao", weak)


def test_three_classes_are_enough(admin_ctx):
    assert accounts.add_user(admin_ctx, "zhao", "abcdefg1!").username == "zhao"
    assert accounts.add_user(admin_ctx, "qian", "Abcdefg12").username == "qian"


def test_no_reuse_of_the_last_five(admin_ctx):
    ctx = admin_ctx
    passwords = [ADMIN_PASSWORD] + [f"Admin-pass-{i}x" for i in range(2, 8)]
    for old, new in itertools.pairwise(passwords):
        accounts.change_password(ctx, old, new)
    current = passwords[-1]
    # the current one and the four before it are refused
    for reused in passwords[-5:-1]:
        with pytest.raises(InputError, match="最近 5 次"):
            accounts.change_password(ctx, current, reused)
    # the sixth most recent is allowed again
    accounts.change_password(ctx, current, passwords[-6])
    assert accounts.login(ctx, "admin", passwords[-6]).username == "admin"
    actions = _actions(ctx.engine)
    assert actions.count("user.password_rejected") == 4
    assert actions.count("user.change_password") == 7
    with Session(ctx.engine) as s:
        assert s.execute(select(PasswordHistory)).scalars().all()  # hashes, never plain text
        for h in s.execute(select(PasswordHistory.password_hash)).scalars():
            assert h.startswith("$argon2id$")


def test_reset_forces_a_change_and_checks_history(admin_ctx):
    ctx = admin_ctx
    info = accounts.add_user(ctx, "zhao", "Zhao-pass-1")
    with pytest.raises(InputError, match="最近 5 次"):
        accounts.reset_password(ctx, info.id, "Zhao-pass-1")
    accounts.reset_password(ctx, info.id, "Reset-pass-1")
    zhao = accounts.login(ctx, "zhao", "Reset-pass-1")
    assert zhao.must_change_password
    zctx = ctx.with_actor(zhao)
    with pytest.raises(InputError, match="最近 5 次"):
        accounts.change_password(zctx, "Reset-pass-1", "Zhao-pass-1")
    accounts.change_password(zctx, "Reset-pass-1", "Zhao-pass-2x")
    assert not accounts.login(ctx, "zhao", "Zhao-pass-2x").must_change_password
    with Session(ctx.engine) as s:
        assert not s.execute(select(User.must_change_password).where(
            User.username == "zhao")).scalar_one()
    assert "user.reset_password" in _actions(ctx.engine)
