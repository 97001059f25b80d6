"""Password hashing cost: the suite's weak test cost (GOVDESK_TEST_WEAK_ARGON2, app/passwords.py)
and the production cost verify each other's hashes, production stays argon2-cffi's default, a
production login lifts a weak hash to full cost, and the weak cost is never silent nor written
over a strong hash."""

from __future__ import annotations

import logging
import sys

from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import passwords
from app.services.accounts import users as accounts
from app.storage.models import User
from tests.conftest import ADMIN_PASSWORD


def _params(pw_hash: str) -> str:
    return pw_hash.split("$")[3]  # $argon2id$v=19$m=…,t=…,p=…$salt$hash


def test_the_suite_runs_at_the_weak_test_cost():
    assert passwords.weak_profile()
    assert _params(passwords.hasher().hash("x")) == "m=1024,t=1,p=1"


def test_production_cost_is_the_library_default(monkeypatch):
    monkeypatch.delenv(passwords.WEAK_ENV)
    h = passwords.hasher()
    default = PasswordHasher()
    assert (h.time_cost, h.memory_cost, h.parallelism) == (
        default.time_cost, default.memory_cost, default.parallelism) == (3, 65536, 4)
    monkeypatch.setenv(passwords.WEAK_ENV, "yes")  # only exactly "1" lowers the cost
    assert not passwords.weak_profile()


def test_the_frozen_bundle_ignores_the_variable(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert not passwords.weak_profile()
    assert passwords.hasher().memory_cost == 65536


def test_hashes_verify_across_costs(monkeypatch):
    weak = passwords.hasher().hash("Secret-pass-1")
    monkeypatch.delenv(passwords.WEAK_ENV)
    strong = passwords.hasher().hash("Secret-pass-1")
    assert _params(strong) == "m=65536,t=3,p=4"
    assert passwords.hasher().verify(weak, "Secret-pass-1")
    monkeypatch.setenv(passwords.WEAK_ENV, "1")
    assert passwords.hasher().verify(strong, "Secret-pass-1")
    try:
        passwords.hasher().verify(strong, "Secret-pass-2")
    except VerifyMismatchError:
        pass
    else:
        raise AssertionError("a wrong password verified")


def _stored_hash(ctx) -> str:
    with Session(ctx.engine) as s:
        return s.scalars(select(User.password_hash).where(User.username == "admin")).one()


def test_a_production_login_lifts_a_weak_hash_and_a_weak_one_never_lowers(ctx, monkeypatch):
    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD, "系统管理员")
    assert _params(_stored_hash(ctx)) == "m=1024,t=1,p=1"
    monkeypatch.delenv(passwords.WEAK_ENV)
    accounts.login(ctx, "admin", ADMIN_PASSWORD)
    strong = _stored_hash(ctx)
    assert _params(strong) == "m=65536,t=3,p=4"
    monkeypatch.setenv(passwords.WEAK_ENV, "1")
    accounts.login(ctx, "admin", ADMIN_PASSWORD)  # verifies the strong hash, keeps it
    assert _stored_hash(ctx) == strong


def test_the_weak_cost_is_logged(monkeypatch, caplog):
    monkeypatch.setattr(passwords, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="app.passwords"):
        passwords.hasher()
        passwords.hasher()
    warnings = [r for r in caplog.records if r.name == "app.passwords"]
    assert len(warnings) == 1 and passwords.WEAK_ENV in warnings[0].getMessage()
