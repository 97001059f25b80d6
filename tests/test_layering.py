"""The core knows nothing of the GUI: app/domain, app/storage, app/services and app/typeset
import no Qt, directly or through what they import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ("domain", "storage", "services", "typeset", "templating", "commands")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", CORE)
def test_core_sources_do_not_import_qt_or_ui(layer):
    offenders = []
    for path in sorted((ROOT / "app" / layer).rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in {"PySide6", "shiboken6"} or name.startswith("app.ui"):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_importing_the_core_loads_no_qt():
    modules = []
    for layer in CORE:
        for path in sorted((ROOT / "app" / layer).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            if "migrations" in rel.parts:
                continue
            mod = ".".join(rel.parts)
            modules.append(mod.removesuffix(".__init__"))
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_hold():
    """The layer contracts in pyproject.toml ([tool.importlinter]) hold: ui → services →
    (domain, storage, typeset, templating), nothing upward, the UI never reaches storage."""
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_import_contracts_can_fail(tmp_path):
    """The same check run on a copy of the tree with one upward import reports it."""
    import shutil

    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "app", copy / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    bad = copy / "app" / "domain" / "cnnum.py"
    bad.write_text(bad.read_text(encoding="utf-8") + "\nfrom app.storage import db  # noqa\n",
                   encoding="utf-8")
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint), "--no-cache"], cwd=copy, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert proc.returncode != 0 and "The domain is pure" in proc.stdout
