"""The one way the GUI asks for a file: ``ask_save_path()`` (where to write an export, a print,
an attachment), ``ask_file()`` (a file to read) and, for callers that set the dialog up further,
``file_dialog()``.

A file dialog starts in the folder last used for the same kind of file (``FileKind``: printed
papers, spreadsheets, attachments, templates, …), and the first time in the user's documents
folder — never in the program's working folder (a relative default name such as
``审计日志.xlsx`` made Qt open the folder the program was started from, the source checkout).
Choosing a file remembers its folder for that kind in the desk's ``ui.ini`` (data folder, the
same file that keeps the window geometry). A remembered folder that no longer exists is skipped.

Dialogs are window-modal and non-blocking (``open()``; no nested event loop): the caller gets the
chosen path by callback (``ask_save_path``, ``ask_file``) or connects ``fileSelected`` itself
(``file_dialog``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path

from app.config import data_dir
from app.ui.qt import QDir, QFileDialog, QSettings, QStandardPaths, Qt, QWidget

SETTINGS_FILE = "ui.ini"
GROUP = "file_dialogs"

PDF = "PDF 文件 (*.pdf)"
DOCX = "Word 文档 (*.docx)"
XLSX = "Excel 工作簿 (*.xlsx)"
PNG = "PNG 图片 (*.png)"


class FileKind(StrEnum):
    """What a file is for: each kind remembers its own last folder."""

    PRINTS = "prints"  # PDF / Word output: 公文, 纪要, 值班表, 交接班记录, 信息专报
    SHEETS = "sheets"  # Excel output: 统计, 督办通报, 值班表
    AUDIT = "audit"  # 审计日志 exports (kept apart from everyday output)
    ATTACHMENTS = "attachments"  # 收文 attachments: added and saved as
    TEMPLATES = "templates"  # template import/export, Word forms
    DESCRIPTIONS = "descriptions"  # 公文描述 JSON imported
    IMAGES = "images"  # the office's seal image
    NOTICES = "notices"  # 国务院 holiday notices read on 节假日安排


def _settings() -> QSettings:
    return QSettings(str(data_dir() / SETTINGS_FILE), QSettings.Format.IniFormat)


def documents_folder() -> Path:
    """The user's documents folder (home when the platform has none or it is missing)."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if docs and Path(docs).is_dir():
        return Path(docs)
    return Path(QDir.homePath())


def start_folder(kind: FileKind) -> Path:
    """Where a dialog for ``kind`` opens: the folder last chosen for it, else documents."""
    value = _settings().value(f"{GROUP}/{kind.value}")
    if isinstance(value, str) and value and Path(value).is_dir():
        return Path(value)
    return documents_folder()


def remember(kind: FileKind, path: str | Path) -> None:
    """Keep the folder of ``path`` (or ``path`` itself when it is a folder) for ``kind``."""
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    if not str(folder) or not folder.is_dir():
        return
    settings = _settings()
    settings.setValue(f"{GROUP}/{kind.value}", str(folder.resolve()))
    settings.sync()


def file_dialog(parent: QWidget, kind: FileKind, title: str, *, save: bool = False,
                name: str = "", filters: Sequence[str] = (), suffix: str = "",
                multiple: bool = False) -> QFileDialog:
    """A window-modal file dialog for ``kind`` (not yet opened). ``save``: ask for a file to
    write, proposing ``name`` (a bare file name) in the start folder, with ``suffix`` added when
    the user types none; otherwise pick one existing file (``multiple``: several)."""
    dlg = QFileDialog(parent, title)
    dlg.setWindowModality(Qt.WindowModality.WindowModal)
    dlg.setDirectory(str(start_folder(kind)))
    if filters:
        dlg.setNameFilters(list(filters))
    if save:
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setFileMode(QFileDialog.FileMode.AnyFile)
        if suffix:
            dlg.setDefaultSuffix(suffix.lstrip("."))
        if name:
            dlg.selectFile(_bare(name))
    else:
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dlg.setFileMode(QFileDialog.FileMode.ExistingFiles if multiple
                        else QFileDialog.FileMode.ExistingFile)
    # connected first: the folder is remembered before the caller acts on the choice
    dlg.filesSelected.connect(lambda paths: remember(kind, paths[0]) if paths else None)
    return dlg


def ask_file(parent: QWidget, kind: FileKind, title: str, chosen: Callable[[str], object], *,
             save: bool = False, name: str = "", filters: Sequence[str] = (),
             suffix: str = "") -> QFileDialog:
    """Open ``file_dialog(...)`` and call ``chosen(path)`` once a file is chosen (nothing on
    cancel). The dialog deletes itself when done; it is returned for tests to drive."""
    dlg = file_dialog(parent, kind, title, save=save, name=name, filters=filters, suffix=suffix)
    dlg.fileSelected.connect(lambda path: chosen(path) if path else None)
    dlg.finished.connect(dlg.deleteLater)
    dlg.open()
    return dlg


def ask_save_path(parent: QWidget, kind: FileKind, title: str, chosen: Callable[[str], object],
                  *, name: str = "", filters: Sequence[str] = (),
                  suffix: str = "") -> QFileDialog:
    """The save-path chooser: where to write a file of ``kind``. Proposes ``name`` (made a bare,
    safe file name) in the folder last used for ``kind``; ``suffix`` is added when the user
    types none; ``chosen(path)`` runs once a path is chosen (nothing on cancel). The dialog is
    returned for tests to drive."""
    return ask_file(parent, kind, title, chosen, save=True, name=name, filters=filters,
                    suffix=suffix)


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _bare(name: str) -> str:
    """A proposed file name without folders or characters a file system refuses (a title such
    as ``关于A/B的通知`` would otherwise point into a folder)."""
    return _UNSAFE.sub("_", name).strip() or "未命名"
