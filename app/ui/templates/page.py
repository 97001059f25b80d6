"""模板 page: templates listed by kind (shipped and the office's own), and the editor of the
selected one. Duplicate, import/export a file, set the default of a kind, delete an office copy.
Every act goes through ``app.services.templates.library`` (permission check, audit)."""

from __future__ import annotations

from app.domain.security import Action
from app.errors import UserError
from app.services import templates as tm
from app.services.context import ServiceContext
from app.ui.kit import (
    FileKind,
    LatestRead,
    MessageLine,
    TaskHandle,
    ask_file,
    ask_save_path,
    confirm,
)
from app.ui.pages import register_page
from app.ui.qt import (
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QMessageBox,
    QPushButton,
    QShortcut,
    QSplitter,
    QStackedWidget,
    Qt,
    QTimer,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from app.ui.sizing import size_columns
from app.ui.templates.editor import TemplateEditor

ROLE_REF = Qt.ItemDataRole.UserRole


class TemplatesPage(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.editor: TemplateEditor | None = None
        self.items: dict[str, tm.TemplateInfo] = {}

        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["模板", "格式", "状态"])
        # names keep ≥ 13 em with their indent (“突发事件信息专报” was cut to “突发事…”)
        size_columns(self.tree, ["模板", "格式", "状态"],
                     {"格式": "Word 表单", "状态": "默认 · 内置"}, stretch="模板", stretch_min=13)
        self.tree.itemSelectionChanged.connect(self._selected)
        # an office template's name is edited in place (F2 or double-click)
        self.tree.setEditTriggers(QTreeWidget.EditTrigger.EditKeyPressed
                                  | QTreeWidget.EditTrigger.DoubleClicked)
        self.tree.itemChanged.connect(self._renamed)
        buttons = []
        for attr, text, tip, slot in (
            ("duplicateButton", "复制(&C)", "复制为本单位模板", self.duplicate),
            ("defaultButton", "设为默认(&D)", "设为该文种的默认模板", self.set_default),
            ("importButton", "导入(&I)…", "从 .json 或 .docx 文件导入", self.import_file),
            ("exportButton", "导出(&E)…", "导出为文件，在其他电脑上导入", self.export_file),
            ("deleteButton", "删除", "删除本单位模板及其历史版本", self.delete),
        ):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            setattr(self, attr, b)
            buttons.append(b)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, activated=self.refresh)
        self.statusLabel = MessageLine(name="templatesMessage")
        self.discard_box: QMessageBox | None = None  # the open 放弃修改 question
        self.delete_box: QMessageBox | None = None  # the open 删除模板 question

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.tree, 1)
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        for b in buttons[:3]:
            row1.addWidget(b)
        for b in buttons[3:]:
            row2.addWidget(b)
        ll.addLayout(row1)
        ll.addLayout(row2)
        ll.addWidget(self.statusLabel)

        self.stack = QStackedWidget()
        self.emptyLabel = QLabel("在左侧选择一个模板进行编辑。\n内置模板只读，修改后保存为本单位副本。")
        self.emptyLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.emptyLabel)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.stack)
        split.setSizes([self.tree.minimumWidth(), 900])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.reads = LatestRead(self, on_error=self.statusLabel.error)
        self.read_in_background()

    # ---- list ------------------------------------------------------------------------------
    @property
    def reading(self) -> bool:
        return self.reads.reading

    def read_in_background(self) -> TaskHandle:
        """The page's first read of the list (the shipped templates' descriptions and the
        office's own) in the worker: the first visit held the GUI thread for it (issue 30). A
        ``refresh`` or ``select`` made meanwhile wins."""
        ctx = self.ctx
        return self.reads.start(lambda: tm.list_templates(ctx),
                                lambda infos: self._fill(infos, self.selected_ref()))

    def refresh(self, select: str | None = None) -> None:
        self.reads.supersede()
        self._fill(tm.list_templates(self.ctx), select or self.selected_ref())

    def _fill(self, infos: list[tm.TemplateInfo], keep: str | None) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        self.items = {}
        groups: dict[str, QTreeWidgetItem] = {}
        target = None
        for info in infos:
            group = groups.get(info.kind)
            if group is None:
                group = QTreeWidgetItem(self.tree, [info.kind])
                group.setFlags(group.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                group.setExpanded(True)
                groups[info.kind] = group
            state = "默认" if info.is_default else ""
            origin = "内置" if info.shipped else f"第 {info.current_version} 版"
            item = QTreeWidgetItem(group, [info.name, info.format_label,
                                           " · ".join(x for x in (state, origin) if x)])
            item.setData(0, ROLE_REF, info.ref)
            if not info.shipped:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                item.setToolTip(1, "F2 或双击名称可重命名")
            item.setToolTip(0, info.description or info.name)
            if info.is_default:
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
            self.items[info.ref] = info
            if info.ref == keep:
                target = item
        self.tree.blockSignals(False)
        if target is not None:
            self.tree.setCurrentItem(target)
        self._update_buttons()

    def selected_ref(self) -> str | None:
        item = self.tree.currentItem()
        ref = item.data(0, ROLE_REF) if item is not None else None
        return str(ref) if ref else None

    def selected(self) -> tm.TemplateInfo | None:
        ref = self.selected_ref()
        return self.items.get(ref) if ref else None

    def select(self, ref: str) -> None:
        self.refresh(select=ref)

    def _update_buttons(self) -> None:
        info = self.selected()
        self.duplicateButton.setEnabled(info is not None)
        self.exportButton.setEnabled(info is not None)
        self.defaultButton.setEnabled(info is not None and not info.is_default)
        self.deleteButton.setEnabled(info is not None and not info.shipped)

    def _selected(self) -> None:
        self._update_buttons()
        ref = self.selected_ref()
        if ref is None:
            return
        if self.editor is not None and self.editor.content.info.ref == ref:
            return
        if self.editor is not None and self.editor.dirty:
            self._ask_discard(ref)
            return
        self._load_editor(ref)

    def _ask_discard(self, ref: str) -> None:
        """Another template was selected while the open one has unsaved edits: 放弃修改 opens
        the selected one; 取消 keeps the edits and selects the open one again."""
        assert self.editor is not None
        current = self.editor.content.info.ref
        self.discard_box = confirm(
            self, "放弃修改", "当前模板的修改尚未保存，放弃这些修改吗？", "放弃修改",
            lambda: self._load_editor(ref), on_reject=lambda: self.refresh(select=current),
            icon=QMessageBox.Icon.Warning, default="reject", name="discardTemplateQuestion")

    def _load_editor(self, ref: str) -> None:
        try:
            content = tm.get(self.ctx, ref)
        except UserError as exc:
            self.statusLabel.error(exc)
            return
        self._open_editor(content)

    def _open_editor(self, content: tm.TemplateContent) -> None:
        old = self.editor
        self.editor = TemplateEditor(self.ctx, content, self)
        self.editor.saved.connect(self._saved)
        self.stack.addWidget(self.editor)
        self.stack.setCurrentWidget(self.editor)
        if old is not None:
            self.stack.removeWidget(old)
            if old.task is not None and not old.task.finished:
                old.task.cancel()
            old.deleteLater()

    def _saved(self, ref: str) -> None:
        info = self.editor.content.info if self.editor else None
        self.statusLabel.ok(f"已保存“{info.name}”第 {info.current_version} 版。" if info else "已保存。")
        self.refresh(select=ref)

    def _renamed(self, item: QTreeWidgetItem, column: int) -> None:
        ref = item.data(0, ROLE_REF)
        info = self.items.get(str(ref)) if ref else None
        if column != 0 or info is None or info.id is None or item.text(0) == info.name:
            return
        new = self._run(tm.rename, info.id, item.text(0))
        if isinstance(new, tm.TemplateInfo):
            self.statusLabel.ok(f"已重命名为“{new.name}”。")
        # refresh later: the tree is still inside its editor's commit
        QTimer.singleShot(0, lambda: self._reload_editor(info.ref))

    # ---- actions ---------------------------------------------------------------------------
    def _run(self, fn, *args, done: str = "") -> object | None:  # type: ignore[no-untyped-def]
        try:
            result = fn(self.ctx, *args)
        except UserError as exc:
            self.statusLabel.error(exc)
            return None
        if done:
            self.statusLabel.ok(done)
        return result

    def duplicate(self) -> None:
        info = self.selected()
        if info is None:
            return
        new = self._run(tm.duplicate, info.ref)
        if isinstance(new, tm.TemplateInfo):
            self.statusLabel.ok(f"已复制为“{new.name}”。")
            self.select(new.ref)

    def set_default(self) -> None:
        info = self.selected()
        if info is None:
            return
        new = self._run(tm.set_default, info.ref)
        if isinstance(new, tm.TemplateInfo):
            self.statusLabel.ok(f"“{new.name}”已设为“{new.kind}”的默认模板。")
            self._reload_editor(new.ref)

    def delete(self) -> None:
        info = self.selected()
        if info is None or info.id is None:
            return
        self.delete_box = confirm(
            self, "删除模板", f"删除“{info.name}”及其全部历史版本吗？此操作不能撤销。", "删除",
            lambda: self.delete_now(info), icon=QMessageBox.Icon.Warning, default="reject",
            name="deleteTemplateQuestion")

    def delete_now(self, info: tm.TemplateInfo) -> None:
        if self._run(tm.delete, info.id, done=f"已删除“{info.name}”。") is None and info.id in (
                i.id for i in tm.list_templates(self.ctx)):
            return
        if self.editor is not None:
            self.stack.removeWidget(self.editor)
            self.editor.deleteLater()
            self.editor = None
        self.refresh()

    def import_file(self) -> None:
        self.file_dialog = ask_file(
            self, FileKind.TEMPLATES, "导入模板", self.import_path,
            filters=["模板文件 (*.json *.docx)", "公文模板 (*.json)", "Word 表单 (*.docx)"])

    def import_path(self, path: str) -> tm.TemplateInfo | None:
        new = self._run(tm.import_file, path)
        if isinstance(new, tm.TemplateInfo):
            self.statusLabel.ok(f"已导入“{new.name}”（{new.kind}）。")
            self.select(new.ref)
            return new
        return None

    def export_file(self) -> None:
        info = self.selected()
        if info is None:
            return
        suffix = ".docx" if info.format == tm.WORDFORM else ".json"
        self.file_dialog = ask_save_path(
            self, FileKind.TEMPLATES, "导出模板", lambda path: self.export_path(info.ref, path),
            name=info.name + suffix, suffix=suffix,
            filters=["Word 表单 (*.docx)" if suffix == ".docx" else "公文模板 (*.json)"])

    def export_path(self, ref: str, path: str) -> None:
        out = self._run(tm.export_file, ref, path)
        if out is not None:
            self.statusLabel.ok(f"已导出到 {out}。")

    def _reload_editor(self, ref: str) -> None:
        self.refresh(select=ref)
        if self.editor is not None and self.editor.content.info.ref == ref and not self.editor.dirty:
            self.editor.load(tm.get(self.ctx, ref))


def _factory(ctx: ServiceContext, parent: QWidget) -> QWidget:
    return TemplatesPage(ctx, parent)


register_page("templates", _factory, required=Action.MANAGE_TEMPLATES)
