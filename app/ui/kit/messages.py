"""The GUI's questions and notices, and its error handling: short Chinese messages, never a
traceback dialog, never a nested event loop.

Every box here is window-modal and opened with ``open()``: the page goes on serving events and
the answer comes back by callback (continuation style). ``confirm`` asks yes/no before an act,
``ask_unsaved`` asks 保存 / 不保存 / 取消, ``warn`` and ``inform`` show a notice with 确定. Each
returns its box for the caller (and tests) to hold. No module outside ``app/ui/kit`` calls a
blocking ``QMessageBox`` static or ``exec()``s a box (tests/ui/test_kit.py checks the sources).

``install_excepthook(log_dir)`` routes uncaught exceptions to a log file in the data folder and
shows a short Chinese message; ``UserError`` shows its own message. ``describe(exc)`` turns an
exception into the sentence a dialog shows.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from app.errors import UserError, storage_problem
from app.ui.qt import QApplication, QInputDialog, QMessageBox, Qt, QThread, QWidget

log = logging.getLogger("app")
LOG_FILE = "govdesk.log"


def describe(exc: BaseException) -> str:
    """The sentence for ``exc``: a ``UserError``'s own message; a locked database or a full disk
    (also when it reaches the GUI as a plain driver or ``OSError``) says so and that nothing
    saved was lost; anything else is a bug, logged."""
    if isinstance(exc, UserError):
        return exc.message
    problem = storage_problem(exc)
    if problem is not None:
        return problem.message
    return "程序内部错误，详情已写入日志文件。请联系管理员。"


def setup_logging(log_dir: Path) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def install_excepthook(log_path: Path) -> None:
    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        problem = storage_problem(exc)
        if isinstance(exc, UserError):
            text = exc.message
        elif problem is not None:
            log.warning("存储不可用：%s", exc)
            text = problem.message
        else:
            log.error("未处理的异常\n%s", "".join(traceback.format_exception(kind, exc, tb)))
            text = f"程序出现内部错误，已记录到日志：\n{log_path}\n\n请将该文件提供给管理员。"
        if QApplication.instance() is None:  # pragma: no cover - before the application exists
            print(text, file=sys.stderr)
        elif event_loop_running():  # the usual case: a slot raised, the window goes on
            notice(QMessageBox.Icon.Critical, QApplication.activeWindow(), "出错了", text,
                   name="errorBox")
        else:  # no event loop yet (start-up): nothing would keep a non-blocking box up
            fatal("出错了", text)

    sys.excepthook = hook


def event_loop_running() -> bool:
    """True once the GUI thread runs its event loop (``app.exec()``)."""
    return QThread.currentThread().loopLevel() > 0


def fatal(title: str, text: str) -> None:
    """A critical message shown before the event loop runs (the database cannot be opened, an
    error during start-up): there is no loop yet to keep a non-blocking box on screen, and the
    program ends right after, so this one box blocks until it is closed. Never call it from a
    running page: use ``warn`` (or the page's message line)."""
    QMessageBox.critical(None, title, text)


_held: set[QMessageBox] = set()  # boxes without a parent, kept alive until they close


def notice(icon: QMessageBox.Icon, parent: QWidget | None, title: str, text: str, *,
           informative: str = "", name: str = "",
           then: Callable[[], object] | None = None) -> QMessageBox:
    """A notice with one 确定 button, window-modal and opened with ``open()`` (no nested event
    loop); ``then`` runs once it is closed."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    if informative:
        box.setInformativeText(informative)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    if name:
        box.setObjectName(name)
    if parent is None:
        _held.add(box)
        box.finished.connect(lambda _r: _held.discard(box))
    if then is not None:
        box.finished.connect(lambda _r: then())
    box.open()
    return box


def warn(parent: QWidget | None, title: str, text: str, *, informative: str = "",
         name: str = "", then: Callable[[], object] | None = None) -> QMessageBox:
    """A warning with 确定, for what must not be missed and has no message line to go on (a
    page or dialog shows its refusals on its ``MessageLine``)."""
    return notice(QMessageBox.Icon.Warning, parent, title, text, informative=informative,
                  name=name, then=then)


def inform(parent: QWidget | None, title: str, text: str, *, informative: str = "",
           name: str = "", then: Callable[[], object] | None = None) -> QMessageBox:
    """Information with 确定 (e.g. 关于)."""
    return notice(QMessageBox.Icon.Information, parent, title, text, informative=informative,
                  name=name, then=then)


SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def ask_unsaved(parent: QWidget, title: str, text: str, informative: str,
                answered: Callable[[str], None], *, save_label: str = "保存",
                name: str = "") -> QMessageBox:
    """The one question before unsaved edits would be lost: 保存 / 不保存 / 取消 (default 保存,
    Esc 取消), window-modal and opened with ``open()`` — no nested event loop. ``answered`` gets
    ``SAVE``, ``DISCARD`` or ``CANCEL`` (closing the box cancels). The box is returned for
    callers and tests to hold."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    box.setInformativeText(informative)
    save = box.addButton(save_label, QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("不保存", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(save)
    box.setEscapeButton(cancel)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    if name:
        box.setObjectName(name)

    def finished(_result: int) -> None:
        clicked = box.clickedButton()
        answered(SAVE if clicked is save else DISCARD if clicked is discard else CANCEL)

    box.finished.connect(finished)
    box.open()
    return box


def confirm(parent: QWidget, title: str, text: str, accept_label: str,
            on_accept: Callable[[], object], *, informative: str = "",
            icon: QMessageBox.Icon = QMessageBox.Icon.Question, reject_label: str = "取消",
            on_reject: Callable[[], object] | None = None, default: str | None = "accept",
            name: str = "") -> QMessageBox:
    """A yes/no question before an act, window-modal and opened with ``open()`` (no nested event
    loop), like ``ask_unsaved``. ``on_accept`` runs only when ``accept_label`` is clicked;
    取消, Esc or closing the box run ``on_reject`` (when given). ``default`` is the button Enter
    presses: "accept", "reject", or None for Qt's own choice. The box is returned for callers
    and tests to hold."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    if informative:
        box.setInformativeText(informative)
    accept = box.addButton(accept_label, QMessageBox.ButtonRole.AcceptRole)
    reject = box.addButton(reject_label, QMessageBox.ButtonRole.RejectRole)
    if default is not None:
        box.setDefaultButton(accept if default == "accept" else reject)
    box.setEscapeButton(reject)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    if name:
        box.setObjectName(name)

    def finished(_result: int) -> None:
        if box.clickedButton() is accept:
            on_accept()
        elif on_reject is not None:
            on_reject()

    box.finished.connect(finished)
    box.open()
    return box


def ask_text(parent: QWidget, title: str, label: str, chosen: Callable[[str], object], *,
             text: str = "", ok_label: str = "确定", name: str = "") -> QInputDialog:
    """Ask for one line of text, window-modal and opened with ``open()`` (``QInputDialog.getText``
    would block in a nested event loop). ``chosen(text)`` runs on ``ok_label`` only; 取消, Esc
    or closing the dialog do nothing. The dialog is returned for callers and tests to hold."""
    dlg = QInputDialog(parent)
    dlg.setWindowTitle(title)
    dlg.setLabelText(label)
    dlg.setTextValue(text)
    dlg.setOkButtonText(ok_label)
    dlg.setCancelButtonText("取消")
    dlg.setWindowModality(Qt.WindowModality.WindowModal)
    if name:
        dlg.setObjectName(name)
    dlg.textValueSelected.connect(chosen)
    dlg.open()
    return dlg
