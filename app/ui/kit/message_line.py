"""The message line: where a page (or a dialog) says what its last act did.

One widget under a page's controls shows the result of the last act (``ok``: green), a refusal
or failure (``error``: red, the service's own words via ``describe``; a bug is logged, the user
sees the short sentence), or a neutral note (``say``). While background work runs it also shows
a progress bar and, for work that can be stopped, a 取消 button (``busy`` / ``progress`` /
``idle``; ``app.ui.kit.busy.run_busy`` drives them around a ``run_task``). Nothing here opens a
box: the line is read in passing and never stops the user.

``text()`` / ``setText()`` behave like a ``QLabel``'s (``setText`` is ``say``), so the line
stands where a label stood.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.errors import UserError, storage_problem
from app.ui.kit.messages import describe
from app.ui.qt import QHBoxLayout, QLabel, QProgressBar, QPushButton, Qt, QWidget

log = logging.getLogger(__name__)

OK_COLOUR = "#1b6e20"
ERROR_COLOUR = "#b00020"


class MessageLine(QWidget):
    """``ok(text)``, ``error(exc_or_text)``, ``say(text)``, ``clear()``; ``busy(text, cancel=)``,
    ``progress(percent, text)``, ``idle()`` around background work. ``kind`` is the last kind
    of message shown ("ok", "error", "note" or "" when empty)."""

    def __init__(self, parent: QWidget | None = None, *, name: str = "", text: str = "") -> None:
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self.label = QLabel(text)
        self.label.setObjectName("messageText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # a title with <…> stays text
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar()
        self.bar.setObjectName("messageProgress")
        self.bar.setMaximumWidth(200)
        self.bar.setMaximumHeight(16)
        self.bar.hide()
        self.cancel_button = QPushButton("取消")
        self.cancel_button.setObjectName("messageCancel")
        self.cancel_button.setToolTip("停止正在进行的操作")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self._cancel_clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar)
        row.addWidget(self.cancel_button)  # beside the bar: in one place however long the text
        row.addWidget(self.label, 1)
        self.kind = "note" if text else ""
        self._cancel: Callable[[], object] | None = None
        self._busy = False
        self._spoke = False  # something was said while busy: ``idle`` keeps it
        #: the work this line currently shows (``run_busy``): only its end hides the bar
        self.owner: object | None = None

    # ---- messages ------------------------------------------------------------------------------
    def text(self) -> str:
        return self.label.text()

    def setText(self, text: str) -> None:  # a QLabel's name: the line stands where one stood
        self.say(text)

    def say(self, text: str) -> None:
        """A neutral note (a hint, a count, what is running)."""
        self._show(text, "note" if text else "", "")

    def ok(self, text: str) -> None:
        """What the last act did (green)."""
        self._show(text, "ok", OK_COLOUR)

    def error(self, problem: BaseException | str) -> None:
        """A refusal or a failure (red): a ``UserError`` in its own words, a storage problem as
        such, anything else as the short internal-error sentence (and logged with its
        traceback: it is a bug)."""
        if isinstance(problem, BaseException):
            if not isinstance(problem, UserError) and storage_problem(problem) is None:
                log.error("页面操作失败", exc_info=problem)
            text = describe(problem)
        else:
            text = problem
        self._show(text, "error", ERROR_COLOUR)

    def clear(self) -> None:
        self._show("", "", "")

    def _show(self, text: str, kind: str, colour: str) -> None:
        self.kind = kind
        self.label.setStyleSheet(f"color: {colour};" if colour else "")
        self.label.setText(text)
        if self._busy:
            self._spoke = True

    # ---- background work -----------------------------------------------------------------------
    @property
    def is_busy(self) -> bool:
        return self._busy

    def busy(self, text: str, *, cancel: Callable[[], object] | None = None) -> None:
        """Work has started: ``text`` with a running bar (no percentage until ``progress``) and,
        when ``cancel`` is given, a 取消 button that calls it."""
        self._show(text, "note", "")
        self._busy, self._spoke = True, False
        self._cancel = cancel
        self.bar.setRange(0, 0)
        self.bar.show()
        self.cancel_button.setEnabled(True)
        self.cancel_button.setVisible(cancel is not None)

    def progress(self, percent: int, text: str = "") -> None:
        """The work reports ``percent`` (and what it is doing)."""
        if not self._busy:
            return
        self.bar.setRange(0, 100)
        self.bar.setValue(max(0, min(100, int(percent))))
        if text:
            self.label.setText(text)

    def idle(self) -> None:
        """The work ended: bar and 取消 go; its busy text goes too unless something else was said
        meanwhile."""
        if self._busy and not self._spoke:
            self.clear()
        self._busy, self._spoke, self._cancel, self.owner = False, False, None, None
        self.bar.hide()
        self.cancel_button.hide()

    def _cancel_clicked(self) -> None:
        if self._cancel is not None:
            self.cancel_button.setEnabled(False)  # once: the work stops at its next check
            self.label.setText("正在取消……")
            self._cancel()
