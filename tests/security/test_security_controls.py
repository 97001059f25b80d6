"""等保 第三级 controls inside the application (issue 31): password rules set by the
安全保密管理员, maximum age with a reminder, history of N stored as Argon2 hashes, lockout from the
policy; audit entries under 180 days never purged; the audit store's warning; the periodic review
report read back from its PDF; 剩余信息保护 — a deleted record is not in the raw SQLite file nor
its WAL after a checkpoint."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role, SeparationDenied
from app.errors import InputError, PermissionDenied
from app.services.accounts import passwords as password_policy
from app.services.accounts import security
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.audit_review import review as audit_log
from app.services.audit_review.review import AuditFilter
from app.services.context import ServiceContext
from app.services.documents import drafts as documents
from app.storage.models import AuditEvent, PasswordHistory, SecuritySettings, User
from tests.security.test_three_admins import AUD, SEC, SYS, _setup
from tests.services.documents_helpers import notice, person


@pytest.fixture
def office(ctx):
    return _setup(ctx)


def _policy(ctx: ServiceContext, **values) -> password_policy.PasswordPolicy:
    current = password_policy.get_policy(ctx)
    return password_policy.update_policy(ctx, password_policy.with_values(current, **values))


def test_only_the_security_administrator_sets_the_policy_within_limits(office):
    secadmin, sysadmin = office[SEC], office[SYS]
    with pytest.raises(SeparationDenied, match="设置密码与锁定策略"):
        _policy(sysadmin, min_length=12)
    with pytest.raises(InputError, match="密码最小长度须在 8 至 64"):
        _policy(secadmin, min_length=6)
    with pytest.raises(InputError, match="涉密单位密码最长使用天数须在 1 至 180"):
        _policy(secadmin, max_age_days=0)
    with pytest.raises(InputError, match="涉密单位空闲自动锁定"):
        _policy(secadmin, idle_lock_minutes=60)
    with pytest.raises(InputError, match="连续失败锁定次数"):
        _policy(secadmin, lock_failures=50)
    saved = _policy(secadmin, min_length=12, min_classes=4, history=8, lock_failures=3,
                    lock_minutes=30, idle_lock_minutes=5)
    assert (saved.min_length, saved.min_classes, saved.history) == (12, 4, 8)
    with Session(secadmin.engine) as s:
        row = s.get(SecuritySettings, 1)
        assert (row.pw_min_length, row.lock_failures, row.idle_lock_minutes) == (12, 3, 5)
        last = s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert last.action == "settings.password_policy" and last.actor == SEC
    # the idle lock is the policy's: the 系统管理员 keeps the backups but not the idle lock
    info = security.get_settings(sysadmin)
    with pytest.raises(SeparationDenied):
        security.update_settings(sysadmin, security.SecurityInfo(20, info.backup_keep, False,
                                                                 info.version))


def test_password_rules_are_enforced_with_the_policy(office):
    secadmin, sysadmin = office[SEC], office[SYS]
    _policy(secadmin, min_length=12, min_classes=4)
    with pytest.raises(InputError, match="至少需要 12 个字符"):
        accounts.add_user(sysadmin, "wang", "Abc-def-123")
    with pytest.raises(InputError, match="至少 4 类"):
        accounts.add_user(sysadmin, "wang", "abcdef-12345x")
    with pytest.raises(InputError, match="不能与用户名相同"):
        accounts.add_user(sysadmin, "wangwuliu", "WangWuLiu-2026!")
    assert accounts.add_user(sysadmin, "wang", "Abc-def-1234").username == "wang"


def test_the_last_n_passwords_are_not_reused_and_kept_as_argon2(office):
    secadmin = office[SEC]
    _policy(secadmin, history=3)
    me = office[AUD]
    seq = ["Aud-changed-2", "Aud-third-33", "Aud-fourth-44", "Aud-fifth-55"]
    for old, new in itertools.pairwise(seq):
        accounts.change_password(me, old, new)
    with pytest.raises(InputError, match="最近 3 次"):
        accounts.change_password(me, seq[-1], seq[-2])
    accounts.change_password(me, seq[-1], seq[0])  # 4 back: allowed with a history of 3
    with Session(me.engine) as s:
        hashes = s.execute(select(PasswordHistory.password_hash).where(
            PasswordHistory.user_id == me.actor.user_id)).scalars().all()
        refused = s.execute(select(AuditEvent).where(
            AuditEvent.action == "user.password_rejected")).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all(seq[0] not in h for h in hashes)
    assert [e.outcome for e in refused] == ["refused"]


def test_maximum_age_reminds_then_forces_a_change(office, ctx):
    secadmin = office[SEC]
    _policy(secadmin, max_age_days=30, warn_days=5)
    start = datetime.now(UTC)
    at = {"now": start + timedelta(days=26)}
    clock_ctx = ServiceContext(ctx.engine, clock=lambda: at["now"])
    me = clock_ctx.with_actor(accounts.login(clock_ctx, AUD, "Aud-changed-2"))
    reminder = accounts.password_reminder(me)
    assert reminder is not None and "天后" in reminder and "过期" in reminder
    at["now"] = start + timedelta(days=10)
    assert accounts.password_reminder(me) is None
    at["now"] = start + timedelta(days=31)
    late = accounts.login(clock_ctx, AUD, "Aud-changed-2")
    assert late.must_change_password  # too old: must change before anything else
    with Session(ctx.engine) as s:
        actions = s.execute(select(AuditEvent.action)).scalars().all()
    assert "user.password_expired" in actions


def test_lockout_follows_the_policy(office, ctx):
    _policy(office[SEC], lock_failures=3, lock_minutes=60)
    for _ in range(3):
        with pytest.raises(accounts.LoginFailed):
            accounts.login(ctx, AUD, "wrong-Pass-1")
    with Session(ctx.engine) as s:
        user = s.execute(select(User).where(User.username == AUD)).scalar_one()
        left = user.locked_until - datetime.now(UTC)
    assert timedelta(minutes=55) < left <= timedelta(minutes=60)


def _age_log(engine, days: int) -> None:
    """Make every audit entry ``days`` old (the time column only: a test of the purge rule)."""
    with Session(engine) as s, s.begin():
        s.execute(update(AuditEvent).values(at=datetime.now(UTC) - timedelta(days=days)))


@pytest.mark.parametrize("days_back", [0, 30, 179])
def test_audit_entries_under_180_days_cannot_be_purged(office, days_back):
    auditor = office[AUD]
    before = audit.count(auditor.engine)
    cutoff = (datetime.now(UTC) - timedelta(days=days_back)).date()
    with pytest.raises(PermissionDenied, match="不少于六个月"):
        audit_log.purge(auditor, cutoff)
    assert audit.count(auditor.engine) == before + 1  # nothing gone; the attempt is recorded
    with Session(auditor.engine) as s:
        last = s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert (last.action, last.outcome) == ("audit.purge", "refused")
    assert audit.verify(auditor.engine).ok


def test_older_entries_are_not_deleted_either(office):
    auditor = office[AUD]
    before = audit.count(auditor.engine)
    with pytest.raises(PermissionDenied, match="哈希链"):
        audit_log.purge(auditor, (datetime.now(UTC) - timedelta(days=400)).date())
    assert audit.count(auditor.engine) == before + 1
    with pytest.raises(SeparationDenied):  # and nobody but a reviewer may even ask
        audit_log.purge(office[SYS], datetime.now(UTC).date())


def test_the_auditor_is_warned_when_the_store_passes_its_threshold(office):
    auditor = office[AUD]
    status = audit_log.store_status(auditor)
    assert status.warning is None and status.rows > 0
    with Session(auditor.engine) as s, s.begin():
        s.get(SecuritySettings, 1).audit_warn_rows = status.rows
    warned = audit_log.store_status(auditor)
    assert warned.warning is not None and "超过告警阈值" in warned.warning


def test_the_security_administrator_sets_the_store_threshold_within_limits(office):
    """The threshold is the 安全保密管理员's policy (the reviewed 系统管理员 could silence the
    warning by raising it; the 安全审计员 only reads), within 10 000–20 000 000 entries."""
    secadmin, sysadmin, auditor = office[SEC], office[SYS], office[AUD]
    assert password_policy.get_policy(secadmin).audit_warn_rows == 500_000
    for who in (sysadmin, auditor):
        with pytest.raises(SeparationDenied, match="三员分立"):
            _policy(who, audit_warn_rows=20_000)
    for wrong in (9_999, 20_000_001):
        with pytest.raises(InputError, match="审计记录告警阈值（条）须在 10000 至 20000000 之间"):
            _policy(secadmin, audit_warn_rows=wrong)
    assert _policy(secadmin, audit_warn_rows=20_000).audit_warn_rows == 20_000
    with Session(secadmin.engine) as s:
        assert s.get(SecuritySettings, 1).audit_warn_rows == 20_000
        last = s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert (last.action, last.actor) == ("settings.password_policy", SEC)
    assert '"audit_warn_rows":[500000,20000]' in last.detail
    assert audit_log.store_status(auditor).threshold == 20_000  # what the warning measures
    refused = audit_log.page(auditor, AuditFilter(user=SYS, outcome="refused"), 0)
    assert [r.action for r in refused] == ["denied"]  # the 系统管理员's try, for the auditor
    assert "设置密码与锁定策略" in refused[0].detail


def test_the_periodic_review_report_is_a_pdf_of_the_reviewers_scope(office, tmp_path):
    from pypdf import PdfReader

    auditor, sysadmin = office[AUD], office[SYS]
    with pytest.raises(SeparationDenied):
        audit_log.page(sysadmin, AuditFilter(), 0)  # a refused attempt to list
    today = datetime.now().date()
    path = tmp_path / "review.pdf"
    data = audit_log.review_report_pdf(auditor, AuditFilter(since=today, until=today), path)
    assert path.read_bytes() == data and data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    squeezed = "".join(text.split())
    assert "审计审阅报告" in squeezed and "拒绝" in squeezed and "未审阅" in squeezed
    with Session(auditor.engine) as s:
        last = s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert (last.action, last.actor) == ("audit.report", AUD)


def test_a_business_user_never_sees_administrators_entries(office):
    leader = person(office[SYS], "lingdao", Role.LEADER, Clearance.CONFIDENTIAL)
    rows = audit_log.page(leader, AuditFilter(), 0, limit=1000)
    actors = {r.actor for r in rows}
    assert not any(name in a for a in actors for name in (SYS, SEC, AUD))
    assert audit_log.count(leader, AuditFilter(user=SYS)) == 0


def _raw(path: Path) -> bytes:
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_a_deleted_record_leaves_nothing_in_the_file_or_its_wal(admin_ctx, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("剩余信息保护 of the SQLite file")
    path = Path(db_url.removeprefix("sqlite:///"))
    clerk = person(admin_ctx, "wenshu", Role.CLERK, Clearance.CONFIDENTIAL)
    marker = "剩余信息保护测试标记ZQX7"
    doc = documents.create_document(clerk, notice(body=f"正文中的{marker}一段。"))
    admin_ctx.engine.dispose()
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert marker.encode() in _raw(path)  # the test can see it while it exists
    documents.delete_document(clerk, doc.id)  # the program's connection (secure_delete on)
    admin_ctx.engine.dispose()
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert marker.encode() not in _raw(path)
