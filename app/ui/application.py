"""GUI start-up: ``run_gui()``.

QApplication with Chinese Qt translations → logging and the excepthook (log file in the data
folder, short Chinese message, no traceback dialog) → open and migrate the database (a refusal,
e.g. a database from a newer version, is shown and the program ends) → ``AppController``: first
run asks for the first administrator, later runs show the login dialog; then the main window.
Logging out closes the window and shows the login dialog again.

The controller never blocks in ``exec()``: dialogs are opened with ``open()`` and their outcome
arrives by signal, so tests drive the same code path with qtbot.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import replace

from app import APP_ID, APP_NAME, bootstrap
from app.config import Config, load_config
from app.domain.security import Action
from app.errors import UserError
from app.services import accounts, audit_review
from app.services.context import Actor, ServiceContext
from app.ui.accounts.dialogs import (
    ClassifiedSetupDialog,
    FirstAdminDialog,
    LoginDialog,
    PasswordDialog,
)
from app.ui.chinese import MnemonicFallback, china
from app.ui.fonts import ensure_chinese_ui_font
from app.ui.kit import fatal, install_excepthook, run_task, setup_logging, wait_for_all, warn
from app.ui.main_window import MainWindow
from app.ui.qt import (
    QApplication,
    QDialog,
    QLabel,
    QLibraryInfo,
    QLocale,
    QObject,
    QTranslator,
    Signal,
    qt_alive,
)
from app.ui.security.guard import IdleLock, StartupChecks, attach

log = logging.getLogger(__name__)


def db_label(url: str) -> str:
    """What the status bar shows: the file for SQLite, the URL without password otherwise."""
    return bootstrap.database_label(url)


def install_translations(app: QApplication) -> list[QTranslator]:
    """Load Qt's own Chinese strings (standard buttons, context menus, file and print dialogs)
    from PySide6's translations folder: ``qtbase_zh_CN`` holds every string of QtCore, QtGui,
    QtWidgets and QtPrintSupport, and is the one catalogue the bundle ships
    (build_installer.spec). Strings it misses because Qt 6 gave them a mnemonic are answered by
    ``MnemonicFallback``. The default locale becomes Chinese (China): calendars, number and date
    forms."""
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    tr = QTranslator(app)
    loaded: list[QTranslator] = []
    if tr.load("qtbase_zh_CN", folder):
        fallback = MnemonicFallback([tr], app)
        app.installTranslator(fallback)  # consulted last: installed first
        app.installTranslator(tr)
        loaded = [tr, fallback]
    else:
        log.warning("Qt 中文翻译 qtbase_zh_CN.qm 未找到（%s）", folder)
    QLocale.setDefault(china())
    return loaded


class AppController(QObject):
    """Sign-in flow and the main window's life."""

    signed_in = Signal(object)  # Actor
    finished = Signal()

    def __init__(self, ctx: ServiceContext, config: Config) -> None:
        super().__init__()
        self.ctx = ctx
        self.config = config
        self.window: MainWindow | None = None
        self.dialog: QDialog | None = None
        self.checks: StartupChecks | None = None  # audit chain + automatic backups (run_gui)
        self.idle_lock: IdleLock | None = None

    def start(self) -> None:
        if accounts.needs_first_admin(self.ctx.engine):
            first = FirstAdminDialog(self.ctx)
            first.classified_requested.connect(self._setup_classified)
            dialog: QDialog = first
        else:
            dialog = LoginDialog(self.ctx)
        dialog.accepted.connect(lambda: self._after_sign_in(dialog.actor))  # type: ignore
        dialog.rejected.connect(lambda: self._rejected(dialog))
        self._show(dialog)

    def _rejected(self, dialog: QDialog) -> None:
        if isinstance(dialog, FirstAdminDialog) and dialog.property("classified_chosen"):
            return  # the 涉密 set-up took over
        self.finished.emit()

    def _setup_classified(self) -> None:
        """First run of a 涉密 office: the three administrator accounts, then the sign-in (each
        account changes its initial password there). Cancelling goes back to the choice."""
        if self.dialog is not None:
            self.dialog.setProperty("classified_chosen", True)
        dialog = ClassifiedSetupDialog(self.ctx)

        def created() -> None:
            login = LoginDialog(self.ctx, username=dialog.names[0] if dialog.names else "")
            login.accepted.connect(lambda: self._after_sign_in(login.actor))
            login.rejected.connect(self.finished.emit)
            self._show(login)

        dialog.accepted.connect(created)
        dialog.rejected.connect(self.start)
        self._show(dialog)

    def _show(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.open()

    def _after_sign_in(self, actor: Actor) -> None:
        """A password set by an administrator must be changed first: the services refuse every
        other act until then (``ServiceContext.require``), so the window opens only after."""
        if actor.must_change_password:
            ctx = self.ctx.with_actor(actor)
            dialog = PasswordDialog(ctx, None, forced=True)
            changed = replace(actor, must_change_password=False)
            dialog.accepted.connect(lambda: self._open_window(changed))
            dialog.rejected.connect(lambda: self._logout_then_restart(actor))
            self._show(dialog)
            return
        self._open_window(actor)

    def _open_window(self, actor: Actor) -> None:
        self.dialog = None
        ctx = self.ctx.with_actor(actor)
        win = MainWindow(ctx, db_label(self.config.db_url), self.config.data_dir / "ui.ini")
        win.logout_requested.connect(self.logout)
        win.change_password_requested.connect(self.change_password)
        win.closed.connect(self._window_closed)
        self.window = win
        win.show()
        self.idle_lock = attach(win, ctx, self.checks)
        self._remind_password(win, ctx)
        self._warn_audit_store(win, ctx)
        self.signed_in.emit(actor)

    def _remind_password(self, win: MainWindow, ctx: ServiceContext) -> None:
        """A password that runs out soon (the policy's reminder days): said in the status line,
        read in the worker."""
        def show(reminder: str | None) -> None:
            if reminder and qt_alive(win) and self.window is win:
                win.statusBar().showMessage(reminder)
                win.setProperty("password_reminder", reminder)

        self.reminder_task = run_task(lambda _c: accounts.password_reminder(ctx),
                                      on_result=show, on_error=lambda _exc: None, parent=win)

    def _warn_audit_store(self, win: MainWindow, ctx: ServiceContext) -> None:
        """Those who review the audit log (the 安全审计员; in a 普通 office the 管理员) are told
        at sign-in when the audit store has passed its threshold (the 安全保密管理员's policy,
        ``audit_warn_rows``): a window-modal notice and a red mark in the status bar that stays,
        not only a line deep in the 安全审计 page. Counted in the worker."""
        actor = ctx.actor
        if actor is None or not actor.may(Action.REVIEW_AUDIT):
            return

        def show(status: audit_review.StoreStatus) -> None:
            if not status.warning or not qt_alive(win) or self.window is not win:
                return
            win.setProperty("audit_store_warning", status.warning)
            label = QLabel("审计记录超过告警阈值")
            label.setObjectName("auditStoreLabel")
            label.setToolTip(status.warning)
            label.setStyleSheet("color: white; background: #c0392b; padding: 2px 6px;")
            win.statusBar().addPermanentWidget(label)
            self.store_notice = warn(win, "审计记录存储告警", status.warning,
                                     name="auditStoreNotice")

        self.store_task = run_task(lambda _c: audit_review.store_status(ctx), on_result=show,
                                   on_error=lambda _exc: None, parent=win)

    def change_password(self) -> None:
        if self.window is None:
            return
        dialog = PasswordDialog(self.window.ctx, None, self.window)
        self._show(dialog)

    def logout(self) -> None:
        win, self.window = self.window, None
        if win is None:
            return
        accounts.logout(win.ctx)
        win.save_geometry()
        win.closed.disconnect(self._window_closed)
        win.hide()
        win.deleteLater()
        self.start()

    def _logout_then_restart(self, actor: Actor) -> None:
        accounts.logout(self.ctx.with_actor(actor))
        self.start()

    def _window_closed(self) -> None:
        """The main window was closed (menu 退出 or the title bar): sign out and finish."""
        win, self.window = self.window, None
        if win is not None:
            accounts.logout(win.ctx)
        self.finished.emit()


def run_gui(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setQuitOnLastWindowClosed(False)
    install_translations(app)
    ensure_chinese_ui_font(app)
    config = load_config()
    install_excepthook(setup_logging(config.data_dir / "logs"))
    try:
        engine = bootstrap.open_engine(config)
    except UserError as exc:
        # before the event loop runs, and the program ends right after: the one blocking box
        fatal(f"{APP_NAME} — 无法打开数据库", exc.message)
        return exc.exit_code
    controller = AppController(ServiceContext(engine), config)
    controller.finished.connect(app.quit)
    controller.checks = StartupChecks(controller.ctx, config, controller)
    controller.checks.start()
    controller.start()
    try:
        return app.exec()
    finally:
        wait_for_all()
        engine.dispose()


