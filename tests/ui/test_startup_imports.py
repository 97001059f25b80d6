"""Start-up stays light: the main window comes up with its first page (工作台) without importing the
other pages, the roster solver (OR-Tools, pandas), the PDF and template machinery or Alembic —
nor, once its first snapshot is read, the typesetting model, cryptography's binding or Qt's PDF
and print modules (issue 30: memory and cold start). The 模板 page lists the Word forms without
python-docx, which comes with the first form opened.

Run in a fresh interpreter: this test session has long since imported everything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys
from app.ui.qt import QApplication
qapp = QApplication([])
from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext
from app.storage.migrate import open_database
from app.ui import main_window
from app.ui.kit import wait_for_all
from app.ui.main_window import MainWindow

main_window.WARM_UP_MS = 600_000  # (what the start imports; the later warm-up is tested below)
open_database(sys.argv[1]).dispose()  # create it (this one may load Alembic)
before = set(sys.modules)
engine = open_database(sys.argv[1])
ctx = ServiceContext(engine, Actor(None, "t", Role.LEADER, Clearance.INTERNAL, "测试"))
win = MainWindow(ctx, "test")
win.show()
qapp.processEvents()
first = win.current_key()
loaded = sorted(m for m in sys.modules if m not in before)
wait_for_all()  # the 工作台's snapshot and getting-started steps, read in the worker
qapp.processEvents()
at_start = sorted(sys.modules)
win.show_page("duty")
after_duty = sorted(m for m in sys.modules)
docs_page = win.show_page("documents")
after_documents = sorted(m for m in sys.modules)
editor = docs_page.new_document("通知")
after_editor = sorted(m for m in sys.modules)
win.close()
engine.dispose()
print(json.dumps({"first": first, "loaded": loaded, "at_start": at_start,
                  "after_duty": after_duty,
                  "after_documents": after_documents, "after_editor": after_editor,
                  "editors": len(docs_page.editors())}))
"""


def _heavy(names: list[str]) -> list[str]:
    prefixes = ("ortools", "pandas", "numpy", "alembic", "pygments", "pypdf", "jinja2", "docx")
    return [m for m in names if m.startswith(prefixes)]


def test_main_window_imports_only_its_first_page(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", CHILD, f"sqlite:///{tmp_path / 'g.sqlite3'}"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["first"] == "workbench"
    pages = [m for m in got["loaded"] if m.startswith("app.ui.") and m.endswith(".page")]
    assert pages == ["app.ui.workbench.page"]
    assert _heavy(got["loaded"]) == []
    # nothing the 工作台 does not use, though the kit it is built with can print
    assert not [m for m in got["at_start"] if m.startswith(
        ("app.typeset", "cryptography", "PySide6.QtPdf", "PySide6.QtPrintSupport", "docx"))]
    # visiting 值班 imports its page, still without the solver (loaded when a roster is solved)
    assert "app.ui.duty.page" in got["after_duty"]
    assert not [m for m in got["after_duty"] if m.startswith(("ortools", "pandas"))]
    # the 公文 list comes without its editor (typesetting, templates, python-docx: ~0.25 s) ...
    assert "app.ui.documents.page" in got["after_documents"]
    assert "app.ui.documents.editor" not in got["after_documents"]
    assert not [m for m in got["after_documents"] if m.startswith(("docx", "jinja2", "reportlab"))]
    # ... which loads when the first document is opened, and is then listed as open
    assert "app.ui.documents.editor" in got["after_editor"] and got["editors"] == 1


TEMPLATES_CHILD = r"""
import json, sys
from app.ui.qt import QApplication
qapp = QApplication([])
from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext
from app.storage.migrate import open_database
from app.ui import main_window
from app.ui.main_window import MainWindow

main_window.WARM_UP_MS = 600_000  # (the background warm-up would load python-docx's users)
engine = open_database(sys.argv[1])
ctx = ServiceContext(engine, Actor(None, "t", Role.ADMIN, Clearance.INTERNAL, "测试"))
win = MainWindow(ctx, "test")
page = win.show_page("templates")
while page.reading:  # (the list is read in the worker)
    qapp.processEvents()
forms = sorted(info.name for info in page.items.values() if info.format == "wordform")
listed = sorted(m for m in sys.modules if m.startswith(("docx", "docxtpl", "lxml")))
page.select("shipped:form_roster")
opened = page.editor is not None and page.editor.content.info.name
after_open = sorted(m for m in sys.modules if m.startswith(("docx", "docxtpl")))
win.close()
engine.dispose()
print(json.dumps({"forms": forms, "listed": listed, "opened": opened,
                  "after_open": after_open[:3]}))
"""


def test_template_page_lists_word_forms_without_python_docx(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", TEMPLATES_CHILD,
                          f"sqlite:///{tmp_path / 't.sqlite3'}"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["forms"] == ["交接班记录表", "值班表", "突发事件信息报告表"]
    assert got["listed"] == []
    # the form opens in the editor: python-docx is imported then
    assert got["opened"] == "值班表" and got["after_open"]


WARM_CHILD = r"""
import gc, json, sys, time
from app import heap
heap.hold_collections()  # as app/__main__.py starts the GUI
from app.ui.qt import QApplication
qapp = QApplication([])
from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext
from app.storage.migrate import open_database
from app.ui.kit import wait_for_all
from app.ui.main_window import MainWindow

open_database(sys.argv[1]).dispose()
engine = open_database(sys.argv[1])
ctx = ServiceContext(engine, Actor(None, "t", Role.ADMIN, Clearance.SECRET, "测试"))
win = MainWindow(ctx, "test")
warmed, pages_imported = [], []
win.warmed.connect(lambda: warmed.append(gc.get_freeze_count()))
win.pages_imported.connect(lambda: pages_imported.append(True))
collecting_before = gc.isenabled()
win.show()
frozen_at_show, collecting_after = gc.get_freeze_count(), gc.isenabled()
shown = set(sys.modules)
bench = win.show_page("workbench")
first = {"snapshot": False, "steps": False}
bench.refreshed.connect(lambda: first.__setitem__("snapshot", True))
bench.getting_started.loaded.connect(lambda: first.__setitem__("steps", True))
deadline = time.perf_counter() + 60
while not all(first.values()) and time.perf_counter() < deadline:
    qapp.processEvents()
    time.sleep(0.005)
first_read = sorted(m for m in set(sys.modules) - shown if m.startswith("app."))
deadline = time.perf_counter() + 90
while not (warmed and pages_imported) and time.perf_counter() < deadline:
    qapp.processEvents()
    time.sleep(0.01)
wait_for_all()
qapp.processEvents()
before_pages = set(sys.modules)
gui_imports, ui_imports = {}, {}
for key in win.page_keys():
    ahead = set(sys.modules)
    win.show_page(key)  # what the GUI thread imports while building the page ...
    gui_imports[key] = sorted(m for m in set(sys.modules) - ahead
                              if m.startswith("app.") and not m.startswith("app.ui."))
    ui_imports[key] = sorted(m for m in set(sys.modules) - ahead if m.startswith("app.ui."))
    wait_for_all()
    qapp.processEvents()
win.close()
engine.dispose()
from app.ui import collector
print(json.dumps({"warmed": bool(warmed), "gui_imports": gui_imports, "first_read": first_read,
                  "pages_imported": bool(pages_imported), "ui_imports": ui_imports,
                  "passes": sum(collector.start().passes),
                  "first": first,
                  "typeset_before": "app.typeset.notices" in before_pages,
                  "collecting": [collecting_before, collecting_after],
                  "frozen": [frozen_at_show, warmed[0] if warmed else 0]}))
"""


def test_pages_first_visits_find_their_modules_warmed(tmp_path):
    """The collector is held during start-up and the heap frozen once the window shows
    (``app/heap.py``). A few seconds after the window is up, the modules below the interface that the pages'
    first visits need are imported in the background (``PageSpec.warm``), so building each page
    on the GUI thread imports none of them (issue 30: the GUI thread's stalls)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", WARM_CHILD, f"sqlite:///{tmp_path / 'w.sqlite3'}"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["warmed"] and got["typeset_before"]
    assert {k: v for k, v in got["gui_imports"].items() if v} == {}
    # then the pages' own modules, on the GUI thread at idle ticks: a first visit builds its
    # widgets and imports nothing at all
    assert got["pages_imported"] and {k: v for k, v in got["ui_imports"].items() if v} == {}
    # the 工作台's first read (and the getting-started steps) import nothing in the worker beside
    # the window's first frames: its ``PageSpec.warm`` names every module it needs
    assert got["first"] == {"snapshot": True, "steps": True} and got["first_read"] == []
    # app/heap.py: no automatic collection during start-up, nor after it: once the window is
    # shown what start-up made is frozen and the GUI thread's timer collects (app/ui/collector.py);
    # the warm-up's imports are frozen too
    assert got["collecting"] == [False, False] and got["passes"] > 0
    at_show, after_warm_up = got["frozen"]
    assert at_show > 50_000 and after_warm_up > at_show
