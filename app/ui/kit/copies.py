"""The 份数 box beside a print button: how many copies one print makes (1–500). A 秘密/机密
print gives each copy its 份号 and registers it in the 涉密文件登记簿 (the paper path does)."""

from __future__ import annotations

from app.services import output
from app.ui.qt import QSpinBox, QWidget

# ``output.MAX_COPIES`` is read when a box is made: reading it at import would load the print
# path (and the typesetting model under it) with the kit, at start (issue 30)


def copies_box(parent: QWidget | None = None) -> QSpinBox:
    box = QSpinBox(parent)
    box.setObjectName("copiesBox")
    box.setRange(1, output.MAX_COPIES)
    box.setValue(1)
    box.setPrefix("共 ")
    box.setSuffix(" 份")
    box.setToolTip("打印份数：秘密、机密件每份编份号，并登记到涉密文件登记簿")
    return box
