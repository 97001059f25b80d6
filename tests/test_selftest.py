"""``python -m app --selftest`` in a real process: exit 0, and the data folder is untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_selftest_process_exits_zero():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "app", "--selftest"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "自检通过" in result.stdout and "哈希链无断点" in result.stdout
    assert "PDF 已生成" in result.stdout and "嵌入字体" in result.stdout
    assert "DOCX 已生成并可重新读取" in result.stdout
    assert not (Path(env["GOVDESK_DATA_DIR"]) / "govdesk.sqlite3").exists()


def test_selftest_runs_registered_checks(qapp, monkeypatch, capsys):
    from app import selftest

    seen = []

    def check(st):
        seen.append((st.ctx.actor.username, sorted(st.window.page_keys())[0], st.tmp.is_dir()))
        return "附加检查通过"

    monkeypatch.setattr(selftest, "CHECKS", [check])
    assert selftest.run_selftest([]) == 0
    assert seen == [("selftest", "admin", True)]
    assert "附加检查通过" in capsys.readouterr().out

    def broken(st):
        raise RuntimeError("boom")

    monkeypatch.setattr(selftest, "CHECKS", [broken])
    assert selftest.run_selftest([]) == 1
