"""Session guards: the idle lock, and the checks made at start (audit chain, automatic backup).

**Idle lock.** ``IdleLock`` watches the application's input events; after ``minutes`` (security
setting, default 10) without a key press, click, wheel or mouse move, it covers the whole main
window with ``LockOverlay`` (nothing of the page stays visible), disables the menus, swallows
shortcuts, hides the window's open dialogs and asks for the password again. Unlocking is a real
sign-in for the same account (``accounts.login``: wrong passwords count toward the lock-out and
are audited); “注销” signs out instead. Locking and unlocking are audited.

**At start.** ``StartupChecks`` verifies the audit hash chain and makes the day's automatic
backup in the background (then once an hour checks whether a new day needs one). A broken chain
does **not** stop the program (decision: the office must keep working, and the broken rows are
evidence to preserve, not to hide): every user sees a red notice in the status bar, users who
may read the audit log get a warning dialog naming the first broken record and a red banner
across the top of the main window (``AuditBanner``) that cannot be closed: it stays until a new
verification (its “重新校验” button) finds the chain intact. The detection is itself recorded as
an audit event (``audit.chain_broken``). A verification that could not run at all (an error
rather than a finding) is treated the same way — shown and audited — never only logged.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from app.config import Config
from app.domain.security import Action, allowed
from app.errors import UserError
from app.services import accounts, audit, backup
from app.services.context import SYSTEM, Actor, ServiceContext
from app.ui.kit import Cancelled, TaskHandle, describe, run_task, warn
from app.ui.qt import (
    QDialog,
    QEvent,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QObject,
    QProgressBar,
    QPushButton,
    Qt,
    QTimer,
    QToolBar,
    QVBoxLayout,
    QWidget,
    Signal,
)

log = logging.getLogger(__name__)

_INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
          QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.MouseButtonDblClick}
_BLOCK_WHEN_LOCKED = _INPUT | {QEvent.Type.Shortcut, QEvent.Type.ShortcutOverride,
                               QEvent.Type.KeyRelease, QEvent.Type.MouseButtonRelease}


class LockOverlay(QWidget):
    """Opaque cover over the whole main window with the unlock form."""

    def __init__(self, window: QMainWindow, who: str) -> None:
        super().__init__(window)
        self.setObjectName("lockOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#lockOverlay { background: #2b3a4a; } QLabel { color: white; }")
        self.title = QLabel(f"屏幕已锁定\n\n{who}，请输入密码解锁。")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("font-size: 16pt;")
        self.password = QLineEdit()
        self.password.setObjectName("unlockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("密码")
        self.password.setFixedWidth(260)
        self.unlock_button = QPushButton("解锁")
        self.logout_button = QPushButton("注销")
        self.message = QLabel()
        self.message.setObjectName("unlockMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setStyleSheet("color: #ffb4b4;")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.password)
        row.addWidget(self.unlock_button)
        row.addWidget(self.logout_button)
        row.addStretch(1)
        col = QVBoxLayout(self)
        col.addStretch(1)
        col.addWidget(self.title)
        col.addLayout(row)
        col.addWidget(self.message)
        col.addStretch(2)
        self.hide()


class IdleLock(QObject):
    locked = Signal()
    unlocked = Signal()
    unlock_failed = Signal(str)  # the message shown on the lock screen

    def __init__(self, window: QMainWindow, ctx: ServiceContext, interval_ms: int) -> None:
        super().__init__(window)
        from app.ui.qt import QApplication

        assert ctx.actor is not None
        self.window = window
        self.ctx = ctx
        self.is_locked = False
        self.unlock_task: TaskHandle | None = None
        self._hidden: list[QWidget] = []
        self._logout_confirmed = False
        self.overlay = LockOverlay(window, ctx.actor.label)
        self.overlay.unlock_button.clicked.connect(self.try_unlock)
        self.overlay.password.returnPressed.connect(self.try_unlock)
        self.overlay.logout_button.clicked.connect(self._logout)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.lock)
        window.installEventFilter(self)
        QApplication.instance().installEventFilter(self)
        self.timer.start()

    # ------------------------------------------------------------------ events
    def _inside_overlay(self, obj: QObject) -> bool:
        return isinstance(obj, QWidget) and (obj is self.overlay or self.overlay.isAncestorOf(obj))

    def _in_window(self, obj: QObject) -> bool:
        """Input for this main window (or a dialog it owns) — not for another top-level window
        such as the next login dialog after this window was signed out and hidden."""
        if isinstance(obj, QWidget):
            top = obj.window()
            return top is self.window or self.window.isAncestorOf(top)
        handle = self.window.windowHandle()
        return handle is not None and obj is handle

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        etype = event.type()
        if obj is self.window and etype == QEvent.Type.Resize and self.is_locked:
            self.overlay.setGeometry(self.window.rect())
        if obj is self.window and etype == QEvent.Type.Hide:
            self.timer.stop()  # signed out or closed: a hidden window never locks
        elif obj is self.window and etype == QEvent.Type.Show and not self.is_locked:
            self.timer.start()
        if self.is_locked:
            if (etype in _BLOCK_WHEN_LOCKED and self._in_window(obj)
                    and not self._inside_overlay(obj)):
                return True
        elif etype in _INPUT and self.window.isVisible():
            self.timer.start()  # any input in the program restarts the countdown
        return False

    # ------------------------------------------------------------------ lock / unlock
    def lock(self) -> None:
        if self.is_locked or not self.window.isVisible():
            return
        self.is_locked = True
        self.timer.stop()
        self._hidden = [d for d in self.window.findChildren(QDialog) if d.isVisible()]
        for d in self._hidden:
            d.hide()
        self.window.menuBar().setEnabled(False)
        self.overlay.setGeometry(self.window.rect())
        self.overlay.password.clear()
        self.overlay.message.clear()
        self._reset_logout()
        self.overlay.show()
        self.overlay.raise_()
        self.overlay.password.setFocus()
        try:
            accounts.record_session(self.ctx, "session.lock")
        except UserError as exc:  # e.g. the account was disabled meanwhile: still locked
            log.info("lock not audited: %s", exc)
        self.locked.emit()

    @property
    def unlocking(self) -> bool:
        return self.unlock_task is not None and not self.unlock_task.finished

    def try_unlock(self) -> TaskHandle | None:
        """Check the password in the worker (argon2id: 100–600 ms that froze the lock screen);
        the button and field are off meanwhile, a second Enter does nothing. ``unlocked`` or
        ``unlock_failed`` tells the outcome."""
        actor = self.ctx.actor
        assert actor is not None
        if self.unlocking or not self.is_locked:
            return None
        password = self.overlay.password.text()
        self.overlay.password.clear()
        ctx = self.ctx.with_actor(None)
        self._unlock_busy(True)
        self.overlay.message.setText("正在验证……")
        self.unlock_task = run_task(lambda _control: accounts.login(ctx, actor.username, password),
                                    on_result=self._signed_in_again, on_error=self._unlock_refused,
                                    parent=self)
        return self.unlock_task

    def _reset_logout(self) -> None:
        self._logout_confirmed = False
        self.overlay.logout_button.setText("注销")

    def _unlock_busy(self, busy: bool) -> None:
        self.overlay.unlock_button.setEnabled(not busy)
        self.overlay.password.setEnabled(not busy)
        if not busy:
            self.overlay.password.setFocus()

    def _unlock_refused(self, exc: BaseException) -> None:
        self._unlock_busy(False)
        self.overlay.message.setText(describe(exc))
        self.unlock_failed.emit(self.overlay.message.text())

    def _signed_in_again(self, again: Actor) -> None:
        self._unlock_busy(False)
        if not self.is_locked:  # 注销 was chosen meanwhile
            return
        actor = self.ctx.actor
        if actor is None or again.user_id != actor.user_id:  # pragma: no cover - same name
            self._unlock_refused(UserError("账户不一致。"))
            return
        self.overlay.message.clear()
        self._reset_logout()
        self.is_locked = False
        self.overlay.hide()
        self.window.menuBar().setEnabled(True)
        for d in self._hidden:
            d.show()
        self._hidden = []
        accounts.record_session(self.ctx, "session.unlock")
        self.timer.start()
        self.unlocked.emit()

    def _logout(self) -> None:
        """Sign out from the lock screen. With unsaved edits (whoever is at the desk cannot save
        them as the locked user) the first click says what would be lost and the button turns
        into “仍然注销”; unlocking instead keeps them."""
        titles = getattr(self.window, "unsaved_titles", list)()
        if titles and not self._logout_confirmed:
            self._logout_confirmed = True
            names = "、".join(f"“{t}”" for t in titles[:3]) + ("等" if len(titles) > 3 else "")
            self.overlay.message.setText(f"{names}有未保存的修改，注销将丢失这些修改。\n"
                                         "解锁后可先保存；确要注销，请再点“仍然注销”。")
            self.overlay.logout_button.setText("仍然注销")
            return
        self._reset_logout()
        self.is_locked = False
        self.timer.stop()
        emit = getattr(self.window, "logout_requested", None)
        if emit is not None:
            emit.emit()


def attach(window: QMainWindow, ctx: ServiceContext, checks: StartupChecks | None = None,
           interval_ms: int | None = None) -> IdleLock:
    """Install the idle lock on the main window and show the start-up findings there."""
    if interval_ms is None:
        try:
            minutes = accounts.get_settings(ctx).idle_lock_minutes
        except UserError:
            minutes = accounts.DEFAULT_IDLE_MINUTES
        interval_ms = minutes * 60_000
    lock = IdleLock(window, ctx, interval_ms)
    if checks is not None:
        checks.attach_window(window, ctx)
    return lock


class BackupIndicator(QWidget):
    """The status bar's “正在备份… 45%” with 取消 while an automatic backup runs (it runs in the
    background: the window stays usable; hidden otherwise)."""

    def __init__(self, checks: StartupChecks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backupIndicator")
        self.checks = checks
        self.label = QLabel("正在备份数据库")
        self.bar = QProgressBar()
        self.bar.setObjectName("backupProgress")
        self.bar.setRange(0, 100)
        self.bar.setMaximumWidth(120)
        self.bar.setMaximumHeight(14)
        self.cancel = QPushButton("取消")
        self.cancel.setObjectName("backupCancel")
        self.cancel.setToolTip("停止本次自动备份（稍后会再次尝试）")
        self.cancel.clicked.connect(checks.cancel_backup)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.bar)
        row.addWidget(self.cancel)
        self.hide()
        checks.backup_progress.connect(self.show_progress)
        checks.backup_finished.connect(self.hide)

    def show_progress(self, percent: int, text: str) -> None:
        self.label.setText(f"备份数据库：{text}" if text else "正在备份数据库")
        self.bar.setValue(max(0, min(100, percent)))
        self.show()


class StartupChecks(QObject):
    """Audit chain verification and automatic backups, off the GUI thread."""

    chain_checked = Signal(object)  # audit.VerifyResult
    backup_done = Signal(object)  # BackupInfo | None
    backup_progress = Signal(int, str)  # while an automatic backup runs
    backup_finished = Signal()  # made, not needed today, failed or cancelled

    def __init__(self, ctx: ServiceContext, config: Config, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.config = config
        self.chain: audit.VerifyResult | None = None
        self.notice: QMessageBox | None = None
        self.banner: AuditBanner | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(3600_000)
        self.timer.timeout.connect(self.backup_now)
        self.backup_task: TaskHandle | None = None
        #: 取消 asks the running backup to stop at its next step, before its file is in place
        #: (the task's own cancel would also drop the answer of a backup already made)
        self.backup_stop: threading.Event | None = None

    def start(self) -> None:
        run_task(self._verify, on_result=self._verified, on_error=self._failed, parent=self)
        self.backup_now()
        self.timer.start()

    def _verify(self, _control) -> audit.VerifyResult:  # type: ignore[no-untyped-def]
        try:
            result = audit.verify(self.ctx.engine)
        except Exception as exc:  # noqa: BLE001 - a check that cannot run is a finding too
            log.exception("start-up audit verification failed")
            result = audit.VerifyResult(False, 0, None, f"校验未能完成：{describe(exc)}",
                                        kind="unverifiable")
        if not result.ok:
            self._record(result)
        return result

    def _record(self, result: audit.VerifyResult) -> None:
        try:
            with self.ctx.session() as s, s.begin():
                audit.append(s, SYSTEM, "audit.chain_broken", "audit_log", result.broken_seq,
                             {"reason": result.reason, "count": result.count,
                              "kind": result.kind or result.anchor or "broken"})
        except Exception as exc:  # noqa: BLE001 - e.g. no audit key: the banner still shows
            log.error("audit.chain_broken not recorded: %s", exc)

    def _verified(self, result: audit.VerifyResult) -> None:
        self.chain = result
        self.chain_checked.emit(result)

    def _failed(self, exc: BaseException) -> None:
        log.error("start-up audit verification failed: %s", exc)
        self._verified(audit.VerifyResult(False, 0, None, f"校验未能完成：{describe(exc)}",
                                          kind="unverifiable"))

    def backup_now(self) -> None:
        """Make today's automatic backup in the background (if not made yet): a snapshot read
        in one WAL read transaction, so no desk's write ever waits for it; progress on
        ``backup_progress`` (the status bar's ``BackupIndicator``), cancellable."""
        if self.backup_task is not None and not self.backup_task.finished:
            return
        engine, folder = self.ctx.engine, self.config.backups_dir
        stop = self.backup_stop = threading.Event()

        def work(control):  # type: ignore[no-untyped-def]
            with self.ctx.session() as s:
                keep = accounts.read_settings(s).backup_keep

            def progress(percent: int, text: str) -> None:
                if stop.is_set() or control.cancelled:  # (the window closing cancels too)
                    raise Cancelled()
                control.progress(percent, text)

            return backup.auto_backup(engine, folder, keep, datetime.now(UTC), progress)

        def failed(exc: BaseException) -> None:
            log.error("automatic backup failed: %s", exc)
            self.backup_finished.emit()

        def done(info: object) -> None:
            self.backup_finished.emit()
            self.backup_done.emit(info)

        self.backup_task = run_task(work, on_result=done, on_error=failed,
                                    on_progress=self.backup_progress.emit,
                                    on_cancelled=self.backup_finished.emit, parent=self)

    def cancel_backup(self) -> None:
        """Stop the running backup before its file is in place; one already made is reported
        as made (``backup_done``), never as cancelled with its file left behind."""
        if self.backup_stop is not None and self.backup_task is not None \
                and not self.backup_task.finished:
            self.backup_stop.set()

    def attach_window(self, window: QMainWindow, ctx: ServiceContext) -> None:
        indicator = BackupIndicator(self, window.statusBar())
        window.statusBar().addPermanentWidget(indicator)
        def show(result: audit.VerifyResult) -> None:
            if result.ok:
                return
            try:
                _show(result)
            except RuntimeError:  # the window was closed (signed out) before the result came
                pass

        def _show(result: audit.VerifyResult) -> None:
            label = QLabel("审计日志校验失败，请通知管理员")
            label.setObjectName("auditBrokenLabel")
            label.setStyleSheet("color: white; background: #c0392b; padding: 2px 6px;")
            window.statusBar().addWidget(label)
            if ctx.actor is not None and allowed(ctx.actor.roles, Action.VIEW_AUDIT):
                self.banner = AuditBanner(window, ctx, result, label)
                self.notice = warn(window, "审计日志被篡改", result.message(),
                                   informative="程序仍可使用；请保留数据库文件并核查该记录，"
                                               "勿自行修改。", name="auditBrokenNotice")

        if self.chain is not None:
            show(self.chain)
        else:
            self.chain_checked.connect(show)


class AuditBanner(QToolBar):
    """The red banner across the top of the main window for those who may read the audit log,
    while the chain fails verification: not movable, not closable, no context menu to hide it.
    “重新校验” runs the verification again (in the background); only an intact chain removes it,
    together with the status bar notice."""

    rechecked = Signal(object)  # audit.VerifyResult

    def __init__(self, window: QMainWindow, ctx: ServiceContext, result: audit.VerifyResult,
                 status_label: QLabel | None = None) -> None:
        super().__init__("审计日志告警", window)
        self.setObjectName("auditBrokenBanner")
        self.ctx = ctx
        self.window_ = window
        self.status_label = status_label
        self.task: TaskHandle | None = None
        self.setMovable(False)
        self.setFloatable(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)
        self.toggleViewAction().setEnabled(False)
        self.toggleViewAction().setVisible(False)
        self.setStyleSheet("QToolBar#auditBrokenBanner { background: #c0392b; }"
                           " QLabel { color: white; font-weight: bold; padding: 4px 8px; }")
        self.label = QLabel()
        self.label.setObjectName("auditBrokenBannerText")
        self.label.setWordWrap(True)
        self.addWidget(self.label)
        self.recheck_button = QPushButton("重新校验")
        self.recheck_button.setObjectName("auditBrokenRecheck")
        self.recheck_button.clicked.connect(self.recheck)
        self.addWidget(self.recheck_button)
        self.show_result(result)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self)
        window.insertToolBarBreak(self)

    def show_result(self, result: audit.VerifyResult) -> None:
        self.label.setText(result.message() + "  请保留数据库文件并核查，勿自行修改。")

    def recheck(self) -> None:
        self.recheck_button.setEnabled(False)
        self.label.setText("正在重新校验审计日志……")
        engine = self.ctx.engine
        self.task = run_task(lambda _c: audit.verify(engine), on_result=self._rechecked,
                             on_error=self._recheck_failed, parent=self)

    def _rechecked(self, result: audit.VerifyResult) -> None:
        self.recheck_button.setEnabled(True)
        if result.ok:
            if self.status_label is not None:
                self.status_label.deleteLater()
            self.window_.removeToolBar(self)
            self.deleteLater()
        else:
            self.show_result(result)
        self.rechecked.emit(result)

    def _recheck_failed(self, exc: BaseException) -> None:
        self.recheck_button.setEnabled(True)
        self.label.setText(f"审计日志校验未能完成：{describe(exc)}")
