"""A password set by an administrator (new account, reset) must be changed before anything else.

The rule is enforced in the services (``ServiceContext.require`` reads
``users.must_change_password``), not only by the GUI's forced dialog. The probe walks every service
entry point found by the clearance matrix's discovery (``entry_points``), so a new entry point is
covered without listing it: called as a user with a pending change, each must refuse with
``PasswordChangeRequired`` — or do nothing at all with the database (no SQL statement: e.g. it
rejected a synthetic argument first, or it only reads the clock). ``ALLOWED`` are the acts the
change-password flow needs.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from sqlalchemy import event

from app.domain.security import Clearance, Role
from app.errors import PasswordChangeRequired, PermissionDenied
from app.services.accounts import security
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.context import ServiceContext
from app.services.documents import drafts as documents
from tests.security.test_clearance_matrix import _calls, entry_points

#: What a user with a pending password change may still do, and why.
ALLOWED = {
    "accounts.users.change_password",  # the way out
    "accounts.users.login",  # signing in is how they get to the change
    "accounts.users.logout",  # giving up and leaving
    "accounts.users.create_first_admin",  # refused by itself once any user exists
    "accounts.security.record_session",  # screen lock/unlock bookkeeping (audit only)
    "accounts.users.password_reminder",  # "your password runs out in N days": reads one's own row
    "accounts.mode.office_mode",  # 普通/涉密: shown before anyone signs in (first-run screen)
    "accounts.classified.setup_classified",  # first run: refused by itself once any user exists
    # the holiday tables are public (the State Council's published notice): readable with no
    # account at all (calendar show/list/add-workdays); deadlines are computed with them
    "holidays.tables.calendar",
    "holidays.tables.list_years",
    "holidays.tables.table_of",
    "holidays.tables.year_days",
    "holidays.tables.missing_next_year",
    "holidays.tables.add_workdays",
}
PASSWORD = "Probe-pass-1"


class _Sentinel:
    """An argument nothing can use: an entry point that looks at it before checking the
    caller crashes or refuses the input — without touching the database, which the probe checks."""


def _args(fn, tmp: Path) -> tuple[tuple, dict]:
    """Realistic positional arguments where the matrix can make them, sentinels otherwise."""
    calls = _calls(fn, [1], tmp)
    params = list(inspect.signature(fn).parameters.values())[1:]
    if calls:
        args = calls[0]
    else:
        args = tuple(_Sentinel() for p in params if p.default is inspect.Parameter.empty
                     and p.kind in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY))
    kwargs = {p.name: _Sentinel() for p in params
              if p.default is inspect.Parameter.empty and p.kind == p.KEYWORD_ONLY}
    return args, kwargs


class _StatementCounter:
    def __init__(self, engine) -> None:
        self.n = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_a, **_k) -> None:
        self.n += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def _pending(admin_ctx: ServiceContext, name: str, role: Role) -> ServiceContext:
    accounts.add_user(admin_ctx, name, PASSWORD, role=role, clearance=Clearance.CONFIDENTIAL)
    actor = accounts.login(admin_ctx.with_actor(None), name, PASSWORD)
    assert actor.must_change_password
    return admin_ctx.with_actor(actor)


def _probe(fn, ctx: ServiceContext, tmp: Path, counter: _StatementCounter) -> str:
    """``refused`` (PasswordChangeRequired), ``inert`` (no SQL at all) or what it did."""
    args, kwargs = _args(fn, tmp)
    counter.n = 0
    try:
        fn(ctx, *args, **kwargs)
    except PasswordChangeRequired:
        return "refused"
    except Exception as exc:  # noqa: BLE001 - synthetic arguments; judged by the SQL it ran
        outcome = f"{type(exc).__name__}: {exc}"[:120]
    else:
        outcome = "returned"
    return "inert" if counter.n == 0 else f"ran {counter.n} SQL statement(s), {outcome}"


def test_every_entry_point_refuses_a_pending_password_change(admin_ctx, tmp_path):
    eps = entry_points()
    assert len(eps) > 100 and ALLOWED <= set(eps)  # discovery works; the exemptions exist
    # the check comes before the role check, so one pending user of each kind covers every act
    users = {role: _pending(admin_ctx, f"p_{role.value}", role)
             for role in (Role.CLERK, Role.ADMIN)}
    counter = _StatementCounter(admin_ctx.engine)
    failures: list[str] = []
    refused: set[str] = set()
    try:
        for qualname, fn in sorted(eps.items()):
            if qualname in ALLOWED:
                continue
            for role, ctx in users.items():
                outcome = _probe(fn, ctx, tmp_path, counter)
                if outcome == "refused":
                    refused.add(qualname)
                elif outcome != "inert":
                    failures.append(f"{qualname} as {role.value}: {outcome}")
    finally:
        counter.close()
    assert not failures, "entry points that act for a user with a pending password change:\n" + (
        "\n".join(failures))
    assert len(refused) > 100  # nearly all refuse outright; the rest did nothing
    assert not list(tmp_path.glob("out_*")), "an entry point wrote a file"

    # positive control: the refusals come from the flag — once the password is changed, the
    # same reads by the same users are no longer refused for it (writes are left alone: with
    # synthetic arguments they would really act)
    for ctx in users.values():
        accounts.change_password(ctx, PASSWORD, "Changed-pass-2")
    reads = [q for q in sorted(refused) if q.rsplit(".", 1)[1].startswith(("list", "count"))]
    assert len(reads) > 10
    counter = _StatementCounter(admin_ctx.engine)
    try:
        still = [q for q in reads for ctx in users.values()
                 if _probe(eps[q], ctx, tmp_path, counter) == "refused"]
    finally:
        counter.close()
    assert not still, f"refused although the password was changed: {still[:10]}"


def test_the_probe_catches_an_entry_point_that_does_not_check(admin_ctx, tmp_path):
    """An entry point that reads without ``require`` is reported, one that checks is not."""
    from sqlalchemy import select

    from app.storage.models import User

    def sloppy(ctx: ServiceContext) -> list[str]:
        with ctx.session() as s:
            return list(s.execute(select(User.username)).scalars())

    def careful(ctx: ServiceContext) -> list[str]:
        ctx.require("view")
        return sloppy(ctx)

    ctx = _pending(admin_ctx, "p_reader", Role.READER)
    counter = _StatementCounter(admin_ctx.engine)
    try:
        assert _probe(sloppy, ctx, tmp_path, counter).startswith("ran ")
        assert _probe(careful, ctx, tmp_path, counter) == "refused"
        assert _probe(lambda ctx: ctx.now(), ctx, tmp_path, counter) == "inert"
    finally:
        counter.close()


def test_reset_while_signed_in_takes_effect_at_the_next_act(admin_ctx):
    li = accounts.add_user(admin_ctx, "li", "Clerk-pass-1", role=Role.CLERK,
                           clearance=Clearance.INTERNAL, must_change_password=False)
    clerk = admin_ctx.with_actor(accounts.login(admin_ctx.with_actor(None), "li", "Clerk-pass-1"))
    assert not clerk.actor.must_change_password
    assert documents.count_documents(clerk) == 0
    accounts.reset_password(admin_ctx, li.id, "Reset-pass-1")
    # the session opened before the reset is refused, reads and writes alike, in Chinese
    with pytest.raises(PasswordChangeRequired, match="须先修改密码") as refused:
        documents.count_documents(clerk)
    assert isinstance(refused.value, PermissionDenied) and refused.value.exit_code == 4
    with pytest.raises(PasswordChangeRequired):
        documents.create_document(clerk, {"title": "关于值班安排的通知", "body": ["正文。"]})
    with pytest.raises(PasswordChangeRequired):
        clerk.require("view")
    # what the change-password flow needs still works: the change itself (with the password the
    # administrator set), the screen lock bookkeeping, logging out
    security.record_session(clerk, "session.lock")
    accounts.change_password(clerk, "Reset-pass-1", "Own-pass-123")
    # the flag lives in the database: the same session (snapshot unchanged) may act again
    assert documents.count_documents(clerk) == 0
    accounts.logout(clerk)
    actions = [e.action for e in audit.recent(admin_ctx.engine, 6)]
    assert actions[:4] == ["logout", "user.change_password", "session.lock",
                           "user.reset_password"]
    assert audit.verify(admin_ctx.engine).ok


def test_new_account_must_change_unless_the_administrator_waives_it(admin_ctx):
    accounts.add_user(admin_ctx, "zhao", "Zhao-pass-1", role=Role.READER)
    accounts.add_user(admin_ctx, "qian", "Qian-pass-1", role=Role.READER,
                      must_change_password=False)
    zhao = admin_ctx.with_actor(accounts.login(admin_ctx, "zhao", "Zhao-pass-1"))
    qian = admin_ctx.with_actor(accounts.login(admin_ctx, "qian", "Qian-pass-1"))
    with pytest.raises(PasswordChangeRequired):
        zhao.require("view")
    assert qian.require("view").username == "qian"
    # the pending change is reported before the role check, so the reason is the right one
    with pytest.raises(PasswordChangeRequired):
        zhao.require("manage_users")
    with pytest.raises(PermissionDenied, match="无权"):
        qian.require("manage_users")
    adds = [e.detail for e in audit.recent(admin_ctx.engine, 20, "user.add")]
    assert [d["must_change_password"] for d in adds] == [False, True]
