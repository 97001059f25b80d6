"""Compiled forms are up to date, and app/ui/qt.py is the only module importing PySide6."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("compile_forms", ROOT / "tools" / "compile_forms.py")
compile_forms = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compile_forms)


def test_regenerating_forms_changes_nothing():
    if compile_forms.find_uic() is None:
        pytest.skip("pyside6-uic is not installed")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "compile_forms.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {p.stem for p in (ROOT / "forms").glob("*.ui")} == {
        p.stem.removeprefix("ui_") for p in (ROOT / "app" / "ui" / "forms").glob("ui_*.py")}


def test_only_qt_module_imports_pyside6():
    offenders = []
    for path in sorted((ROOT / "app" / "ui").rglob("*.py")):
        if path.name == "qt.py" and path.parent.name == "ui":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                          if n.split(".")[0] in {"PySide6", "shiboken6"}]
    assert not offenders, offenders
