"""``app.ui.qt`` hands out Qt's names on first use (issue 30): the same objects a star import of
QtCore, QtGui and QtWidgets gave, without creating every class's type at start; PySide6's
module hook no longer keeps every imported module's source in ``linecache``.

The start-up checks run in a fresh interpreter: this test session has long since imported
everything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import app.ui.qt as qt

ROOT = Path(__file__).resolve().parents[2]


def test_every_name_of_the_old_star_imports_is_the_same_object():
    star: dict[str, object] = {}
    exec("from PySide6.QtCore import *\nfrom PySide6.QtGui import *\n"
         "from PySide6.QtWidgets import *", star)
    names = [n for n in star if not n.startswith("_")]
    assert len(names) > 600  # the three modules' public names
    different = [n for n in names if getattr(qt, n) is not star[n]]
    assert different == []
    # a name in two modules comes from the later one, as with the star imports
    from PySide6 import QtGui

    assert qt.Qt is QtGui.Qt


def test_pdf_and_print_names_and_unknown_names():
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPrintSupport import QPrinter

    assert qt.QPdfDocument is QPdfDocument and qt.QPrinter is QPrinter
    with pytest.raises(AttributeError):
        _ = qt.QNoSuchWidget
    with pytest.raises(AttributeError):
        _ = qt._private_name
    with pytest.raises(ImportError):
        exec("from app.ui.qt import QNoSuchWidget", {})


CHILD = r"""
import json, linecache, sys
import app.ui.qt as qt
loaded_at_import = sorted(n for n in ("QCalendarWidget", "QPdfDocument", "QPrinter", "QLabel")
                          if n in vars(qt))
modules_at_import = [m for m in ("PySide6.QtPdf", "PySide6.QtPdfWidgets", "PySide6.QtPrintSupport")
                     if m in sys.modules]
label = qt.QLabel
sys.path.insert(0, sys.argv[1])
import plain_module, qt_module  # written by the test; the second names PySide6
feature = sys.modules["shibokensupport.feature"]
print(json.dumps({
    "loaded_at_import": loaded_at_import, "modules_at_import": modules_at_import,
    "label_kept": "QLabel" in vars(qt),
    "in_linecache": [f for f in linecache.cache if f.endswith(("plain_module.py", "qt_module.py"))],
    "features": [feature.pyside_feature_dict.get(m) for m in ("plain_module", "qt_module")],
}))
"""


def test_start_creates_no_unused_qt_type_and_keeps_no_module_source(tmp_path):
    (tmp_path / "plain_module.py").write_text("VALUE = 1\n", encoding="utf-8")
    (tmp_path / "qt_module.py").write_text("# uses PySide6 (as far as PySide6 can tell)\nVALUE = 2\n",
                                           encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["loaded_at_import"] == [] and got["modules_at_import"] == []
    assert got["label_kept"]  # read once, then found in the module
    assert got["in_linecache"] == []
    # PySide6's answer is unchanged: the module mentioning PySide6 is 0, the other ignored (-1)
    assert got["features"] == [-1, 0]
