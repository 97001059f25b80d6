"""The conflict dialog: shown when a save fails with ``ConflictError`` (optimistic locking —
someone else saved the same record since it was read).

It shows both versions side by side, field by field (“我的修改” / “他人已保存的版本”), with the
differing rows marked, and lets the user choose explicitly: take the saved version (their edits
are discarded) or go back to editing on top of the saved version (the form is refilled with the
saved values plus the user's changed fields, and saving again is a new, deliberate act). Never a
silent overwrite: there is no "save anyway" button.

    dlg = ConflictDialog("安全设置", [("自动锁定（分钟）", "5", "15"), …], parent)
    dlg.finished.connect(lambda _r: handle(dlg.choice))   # "reload" or "reapply"
    dlg.open()
"""

from __future__ import annotations

from collections.abc import Sequence

from app.ui.qt import (
    QBrush,
    QColor,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

RELOAD = "reload"
REAPPLY = "reapply"
_DIFF = QColor("#fff2cc")


class ConflictDialog(QDialog):
    def __init__(self, record: str, fields: Sequence[tuple[str, str, str]],
                 parent: QWidget | None = None, *, saved_by: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("保存冲突")
        self.setObjectName("conflictDialog")
        self.choice: str | None = None
        who = f"“{saved_by}”" if saved_by else "其他用户"
        self.label = QLabel(
            f"您编辑期间，{who}已保存了“{record}”的新版本，您的修改尚未保存。\n"
            "下表左右对照两个版本，底色标出不同之处。请选择：")
        self.label.setWordWrap(True)
        self.table = QTableWidget(len(fields), 3)
        self.table.setObjectName("conflictTable")
        self.table.setHorizontalHeaderLabels(["项目", "我的修改", "他人已保存的版本"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.differing: list[str] = []
        for row, (name, mine, theirs) in enumerate(fields):
            items = [QTableWidgetItem(name), QTableWidgetItem(mine), QTableWidgetItem(theirs)]
            if mine != theirs:
                self.differing.append(name)
                for item in items:
                    item.setBackground(QBrush(_DIFF))
            for col, item in enumerate(items):
                self.table.setItem(row, col, item)
        buttons = QDialogButtonBox()
        self.reload_button = QPushButton("采用已保存的版本(&R)")
        self.reapply_button = QPushButton("在已保存版本上继续编辑(&E)")
        self.reload_button.setToolTip("放弃我的修改，显示他人已保存的内容")
        self.reapply_button.setToolTip("以已保存的版本为底，填回我改过的项目，检查后再保存")
        buttons.addButton(self.reload_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.addButton(self.reapply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.reload_button.clicked.connect(lambda: self._choose(RELOAD))
        self.reapply_button.clicked.connect(lambda: self._choose(REAPPLY))
        self.reapply_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(640, 120 + 32 * max(3, len(fields)))

    def _choose(self, choice: str) -> None:
        self.choice = choice
        if choice == REAPPLY:
            self.accept()
        else:
            self.reject()

    def reject(self) -> None:  # Esc and the title bar mean "take the saved version"
        if self.choice is None:
            self.choice = RELOAD
        super().reject()
