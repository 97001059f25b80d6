"""Attacks on accounts (issue 18, Accounts): telling names apart by the answer or the time of a
refused sign-in, a disabled account's open session, concurrent guesses slipping past the count,
look-alike names, and an administrator taking over an account cleared above them."""

from __future__ import annotations

import io
import sys
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import passwords
from app.domain.security import Clearance, Role
from app.errors import InputError, PermissionDenied
from app.services.accounts import users as accounts
from app.services.accounts.users import LoginFailed
from app.services.audit import chain as audit
from app.storage.models import User

PW = "Probe-pass-1"


def _user(engine, name):
    with Session(engine) as s:
        return s.execute(select(User).where(User.username == name)).scalar_one()


def _refusal(ctx, name, password):
    with pytest.raises(LoginFailed) as info:
        accounts.login(ctx, name, password)
    return str(info.value)


# ---------------------------------------------------------------- which names exist

def test_unknown_wrong_and_disabled_get_the_same_answer(admin_ctx):
    accounts.add_user(admin_ctx, "li", PW, must_change_password=False)
    gone = accounts.add_user(admin_ctx, "wang", PW, must_change_password=False)
    accounts.set_active(admin_ctx, gone.id, False)
    anon = admin_ctx.with_actor(None)
    answers = {_refusal(anon, "nobody", PW),              # no such name
               _refusal(anon, "li", "Wrong-pass-1"),      # real name, wrong password
               _refusal(anon, "wang", PW)}                # disabled, even with the right password
    assert answers == {"用户名或密码错误。"}
    # the administrator still learns the reason from the log
    reasons = [e.detail["reason"] for e in audit.recent(admin_ctx.engine, 5, "login.failed")]
    assert sorted(reasons) == ["disabled", "unknown_user", "wrong_password"]


def test_every_refusal_costs_one_argon2_verification_of_the_same_parameters(admin_ctx,
                                                                             monkeypatch):
    """Same time: each attempt runs exactly one argon2 verify against a hash with the same
    parameters (a real account's, or a dummy's), whatever the name."""
    accounts.add_user(admin_ctx, "li", PW, must_change_password=False)
    gone = accounts.add_user(admin_ctx, "wang", PW, must_change_password=False)
    accounts.set_active(admin_ctx, gone.id, False)
    locked = accounts.add_user(admin_ctx, "zhao", PW, must_change_password=False)
    anon = admin_ctx.with_actor(None)
    for _ in range(accounts.MAX_FAILURES):
        _refusal(anon, "zhao", "Wrong-pass-1")
    assert _user(admin_ctx.engine, "zhao").locked_until is not None and locked.id

    calls: list[str] = []

    real = passwords.hasher()  # the cost in force (the suite's: app/passwords.py)

    class Counting(type(real)):  # the real argon2 hasher, its calls counted
        def verify(self, pw_hash, password):
            calls.append(pw_hash.rsplit("$", 2)[0])  # "$argon2id$v=19$m=…,t=…,p=…"
            return super().verify(pw_hash, password)

    counting = Counting(time_cost=real.time_cost, memory_cost=real.memory_cost,
                        parallelism=real.parallelism)
    monkeypatch.setattr(passwords, "hasher", lambda: counting)
    costs = {}
    for name, pw in (("nobody", PW), ("li", "Wrong-pass-1"), ("wang", PW), ("zhao", PW)):
        calls.clear()
        _refusal(anon, name, pw)
        costs[name] = list(calls)
    assert all(len(c) == 1 for c in costs.values()), costs
    assert len({c[0] for c in costs.values()}) == 1, costs


def test_refusal_time_does_not_tell_names_apart(admin_ctx):
    """Measured: a disabled account and a real name with a wrong password are refused in about
    the time an unknown name is (before: a disabled account was refused at once)."""
    accounts.add_user(admin_ctx, "li", PW, must_change_password=False)
    gone = accounts.add_user(admin_ctx, "wang", PW, must_change_password=False)
    accounts.set_active(admin_ctx, gone.id, False)
    anon = admin_ctx.with_actor(None)
    _refusal(anon, "nobody", PW)  # warm up (the dummy hash is made once)

    # interleaved, and the fastest of each: a busy machine (the suite's other worker, a
    # database server) slows single attempts, seldom all seven of one kind
    attempts = {"unknown": ("nobody", PW), "disabled": ("wang", PW),
                "wrong": ("li", "Wrong-pass-1")}
    times: dict[str, list[float]] = {k: [] for k in attempts}
    for _ in range(7):
        for kind, (name, pw) in attempts.items():
            t0 = time.perf_counter()
            _refusal(anon, name, pw)
            times[kind].append(time.perf_counter() - t0)
    unknown, disabled, wrong = (min(times[k]) for k in ("unknown", "disabled", "wrong"))
    # one argon2 verification (~50–100 ms) each; before, a disabled account took ~5 ms
    assert 1 / 3 < disabled / unknown < 3, (unknown, disabled)
    assert 1 / 3 < wrong / unknown < 3, (unknown, wrong)


# ---------------------------------------------------------------- disabling ends sessions

def test_a_disabled_users_open_session_cannot_change_the_password(admin_ctx):
    li = accounts.add_user(admin_ctx, "li", PW, role=Role.CLERK, must_change_password=False)
    li_ctx = admin_ctx.with_actor(accounts.login(admin_ctx, "li", PW))
    accounts.set_active(admin_ctx, li.id, False)
    before = _user(admin_ctx.engine, "li").password_hash
    with pytest.raises(PermissionDenied, match="停用"):
        accounts.change_password(li_ctx, PW, "Taken-over-9")
    with pytest.raises(PermissionDenied, match="停用"):
        accounts.list_users(li_ctx)  # every other act of that session is refused too
    assert _user(admin_ctx.engine, "li").password_hash == before
    # after re-enabling, the old password still works and the attacker's does not
    accounts.set_active(admin_ctx, li.id, True)
    with pytest.raises(LoginFailed):
        accounts.login(admin_ctx, "li", "Taken-over-9")
    assert accounts.login(admin_ctx, "li", PW).user_id == li.id


# ---------------------------------------------------------------- concurrent guesses

def test_concurrent_wrong_passwords_are_all_counted(admin_ctx):
    """Ten guesses at once: exactly ``MAX_FAILURES`` are judged, the rest meet the lock (on
    PostgreSQL concurrent updates used to raise StaleDataError, so most guesses went uncounted
    and about ten times the allowed number got through)."""
    accounts.add_user(admin_ctx, "li", PW, must_change_password=False)
    anon = admin_ctx.with_actor(None)
    n = 2 * accounts.MAX_FAILURES
    start = threading.Barrier(n)
    outcomes: list[str] = []

    def guess(i: int) -> None:
        start.wait()
        try:
            accounts.login(anon, "li", f"Wrong-pass-{i}")
            outcomes.append("in")
        except LoginFailed as exc:
            outcomes.append("locked" if "锁定" in str(exc) else "wrong")
        except Exception as exc:  # noqa: BLE001 - any other outcome is the failure we look for
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["locked"] * (accounts.MAX_FAILURES + 1) + ["wrong"] * (
        accounts.MAX_FAILURES - 1), outcomes
    failed = audit.recent(admin_ctx.engine, 50, "login.failed")
    judged = [e for e in failed if e.detail["reason"] == "wrong_password"]
    assert sorted(e.detail["failures"] for e in judged) == list(range(1, accounts.MAX_FAILURES + 1))
    assert _user(admin_ctx.engine, "li").locked_until is not None
    with pytest.raises(LoginFailed, match="锁定"):
        accounts.login(anon, "li", PW)
    assert audit.verify(admin_ctx.engine, anchor=False).ok


# ---------------------------------------------------------------- look-alike names

@pytest.mark.parametrize("name", [
    "张\u200b三",        # zero-width space
    "张三\u200d",        # zero-width joiner
    "\ufeff张三",        # BOM
    "admin\u202egnp",    # right-to-left override
    "张\u2066三\u2069",  # bidi isolate
    "li\x07",            # control character
    "li\x00",
    "张\u2028三",        # line separator
])
def test_invisible_and_control_characters_are_refused(admin_ctx, name):
    accounts.add_user(admin_ctx, "张三", PW, must_change_password=False)
    with pytest.raises(InputError, match="不可见字符或控制字符"):
        accounts.add_user(admin_ctx, name, PW)
    with Session(admin_ctx.engine) as s:
        assert s.execute(select(User.username)).scalars().all().count(name) == 0


def test_names_are_nfkc_normalised(admin_ctx):
    accounts.add_user(admin_ctx, "ｌｉ", PW, must_change_password=False)  # full-width letters
    assert _user(admin_ctx.engine, "li").username == "li"
    with pytest.raises(InputError, match="已被使用"):
        accounts.add_user(admin_ctx, "li", PW)
    assert accounts.login(admin_ctx, "ｌｉ", PW).username == "li"
    assert accounts.find_user(admin_ctx, "ｌｉ").username == "li"


def test_cli_refuses_an_invisible_name_with_exit_2(monkeypatch, capsys):
    from app.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO("Admin-pass-1\n"))
    monkeypatch.delenv("GOVDESK_ADMIN_PASSWORD", raising=False)
    assert main(["user", "add", "admin"]) == 0
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", "Admin-pass-1")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PW + "\n"))
    code = main(["user", "add", "张\u200b三"])
    err = capsys.readouterr().err
    assert code == 2 and "不可见字符或控制字符" in err and "Traceback" not in err


# ---------------------------------------------------------------- managing accounts cleared above

def test_an_admin_cannot_take_over_an_account_cleared_above_them(admin_ctx):
    top = accounts.add_user(admin_ctx, "chief", PW, role=Role.LEADER,
                            clearance=Clearance.CONFIDENTIAL, must_change_password=False)
    accounts.add_user(admin_ctx, "it", "Admin-pass-2", role=Role.ADMIN,
                      clearance=Clearance.INTERNAL, must_change_password=False)
    low = admin_ctx.with_actor(accounts.login(admin_ctx, "it", "Admin-pass-2"))
    before = _user(admin_ctx.engine, "chief")
    for act in (lambda: accounts.reset_password(low, top.id, "Taken-over-9"),
                lambda: accounts.set_active(low, top.id, False),
                lambda: accounts.set_roles(low, top.id, [Role.READER]),
                lambda: accounts.set_clearance(low, top.id, Clearance.PUBLIC)):
        with pytest.raises(PermissionDenied, match="不能管理该账户"):
            act()
    after = _user(admin_ctx.engine, "chief")
    assert (after.password_hash, after.active, after.role_code, after.clearance_level,
            after.version) == (before.password_hash, before.active, before.role_code,
                               before.clearance_level, before.version)
    with pytest.raises(LoginFailed):
        accounts.login(admin_ctx, "chief", "Taken-over-9")
    # an account at or below the administrator's own clearance is still theirs to manage
    mid = accounts.add_user(admin_ctx, "li", PW, clearance=Clearance.INTERNAL)
    accounts.reset_password(low, mid.id, "Fresh-pass-1")


def test_an_account_named_before_normalisation_still_signs_in(admin_ctx):
    """A name stored before names were normalised (full-width here) is still found as typed."""
    with Session(admin_ctx.engine) as s, s.begin():
        s.add(User(username="ｏｌｄ", display_name="", password_hash=accounts.hash_password(PW),
                   role_code="reader", clearance_level=0, active=True, failed_logins=0,
                   must_change_password=False))
    assert accounts.login(admin_ctx, "ｏｌｄ", PW).username == "ｏｌｄ"
