"""The 公文 page: the document list with filters (all in SQL), the 发文字号 register, and one tab
per open editor. Ctrl+N new (from the 文种's template), F5 refresh, Ctrl+W close the editor tab
(asking first when it has unsaved changes); the editor has Ctrl+S / Ctrl+P / Ctrl+E."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.domain.security import CLEARANCE_LABELS, Action, Clearance, allowed
from app.errors import UserError
from app.services import documents as docs
from app.services.context import ServiceContext
from app.ui.documents.model import COLUMNS, ID_ROLE, DocumentListModel
from app.ui.documents.register import RegisterView
from app.ui.kit import FileKind, MessageLine, TaskHandle, ask_file, run_task
from app.ui.pages import register_page
from app.ui.permissions import gate
from app.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QMenu,
    QPushButton,
    QShortcut,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from app.ui.sizing import fit_combo, size_columns

if TYPE_CHECKING:  # the editor (PDF preview, typesetting, templates) loads on first use
    from app.ui.documents.editor import DocumentEditor

ALL = "（全部）"
_EDITOR_MODULE = "app.ui.documents.editor"


def _editor_class() -> type[DocumentEditor]:
    """The editor, imported when the first document is opened: it brings the typesetting
    engine, the templates and python-docx (~0.25 s) that the list itself does not need."""
    from app.ui.documents.editor import DocumentEditor

    return DocumentEditor


def _is_editor(widget: object) -> bool:
    module = sys.modules.get(_EDITOR_MODULE)  # not imported yet: no editor is open
    return module is not None and isinstance(widget, module.DocumentEditor)

#: Column widths in ems (the title takes the rest): enough for 2025-12-31 23:59, 临政办发〔2025〕123号.
_COLUMN_EMS = {"id": 3.5, "genre": 3, "doc_no": 10, "status": 4, "classification": 3,
               "urgency": 3, "drafter": 4, "year": 3, "updated_at": 8.5}


class DocumentsPage(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentsPage")
        self.ctx = ctx
        self.can_draft = ctx.actor is not None and allowed(ctx.actor.roles, Action.DRAFT)
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.model = DocumentListModel(ctx, self)
        self.model.loaded.connect(self._show_count)
        self._build_list()
        self.register = RegisterView(ctx)
        self.tabs.addTab(self.list_widget, "发文列表")
        self.tabs.addTab(self.register, "发文字号台账")
        for i in (0, 1):
            self.tabs.tabBar().setTabButton(i, self.tabs.tabBar().ButtonPosition.RightSide, None)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tabs)
        for keys, slot in (("Ctrl+N", self.new_default), ("F5", self.refresh),
                           ("Ctrl+W", lambda: self.close_tab(self.tabs.currentIndex()))):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        self.refresh()

    # ---- list -----------------------------------------------------------------------------
    def _build_list(self) -> None:
        w = QWidget()
        self.genre_filter = self._combo([(ALL, None)] + [(g, g) for g in docs.GENRES])
        self.status_filter = self._combo([(ALL, None)] + [(docs.STATUS_LABELS[s], s)
                                                          for s in docs.STATUSES])
        self.year_filter = self._combo([(ALL, None)])
        self.level_filter = self._combo([(ALL, None)] + [(CLEARANCE_LABELS[c], int(c))
                                                         for c in Clearance])
        self.urgency_filter = self._combo([(ALL, None), ("特急", "特急"), ("加急", "加急"),
                                           ("普通", "")])
        self.drafter_filter = self._combo([(ALL, None)])
        filters = QHBoxLayout()
        for label, combo in (("文种", self.genre_filter), ("状态", self.status_filter),
                             ("年度", self.year_filter), ("密级", self.level_filter),
                             ("紧急程度", self.urgency_filter), ("拟稿人", self.drafter_filter)):
            filters.addWidget(QLabel(label))
            filters.addWidget(combo)
        filters.addStretch(1)
        self.new_button = QPushButton("新建公文")
        menu = QMenu(self.new_button)
        for g in docs.GENRES[:10]:
            menu.addAction(g, lambda g=g: self.new_document(g))
        self.new_button.setMenu(menu)
        gate(self.new_button, self.ctx.actor, Action.DRAFT)
        self.import_button = QPushButton("导入 JSON…")
        gate(self.import_button, self.ctx.actor, Action.DRAFT)
        self.import_button.clicked.connect(self.ask_import)
        self.open_button = QPushButton("打开")
        self.open_button.clicked.connect(self.open_current)
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.clicked.connect(self.refresh)
        self.paper_button = QPushButton("涉密文件登记簿…")
        self.paper_button.clicked.connect(self.open_paper_register)
        self.paper_window = None
        self.count_label = QLabel()
        self.message = MessageLine(name="pageMessage")
        bar = QHBoxLayout()
        for b in (self.new_button, self.import_button, self.open_button, self.refresh_button,
                  self.paper_button):
            bar.addWidget(b)
        bar.addWidget(self.count_label, 1)
        self.view = QTableView()
        self.view.setObjectName("documentsTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(24)
        size_columns(self.view, [k for k, _ in COLUMNS], _COLUMN_EMS, stretch="title")
        self.view.horizontalHeader().setSortIndicator(
            [k for k, _ in COLUMNS].index("updated_at"), Qt.SortOrder.DescendingOrder)
        self.view.setSortingEnabled(True)
        self.view.doubleClicked.connect(lambda _i: self.open_current())
        lay = QVBoxLayout(w)
        lay.addLayout(bar)
        lay.addLayout(filters)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.message)
        self.list_widget = w

    def open_paper_register(self):  # type: ignore[no-untyped-def]
        """The 涉密文件登记簿 window (one per page; raised when already open)."""
        from app.ui.documents.paper_register import PaperRegisterWindow

        if self.paper_window is None:
            self.paper_window = PaperRegisterWindow(self.ctx, self)
        else:
            self.paper_window.refresh()
        self.paper_window.show()
        self.paper_window.activateWindow()
        return self.paper_window

    def _combo(self, items: list[tuple[str, object]]) -> QComboBox:
        c = QComboBox()
        for label, data in items:
            c.addItem(label, data)
        fit_combo(c)
        c.currentIndexChanged.connect(self.apply_filters)
        return c

    def apply_filters(self) -> None:
        self.model.set_query(
            genre=self.genre_filter.currentData(), status=self.status_filter.currentData(),
            year=self.year_filter.currentData(), classification=self.level_filter.currentData(),
            urgency=self.urgency_filter.currentData(), drafter=self.drafter_filter.currentData())
        self.count_label.setText("正在读取…")  # the count comes from the worker (``loaded``)

    def _show_count(self) -> None:
        self.count_label.setText(f"共 {self.model.total} 件")

    def _fill(self, combo: QComboBox, items: list[tuple[str, object]]) -> None:
        keep = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(ALL, None)
        for label, data in items:
            combo.addItem(label, data)
        combo.setCurrentIndex(max(0, combo.findData(keep)) if keep is not None else 0)
        combo.blockSignals(False)

    def refresh(self) -> TaskHandle:
        """Re-read the list and, in the worker too, the year and drafter choices (the distinct
        drafters of 100 000 documents took 0.3 s of the GUI thread, 3.6 s from a cold disk)."""
        self.apply_filters()
        self.register.refresh()
        ctx = self.ctx
        self.choices_task = run_task(lambda _control: (docs.years(ctx), docs.drafters(ctx)),
                                     on_result=self._fill_choices,
                                     on_error=self.message.error,
                                     parent=self)
        return self.choices_task

    def _fill_choices(self, choices: tuple[list[int], list[tuple[str, str]]]) -> None:
        years, drafters = choices
        chosen = (self.year_filter.currentData(), self.drafter_filter.currentData())
        self._fill(self.year_filter, [(f"{y}年", y) for y in years])
        self._fill(self.drafter_filter, [(n or u, u) for u, n in drafters])
        if (self.year_filter.currentData(), self.drafter_filter.currentData()) != chosen:
            self.apply_filters()  # the chosen year or drafter is gone: the list follows

    # ---- editors --------------------------------------------------------------------------
    def current_id(self) -> int | None:
        index = self.view.currentIndex()
        return self.model.data(index, ID_ROLE) if index.isValid() else None

    def open_current(self) -> None:
        doc_id = self.current_id()
        if doc_id is not None:
            self.open_document(doc_id)

    def _add_editor(self, editor: DocumentEditor) -> DocumentEditor:
        editor.saved.connect(lambda _id: self._editor_saved(editor))
        editor.close_accepted.connect(lambda: self._remove_editor(editor))
        editor.form.changed.connect(lambda: self._retitle(editor))
        i = self.tabs.addTab(editor, editor.title())
        self.tabs.setCurrentIndex(i)
        return editor

    def open_document(self, doc_id: int) -> DocumentEditor | None:
        for i in range(2, self.tabs.count()):
            ed = self.tabs.widget(i)
            if _is_editor(ed) and ed.doc_id == doc_id:
                self.tabs.setCurrentIndex(i)
                return ed
        try:
            return self._add_editor(_editor_class()(self.ctx, doc_id))
        except UserError as exc:
            self.message.error(exc)
            return None

    def new_document(self, genre: str) -> DocumentEditor | None:
        from app.services import documents

        try:
            starter = documents.starter(self.ctx, genre)
        except UserError as exc:
            self.message.error(exc)
            return None
        return self._add_editor(_editor_class()(self.ctx, None, starter, genre))

    def new_default(self) -> None:
        if self.can_draft:
            genre = self.genre_filter.currentData() or "通知"
            self.new_document(genre)

    def _retitle(self, editor: DocumentEditor) -> None:
        i = self.tabs.indexOf(editor)
        if i >= 0:
            self.tabs.setTabText(i, editor.title())

    def _editor_saved(self, editor: DocumentEditor) -> None:
        self._retitle(editor)
        self.model.refresh()
        self.register.refresh()

    def close_tab(self, i: int) -> None:
        """Close an editor tab; with unsaved changes the editor asks first (保存 / 不保存 /
        取消) and the tab goes only when the user chose to save (and it saved) or to discard."""
        if i < 2:
            return
        editor = self.tabs.widget(i)
        if not _is_editor(editor):
            return
        if editor.has_unsaved():
            self.tabs.setCurrentIndex(i)
        editor.ask_close()

    def _remove_editor(self, editor: DocumentEditor) -> None:
        i = self.tabs.indexOf(editor)
        if i >= 2:
            self.tabs.removeTab(i)
            editor.deleteLater()

    def editors(self) -> list[DocumentEditor]:
        return [w for i in range(2, self.tabs.count())
                if _is_editor(w := self.tabs.widget(i))]

    def unsaved_editors(self) -> list[DocumentEditor]:
        """Editors whose changes a close of the window would lose."""
        return [e for e in self.editors() if e.has_unsaved()]

    def unsaved_titles(self) -> list[str]:
        """For the main window's question on leaving (退出, 注销)."""
        return [e.form.text["title"].text().strip() or "新公文" for e in self.unsaved_editors()]

    def save_all(self) -> bool:
        """Save every editor with changes; stop at the first that does not save (a conflict or a
        refusal) and show it — its text stays in the editor."""
        for editor in self.unsaved_editors():
            if not editor.save():
                self.tabs.setCurrentWidget(editor)
                return False
        return True

    def import_file(self, path: Path) -> DocumentEditor | None:
        try:
            info = docs.import_json(self.ctx, Path(path).read_bytes())
        except OSError as exc:
            self.message.error(f"无法读取 {path}：{exc.strerror or exc}")
            return None
        except UserError as exc:
            self.message.error(f"导入失败：{exc.message}")
            return None
        self.refresh()
        self.message.ok(f"已导入“{info.title}”。")
        return self.open_document(info.id)

    def ask_import(self) -> None:
        self.import_dialog = ask_file(self, FileKind.DESCRIPTIONS, "导入公文描述",
                                      lambda p: self.import_file(Path(p)),
                                      filters=["公文描述 JSON (*.json)"])


register_page("documents", lambda ctx, parent: DocumentsPage(ctx, parent),
              required=Action.VIEW)
