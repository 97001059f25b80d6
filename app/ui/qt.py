"""The one module that imports PySide6 (as Anki's ``aqt.qt``): every other module in app/ui —
compiled forms included — imports Qt names from here. Swapping or pinning the binding, or working
around a Qt bug, then happens in one place.
"""

# ruff: noqa: F401, F403 - this module re-exports Qt's names: the star imports are its purpose
from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtCore import *
from PySide6.QtCore import Signal, Slot, qVersion
from PySide6.QtGui import *
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import *
from shiboken6 import isValid as qt_alive  # False once the C++ object behind a wrapper is gone
