"""XLSX on the paper path: the 密级 as the first row and in the sheet name, user text as text.

* ``mark_workbook(wb, level)`` marks a workbook built in memory (``Workbook()``): a first row
  ``密级：秘密`` is inserted above every sheet's content, the sheet is named ``名称（秘密）``, and
  every cell of text is stored as text (formula injection: ``=HYPERLINK(…)`` typed by a user
  stays a string, never a formula).
* ``marked_sheet(wb, title, level)`` does the same for a write-only (streaming) workbook, whose
  rows cannot be moved afterwards: the sheet starts with the mark row, and its ``append``
  stores text as text.
* ``workbook_bytes(wb)`` is the saved file.
"""

from __future__ import annotations

import io
from typing import Any

from app.services.output.result import level_label

#: characters a spreadsheet reads as the start of a formula
FORMULA_START = ("=", "+", "-", "@")
MAX_SHEET_TITLE = 31  # Excel's limit


def mark_text(level: int) -> str:
    label = level_label(level)
    return f"密级：{label}" if label else ""


def sheet_title(title: str, level: int) -> str:
    label = level_label(level)
    if not label:
        return title[:MAX_SHEET_TITLE]
    suffix = f"（{label}）"
    return title[:MAX_SHEET_TITLE - len(suffix)] + suffix


def _risky(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def start_sheet(ws: Any, title: str, level: int) -> int:
    """Name an empty in-memory sheet and write its mark row; returns the rows used (0 or 1), for
    writers whose charts or formats refer to row numbers."""
    ws.title = sheet_title(title, level)
    mark = mark_text(level)
    if not mark:
        return 0
    from openpyxl.styles import Font

    ws.append([mark])
    ws.cell(1, 1).font = Font(bold=True, color="C00000")
    return 1


def text_as_text(wb: Any) -> None:
    """Every cell of text in an in-memory workbook is stored as text (never as a formula)."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if _risky(cell.value):
                    cell.data_type = "s"


def mark_workbook(wb: Any, level: int) -> None:
    """Mark every sheet of an in-memory workbook (see the module text) and store text as text."""
    mark = mark_text(level)
    for ws in wb.worksheets:
        if mark:
            frozen = ws.freeze_panes
            ws.insert_rows(1)
            ws.cell(1, 1, mark)
            from openpyxl.styles import Font

            ws.cell(1, 1).font = Font(bold=True, color="C00000")
            if frozen:
                col = "".join(ch for ch in frozen if ch.isalpha())
                row = int("".join(ch for ch in frozen if ch.isdigit()))
                ws.freeze_panes = f"{col}{row + 1}"
            ws.title = sheet_title(ws.title, level)
    text_as_text(wb)


class _SafeSheet:
    """A write-only sheet whose first row is the 密级 mark (if any) and whose ``append`` stores
    text as text."""

    def __init__(self, ws: Any, mark: str) -> None:
        self._ws = ws
        self._mark = mark

    def append(self, values: list[Any]) -> None:
        from openpyxl.cell import WriteOnlyCell

        if self._mark:  # written with the first row, after the column widths were set
            self._ws.append([self._mark])
            self._mark = ""
        row = []
        for v in values:
            if _risky(v):
                cell = WriteOnlyCell(self._ws, v)
                cell.data_type = "s"
                row.append(cell)
            else:
                if _risky(getattr(v, "value", None)):
                    v.data_type = "s"
                row.append(v)
        self._ws.append(row)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ws, name)


def marked_sheet(wb: Any, title: str, level: int) -> Any:
    """A new sheet of a write-only workbook, named and headed with the 密级 (see module text).
    Set column widths before the first ``append`` (openpyxl's write-only rule)."""
    return _SafeSheet(wb.create_sheet(sheet_title(title, level)), mark_text(level))


def workbook_bytes(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
