"""``python -m app template … --office/--db``: the office's templates from the database, by name,
through the CLI — exit codes, Chinese messages, the output written whole or not at all; shipped
templates unchanged."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

from app.cli import main
from app.config import load_config, sqlite_url
from app.domain.security import Role
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.templates import library as templates
from app.storage.migrate import open_database
from tests.conftest import seed_sqlite

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Admin-pass-1"
NOTICE = (ROOT / "resources/templates/notice.json").read_text(encoding="utf-8")


def _office_db(url: str, *names_titles: tuple[str, str]) -> dict[str, int]:
    """A database with an administrator and office copies of the 通知 template whose title
    ends with the given words (so the output shows which template was used)."""
    seed_sqlite(url)
    engine = open_database(url, load_config().backups_dir)
    try:
        ctx = ServiceContext(engine)
        accounts.create_first_admin(ctx, "admin", PASSWORD, "管理员")
        admin = ctx.with_actor(accounts.login(ctx, "admin", PASSWORD))
        ids = {}
        for name, ending in names_titles:
            text = NOTICE.replace("的通知\"", f"的{ending}\"")
            assert text != NOTICE
            info = templates.create(admin, text=text, name=name, based_on="notice")
            ids.setdefault(name, info.id)
        return ids
    finally:
        engine.dispose()


def run(monkeypatch, capsys, *argv, password=PASSWORD):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.setenv("GOVDESK_PASSWORD", password)
    code = main(["template", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def office():
    return _office_db(load_config().db_url, ("本办通知", "紧急通知"), ("重名", "甲通知"),
                      ("重名", "乙通知"))


def test_render_office_template_by_name(monkeypatch, capsys, tmp_path, office):
    out = tmp_path / "out" / "n.json"
    out.parent.mkdir()
    code, stdout, err = run(monkeypatch, capsys, "render", "本办通知", "--office", "--user",
                            "admin", "-o", str(out))
    assert code == 0, err
    assert "已生成" in stdout
    assert json.loads(out.read_text(encoding="utf-8"))["title"].endswith("的紧急通知")
    assert [p.name for p in out.parent.iterdir()] == ["n.json"]  # no temporary file left
    pdf = tmp_path / "out" / "n.pdf"
    assert run(monkeypatch, capsys, "render", "本办通知", "--office", "--user", "admin",
               "-o", str(pdf))[0] == 0
    with pdfplumber.open(pdf) as doc:
        assert "紧急通知" in (doc.pages[0].extract_text() or "")
    # shipped templates work as before, without a database or a user
    shipped = tmp_path / "s.json"
    assert run(monkeypatch, capsys, "render", "notice", "-o", str(shipped))[0] == 0
    title = json.loads(shipped.read_text(encoding="utf-8"))["title"]
    assert title.endswith("的通知") and "紧急" not in title


def test_office_template_not_found_exits_2_and_writes_nothing(monkeypatch, capsys, tmp_path,
                                                              office):
    out = tmp_path / "out" / "n.pdf"
    out.parent.mkdir()
    out.write_bytes(b"previous good file")
    code, _, err = run(monkeypatch, capsys, "render", "无此模板", "--office", "--user", "admin",
                       "-o", str(out))
    assert code == 2
    assert err.startswith("错误：单位模板库中没有名为“无此模板”的模板")
    assert out.read_bytes() == b"previous good file"
    assert [p.name for p in out.parent.iterdir()] == ["n.pdf"]
    # a shipped name with --office: told to drop the option
    code, _, err = run(monkeypatch, capsys, "render", "notice", "--office", "--user", "admin",
                       "-o", str(tmp_path / "x.json"))
    assert code == 2 and "是内置模板" in err and not (tmp_path / "x.json").exists()
    code, _, err = run(monkeypatch, capsys, "check", "无此模板", "--office", "--user", "admin")
    assert code == 2 and "单位模板库中没有" in err


def test_shared_name_asks_for_the_id(monkeypatch, capsys, tmp_path, office):
    code, _, err = run(monkeypatch, capsys, "render", "重名", "--office", "--user", "admin",
                       "-o", str(tmp_path / "x.json"))
    assert code == 2 and "2个名为“重名”" in err and f"office:{office['重名']}" in err
    assert not (tmp_path / "x.json").exists()
    code, _, err = run(monkeypatch, capsys, "render", f"office:{office['重名']}", "--office",
                       "--user", "admin", "-o", str(tmp_path / "x.json"))
    assert code == 0, err
    assert json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))["title"].endswith(
        "的甲通知")
    code, out, err = run(monkeypatch, capsys, "check", "本办通知", "--office", "--user", "admin")
    assert code == 0 and "检查通过" in out


def test_list_office_templates(monkeypatch, capsys, office):
    code, out, _ = run(monkeypatch, capsys, "list", "--office", "--user", "admin")
    assert code == 0
    rows = [line.split("\t") for line in out.splitlines()]
    assert sorted(r[1] for r in rows) == ["本办通知", "重名", "重名"]
    assert {r[0] for r in rows} == {f"office:{i}" for i in range(1, 4)}
    code, out, _ = run(monkeypatch, capsys, "list")
    assert "本办通知" not in out and "notice\t" in out


def test_db_option_names_another_database(monkeypatch, capsys, tmp_path):
    other = tmp_path / "other.sqlite3"
    _office_db(sqlite_url(other), ("外单位通知", "紧急通知"))
    out = tmp_path / "o.json"
    code, _, err = run(monkeypatch, capsys, "render", "外单位通知", "--db", sqlite_url(other),
                       "--user", "admin", "-o", str(out))
    assert code == 0, err
    assert json.loads(out.read_text(encoding="utf-8"))["title"].endswith("的紧急通知")
    # the configured database does not have it
    code, _, err = run(monkeypatch, capsys, "render", "外单位通知", "--office", "--user",
                       "admin", "-o", str(tmp_path / "c.json"))
    assert code != 0 and not (tmp_path / "c.json").exists()
    # a mistyped file is reported, not created
    missing = tmp_path / "typo.sqlite3"
    code, _, err = run(monkeypatch, capsys, "render", "外单位通知", "--db", sqlite_url(missing),
                       "--user", "admin", "-o", str(tmp_path / "t.json"))
    assert code == 2 and "数据库文件不存在" in err and not missing.exists()
    code, _, err = run(monkeypatch, capsys, "render", "外单位通知", "--db", "nonsense://",
                       "--user", "admin", "-o", str(tmp_path / "t.json"))
    assert code == 2 and "数据库地址" in err and "Traceback" not in err


def test_user_and_password_are_required(monkeypatch, capsys, tmp_path, office):
    out = tmp_path / "n.json"
    code, _, err = run(monkeypatch, capsys, "render", "本办通知", "--office", "-o", str(out))
    assert code == 2 and "--user" in err
    code, _, err = run(monkeypatch, capsys, "render", "本办通知", "--office", "--user", "admin",
                       "-o", str(out), password="wrong")
    assert code != 0 and err.startswith("错误：") and not out.exists()
    # an account whose password an administrator set must change it first (exit 4)
    engine = open_database(load_config().db_url)
    try:
        ctx = ServiceContext(engine)
        admin = ctx.with_actor(accounts.login(ctx, "admin", PASSWORD))
        accounts.add_user(admin, "clerk", "Clerk-pass-1", role=Role.CLERK)
    finally:
        engine.dispose()
    code, _, err = run(monkeypatch, capsys, "render", "本办通知", "--office", "--user", "clerk",
                       "-o", str(out), password="Clerk-pass-1")
    assert code == 4 and "user passwd clerk" in err and not out.exists()


def test_real_process_exit_codes(tmp_path, office):
    env = {**os.environ, "GOVDESK_PASSWORD": PASSWORD}
    base = [sys.executable, "-m", "app", "template", "render", "--office", "--user", "admin"]
    ok = subprocess.run([*base, "本办通知", "-o", str(tmp_path / "ok.json")], cwd=ROOT, env=env,
                        capture_output=True, text=True, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "ok.json").is_file()
    bad = subprocess.run([*base, "无此模板", "-o", str(tmp_path / "bad.json")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "单位模板库中没有名为“无此模板”" in bad.stderr
    assert not (tmp_path / "bad.json").exists()
