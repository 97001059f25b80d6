"""``python -m app --selftest`` in a real process: exit 0, and the data folder is untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.passwords import WEAK_ENV

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_selftest_process_exits_zero():
    # An installation runs at production cost: the suite's weak argon2 cost is not passed on.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop(WEAK_ENV, None)
    result = subprocess.run([sys.executable, "-m", "app", "--selftest"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "自检通过" in result.stdout and "哈希链无断点" in result.stdout
    assert "PDF 已生成" in result.stdout and "嵌入字体" in result.stdout
    assert "DOCX 已生成并可重新读取" in result.stdout
    assert not (Path(env["GOVDESK_DATA_DIR"]) / "govdesk.sqlite3").exists()


@pytest.mark.slow
def test_selftest_runs_registered_checks(qapp, monkeypatch, capsys):
    from app import selftest

    monkeypatch.delenv(WEAK_ENV)  # an installation runs at production cost

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


def test_selftest_refuses_the_weak_test_hashing_cost(monkeypatch, capsys):
    """A desk started with the suite's weak argon2 cost fails its self-test at once."""
    from app import selftest

    monkeypatch.setenv(WEAK_ENV, "1")
    assert selftest.run_selftest([]) == 1
    err = capsys.readouterr().err
    assert "测试用弱参数" in err and WEAK_ENV in err
