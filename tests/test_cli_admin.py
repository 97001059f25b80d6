"""``python -m app audit|user|db …`` run in-process (plus one real subprocess), rows read back."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from app.cli import main
from app.config import load_config
from app.storage.db import make_engine

ROOT = Path(__file__).resolve().parent.parent


def run(monkeypatch, capsys, argv, stdin="", admin_pw="Admin-pass-1"):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    if admin_pw is None:
        monkeypatch.delenv("GOVDESK_ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", admin_pw)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _rows(sql):
    engine = make_engine(load_config().db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_user_commands_and_audit_verify(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, ["user", "add", "admin"], "Admin-pass-1\n", None)
    assert code == 0 and "初始管理员" in out
    code, out, _ = run(monkeypatch, capsys,
                       ["user", "add", "li", "--role", "文书", "--clearance", "内部",
                        "--display-name", "李四"], "Clerk-pass-1\n")
    assert code == 0, out
    assert _rows("SELECT username, role_code, clearance_level, active FROM users ORDER BY id") == [
        ("admin", "admin", 3, 1), ("li", "clerk", 1, 1)]
    code, out, _ = run(monkeypatch, capsys, ["user", "list"])
    assert code == 0 and "李四\t文书\t内部\t正常" in out

    code, _, err = run(monkeypatch, capsys, ["user", "list"], admin_pw="wrong-pass")
    assert code == 4 and "用户名或密码错误" in err
    code, _, err = run(monkeypatch, capsys, ["user", "add", "x", "--role", "boss"], "Pw-123456\n")
    assert code == 2 and "未知角色" in err

    code, out, _ = run(monkeypatch, capsys, ["user", "disable", "li"])
    assert code == 0 and _rows("SELECT active FROM users WHERE username='li'") == [(0,)]
    code, out, _ = run(monkeypatch, capsys, ["user", "enable", "li"])
    code, out, _ = run(monkeypatch, capsys, ["user", "reset", "li"], "New-pass-99\n")
    assert code == 0 and _rows("SELECT must_change_password FROM users WHERE username='li'") == [
        (1,)]
    code, _, err = run(monkeypatch, capsys, ["user", "disable", "nobody"])
    assert code == 2 and "不存在" in err

    code, out, _ = run(monkeypatch, capsys, ["audit", "verify"])
    assert code == 0 and "完整" in out
    actions = [r[0] for r in _rows("SELECT action FROM audit_events ORDER BY seq")]
    assert actions[:3] == ["user.first_admin", "login", "user.add"]
    assert {"user.disable", "user.enable", "user.reset_password", "login.failed"} <= set(actions)

    engine = make_engine(load_config().db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET action = 'login' WHERE seq = 3"))
    engine.dispose()
    code, _, err = run(monkeypatch, capsys, ["audit", "verify"])
    assert code == 1 and "第 3 条" in err


def test_db_info_and_upgrade(monkeypatch, capsys, tmp_path):
    import shutil

    data = Path(os.environ["GOVDESK_DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "tests" / "fixtures" / "govdesk_v1.sqlite3", data / "govdesk.sqlite3")
    code, out, _ = run(monkeypatch, capsys, ["db", "info"])
    assert code == 0 and "结构修订：0001" in out and "需要升级" in out
    code, out, _ = run(monkeypatch, capsys, ["db", "upgrade"])
    from app.storage.migrate import head_revision

    assert code == 0 and f"0001 升级到 {head_revision()}" in out and "升级前备份" in out
    assert len(list((data / "backups").glob("govdesk-0001-*.sqlite3"))) == 1
    code, out, _ = run(monkeypatch, capsys, ["db", "upgrade"])
    assert code == 0 and "已是最新" in out


def test_real_process_audit_verify_on_empty_database():
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-m", "app", "audit", "verify"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "共 0 条记录" in result.stdout


@pytest.mark.parametrize("argv", [["audit"], ["db"]])
def test_missing_subcommand_is_a_usage_error(monkeypatch, capsys, argv):
    with pytest.raises(SystemExit) as exc:
        run(monkeypatch, capsys, argv)
    assert exc.value.code == 2
