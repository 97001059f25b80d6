"""ruff and mypy in the test command (issue 19): ``python3 dev.py test`` and CI fail on a finding.

ruff checks app/, tests/, benchmarks/ and tools/ with pyflakes, import sorting (I), bugbear (B)
and pyupgrade (UP); mypy checks the headless core (app/domain, app/typeset, app/services). Both
take their settings from pyproject.toml ([tool.ruff], [tool.mypy]), so running either by hand
gives the same answer: ``.venv/bin/ruff check app tests benchmarks tools`` and ``.venv/bin/mypy``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUFF_PATHS = ["app", "tests", "benchmarks", "tools"]


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def test_ruff_finds_nothing():
    proc = _run("ruff", "check", "--no-cache", "--output-format", "concise", *RUFF_PATHS)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_ruff_can_fail(tmp_path):
    """The same settings report an unsorted import, a bugbear and an old-style annotation."""
    bad = tmp_path / "bad.py"
    bad.write_text("import sys\nimport os\nfrom typing import Optional\n\n\n"
                   "def f(x: Optional[int], acc=[]):\n    return os, sys, x, acc\n",
                   encoding="utf-8")
    proc = _run("ruff", "check", "--no-cache", "--output-format", "concise",
                "--config", str(ROOT / "pyproject.toml"), str(bad), cwd=tmp_path)
    assert proc.returncode == 1
    for code in ("I001", "B006", "UP045"):
        assert code in proc.stdout, proc.stdout


@pytest.mark.slow
def test_mypy_finds_nothing():
    proc = _run("mypy")
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "Success: no issues found" in proc.stdout


def test_mypy_can_fail(tmp_path):
    """The same settings report a wrong argument type in a file of the checked core."""
    bad = tmp_path / "app" / "domain" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("def half(n: int) -> int:\n    return n // 2\n\n\nhalf('x')\n", encoding="utf-8")
    proc = _run("mypy", "--config-file", str(ROOT / "pyproject.toml"),
                "--cache-dir", str(tmp_path / "cache"), str(bad), cwd=tmp_path)
    assert proc.returncode == 1 and "[arg-type]" in proc.stdout, proc.stdout + proc.stderr
