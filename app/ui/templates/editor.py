"""The template editor: text with line numbers, a placeholder picker, problems found as you type
(debounced, in the background), a live PDF preview on sample data, and the version history.

Checking and rendering run through ``app.ui.kit.worker.run_task``: each keystroke restarts a short
timer; when it fires, the text is checked and (when fine) rendered off the GUI thread, and only
the newest run's result is shown. A problem names its field and line; clicking it moves the
cursor there (``locate``). Saving re-checks first: a template with problems is saved only as a
draft the user confirms, and never over the default of its kind (the service refuses too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.errors import UserError
from app.services import templates as tm
from app.services.context import ServiceContext
from app.services.templates import TemplateProblem
from app.ui.kit import DOCX, FileKind, TaskHandle, ask_file, confirm, describe, run_task
from app.ui.qt import (
    QBuffer,
    QByteArray,
    QHBoxLayout,
    QHeaderView,
    QIODevice,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPdfDocument,
    QPdfView,
    QPushButton,
    QShortcut,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextCursor,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.templates.code_edit import CodeEdit
from app.ui.templates.locate import locate
from app.ui.templates.simple_form import SimpleForm

DEBOUNCE_MS = 400


@dataclass(frozen=True)
class CheckResult:
    generation: int
    problems: list[TemplateProblem]
    placeholders: list[tuple[str, str]]
    pdf: bytes | None
    note: str = ""


def sample_paths(sample: Any, prefix: str = "", depth: int = 3) -> dict[str, str]:
    """Data paths in the sample (``meeting.date``), with a short example value: the picker also
    offers what the record will contain, not only what the template already reads."""
    out: dict[str, str] = {}
    if not isinstance(sample, dict) or depth == 0:
        return out
    for key, value in sample.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(sample_paths(value, path + ".", depth - 1))
            continue
        if isinstance(value, list):
            example = f"列表，{len(value)} 项"
        else:
            example = str(value).replace("\n", " ")
            example = example if len(example) <= 16 else example[:15] + "…"
        out[path] = f"例：{example}"
    return out


def _placeholders(template: Any, kind_expects: dict[str, str],
                  sample: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """(path, 说明) pairs for the picker: what the template declares it expects, what the kind's
    shipped template expects, what the text already reads, and what the sample data holds."""
    found: dict[str, str] = {}
    for path, label in {**kind_expects, **dict(getattr(template, "expects", {}) or {})}.items():
        found[path] = label
    for path in template.placeholders():  # skips fields with syntax errors
        found.setdefault(path, "")
    for path, example in sample_paths(sample or {}).items():
        if not found.get(path):
            found[path] = example
    return sorted(found.items())


def check_and_render(control: Any, fmt: str, text: str | None, data: bytes | None,
                     sample: dict[str, Any] | None, sample_error: str, generation: int,
                     kind_expects: dict[str, str], render: bool = True) -> CheckResult:
    """Background task: problems of the content on the sample; the PDF preview when it is fine."""
    control.check()
    if sample_error:
        return CheckResult(generation, [TemplateProblem("示例数据", None, sample_error)], [], None)
    try:
        template = tm.parse(fmt, text=text, data=data)
    except UserError as exc:
        problems = list(getattr(exc, "problems", []) or [TemplateProblem("", None, exc.message)])
        return CheckResult(generation, problems, [], None)
    picker = _placeholders(template, kind_expects, sample)
    problems = template.check(sample or {})
    control.check()
    if problems or not render:
        return CheckResult(generation, problems, picker, None)
    from app.services.templates import render_template

    try:
        pdf = render_template(template, sample or {}, "pdf").data
    except UserError as exc:
        return CheckResult(generation, [TemplateProblem("", None, exc.message)], picker, None)
    control.check()
    return CheckResult(generation, [], picker, pdf)


class TemplateEditor(QWidget):
    """Edits one template (shipped: saving makes an office copy). Emits ``saved(ref)``."""

    saved = Signal(str)
    checked = Signal()  # a check finished and its result is shown (tests wait on it)
    save_done = Signal()  # a save ended: saved, declined, or refused with a message shown
    previewed = Signal()  # a PDF preview was loaded

    def __init__(self, ctx: ServiceContext, content: tm.TemplateContent,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.generation = 0
        self.task: TaskHandle | None = None
        self.problems: list[TemplateProblem] = []
        self.pending_data: bytes | None = None
        self._buffer: QBuffer | None = None
        self.draft_box: QMessageBox | None = None  # the open 保存为草稿 question
        self.save_task: TaskHandle | None = None
        self._build()
        self.load(content)

    # ---- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.titleLabel = QLabel()
        self.titleLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bannerLabel = QLabel()
        self.bannerLabel.setWordWrap(True)
        self.bannerLabel.setStyleSheet("color: #8a5a00;")
        self.commentEdit = QLineEdit()
        self.commentEdit.setPlaceholderText("修改说明（写入版本历史）")
        self.saveButton = QPushButton("保存(&S)")
        self.saveButton.setToolTip("保存为新版本（Ctrl+S）")
        self.saveButton.clicked.connect(self.save)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        top = QHBoxLayout()
        top.addWidget(self.commentEdit, 1)
        top.addWidget(self.saveButton)

        # template text (公文) or Word form panel
        self.textEdit = CodeEdit()
        self.textEdit.textChanged.connect(self._changed)
        self.formPanel = QWidget()
        form_layout = QVBoxLayout(self.formPanel)
        self.formLabel = QLabel()
        self.formLabel.setWordWrap(True)
        self.replaceButton = QPushButton("用 Word 文件替换(&R)…")
        self.replaceButton.clicked.connect(self.replace_docx)
        form_layout.addWidget(self.formLabel)
        form_layout.addWidget(self.replaceButton, 0, Qt.AlignmentFlag.AlignLeft)
        form_layout.addStretch(1)

        self.problemList = QListWidget()
        self.problemList.setToolTip("单击问题，光标跳到出错处")
        self.problemList.itemClicked.connect(self.go_to_problem)
        self.problemList.itemActivated.connect(self.go_to_problem)
        self.problemLabel = QLabel("问题")
        edit_page = QSplitter(Qt.Orientation.Vertical)
        holder = QWidget()
        hl = QVBoxLayout(holder)
        hl.setContentsMargins(0, 0, 0, 0)
        hl.addWidget(self.textEdit)
        hl.addWidget(self.formPanel)
        probs = QWidget()
        pl = QVBoxLayout(probs)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.problemLabel)
        pl.addWidget(self.problemList)
        edit_page.addWidget(holder)
        edit_page.addWidget(probs)
        edit_page.setSizes([500, 120])

        # sample data
        self.sampleEdit = CodeEdit()
        self.sampleEdit.textChanged.connect(self._changed)
        self.saveSampleButton = QPushButton("保存示例数据")
        self.saveSampleButton.clicked.connect(self.save_sample)
        sample_page = QWidget()
        sl = QVBoxLayout(sample_page)
        sl.addWidget(QLabel("预览和检查所用的示例数据（JSON 对象）："))
        sl.addWidget(self.sampleEdit)
        sl.addWidget(self.saveSampleButton, 0, Qt.AlignmentFlag.AlignLeft)

        # history
        self.historyTable = QTableWidget(0, 4)
        self.historyTable.setHorizontalHeaderLabels(["版本", "时间", "修改人", "说明"])
        self.historyTable.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.historyTable.verticalHeader().hide()
        self.historyTable.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.historyTable.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.historyTable.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.historyTable.itemSelectionChanged.connect(self._show_version)
        self.versionView = CodeEdit()
        self.versionView.setReadOnly(True)
        self.restoreButton = QPushButton("恢复此版本(&H)")
        self.restoreButton.setToolTip("把选中版本的内容保存为一个新版本（原有版本都保留）")
        self.restoreButton.clicked.connect(self.restore_selected)
        history_page = QWidget()
        hv = QVBoxLayout(history_page)
        hv.addWidget(self.historyTable, 1)
        hv.addWidget(self.versionView, 1)
        hv.addWidget(self.restoreButton, 0, Qt.AlignmentFlag.AlignLeft)

        # 常用设置: names, phones, 主送, 署名 as a form over the text (app.ui.templates.simple_form)
        self.simpleForm = SimpleForm()
        self.simpleForm.changed.connect(self._form_changed)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.simpleForm, "常用设置")
        self.tabs.addTab(edit_page, "代码（高级）")
        self.code_page = edit_page
        self.tabs.addTab(sample_page, "示例数据")
        self.tabs.addTab(history_page, "历史版本")
        self.history_page = history_page
        self.tabs.currentChanged.connect(self._tab_changed)

        # placeholder picker
        self.pickerList = QListWidget()
        self.pickerList.setToolTip("双击或回车：在光标处插入占位符")
        self.pickerList.itemActivated.connect(self.insert_placeholder)
        picker = QWidget()
        pk = QVBoxLayout(picker)
        pk.setContentsMargins(0, 0, 0, 0)
        pk.addWidget(QLabel("占位符（双击插入）"))
        pk.addWidget(self.pickerList)

        # preview
        self.pdfDocument = QPdfDocument(self)
        self.pdfView = QPdfView()
        self.pdfView.setDocument(self.pdfDocument)
        self.pdfView.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdfView.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.previewLabel = QLabel("预览")
        self.previewLabel.setWordWrap(True)
        preview = QWidget()
        pv = QVBoxLayout(preview)
        pv.setContentsMargins(0, 0, 0, 0)
        pv.addWidget(self.previewLabel)
        pv.addWidget(self.pdfView, 1)

        self.picker = picker  # placeholders are code: shown beside the code, not the form
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.tabs)
        split.addWidget(picker)
        split.addWidget(preview)
        split.setSizes([520, 200, 420])

        layout = QVBoxLayout(self)
        layout.addWidget(self.titleLabel)
        layout.addWidget(self.bannerLabel)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.run_check)

    # ---- content ---------------------------------------------------------------------------
    def load(self, content: tm.TemplateContent) -> None:
        self.content = content
        info = content.info
        self.pending_data = None
        marks = ["默认" if info.is_default else "", "内置" if info.shipped else
                 f"本单位 · 第 {info.current_version} 版"]
        self.titleLabel.setText(f"<b>{info.name}</b>　{info.kind} · {info.format_label} · "
                                + " · ".join(m for m in marks if m))
        if info.shipped:
            self.bannerLabel.setText("这是程序自带的模板，只读：保存时会另存为本单位副本，原模板不变。")
        elif info.is_default:
            self.bannerLabel.setText(f"这是“{info.kind}”的默认模板：有问题时不能保存。")
        else:
            self.bannerLabel.setText("")
        self.bannerLabel.setVisible(bool(self.bannerLabel.text()))
        is_form = info.format == tm.WORDFORM
        self.textEdit.setVisible(not is_form)
        self.formPanel.setVisible(is_form)
        self.textEdit.blockSignals(True)
        self.textEdit.setPlainText(content.text or "")
        self.textEdit.blockSignals(False)
        self.textEdit.document().setModified(False)
        if is_form:
            self.formLabel.setText(
                f"Word 表单（.docx，{len(content.data or b'') // 1024} KB）。在 Word 中编辑表单，占位符写作"
                " {{ 名称 }}，表格逐行重复写作 {%tr for r in 列表 %} … {%tr endfor %}；"
                "改好后用下面的按钮替换，保存为新版本。")
        self.sampleEdit.blockSignals(True)
        self.sampleEdit.setPlainText(json.dumps(content.sample or {}, ensure_ascii=False, indent=2))
        self.sampleEdit.blockSignals(False)
        self.sampleEdit.document().setModified(False)
        self.saveSampleButton.setEnabled(not info.shipped)
        self.tabs.setTabEnabled(self.tabs.indexOf(self.history_page), not info.shipped)
        self.tabs.setTabVisible(self.tabs.indexOf(self.simpleForm), not is_form)
        if not is_form:
            self.simpleForm.load(content.text or "")
        self._tab_changed(self.tabs.currentIndex())
        self.refresh_history()
        self.run_check()

    def kind_expects(self) -> dict[str, str]:
        kind = self.content.info.kind
        try:
            shipped = tm.default_for(self.ctx, kind, tm.DESCRIPTION)
        except UserError:
            return {}
        return dict(getattr(shipped, "expects", {}) or {})

    @property
    def dirty(self) -> bool:
        return self.textEdit.document().isModified() or self.pending_data is not None

    def current_text(self) -> str | None:
        return None if self.content.info.format == tm.WORDFORM else self.textEdit.toPlainText()

    def current_data(self) -> bytes | None:
        if self.content.info.format != tm.WORDFORM:
            return None
        return self.pending_data if self.pending_data is not None else self.content.data

    def current_sample(self) -> tuple[dict[str, Any] | None, str]:
        try:
            obj = json.loads(self.sampleEdit.toPlainText() or "{}")
        except json.JSONDecodeError as exc:
            return None, f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}。"
        if not isinstance(obj, dict):
            return None, "应为 JSON 对象（{…}）。"
        return obj, ""

    def _tab_changed(self, index: int) -> None:
        """Coming back to 常用设置 after editing the code: the form reads the text again. The
        placeholder picker shows beside the code only."""
        on_form = self.tabs.widget(index) is self.simpleForm
        self.picker.setVisible(not on_form)
        if on_form and self.current_text() is not None:
            self.simpleForm.load(self.textEdit.toPlainText())

    def _form_changed(self, text: str) -> None:
        """A 常用设置 edit: the text takes it (undoable there), then check and preview run."""
        cursor = self.textEdit.textCursor()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)  # (not setPlainText: that would lose the undo history)
        self.textEdit.document().setModified(True)

    # ---- checking and preview --------------------------------------------------------------
    def _changed(self) -> None:
        self.timer.start()

    def run_check(self) -> None:
        self.timer.stop()
        if self.task is not None and not self.task.finished:
            self.task.cancel()
        self.generation += 1
        sample, error = self.current_sample()
        info = self.content.info
        self.previewLabel.setText("正在检查和生成预览……" if info.format == tm.DESCRIPTION
                                  else "正在生成预览（Word 表单经 LibreOffice 转换，稍候）……")
        if not hasattr(self, "_kind_expects"):
            self._kind_expects = self.kind_expects()
        self.task = run_task(
            check_and_render, info.format, self.current_text(), self.current_data(), sample, error,
            self.generation, self._kind_expects,
            on_result=self._checked, on_error=self._check_failed, parent=self)

    def _checked(self, result: CheckResult) -> None:
        if result.generation != self.generation:
            return  # an older run: its text is gone
        self.show_problems(result.problems)
        if result.placeholders:
            self._fill_picker(result.placeholders)
        if result.pdf is not None:
            self._show_pdf(result.pdf)
            self.previewLabel.setText("预览（示例数据）")
            self.previewed.emit()
        elif result.problems:
            self.previewLabel.setText("模板有问题，改正后显示预览。")
        self.checked.emit()

    def _check_failed(self, exc: BaseException) -> None:
        self.previewLabel.setText(describe(exc))
        self.checked.emit()

    def show_problems(self, problems: list[TemplateProblem]) -> None:
        # a problem inside a $for is reported once per record: list it once
        self.problems = list(dict.fromkeys(problems))
        problems = self.problems
        self.problemList.clear()
        text = self.current_text()
        lines = []
        for p in problems:
            offset = locate(text, p.field, p.line) if text is not None else 0
            line = self.textEdit.document().findBlock(offset).blockNumber() + 1 if text else None
            where = f"（第 {line} 行）" if line and self.content.info.format == tm.DESCRIPTION else ""
            item = QListWidgetItem(f"{p}{where}")
            item.setData(Qt.ItemDataRole.UserRole, offset)
            item.setForeground(Qt.GlobalColor.darkRed)
            self.problemList.addItem(item)
            if line:
                lines.append(line)
        self.textEdit.set_problem_lines(lines)
        self.problemLabel.setText(f"问题（{len(problems)}）" if problems else "问题：无")
        self.simpleForm.problems.setText(
            f"模板有 {len(problems)} 处问题，见“代码（高级）”页。" if problems else "")

    def go_to_problem(self, item: QListWidgetItem) -> None:
        if self.content.info.format == tm.DESCRIPTION:
            self.tabs.setCurrentWidget(self.code_page)
            self.textEdit.move_to(int(item.data(Qt.ItemDataRole.UserRole) or 0))

    def _fill_picker(self, items: list[tuple[str, str]]) -> None:
        self.pickerList.clear()
        for path, label in items:
            item = QListWidgetItem(f"{path}　{label}" if label else path)
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(label or path)
            self.pickerList.addItem(item)

    def insert_placeholder(self, item: QListWidgetItem) -> None:
        if self.content.info.format != tm.DESCRIPTION:
            return
        path = str(item.data(Qt.ItemDataRole.UserRole))
        if " / " in path:  # a grouped description such as "doc.copy_no / doc.secrecy"
            path = path.split(" / ")[0]
        self.textEdit.insert_at_cursor(f"{{{{ {path} }}}}")

    def _show_pdf(self, pdf: bytes) -> None:
        buffer = QBuffer(self)
        buffer.setData(QByteArray(pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdfDocument.load(buffer)
        old, self._buffer = self._buffer, buffer
        if old is not None:
            old.close()
            old.deleteLater()

    # ---- saving ----------------------------------------------------------------------------
    def _ask_draft(self, count: int, save: Any) -> None:
        """The template has problems: 保存为草稿 runs ``save``; 取消 ends the save unsaved."""
        self.draft_box = confirm(
            self, "模板有问题", f"模板还有 {count} 处问题（见下方列表）。仍然保存为草稿吗？",
            "保存为草稿", save, informative="草稿不能设为默认模板。",
            on_reject=lambda: self._saved_or_not(""), icon=QMessageBox.Icon.Warning,
            default="reject", name="saveDraftQuestion")

    @property
    def saving(self) -> bool:
        return self.save_task is not None and not self.save_task.finished

    def save(self) -> None:
        """Re-check, then save — both in the worker (a Word form's check renders it through
        docxtpl: hundreds of ms). The button is off meanwhile and a second Ctrl+S is ignored;
        what is saved is the text as it was when 保存 was pressed. A template with problems is
        saved as a draft only after the question (``draft_box``) is answered 保存为草稿."""
        if self.saving:
            return
        info = self.content.info
        sample, error = self.current_sample()
        if error:
            self.show_problems([TemplateProblem("示例数据", None, error)])
            return
        if not info.shipped and self.sampleEdit.document().isModified():
            self.save_sample()
        text, data = self.current_text(), self.current_data()
        comment = self.commentEdit.text().strip()
        probe = tm.TemplateContent(info, text, data, sample or {})
        self._saving(True, "正在检查模板……")

        def checked(problems: list[TemplateProblem]) -> None:
            self.show_problems(problems)
            if problems and info.is_default and not info.shipped:
                self._saved_or_not(f"这是“{info.kind}”的默认模板，有问题时不能保存。请先改正问题。")
                return
            if problems:
                self._ask_draft(len(problems), lambda: write(problems))
            else:
                write(problems)

        def write(problems: list[TemplateProblem]) -> None:
            self._saving(True, "正在保存……")

            def work(_control: Any) -> tm.TemplateContent:
                new = tm.save(self.ctx, info.ref, text=text,
                              data=data if info.format == tm.WORDFORM else None, comment=comment,
                              expected_version=None if info.shipped else info.row_version,
                              allow_problems=bool(problems))
                return tm.get(self.ctx, new.ref)

            self.save_task = run_task(work, on_result=written, on_error=failed, parent=self)

        def written(content: tm.TemplateContent) -> None:
            self.commentEdit.clear()
            self._saving(False, "")
            self.load(content)
            self.saved.emit(content.info.ref)
            self.save_done.emit()

        def failed(exc: BaseException) -> None:
            self._saved_or_not(describe(exc))

        self.save_task = run_task(lambda _control: tm.check(probe), on_result=checked,
                                  on_error=failed, parent=self)

    def _saving(self, busy: bool, text: str) -> None:
        self.saveButton.setEnabled(not busy)
        self.textEdit.setReadOnly(busy)  # what is being saved is what the editor shows
        if text:
            self.previewLabel.setText(text)

    def _saved_or_not(self, message: str) -> None:
        """The save ended (saved, declined or refused): the button is back, ``save_done``."""
        self._saving(False, message)
        self.save_done.emit()

    def save_sample(self) -> None:
        sample, error = self.current_sample()
        info = self.content.info
        if error or sample is None or info.id is None:
            self.show_problems([TemplateProblem("示例数据", None, error or "内置模板的示例数据不能修改。")])
            return
        try:
            tm.set_sample(self.ctx, info.id, sample)
        except UserError as exc:
            self.previewLabel.setText(describe(exc))
            return
        self.sampleEdit.document().setModified(False)

    def replace_docx(self) -> None:
        self.file_dialog = ask_file(self, FileKind.TEMPLATES, "选择 Word 表单",
                                    self.use_docx_file, filters=[DOCX])

    def use_docx_file(self, path: str) -> None:
        try:
            with open(path, "rb") as fh:
                self.pending_data = fh.read()
        except OSError as exc:
            self.previewLabel.setText(f"无法读取 {path}：{exc.strerror or exc}")
            return
        self.formLabel.setText(f"已选择新的 Word 文件：{path}（尚未保存）")
        self.run_check()

    # ---- history ---------------------------------------------------------------------------
    def refresh_history(self) -> None:
        info = self.content.info
        self.versions: list[tm.VersionInfo] = [] if info.id is None else tm.history(self.ctx, info.id)
        t = self.historyTable
        t.setRowCount(len(self.versions))
        for row, v in enumerate(self.versions):
            label = f"第 {v.number} 版" + ("（当前）" if v.current else "")
            values = [label, v.created_at.astimezone().strftime("%Y-%m-%d %H:%M"), v.author, v.comment]
            for col, value in enumerate(values):
                t.setItem(row, col, QTableWidgetItem(value))
        self.versionView.setPlainText("")
        self.restoreButton.setEnabled(False)

    def selected_version(self) -> tm.VersionInfo | None:
        rows = self.historyTable.selectionModel().selectedRows()
        return self.versions[rows[0].row()] if rows else None

    def _show_version(self) -> None:
        v = self.selected_version()
        info = self.content.info
        self.restoreButton.setEnabled(v is not None and not v.current)
        if v is None or info.id is None:
            self.versionView.setPlainText("")
            return
        old = tm.version_content(self.ctx, info.id, v.number)
        self.versionView.setPlainText(old.text if old.text is not None else
                                      f"Word 表单，{len(old.data or b'') // 1024} KB")

    def restore_selected(self) -> None:
        v = self.selected_version()
        info = self.content.info
        if v is None or info.id is None:
            return
        try:
            new = tm.restore(self.ctx, info.id, v.number)
        except UserError as exc:
            self.previewLabel.setText(describe(exc))
            return
        self.load(tm.get(self.ctx, new.ref))
        self.saved.emit(new.ref)
