"""``python -m app calendar …`` (issue 16's fixed interface): parse prints the JSON shape, bad
input exits 2 with a Chinese message, import/show/list/set work on the office database, and
add-workdays answers across a year with no table with the warning on stderr. One case runs as a
real process to hold the whole interface (stdout, stderr, exit code) to it."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.config import load_config
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.holidays import tables as holidays
from app.storage.migrate import open_database
from tests.conftest import seed_sqlite

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "holidays"
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Admin-pass-1"


@pytest.fixture(autouse=True)
def _fresh_calendar():
    holidays.invalidate()
    yield
    holidays.invalidate()


def run(monkeypatch, capsys, argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", PASSWORD)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _admin():
    cfg = load_config()
    seed_sqlite(cfg.db_url)
    engine = open_database(cfg.db_url, cfg.backups_dir)
    accounts.create_first_admin(ServiceContext(engine), "admin", PASSWORD, "管理员")
    engine.dispose()


def test_parse_prints_the_fixed_json_shape(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, ["calendar", "parse", str(FIX / "2025.txt")])
    assert code == 0 and err == ""
    data = json.loads(out)
    assert list(data) == ["year", "holidays", "workdays"] and data["year"] == 2025
    assert data["holidays"][:2] == ["2025-01-01", "2025-01-28"]
    assert data["workdays"] == ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28",
                                "2025-10-11"]
    assert data["holidays"] == sorted(data["holidays"])


def test_parse_reads_docx_and_stdin(monkeypatch, capsys, tmp_path):
    import docx

    document = docx.Document()
    for line in (FIX / "2024.txt").read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    path = tmp_path / "通知.docx"
    document.save(str(path))
    code, out, _ = run(monkeypatch, capsys, ["calendar", "parse", str(path)])
    assert code == 0 and json.loads(out)["workdays"][0] == "2024-02-04"
    code, out, _ = run(monkeypatch, capsys, ["calendar", "parse", "-"],
                       stdin=(FIX / "2026.txt").read_text(encoding="utf-8"))
    assert code == 0 and json.loads(out)["year"] == 2026


@pytest.mark.parametrize("content,words", [
    ("这是一份会议纪要，不是通知。", "不像一份"),
    ((FIX / "2024.txt").read_text(encoding="utf-8").replace("共8天", "共6天"), "第7行"),
    (b"\xff\xfe\x00\x00binary", "不是文本"),
])
def test_bad_notices_exit_2_with_a_chinese_message(monkeypatch, capsys, tmp_path, content, words):
    path = tmp_path / "bad.txt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, ["calendar", "parse", str(path)])
    assert code == 2 and out == "" and err.startswith("错误：") and words in err
    assert "Traceback" not in err


def test_missing_file_and_bad_arguments_exit_2(monkeypatch, capsys, tmp_path):
    code, _, err = run(monkeypatch, capsys, ["calendar", "parse", str(tmp_path / "无.txt")])
    assert code == 2 and "无法读取文件" in err
    code, _, err = run(monkeypatch, capsys, ["calendar", "add-workdays", "2026-13-01", "3"])
    assert code == 2 and "日期" in err
    code, _, err = run(monkeypatch, capsys, ["calendar", "add-workdays", "2026-12-01", "x"])
    assert code == 2 and "工作日数" in err


def test_import_show_list_set_and_add_workdays(monkeypatch, capsys):
    _admin()
    code, out, err = run(monkeypatch, capsys, ["calendar", "add-workdays", "2026-12-25", "10"])
    assert code == 0 and out.splitlines()[0] == "2027-01-08"
    assert err.strip() == "警告：2027年节假日安排尚未录入，按周末计算"

    code, out, err = run(monkeypatch, capsys, ["calendar", "import",
                                               str(FIX / "2027-test.txt"), "--admin", "admin"])
    assert code == 0, err
    assert "2027年节假日安排（年度通知）：新录入安排" in out and "已导入2027年节假日安排" in out

    code, out, err = run(monkeypatch, capsys, ["calendar", "add-workdays", "2026-12-25", "10"])
    assert (code, out.splitlines()[0], err) == (0, "2027-01-11", "")

    code, out, _ = run(monkeypatch, capsys, ["calendar", "show", "2027"])
    assert code == 0 and "2027-02-14\t班" in out and "2027-02-08\t休\t春节" in out
    code, out, _ = run(monkeypatch, capsys, ["calendar", "list"])
    lines = out.splitlines()
    assert lines[0].startswith("2027\t本单位录入\t") and "sm3:" in lines[0]
    assert lines[1] == "2026\t程序自带"

    code, out, err = run(monkeypatch, capsys, ["calendar", "set", "2027-01-04", "rest",
                                               "--admin", "admin"])
    assert code == 2 and "原因" in err
    code, out, err = run(monkeypatch, capsys, ["calendar", "set", "2027-01-04", "rest",
                                               "--reason", "本单位搬迁", "--admin", "admin"])
    assert code == 0, err
    code, out, _ = run(monkeypatch, capsys, ["calendar", "add-workdays", "2026-12-31", "1"])
    assert out.splitlines()[0] == "2027-01-05"

    # importing the same year again shows what changes
    code, out, _ = run(monkeypatch, capsys, ["calendar", "import",
                                             str(FIX / "2027-test.txt"), "--admin", "admin"])
    assert code == 0 and "与现有安排相同，没有变化" in out


def test_import_with_a_wrong_password_is_refused(monkeypatch, capsys):
    _admin()
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", "wrong")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = main(["calendar", "import", str(FIX / "2027-test.txt"), "--admin", "admin"])
    _, err = capsys.readouterr()
    assert code != 0 and err.startswith("错误：")
    assert holidays.calendar(ServiceContext(open_database(load_config().db_url))).source_of(
        2027) is None


def test_add_workdays_as_a_process(tmp_path):
    env = dict(os.environ, GOVDESK_DATA_DIR=str(tmp_path / "data"))
    env.pop("GOVDESK_DB_URL", None)
    proc = subprocess.run([sys.executable, "-m", "app", "calendar", "add-workdays",
                           "2026-12-30", "3"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0] == (dt.date(2027, 1, 4)).isoformat()
    assert proc.stderr.strip() == "警告：2027年节假日安排尚未录入，按周末计算"
