"""Form rows: every hand-built form lays out its labelled fields the same way.

    form = FormRows(dialog)
    form.row("来文单位(&S)", self.sender)     # “来文单位(S)：”, Alt+S goes to the field
    form.row("办理时限", deadline_layout)      # a field may be a layout (a row of widgets)
    form.field(self.sealed)                    # under the fields, without a label (a check box)
    form.span(buttons)                         # across both columns (notes, buttons, message line)

A label ends in a full-width colon (added when missing; an ASCII colon becomes one), keeps its
``&`` mnemonic with the field as its buddy, and stands right-aligned beside its field; fields grow
with the dialog. Forms designed in Qt Designer (``forms/*.ui``) keep their own layout.
"""

from __future__ import annotations

from app.ui.qt import QFormLayout, QLabel, QLayout, Qt, QWidget

COLON = "："


def label_text(text: str) -> str:
    """``text`` as a form label: ending in “：” (an empty label stays empty)."""
    text = text.rstrip()
    if not text:
        return ""
    if text.endswith((":", COLON)):
        text = text[:-1]
    return text + COLON


class FormRows(QFormLayout):
    """A ``QFormLayout`` set up the one way; add rows with ``row``, ``field`` and ``span``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)

    def row(self, label: str, field: QWidget | QLayout, *, tip: str = "") -> QLabel:
        """A labelled row; ``tip`` goes on the label and the field. Returns the label."""
        lab = QLabel(label_text(label))
        if isinstance(field, QWidget):
            lab.setBuddy(field)
            if tip:
                field.setToolTip(tip)
        if tip:
            lab.setToolTip(tip)
        self.addRow(lab, field)
        return lab

    def field(self, field: QWidget | QLayout) -> None:
        """A row in the field column without a label (a check box, a note under a field)."""
        self.addRow(QLabel(), field)

    def span(self, item: QWidget | QLayout) -> None:
        """A row across both columns (a heading, the dialog's buttons, its message line)."""
        self.addRow(item)
