"""CLI: a user whose password an administrator set is refused (Chinese message, exit code 4)
until ``user passwd``; ``audit verify`` reports rows cut off the end of the log."""

from __future__ import annotations

from sqlalchemy import text

from app.config import load_config
from app.storage.db import make_engine
from tests.test_cli_admin import _rows, run


def _setup(monkeypatch, capsys):
    code, _, _ = run(monkeypatch, capsys, ["user", "add", "admin"], "Admin-pass-1\n", None)
    assert code == 0
    code, _, _ = run(monkeypatch, capsys, ["user", "add", "li", "--role", "文书", "--clearance",
                                           "内部"], "Clerk-pass-1\n")
    assert code == 0


def test_pending_password_change_blocks_every_command_until_passwd(monkeypatch, capsys):
    _setup(monkeypatch, capsys)
    monkeypatch.setenv("GOVDESK_PASSWORD", "Clerk-pass-1")
    before = _rows("SELECT count(*) FROM audit_events")[0][0]
    code, out, err = run(monkeypatch, capsys, ["search", "值班", "--user", "li"])
    assert code == 4 and out == ""
    assert "须先修改密码" in err and "python -m app user passwd li" in err
    code, _, err = run(monkeypatch, capsys, ["docno", "list", "--user", "li"])
    assert code == 4 and "须先修改密码" in err
    # only the sign-ins were recorded: nothing was searched or listed
    actions = [r[0] for r in _rows("SELECT action FROM audit_events ORDER BY seq")][before:]
    assert actions == ["login", "login"]

    code, _, err = run(monkeypatch, capsys, ["user", "passwd", "li"], "wrong-Pass-1\n")
    assert code == 4 and "用户名或密码错误" in err
    # from a pipe: the current password, then the new one
    code, out, err = run(monkeypatch, capsys, ["user", "passwd", "li"],
                         "Clerk-pass-1\nClerk-pass-1\n")
    assert code == 2 and "不能与原密码相同" in err
    code, out, _ = run(monkeypatch, capsys, ["user", "passwd", "li"],
                       "Clerk-pass-1\nOwn-pass-123\n")
    assert code == 0 and "已修改" in out
    assert _rows("SELECT must_change_password FROM users WHERE username='li'") == [(0,)]
    monkeypatch.setenv("GOVDESK_PASSWORD", "Own-pass-123")
    code, out, _ = run(monkeypatch, capsys, ["docno", "list", "--user", "li"])
    assert code == 0 and "尚无发文字号" in out

    # an administrator whose password another administrator reset is refused as well
    code, _, _ = run(monkeypatch, capsys, ["user", "reset", "li"], "Reset-pass-77\n")
    monkeypatch.setenv("GOVDESK_PASSWORD", "Reset-pass-77")
    code, _, err = run(monkeypatch, capsys, ["search", "值班", "--user", "li"])
    assert code == 4 and "须先修改密码" in err


def test_audit_verify_reports_a_cut_off_end(monkeypatch, capsys):
    _setup(monkeypatch, capsys)
    code, out, _ = run(monkeypatch, capsys, ["audit", "verify"])
    assert code == 0 and "完整" in out and "仍在链中" in out
    total = _rows("SELECT count(*) FROM audit_events")[0][0]
    engine = make_engine(load_config().db_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq >= :s"), {"s": total - 1})
    engine.dispose()
    code, out, err = run(monkeypatch, capsys, ["audit", "verify"])
    assert code == 1 and "审计日志末尾记录缺失" in err and f"第 {total - 1} 条起" in err

    (load_config().data_dir / "audit_anchor.json").unlink()
    code, out, _ = run(monkeypatch, capsys, ["audit", "verify"])
    assert code == 0 and "无法判断末尾记录是否被删除" in out
