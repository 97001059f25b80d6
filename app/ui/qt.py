"""The one module that imports PySide6 (as Anki's ``aqt.qt``): every other module in app/ui —
compiled forms included — imports Qt names from here. Swapping or pinning the binding, or working
around a Qt bug, then happens in one place.

Names are looked up on first use (PEP 562), not star-imported: PySide6 creates a class's Python
type when it is first read from its module, and a star import reads all of them — ≈ 1 500
classes of QtCore, QtGui and QtWidgets, ≈ 12 MB of a desk's memory for the ~120 the program uses
(issue 30). QtPdf, QtPdfWidgets and QtPrintSupport load with their first name (a preview, a
printer), not at start. The type checker sees the star imports below.
"""

# ruff: noqa: F401, F403 - this module re-exports Qt's names: the star imports are its purpose
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtCore import Signal, Slot, qVersion
from shiboken6 import isValid as qt_alive  # False once the C++ object behind a wrapper is gone

if TYPE_CHECKING:
    from PySide6.QtCore import *
    from PySide6.QtGui import *
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
    from PySide6.QtWidgets import *

#: where the names that are not in the three main modules come from
_ELSEWHERE = {"QPdfDocument": "PySide6.QtPdf", "QPdfView": "PySide6.QtPdfWidgets",
              "QPrintDialog": "PySide6.QtPrintSupport", "QPrinter": "PySide6.QtPrintSupport",
              "QPrintPreviewDialog": "PySide6.QtPrintSupport"}
# a later star import used to shadow an earlier one: QtWidgets, then QtGui, then QtCore
_MAIN = (QtWidgets, QtGui, QtCore)


def __getattr__(name: str) -> Any:
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    elsewhere = _ELSEWHERE.get(name)
    if elsewhere is not None:
        import importlib

        value = getattr(importlib.import_module(elsewhere), name)
    else:
        for module in _MAIN:
            value = getattr(module, name, _MISSING)
            if value is not _MISSING:
                break
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # read once: the next import finds it in the module
    return value


_MISSING = object()


def _quiet_feature_hook() -> None:
    """PySide6 6.8 looks at every module imported after it for the text "PySide6"
    (``shibokensupport.feature._mod_uses_pyside``, for its ``__feature__`` switches) with
    ``inspect.getsource`` — which keeps every line of every such module in ``linecache`` for
    the life of the process (≈ 330 files, 3 MB at start) and splits each into lines. The same
    answer from the file's bytes, read once and dropped. The program uses no ``__feature__``."""
    feature = sys.modules.get("shibokensupport.feature")
    upstream = getattr(feature, "_mod_uses_pyside", None)
    if upstream is None or getattr(upstream, "govdesk", False):
        return

    def _mod_uses_pyside(module: Any) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return bool(upstream(module))
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return bool(upstream(module))

    _mod_uses_pyside.govdesk = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = _mod_uses_pyside  # type: ignore[union-attr]


_quiet_feature_hook()
