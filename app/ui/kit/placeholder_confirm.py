"""The GUI side of the print path's placeholder check: when a print or export is refused because
the text still holds unfilled placeholders (×××, （…）, __ …), ask “仍要打印？” in a window-modal box
(``open()``, never a blocking ``exec``) and run ``again`` with the override only on an explicit 仍要打印."""

from __future__ import annotations

from collections.abc import Callable

from app.services.placeholders import UnfilledPlaceholders
from app.ui.kit.messages import confirm
from app.ui.qt import QMessageBox, QWidget


def ask_print_anyway(parent: QWidget, exc: UnfilledPlaceholders,
                     again: Callable[[], object]) -> QMessageBox:
    shown = "、".join(exc.found[:10])
    return confirm(parent, "文中有未填写的占位符", exc.message, "仍要打印", again,
                   informative=f"未填写：{shown}。建议先修改再打印；确需照此打印的，选“仍要打印”。",
                   icon=QMessageBox.Icon.Warning, reject_label="返回修改", default=None,
                   name="placeholderBox")
