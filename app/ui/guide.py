"""用户指南: the offline user guide (``resources/guide/guide.md``) in a window of its own, opened
from 帮助 → 用户指南 (F1) and from the workbench's getting-started panel. Markdown shown by Qt's
own text browser: no network, no browser."""

from __future__ import annotations

from app.paths import resource
from app.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QGuiApplication,
    Qt,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from app.ui.sizing import em

GUIDE = ("guide", "guide.md")


def guide_text() -> str:
    path = resource(*GUIDE)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return "# 用户指南\n\n未找到用户指南文件，请重新安装本程序。"


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userGuide")
        self.setWindowTitle("用户指南")
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)  # nothing to open: the guide is one offline page
        self.browser.setMarkdown(guide_text())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        unit = em(self)
        self.resize(60 * unit, 45 * unit)


_open: dict[int, GuideDialog] = {}


def open_guide(parent: QWidget | None = None) -> GuideDialog:
    """Show the guide (one window per parent, raised when already open); not modal."""
    key = id(parent)
    dialog = _open.get(key)
    if dialog is None:
        dialog = GuideDialog(parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _o=None, k=key: _open.pop(k, None))
        _open[key] = dialog
    again = dialog.isVisible()
    dialog.show()
    if again and QGuiApplication.platformName() != "offscreen":  # (offscreen cannot raise)
        dialog.raise_()
        dialog.activateWindow()
    return dialog
