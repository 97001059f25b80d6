"""Sizes measured in the widget's own font, so tables and filters fit their Chinese text at any
DPI and font: a column is so many ems (the advance of "国") wide, not so many pixels.

Fixed widths also keep lazy lists fast: ``resizeColumnsToContents`` would measure every loaded row
(and a 100 000-row model would fetch pages just to be measured)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.ui.qt import QAbstractItemView, QComboBox, QHeaderView, QTableView, QTreeView, QWidget


def em(widget: QWidget) -> int:
    """Width of one full-width character in ``widget``'s font."""
    return max(8, widget.fontMetrics().horizontalAdvance("国"))


def _header(view: QAbstractItemView) -> QHeaderView:
    if isinstance(view, QTableView):
        return view.horizontalHeader()
    assert isinstance(view, QTreeView)
    return view.header()


def size_columns(view: QTableView | QTreeView, keys: Sequence[str], ems: Mapping[str, float | str],
                 stretch: str | None = None, stretch_min: float | None = None) -> None:
    """Give column ``keys[i]`` a width of ``ems[key]`` ems — or, for a string, the width of that
    sample value (e.g. "2026-12-31": digits are narrower than an em, by how much depends on the
    font) plus a margin — user-resizable, its header label at least, plus room for the sort
    arrow; ``stretch`` takes what is left of the view's width. With ``stretch_min`` (ems) the
    view asks for a minimum width that leaves the stretched column that much (beside a detail
    panel in a splitter it would otherwise shrink to nothing)."""
    header = _header(view)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    unit = em(view)
    metrics = view.fontMetrics()
    model = view.model()
    for i, key in enumerate(keys):
        label = str(model.headerData(i, header.orientation()) or "") if model is not None else ""
        floor = header.fontMetrics().horizontalAdvance(label) + 2 * unit  # label + sort arrow
        size = ems.get(key, 6)
        width = metrics.horizontalAdvance(size) + unit if isinstance(size, str) \
            else round(size * unit)
        header.resizeSection(i, max(floor, width))
    if stretch is not None and stretch in keys:
        column = list(keys).index(stretch)
        header.setStretchLastSection(False)  # (a tree view's default) the named one stretches
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        if stretch_min is not None:
            others = sum(header.sectionSize(i) for i in range(len(keys)) if i != column)
            scroll = view.verticalScrollBar().sizeHint().width()
            view.setMinimumWidth(others + round(stretch_min * unit) + scroll
                                 + 2 * view.frameWidth())


def fit_combo(combo: QComboBox) -> None:
    """At least wide enough for its longest item (Qt's own estimate clips full-width brackets)."""
    longest = max((combo.itemText(i) for i in range(combo.count())),
                  key=combo.fontMetrics().horizontalAdvance, default="")
    combo.setMinimumWidth(combo.fontMetrics().horizontalAdvance(longest) + 3 * em(combo))


def fit_dialog(dialog: QWidget, min_ems: float = 26) -> None:
    """Size a form dialog to its content: every line edit at least as wide as its placeholder
    hint (新建会议 opened 221 px wide and cut “新类型时填写，如：临江市人民政府常务会议纪要”), the
    dialog at least ``min_ems`` ems wide, then its size hint. Call at the end of ``__init__``."""
    from app.ui.qt import QLineEdit

    unit = em(dialog)
    for edit in dialog.findChildren(QLineEdit):
        hint = edit.placeholderText()
        if hint:
            edit.setMinimumWidth(max(edit.minimumWidth(),
                                     edit.fontMetrics().horizontalAdvance(hint) + 2 * unit))
    dialog.setMinimumWidth(max(dialog.minimumWidth(), round(min_ems * unit)))
    dialog.adjustSize()


def mark_read_only(edit: QWidget, hint: str = "") -> None:
    """A field the user cannot edit looks it: a grey background, and its hint (e.g. 签发时自动编号)
    in light grey italics, so that the hint is not taken for a value."""
    from app.ui.qt import QColor, QLineEdit, QPalette

    assert isinstance(edit, QLineEdit)
    edit.setReadOnly(True)
    if hint:
        edit.setPlaceholderText(hint)
    edit.setToolTip(hint or "此项不能在这里修改")
    palette = edit.palette()
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(150, 150, 150))
    palette.setColor(QPalette.ColorRole.Base, QColor(240, 240, 240))
    edit.setPalette(palette)
    font = edit.font()
    font.setItalic(not edit.text())
    edit.setFont(font)
    edit.textChanged.connect(lambda text: _italic(edit, not text))


def _italic(edit: QWidget, on: bool) -> None:
    font = edit.font()
    font.setItalic(on)
    edit.setFont(font)
