"""The main window: navigation over the registered pages (``app.ui.pages``), a status bar with the
signed-in user, their clearance and the database, menus with shortcuts, remembered geometry.

Pages are built on first visit (a page that queries the database costs nothing until opened).
Leaving (退出, the title bar, 注销) with unsaved work asks first: a page that edits records offers
``unsaved_titles()`` and ``save_all()`` (the 公文 page does), and the window asks 全部保存 / 不保存 /
取消 in a window-modal box opened with ``open()``; a save that fails (e.g. a conflict) keeps the
window and shows that editor.

The database connection (issue 32): when background work fails because the connection to the
database broke, the status bar says so (“数据库连接中断，正在重新连接…”) and a timer tries a
trivial read in the background every few seconds until it works again, then says it is back.
The page that failed keeps what the user typed (its error handler only shows the message).

Geometry is kept in ``ui.ini`` in the data folder, not in the user's global Qt settings, so a
portable data folder carries it and tests stay isolated.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from app import APP_NAME, __version__, heap, pacing
from app.services.context import ServiceContext, configure_mapping
from app.ui import collector
from app.ui.fonts import GlyphWarmer
from app.ui.kit import DISCARD, SAVE, ask_unsaved, inform, worker
from app.ui.pages import IMPORT_GATE, PageSpec, denied_reason, factory_for, pages_for
from app.ui.qt import (
    QAction,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSettings,
    QStackedWidget,
    Qt,
    QTimer,
    QWidget,
    Signal,
)

log = logging.getLogger(__name__)

#: How often the status bar's connection check retries while the connection is down.
RECONNECT_MS = 3000
#: When, after the window is built, the modules the pages will need are imported in the
#: background (``warm_up``): after the 工作台's first snapshot on a desk, before a user's first
#: click elsewhere, usually.
WARM_UP_MS = 2000
#: After the warm-up, one page module is imported on the GUI thread per idle tick of this length.
PAGE_IMPORT_MS = 250


def _forget(listener: Callable[[BaseException], None]) -> None:
    if listener in worker.connection_listeners:
        worker.connection_listeners.remove(listener)


class MainWindow(QMainWindow):
    logout_requested = Signal()
    change_password_requested = Signal()
    closed = Signal()
    warmed = Signal()  # the background warm-up imported every module it had to
    pages_imported = Signal()  # and the pages' own modules are imported too (idle ticks)

    def __init__(self, ctx: ServiceContext, db_label: str, settings_path: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert ctx.actor is not None
        self.ctx = ctx
        self.actor = ctx.actor
        self.specs: list[PageSpec] = pages_for(ctx.actor)
        self._pages: dict[str, QWidget] = {}
        self._leaving = False  # the user answered the unsaved-work question: close for real
        self.unsaved_box: QMessageBox | None = None
        self.about_box: QMessageBox | None = None
        self._settings = QSettings(str(settings_path), QSettings.Format.IniFormat) \
            if settings_path else None
        self.setWindowTitle(f"{APP_NAME} — {self.actor.label}")
        self.setMinimumSize(720, 480)

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(170)
        self.nav.setStyleSheet("QListWidget { font-size: 13pt; } QListWidget::item { padding: 8px; }")
        self.stack = QStackedWidget()
        for spec in self.specs:
            item = QListWidgetItem(spec.title, self.nav)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            if reason := denied_reason(self.actor, spec):  # shown to all, disabled with why
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(reason)
                item.setStatusTip(reason)
            self.stack.addWidget(QWidget())  # replaced on first visit
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self._show_row)

        self.user_label = QLabel(f"用户：{self.actor.label}（{self.actor.roles_label}）")
        self.clearance_label = QLabel(f"密级：{self.actor.clearance.label}")
        self.db_label = QLabel(f"数据库：{db_label}")
        self.connection_label = QLabel("")
        self.connection_label.setObjectName("connectionState")
        self.connection_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.connection_label.hide()
        for w in (self.connection_label, self.user_label, self.clearance_label, self.db_label):
            self.statusBar().addPermanentWidget(w)
        self._reconnect = QTimer(self)
        self._reconnect.setInterval(RECONNECT_MS)
        self._reconnect.timeout.connect(self._check_connection)
        self._checking = False
        worker.connection_listeners.append(self.connection_lost)
        self.destroyed.connect(lambda *_: _forget(self.connection_lost))
        self._build_menus()
        self._restore()
        self._import_first_page_modules()
        with worker.held(after_paint_of=self):  # the first page's reads follow the first frame
            self.nav.setCurrentRow(0)
        self.warm_task: worker.TaskHandle | None = None
        self.glyphs: GlyphWarmer | None = None
        self._settled = False
        self._warm_timer = QTimer(self)
        self._warm_timer.setSingleShot(True)
        self._warm_timer.timeout.connect(self.warm_up)
        self._warm_timer.start(WARM_UP_MS)

    def _import_first_page_modules(self) -> None:
        """The modules below the interface that the first page's first read needs, imported
        here, before the window shows. Imported by that read in the worker instead, the
        services, their rules and the mapped queries (≈ 40 modules, ≈ 250 ms) were loaded
        while the window painted its first frames, and the GUI thread, taking the GIL in turns
        with them, stalled 140–180 ms (``benchmarks/bench_stall.py``); the time to a usable
        工作台 is the same either way."""
        first = self.specs[0]
        if denied_reason(self.actor, first) is not None:
            return
        with IMPORT_GATE:
            for name in first.warm:
                importlib.import_module(name)
        configure_mapping()

    def warm_up(self) -> worker.TaskHandle | None:
        """Import, in the background, the modules below the interface that the pages the user
        may open import on their first visit (``PageSpec.warm``: services, typesetting,
        templating — never Qt). Opening 模板 or 会议纪要 the first time then costs the GUI thread
        its widgets, not seconds of imports (``benchmarks/bench_stall.py``). Pages already open
        and pages the user may not open are left out; the window closing stops it. Meanwhile the
        GUI thread rasterises the common characters' glyphs in idle slices (``GlyphWarmer``)."""
        if self.glyphs is None:  # the common characters' glyphs, drawn in idle slices
            self.glyphs = GlyphWarmer(self)
            self.glyphs.start()
        names = [name for spec in self.specs
                 if spec.key not in self._pages and denied_reason(self.actor, spec) is None
                 for name in spec.warm]
        if not names:
            self._import_page_modules()
            return None

        def work(control: worker.TaskControl) -> int:
            for name in names:
                control.check()
                pacing.checkpoint()  # an import holds the GIL: none while the GUI is busy
                try:
                    with IMPORT_GATE:  # one module at a time, never beside a page's build
                        importlib.import_module(name)
                except Exception:  # the page's own import will say what is wrong
                    log.exception("background import of %s failed", name)
            return len(names)

        def done(_n: int) -> None:
            heap.freeze()  # the modules just imported, too (app/heap.py)
            self.warmed.emit()
            self._import_page_modules()

        self.warm_task = worker.run_task(work, parent=self, on_result=done)
        return self.warm_task

    def _import_page_modules(self) -> None:
        """Then the pages' own modules (Qt widgets: on the GUI thread), one per idle tick of
        ``PAGE_IMPORT_MS`` — never in a busy spell (a page built, a result painted) — so that a
        first visit builds its widgets without importing them (值班 14 ms, 安全审计 10–18 ms
        of a first visit's stall were its imports). Stops when every page the user may open
        is imported or built."""
        pending = [spec.module for spec in self.specs
                   if spec.module and spec.key not in self._pages
                   and denied_reason(self.actor, spec) is None and spec.module not in sys.modules]
        if not pending:
            self.pages_imported.emit()
            return

        def tick() -> None:
            if worker.gui_busy():
                return
            while pending and pending[0] in sys.modules:
                pending.pop(0)
            if pending:
                name = pending.pop(0)
                try:
                    with IMPORT_GATE:
                        importlib.import_module(name)
                except Exception:  # the page's own first visit will say what is wrong
                    log.exception("idle import of %s failed", name)
            if not pending:
                timer.stop()
                heap.freeze()
                self.pages_imported.emit()

        timer = QTimer(self)
        timer.setInterval(PAGE_IMPORT_MS)
        timer.timeout.connect(tick)
        timer.start()
        self._page_import_timer = timer

    # ------------------------------------------------------------------ pages
    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        spec = self.specs[row]
        if reason := denied_reason(self.actor, spec):
            self.statusBar().showMessage(f"“{spec.title}”{reason}", 5000)
            return
        if spec.key in self._pages:
            self.stack.setCurrentIndex(row)
            return
        # the page's first reads start once it is built and painted (``worker.held``): a read in
        # the worker meanwhile took the GIL in turns with the paint and doubled its time
        with worker.held():
            with IMPORT_GATE:  # (the background warm-up waits meanwhile, and the page for it)
                page = factory_for(spec.key)(self.ctx, self)
            page.setObjectName(f"page_{spec.key}")
            old = self.stack.widget(row)
            self.stack.insertWidget(row, page)
            self.stack.removeWidget(old)
            old.deleteLater()
            self._pages[spec.key] = page
            self.stack.setCurrentIndex(row)

    def show_page(self, key: str) -> QWidget:
        row = [s.key for s in self.specs].index(key)
        self.nav.setCurrentRow(row)
        return self._pages[key]

    def page_keys(self) -> list[str]:
        """The pages the user may open (the navigation also lists the others, disabled)."""
        return [s.key for s in self.specs if denied_reason(self.actor, s) is None]

    def current_key(self) -> str:
        return self.specs[self.nav.currentRow()].key

    # ------------------------------------------------------------------ menus
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("文件(&F)")
        self.change_password_action = self._action(
            file_menu, "修改密码(&P)…", "Ctrl+Shift+P", self.change_password_requested.emit)
        self.logout_action = self._action(file_menu, "注销(&L)", "Ctrl+L", self.request_logout)
        file_menu.addSeparator()
        self._action(file_menu, "退出(&X)", QKeySequence.StandardKey.Quit, self.close)
        go_menu = self.menuBar().addMenu("转到(&G)")
        self.search_action = self._action(go_menu, "全局搜索(&K)…", "Ctrl+K", self.open_search)
        for i, spec in enumerate(self.specs):
            go = self._action(go_menu, spec.title, f"Ctrl+{i + 1}" if i < 9 else None,
                              lambda _checked=False, r=i: self.nav.setCurrentRow(r))
            if reason := denied_reason(self.actor, spec):
                go.setEnabled(False)
                go.setToolTip(reason)
                go.setStatusTip(reason)
        help_menu = self.menuBar().addMenu("帮助(&H)")
        self.guide_action = self._action(help_menu, "用户指南(&U)", "F1", self.open_guide)
        self._action(help_menu, "关于(&A)", None, self._about)

    def _action(self, menu, text, shortcut, slot) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def open_search(self) -> QWidget:
        from app.ui.search_dialog import open_search

        return open_search(self, self.ctx)

    def open_guide(self) -> QWidget:
        from app.ui.guide import open_guide

        return open_guide(self)

    def _about(self) -> QMessageBox:
        self.about_box = inform(self, "关于", f"{APP_NAME} {__version__}",
                                informative="离线公文、会议纪要、值班与突发事件管理。",
                                name="aboutBox")
        return self.about_box

    # ------------------------------------------------------------------ geometry
    def _restore(self) -> None:
        if self._settings is None:
            self.resize(1100, 720)
            return
        geometry = self._settings.value("main_window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1100, 720)

    def save_geometry(self) -> None:
        if self._settings is not None:
            self._settings.setValue("main_window/geometry", self.saveGeometry())
            self._settings.sync()

    # ------------------------------------------------------------------ unsaved work
    def unsaved_titles(self) -> list[str]:
        """What leaving now would lose, from every page built so far."""
        out: list[str] = []
        for page in self._pages.values():
            titles = getattr(page, "unsaved_titles", None)
            if titles is not None:
                out += titles()
        return out

    def ask_unsaved(self, then: Callable[[], None]) -> QMessageBox | None:
        """Nothing unsaved: ``then()`` at once. Otherwise ask 全部保存 / 不保存 / 取消 and call
        ``then()`` after all saved or the user chose not to save."""
        titles = self.unsaved_titles()
        if not titles:
            then()
            return None
        names = "、".join(f"“{t}”" for t in titles[:5]) + ("等" if len(titles) > 5 else "")

        def answered(choice: str) -> None:
            if choice == SAVE:
                for key, page in self._pages.items():
                    save_all = getattr(page, "save_all", None)
                    if save_all is not None and not save_all():
                        self.show_page(key)  # the page shows the editor that did not save
                        return
                then()
            elif choice == DISCARD:
                then()

        self.unsaved_box = ask_unsaved(self, "有未保存的修改", f"{names}有未保存的修改。",
                                       "离开前是否全部保存？不保存，这些修改将丢失。", answered,
                                       save_label="全部保存")
        return self.unsaved_box

    def request_logout(self) -> None:
        self.ask_unsaved(self.logout_requested.emit)

    def _leave(self) -> None:
        self._leaving = True
        self.close()

    # ------------------------------------------------------------------ connection
    @property
    def connection_down(self) -> bool:
        return self._reconnect.isActive()

    def connection_lost(self, _exc: BaseException | None = None) -> None:
        """Background work failed on a broken connection: show it and start checking."""
        self.connection_label.setText("数据库连接中断，正在重新连接…")
        self.connection_label.show()
        if not self._reconnect.isActive():
            self._reconnect.start()

    def _check_connection(self) -> None:
        if self._checking:
            return
        self._checking = True
        worker.run_task(lambda _control: self.ctx.ping(), on_result=self._connection_back,
                        on_error=self._still_down, parent=self)

    def _connection_back(self, _value: object = None) -> None:
        self._checking = False
        self._reconnect.stop()
        self.connection_label.hide()
        self.statusBar().showMessage("数据库连接已恢复。", 5000)

    def _still_down(self, _exc: BaseException) -> None:
        self._checking = False

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if not self._settled:  # what start-up made (modules, the window) lives as long as we do
            self._settled = True
            collector.start()  # frozen, and collected on the GUI thread from now on

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if not self._leaving and self.unsaved_titles():
            event.ignore()
            self.ask_unsaved(self._leave)
            return
        self._reconnect.stop()
        self._warm_timer.stop()
        if self.warm_task is not None:
            self.warm_task.cancel()
        _forget(self.connection_lost)
        self.save_geometry()
        super().closeEvent(event)
        self.closed.emit()
