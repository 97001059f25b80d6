"""Collect the text a user sees in a widget tree (labels, buttons, tabs, table headers and cells,
combo items, placeholders, tooltips, menus, window titles) and find the Latin words in it.

Used by ``test_chinese_everywhere``: every page and dialog of the main window is walked and a
Latin word outside ``ALLOWED`` (formats, key names, standard numbers) fails the test. Text the
user typed (user names, the template code editor's Jinja) is not the program's wording and is
passed in as ``also_allowed`` or skipped (``QPlainTextEdit`` contents; its placeholder counts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.ui.qt import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QModelIndex,
    QPlainTextEdit,
    Qt,
    QTabBar,
    QTextEdit,
    QWidget,
)

#: Latin words a Chinese office reads as they are.
ALLOWED = {
    "PDF", "DOCX", "XLSX", "XLS", "OFD", "ID", "Word", "Excel", "WPS", "CSV", "JSON", "HTML",
    "Ctrl", "Shift", "Alt", "Esc", "Enter", "Tab", "Del", "Delete", "F1", "F2", "F5", "PgUp",
    "PgDn", "Home", "End", "GB", "T", "SQLite", "PostgreSQL", "SM", "SM3", "SM4", "HMAC", "GCM",
    "OK", "A", "B", "C", "A4", "IP", "QQ", "PNG", "JPG", "Jinja", "GovDesk",
    # font names (proper names the user needs to find the font): 仿宋_GB2312, the stand-ins
    "GB2312", "GB18030", "Regular", "FandolFang", "FandolSong", "FandolHei", "FandolKai",
    "GovDeskTitleSerif", "Noto", "Sans", "Serif", "CJK", "SC",
}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
TAG = re.compile(r"<[^>]*>")
ENTITY = re.compile(r"&[a-z]+;|&#\d+;")


MNEMONIC = re.compile(r"\(&[A-Za-z0-9]\)|&[A-Za-z0-9]")  # 查询(&Q)
SHORTCUT = re.compile(r"\b(Ctrl|Shift|Alt|Meta)\+[A-Za-z0-9+]+")  # Ctrl+Shift+P
EXTENSION = re.compile(r"\.(json|docx|xlsx|pdf|ofd|html|md|csv|txt|png|jpg|zip|gdx|govdesk)\b")


PATH = re.compile(r"(?:[A-Za-z]:)?[/\\][^\s“”，。；（）()]+")  # a file's path is data


def _clean(text: str) -> str:
    text = TAG.sub(" ", text)
    text = PATH.sub(" ", text)
    text = ENTITY.sub(" ", text)
    text = MNEMONIC.sub(" ", text)
    text = SHORTCUT.sub(" ", text)
    return EXTENSION.sub(" ", text)


def _model_texts(view: QAbstractItemView, max_rows: int = 60) -> Iterable[str]:
    model = view.model()
    if model is None:
        return
    def columns(parent) -> int:  # type: ignore[no-untyped-def]
        try:
            return model.columnCount(parent)
        except TypeError:
            if parent.isValid():
                return 0  # a list model: one column (columnCount is private there)
            return 1

    def rows(parent, depth: int):  # type: ignore[no-untyped-def]
        for r in range(min(model.rowCount(parent), max_rows)):
            for c in range(columns(parent)):
                index = model.index(r, c, parent)
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                    value = model.data(index, role)
                    if isinstance(value, str) and value:
                        yield value
                if c == 0 and depth < 3 and columns(index) and model.rowCount(index):
                    yield from rows(index, depth + 1)

    header = getattr(view, "horizontalHeader", None)
    if header is not None and not view.horizontalHeader().isHidden():  # type: ignore[attr-defined]
        for c in range(columns(QModelIndex())):
            value = model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
            if value:
                yield str(value)

    yield from rows(QModelIndex(), 0)


def texts_of(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) of everything visible in ``root`` and its visible descendants."""
    out: list[tuple[str, str]] = []

    def add(w: QWidget, text: object) -> None:
        if isinstance(text, str) and text.strip():
            out.append((f"{type(w).__name__}:{w.objectName()}", text))

    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if w is not root and not w.isVisibleTo(root):
            continue
        add(w, w.toolTip())
        if w.isWindow():
            add(w, w.windowTitle())
        if isinstance(w, QLabel):
            add(w, w.text())
        elif isinstance(w, QAbstractButton):
            add(w, w.text())
            menu = getattr(w, "menu", lambda: None)()
            if menu is not None:
                for a in menu.actions():
                    add(w, a.text())
        elif isinstance(w, QLineEdit):
            add(w, w.placeholderText())
            if w.isReadOnly() or not w.isEnabled():
                add(w, w.text())
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                add(w, w.itemText(i))
        elif isinstance(w, QGroupBox):
            add(w, w.title())
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                add(w, w.tabText(i))
                add(w, w.tabToolTip(i))
        elif isinstance(w, QAbstractItemView):
            for t in _model_texts(w):
                add(w, t)
        elif isinstance(w, QAbstractSpinBox):
            add(w, w.text())
        elif isinstance(w, (QPlainTextEdit, QTextEdit)):
            add(w, w.placeholderText())
            if isinstance(w, QTextEdit) and w.isReadOnly():  # (the user guide too)
                add(w, w.toPlainText())
        elif isinstance(w, QMenu):
            for a in w.actions():
                add(w, a.text())
    return out


def latin_words(pairs: Iterable[tuple[str, str]], also_allowed: Iterable[str] = ()) -> list[str]:
    """``where: word in “text”`` for every Latin word not allowed."""
    allowed = ALLOWED | set(also_allowed)
    bad = []
    for where, text in pairs:
        for word in WORD.findall(_clean(text)):
            if word not in allowed and not re.fullmatch(r"F\d{1,2}", word):
                bad.append(f"{where}: {word} in “{text[:80]}”")
    return sorted(set(bad))
