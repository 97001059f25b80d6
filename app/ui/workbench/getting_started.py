"""开始使用: the first-run panel on the workbench — each step a link that opens the page doing it,
ticked when done (read from the records in the worker, never on the GUI thread). Shown while a
step the user may do is open; 暂时隐藏 hides it for the session. 用户指南 (F1) opens beside it.

The holiday step opens the 节假日安排 page, which imports the notice (choose the file, see what it
changes, confirm).
"""

from __future__ import annotations

from app.services import office
from app.services.context import ServiceContext
from app.services.office import Step
from app.ui.kit import TaskHandle, run_task
from app.ui.qt import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)

DONE, OPEN = "✔", "○"


class GettingStartedPanel(QGroupBox):
    """Signals ``loaded`` after the steps are shown."""

    loaded = Signal()

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__("开始使用（完成以下几步，即可按本单位的情况使用）", parent)
        self.setObjectName("gettingStarted")
        self.ctx = ctx
        self.steps: list[Step] = []
        self.hidden_by_user = False
        self.task: TaskHandle | None = None
        self.grid = QGridLayout()
        self.grid.setColumnStretch(2, 1)
        self.marks: dict[str, QLabel] = {}
        self.links: dict[str, QLabel] = {}
        self.hide_button = QPushButton("暂时隐藏")
        self.hide_button.setToolTip("本次登录不再显示；下次登录时仍有未完成的步骤会再显示")
        self.hide_button.clicked.connect(self._hide_for_session)
        self.guide_button = QPushButton("用户指南（F1）")
        self.guide_button.clicked.connect(self._open_guide)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.guide_button)
        buttons.addWidget(self.hide_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.grid)
        layout.addLayout(buttons)
        self.setVisible(False)

    # ------------------------------------------------------------------ reading
    def refresh(self) -> TaskHandle | None:
        if self.hidden_by_user or (self.task is not None and not self.task.finished):
            return None
        self.task = run_task(lambda _c: office.steps(self.ctx), on_result=self.show_steps,
                             on_error=lambda _e: None, parent=self)
        self.task.done.connect(self.task.deleteLater)
        return self.task

    @property
    def wanted(self) -> bool:
        """Whether a read of the steps would be shown (not hidden for this session)."""
        return not self.hidden_by_user

    def show_steps(self, steps: list[Step]) -> None:
        """Show ``steps`` as read (by ``refresh``, or beside the 工作台's snapshot)."""
        self.steps = steps
        for row, step in enumerate(steps):
            if step.key not in self.marks:
                mark, link, detail = QLabel(), QLabel(), QLabel(step.detail)
                detail.setStyleSheet("color: #666;")
                link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                             | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
                link.linkActivated.connect(lambda _href, k=step.key: self.open_step(k))
                self.grid.addWidget(mark, row, 0)
                self.grid.addWidget(link, row, 1)
                self.grid.addWidget(detail, row, 2)
                self.marks[step.key], self.links[step.key] = mark, link
            may = office.may_do(self.ctx, step)
            self.marks[step.key].setText(DONE if step.done else OPEN)
            self.marks[step.key].setStyleSheet("color: #1a7f37; font-weight: bold;" if step.done
                                               else "color: #999;")
            title = f"{row + 1}. {step.title}"
            if step.done:
                self.links[step.key].setText(f"<s>{title}</s>（已完成）")
            elif may:
                self.links[step.key].setText(f"<a href='{step.key}'>{title}</a>")
            else:
                self.links[step.key].setText(f"{title}（请系统管理员完成）")
        open_steps = [s for s in steps if not s.done]
        self.setVisible(bool(open_steps) and not self.hidden_by_user
                        and any(office.may_do(self.ctx, s) for s in open_steps))
        self.loaded.emit()

    def _hide_for_session(self) -> None:
        self.hidden_by_user = True
        self.setVisible(False)

    # ------------------------------------------------------------------ acting
    def open_step(self, key: str) -> QWidget | None:
        """Open the page (and tab) of step ``key``; returns the page shown."""
        step = next(s for s in self.steps if s.key == key)
        window = self.window()
        keys = window.page_keys() if hasattr(window, "page_keys") else []
        if step.page not in keys:  # a step the user may not do is shown as text, not a link
            return None
        page = window.show_page(step.page)  # type: ignore[attr-defined]
        if step.tab:
            for tabs in [page, *page.findChildren(QTabWidget)]:
                if isinstance(tabs, QTabWidget):
                    for i in range(tabs.count()):
                        if tabs.tabText(i) == step.tab:
                            tabs.setCurrentIndex(i)
        return page

    def _open_guide(self) -> None:
        from app.ui.guide import open_guide

        open_guide(self.window())
