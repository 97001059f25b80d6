"""A plain-text editor for template files: monospace, line numbers, highlighting of JSON keys,
Jinja ``{{ … }}`` / ``{% … %}`` and the ``$expr``/``$for``/``$if`` directives, and a marked line
for the problem the user picked."""

from __future__ import annotations

import re
from typing import ClassVar

from app.ui.qt import (
    QColor,
    QFont,
    QFontDatabase,
    QPainter,
    QPlainTextEdit,
    QRect,
    QSize,
    QSyntaxHighlighter,
    Qt,
    QTextCharFormat,
    QTextCursor,
    QTextEdit,
    QTextFormat,
    QWidget,
)


def _fmt(color: str, *, bold: bool = False) -> QTextCharFormat:
    f = QTextCharFormat()
    f.setForeground(QColor(color))
    if bold:
        f.setFontWeight(QFont.Weight.Bold)
    return f


class TemplateHighlighter(QSyntaxHighlighter):
    """Colours that make a template readable: keys, strings, placeholders, tags, directives."""

    RULES: ClassVar[list[tuple[re.Pattern[str], QTextCharFormat]]] = [
        (re.compile(r'"(?:[^"\\]|\\.)*"'), _fmt("#1a6b1a")),  # strings
        (re.compile(r'"(?:[^"\\]|\\.)*"(?=\s*:)'), _fmt("#1f3f8f", bold=True)),  # keys
        (re.compile(r'"\$(?:expr|for|each|if|then|else)"'), _fmt("#8f1f7a", bold=True)),
        (re.compile(r"\{\{.*?\}\}"), _fmt("#b35900", bold=True)),  # {{ placeholder }}
        (re.compile(r"\{%.*?%\}"), _fmt("#a01010", bold=True)),  # {% tag %}
        (re.compile(r"\\n"), _fmt("#888888")),  # line breaks inside a string
        (re.compile(r"\b(?:true|false|null)\b|-?\b\d+(?:\.\d+)?\b"), _fmt("#6a3d9a")),
    ]

    def highlightBlock(self, text: str) -> None:
        for pattern, fmt in self.RULES:
            for m in pattern.finditer(text):
                self.setFormat(m.start(), m.end() - m.start(), fmt)


class _LineNumbers(QWidget):
    def __init__(self, editor: CodeEdit) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self.editor.number_width(), 0)

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.editor.paint_numbers(event)


class CodeEdit(QPlainTextEdit):
    """``QPlainTextEdit`` with a line-number gutter (after Qt's Code Editor example)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(max(font.pointSize(), 10))
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 2)
        self.numbers = _LineNumbers(self)
        self.highlighter = TemplateHighlighter(self.document())
        self._problem_lines: list[int] = []
        self.blockCountChanged.connect(self._update_width)
        self.updateRequest.connect(self._update_numbers)
        self.cursorPositionChanged.connect(self._mark_lines)
        self._update_width()

    # ---- gutter --------------------------------------------------------------------------
    def number_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * max(digits, 2)

    def _update_width(self, _count: int = 0) -> None:
        self.setViewportMargins(self.number_width(), 0, 0, 0)

    def _update_numbers(self, rect: QRect, dy: int) -> None:
        if dy:
            self.numbers.scroll(0, dy)
        else:
            self.numbers.update(0, rect.y(), self.numbers.width(), rect.height())
        if rect.contains(self.viewport().rect()):
            self._update_width()

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        cr = self.contentsRect()
        self.numbers.setGeometry(QRect(cr.left(), cr.top(), self.number_width(), cr.height()))

    def paint_numbers(self, event) -> None:  # type: ignore[no-untyped-def]
        painter = QPainter(self.numbers)
        painter.fillRect(event.rect(), QColor("#f0f0f0"))
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                bad = (number + 1) in self._problem_lines
                painter.setPen(QColor("#c00000") if bad else QColor("#888888"))
                painter.drawText(0, top, self.numbers.width() - 4, height,
                                 Qt.AlignmentFlag.AlignRight, str(number + 1))
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
        painter.end()

    # ---- problems ------------------------------------------------------------------------
    def set_problem_lines(self, lines: list[int]) -> None:
        """File lines (1-based) with a problem: red numbers and a tinted background."""
        self._problem_lines = sorted(set(lines))
        self._mark_lines()
        self.numbers.update()

    def _mark_lines(self) -> None:
        selections = []
        for line in self._problem_lines:
            block = self.document().findBlockByNumber(line - 1)
            if not block.isValid():
                continue
            sel = QTextEdit.ExtraSelection()
            sel.format.setBackground(QColor("#ffe4e4"))
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            sel.cursor = QTextCursor(block)
            selections.append(sel)
        self.setExtraSelections(selections)

    def move_to(self, offset: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(max(0, min(offset, len(self.toPlainText()))))
        self.setTextCursor(cursor)
        self.centerCursor()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def insert_at_cursor(self, text: str) -> None:
        self.textCursor().insertText(text)
        self.setFocus(Qt.FocusReason.OtherFocusReason)
