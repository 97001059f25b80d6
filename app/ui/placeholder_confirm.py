"""The GUI side of the print path's placeholder check: when a print or export is refused because
the text still holds unfilled placeholders (×××, （…）, __ …), ask “仍要打印？” in a window-modal box
(``open()``, never a blocking ``exec``) and run ``again`` with the override only on an explicit 仍要打印."""

from __future__ import annotations

from collections.abc import Callable

from app.services.placeholders import UnfilledPlaceholders
from app.ui.qt import QMessageBox, Qt, QWidget


def ask_print_anyway(parent: QWidget, exc: UnfilledPlaceholders,
                     again: Callable[[], object]) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Warning, "文中有未填写的占位符", exc.message, parent=parent)
    shown = "、".join(exc.found[:10])
    box.setInformativeText(f"未填写：{shown}。建议先修改再打印；确需照此打印的，选“仍要打印”。")
    anyway = box.addButton("仍要打印", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("返回修改", QMessageBox.ButtonRole.RejectRole)
    box.setObjectName("placeholderBox")
    box.setWindowModality(Qt.WindowModality.WindowModal)

    def finished(_result: int) -> None:
        if box.clickedButton() is anyway:
            again()

    box.finished.connect(finished)
    box.open()
    return box
