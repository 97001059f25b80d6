"""The 公文 editor: every field, a live PDF preview, proofreading, workflow, versions, print/export.

Closing an editor with unsaved changes asks (``ask_close``: 保存 / 不保存 / 取消, a window-modal
box opened with ``open()``); the tab title and the window title carry a "*" while there are
unsaved changes. A stale save (someone saved the document since it was loaded) never overwrites
and never drops the text: the shared ``ConflictDialog`` lets the user take the saved version or
keep editing on top of it, and the diff stays on the 版本 tab.

Typing never waits: each edit restarts a 400 ms timer; when typing pauses, the proofreader and
the renderer run together in the background (``run_task``) on a snapshot of the form, and a
result that is older than the latest snapshot is dropped. Saves and workflow steps are short
single transactions; rendering for print/export runs in the background.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.domain import proofread as pr
from app.domain.security import Action, allowed
from app.errors import InputError, UserError
from app.services import documents, output
from app.services import documents as docs
from app.services import documents as out
from app.services import office as office_settings
from app.services.context import ServiceContext
from app.services.documents import DocumentConflict, DocumentInfo
from app.services.placeholders import UnfilledPlaceholders
from app.ui.conflict_dialog import REAPPLY, ConflictDialog
from app.ui.documents.form import DocumentForm
from app.ui.documents.printing import (
    PrintOptionsDialog,
    load_pdf,
    paint_pdf,
)
from app.ui.kit import (
    DISCARD,
    SAVE,
    FileKind,
    MessageLine,
    TaskHandle,
    ask_print_anyway,
    ask_unsaved,
    confirm,
    describe,
    file_dialog,
    run_busy,
    run_task,
    saved_text,
    summary,
)
from app.ui.permissions import gate
from app.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPdfView,
    QPlainTextEdit,
    QPrinter,
    QPrintPreviewDialog,
    QPushButton,
    QScrollArea,
    QShortcut,
    QSpinBox,
    QSplitter,
    Qt,
    QTabWidget,
    QTextCursor,
    QTextEdit,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.ui.security.scope_dialog import ScopeDialog

DEBOUNCE_MS = 400
STEP_BUTTONS = [("review", "核稿"), ("sign", "签发"), ("issue", "印发"), ("archive", "归档"),
                ("return", "退回")]
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
FIELD_LABELS = {"title": "标题", "to": "主送机关", "body": "正文", "doc_no": "发文字号",
                "attachments": "附件", "note": "附注", "cc": "抄送机关", "secrecy": "密级",
                "secrecy_term": "保密期限", "date": "成文日期", "print_date": "印发日期",
                "issuer": "署名", "signers": "签发人", "urgency": "紧急程度"}
EXPORT_FILTERS = {"pdf": "PDF 文件 (*.pdf)", "docx": "Word 文档 (*.docx)",
                  "json": "公文描述 JSON (*.json)"}


def _check_and_render(_control, desc: dict[str, Any], genre: str):  # background
    findings = docs.proofread(desc, genre)
    try:
        result = out.render_preview(desc)
    except InputError as exc:
        return findings, None, exc.message
    return findings, result.data, output.typed(result.warnings)


class DocumentEditor(QWidget):
    """Edits one document (``doc_id`` None: a new one, from ``starter``)."""

    saved = Signal(int)  # document id
    #: the user chose to close (after saving, or discarding the changes): the page removes the tab
    close_accepted = Signal()

    def __init__(self, ctx: ServiceContext, doc_id: int | None = None,
                 starter: dict[str, Any] | None = None, genre: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentEditor")
        self.ctx = ctx
        self.info: DocumentInfo | None = None
        self.dirty = False
        self.findings: list[pr.Finding] = []
        self.pdf_bytes: bytes | None = None
        self._generation = 0
        self._task: TaskHandle | None = None
        self._pdf_buffer: Any = None
        self.dialog: QDialog | None = None
        self.close_box: QMessageBox | None = None
        self.conflict_dialog: ConflictDialog | None = None
        self.printer: QPrinter | None = None  # the print preview paints on it after we return
        self._build()
        self.form.set_seal_available(documents.status(ctx).present)
        series = office_settings.get_office(ctx).code_series
        self.form.series.addItems(series)
        if doc_id is not None:
            self.load(doc_id)
        else:
            self.form.set_description(starter or {"title": "", "body": ""}, genre=genre,
                                      series=series[0] if series else "")
            self.dirty = True
            self._update_state()
            self.schedule_refresh(0)

    # ---- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.form = DocumentForm()
        self.form.changed.connect(self._on_changed)
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)

        self.save_button = QPushButton("保存")
        self.print_button = QPushButton("打印…")
        self.export_button = QPushButton("导出…")
        self.scope_button = QPushButton("知悉范围…")  # 秘密/机密 only (need_to_know)
        self.scope_button.setObjectName("scopeButton")
        self.state_label = QLabel()
        self.message = MessageLine(name="editorMessage")
        bar = QHBoxLayout()
        for b in (self.save_button, self.print_button, self.export_button, self.scope_button):
            bar.addWidget(b)
        bar.addWidget(self.state_label, 1)
        self.save_button.clicked.connect(self.save)
        self.print_button.clicked.connect(self.print_document)
        self.export_button.clicked.connect(self.export_dialog)
        self.scope_button.clicked.connect(self.scope_dialog)

        self.tabs = QTabWidget()
        # preview
        self.pdf_view = QPdfView()
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.preview_status = QLabel("正在生成预览…")
        self.preview_status.setWordWrap(True)
        preview = QWidget()
        pv = QVBoxLayout(preview)
        pv.addWidget(self.pdf_view, 1)
        pv.addWidget(self.preview_status)
        self.tabs.addTab(preview, "预览")
        # proofreading
        self.findings_list = QListWidget()
        self.findings_list.setObjectName("findingsList")
        self.findings_list.currentRowChanged.connect(self._select_finding)
        self.fix_button = QPushButton("修改此处")
        self.fix_all_button = QPushButton("全部安全修改")
        self.proof_summary = QLabel()
        self.fix_button.clicked.connect(self.fix_current)
        self.fix_all_button.clicked.connect(self.fix_all)
        proof = QWidget()
        pl = QVBoxLayout(proof)
        pl.addWidget(self.proof_summary)
        pl.addWidget(self.findings_list, 1)
        row = QHBoxLayout()
        row.addWidget(self.fix_button)
        row.addWidget(self.fix_all_button)
        pl.addLayout(row)
        self.tabs.addTab(proof, "校核")
        # workflow
        self.steps_list = QListWidget()
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("意见（退回时必填）")
        self.step_buttons: dict[str, QPushButton] = {}
        self.reserved = QSpinBox()
        self.reserved.setRange(0, 99999)
        self.reserved.setSpecialValueText("取下一个号")
        self.reserved.setToolTip("签发时使用已预留的发文字号（见“发文字号台账”）")
        flow = QWidget()
        fl = QVBoxLayout(flow)
        fl.addWidget(QLabel("办理记录"))
        fl.addWidget(self.steps_list, 1)
        fl.addWidget(self.comment)
        self.reserved_row = QWidget()
        rrow = QHBoxLayout(self.reserved_row)
        rrow.setContentsMargins(0, 0, 0, 0)
        rrow.addWidget(QLabel("签发时使用预留号"))
        rrow.addWidget(self.reserved)
        self.override = QCheckBox("校核有错误仍签发（理由写在意见栏）")
        rrow.addWidget(self.override)
        rrow.addStretch(1)
        fl.addWidget(self.reserved_row)
        brow = QHBoxLayout()
        for step, label in STEP_BUTTONS:
            b = QPushButton(label)
            b.setObjectName(f"step_{step}")
            b.clicked.connect(lambda _c=False, s=step: self.do_step(s))
            self.step_buttons[step] = b
            brow.addWidget(b)
        fl.addLayout(brow)
        self.tabs.addTab(flow, "流程")
        # versions
        self.versions_list = QListWidget()
        self.versions_list.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        self.compare_button = QPushButton("比较所选两个版本")
        self.compare_button.clicked.connect(self.compare_selected)
        self.diff_view = QTextEdit()
        self.diff_view.setReadOnly(True)
        vers = QWidget()
        vl = QVBoxLayout(vers)
        vl.addWidget(self.versions_list)
        vl.addWidget(self.compare_button)
        vl.addWidget(self.diff_view, 1)
        self.tabs.addTab(vers, "版本")

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(self.tabs)
        split.setSizes([520, 520])
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.message)
        lay.addWidget(split, 1)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.refresh_preview)
        for keys, slot in (("Ctrl+S", self.save), ("Ctrl+P", self.print_document),
                           ("Ctrl+E", self.export_dialog)):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)

    # ---- state ----------------------------------------------------------------------------
    @property
    def doc_id(self) -> int | None:
        return self.info.id if self.info else None

    def title(self) -> str:
        t = self.form.text["title"].text().strip() or "新公文"
        return ("* " if self.dirty else "") + (t[:14] + "…" if len(t) > 15 else t)

    def has_unsaved(self) -> bool:
        """Changes that a close would lose (a read-only editor has none to save)."""
        return self.dirty and self.form.isEnabled()

    def load(self, doc_id: int) -> None:
        self.info = docs.get_document(self.ctx, doc_id)
        self.form.set_description(self.info.description, genre=self.info.genre,
                                  classification=self.info.classification,
                                  series=self.info.series_prefix)
        self.dirty = False
        self._update_state()
        self._load_history()
        self.schedule_refresh(0)

    def _update_state(self) -> None:
        info = self.info
        may_draft = self.ctx.actor is not None and allowed(self.ctx.actor.roles, Action.DRAFT)
        editable = may_draft and (info is None or info.editable)
        self.form.setEnabled(editable)
        self.save_button.setEnabled(editable and self.dirty)
        name = self.form.text["title"].text().strip() or "新公文"
        self.setWindowTitle(f"{name}[*] — 公文")  # Qt shows "*" in place of [*] when modified
        self.setWindowModified(self.has_unsaved())
        saved = info is not None and not self.dirty
        self.print_button.setEnabled(saved)
        self.export_button.setEnabled(saved)
        secret = info is not None and info.classification >= 2
        self.scope_button.setEnabled(saved and secret)
        self.scope_button.setToolTip("" if secret else "只有秘密、机密公文可以限定知悉范围。")
        steps = docs.available_steps(self.ctx.actor, info.status) if info else []
        shown = docs.status_steps(info.status) if info else []
        for step, b in self.step_buttons.items():  # shown to every role, disabled with the reason
            b.setVisible(step in shown)
            gate(b, self.ctx.actor, docs.step_action(self.ctx.actor, step), saved)
        self.reserved_row.setVisible("sign" in steps)
        if info is None:
            self.state_label.setText("新公文（未保存）")
        else:
            frozen = "，正文已签发冻结（修改将生成新版本）" if info.frozen else ""
            self.state_label.setText(
                f"{info.status_label} · 第 {info.content_version} 版"
                f"{' · ' + info.doc_no if info.doc_no else ''}{frozen}"
                f"{' · 未保存' if self.dirty else ''}")

    def _load_history(self) -> None:
        if self.info is None:
            return
        self.steps_list.clear()
        for s in docs.list_steps(self.ctx, self.info.id):
            when = s.at.astimezone().strftime("%Y-%m-%d %H:%M")
            text = f"{when}  {s.label}  {s.actor_name}"
            self.steps_list.addItem(text + (f"：{s.comment}" if s.comment else ""))
        self.versions_list.clear()
        for v in docs.list_versions(self.ctx, self.info.id):
            when = v.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
            item = QListWidgetItem(f"第 {v.number} 版  {'已签发冻结' if v.frozen else '工作稿'}"
                                   f"  {when}  {v.author}  {v.note}")
            item.setData(Qt.ItemDataRole.UserRole, v.number)
            self.versions_list.addItem(item)

    def _on_changed(self) -> None:
        self.dirty = True
        self._update_state()
        self.schedule_refresh()

    # ---- preview and proofreading ---------------------------------------------------------
    def schedule_refresh(self, delay: int = DEBOUNCE_MS) -> None:
        self.timer.start(delay)

    def refresh_preview(self) -> None:
        self._generation += 1
        gen = self._generation
        desc = self.form.description()
        self._task = run_task(_check_and_render, desc, self.form.genre.currentText(),
                              on_result=lambda r: self._preview_ready(gen, r),
                              on_error=lambda e: self._preview_failed(gen, e), parent=self)

    def _preview_ready(self, gen: int, result: tuple) -> None:
        if gen != self._generation:
            return  # the text changed meanwhile; a newer result is on its way
        findings, pdf, note = result
        self.show_findings(findings)
        if pdf is None:
            self.preview_status.setText(f"预览未更新：{note}")
            return
        self.pdf_bytes = pdf
        doc, buf = load_pdf(pdf, self)
        old = self.pdf_view.document()
        self.pdf_view.setDocument(doc)
        if old is not None:
            old.deleteLater()
        if self._pdf_buffer is not None:
            self._pdf_buffer.deleteLater()
        self._pdf_buffer = buf
        pages = doc.pageCount()
        notes = output.typed(note)  # typed warnings: decided by kind, never by their wording
        text = f"共 {pages} 页"
        said = summary(notes)
        if said:
            text += f"；{said}"
            if any(n.kind is output.WarningKind.FONT_STAND_IN for n in notes):
                text += "（悬停查看）"
        self.preview_status.setText(text)
        self.preview_status.setToolTip("\n".join(n.text for n in notes))

    def _preview_failed(self, gen: int, exc: BaseException) -> None:
        if gen == self._generation:
            self.preview_status.setText(f"预览失败：{describe(exc)}")

    def show_findings(self, findings: list[pr.Finding]) -> None:
        self.findings = findings
        self.findings_list.blockSignals(True)
        self.findings_list.clear()
        for f in findings:
            head = f.field.split("[")[0].split(".")[0]
            where = FIELD_LABELS.get(head, head) + (
                f"（第 {f.paragraph + 1} 段）" if f.paragraph is not None else "")
            item = QListWidgetItem(f"[{SEVERITY_LABELS[f.severity]}] {f.title}：{f.message}"
                                   f"  —  {where}")
            if f.severity == "error":
                item.setForeground(Qt.GlobalColor.red)
            self.findings_list.addItem(item)
        self.findings_list.blockSignals(False)
        self.proof_summary.setText(pr.summary(findings)
                                   + ("（有错误，不能签发）" if pr.blocks_signing(findings) else ""))
        self.fix_all_button.setEnabled(any(f.fix and f.fix.safe for f in findings))
        self.fix_button.setEnabled(False)

    def _select_finding(self, row: int) -> None:
        """Put the cursor on the finding's text in its field."""
        if not 0 <= row < len(self.findings):
            return
        f = self.findings[row]
        self.fix_button.setEnabled(f.fix is not None and self.form.isEnabled())
        w = self.form.widget_for(f.field)
        if w is None:
            return
        start = f.offset
        if isinstance(w, QPlainTextEdit):
            start += self._line_base(w, f.field)
            cursor = w.textCursor()
            cursor.setPosition(min(start, len(w.toPlainText())))
            cursor.setPosition(min(start + f.length, len(w.toPlainText())),
                               QTextCursor.MoveMode.KeepAnchor)
            w.setTextCursor(cursor)
            w.ensureCursorVisible()
        elif isinstance(w, QLineEdit):
            w.setSelection(start, f.length)
        w.setFocus()

    def _line_base(self, w: QPlainTextEdit, field: str) -> int:
        """Offset, in the widget's text, of list item ``field[i]`` (one item per line)."""
        if "[" not in field:
            return 0
        index = int(field.split("[")[1].split("]")[0])
        lines = w.toPlainText().split("\n")
        if w is self.form.body:  # body[i] counts non-empty lines (empty ones are dropped)
            seen, pos = -1, 0
            for line in lines:
                if line.strip():
                    seen += 1
                if seen == index:
                    return pos
                pos += len(line) + 1
            return 0
        return sum(len(line) + 1 for line in lines[:index])

    def _apply_description(self, desc: dict[str, Any]) -> None:
        self.form.set_description(desc, genre=self.form.genre.currentText(),
                                  classification=self.form.classification.currentData(),
                                  series=self.form.series.currentText(), undoable=True)
        self._on_changed()
        self.refresh_preview()

    def fix_current(self) -> None:
        row = self.findings_list.currentRow()
        if not 0 <= row < len(self.findings):
            return
        try:
            self._apply_description(docs.apply_fix(self.form.description(), self.findings[row]))
            self.message.ok("已修改。")
        except UserError as exc:
            self.message.error(exc)

    def fix_all(self) -> None:
        desc, applied = docs.fix_all_safe(self.form.description(), self.form.genre.currentText())
        self._apply_description(desc)
        self.message.ok(f"已自动修改 {len(applied)} 处。")

    # ---- save and workflow ----------------------------------------------------------------
    def save(self) -> bool:
        if not self.dirty or not self.form.isEnabled():
            return True
        desc = self.form.description()
        genre = self.form.genre.currentText()
        level = int(self.form.classification.currentData())
        series = self.form.series.currentText().strip()
        try:
            if self.info is None:
                self.info = docs.create_document(self.ctx, desc, genre=genre,
                                                 classification=min(level, 1),
                                                 series_prefix=series)
            else:
                self.info = docs.update_document(
                    self.ctx, self.info.id, desc, expected_version=self.info.version,
                    genre=genre, classification=min(level, 1) if level < 2 else None,
                    series_prefix=series)
        except DocumentConflict as exc:
            self.show_conflict(exc)
            return False
        except UserError as exc:
            self.message.error(f"未保存：{exc.message}")
            return False
        self.dirty = False
        self.message.ok("已保存。")
        self._update_state()
        self._load_history()
        self.saved.emit(self.info.id)
        return True

    def show_conflict(self, exc: DocumentConflict) -> ConflictDialog:
        """Both texts side by side; the user chooses explicitly. The form keeps the user's text
        until they choose to take the saved version; the diff stays on the 版本 tab."""
        import difflib

        lines = difflib.unified_diff(docs.plain_text(exc.theirs).splitlines(),
                                     docs.plain_text(exc.mine).splitlines(),
                                     "他人已保存的版本", "我的修改", lineterm="")
        self.message.error(exc.message + " 差异见“版本”页。")
        self.diff_view.setHtml(_diff_html(list(lines)))
        self.tabs.setCurrentIndex(3)
        self.conflict = exc
        dlg = self.conflict_dialog = ConflictDialog("公文", _conflict_fields(exc), self)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.finished.connect(lambda _r: self._conflict_decided(dlg.choice))
        dlg.open()
        return dlg

    def _conflict_decided(self, choice: str | None) -> None:
        if self.info is None:
            return
        try:
            if choice == REAPPLY:
                # the saved version becomes the base; the form keeps my text, still unsaved
                self.info = docs.get_document(self.ctx, self.info.id)
                self.dirty = True
                self._update_state()
                self._load_history()
                self.message.say("已载入他人保存的版本号，您的修改仍在编辑区，"
                                 "请对照“版本”页的差异检查后再保存。")
            else:
                self.load(self.info.id)
                self.message.say("已采用他人保存的版本，您的修改已放弃。")
        except UserError as exc:
            self.message.error(exc)
            return
        if choice != REAPPLY:
            self.saved.emit(self.info.id)  # the page retitles the tab and refreshes the list

    def reload_saved(self) -> None:
        if self.info is not None:
            self.load(self.info.id)

    # ---- closing --------------------------------------------------------------------------
    def ask_close(self) -> QMessageBox | None:
        """Closing: without unsaved changes ``close_accepted`` at once (returns None); else a
        window-modal box (opened with ``open()``) asks 保存 / 不保存 / 取消. 保存 closes only when
        the save succeeds (a conflict or a refusal keeps the editor and the text)."""
        if not self.has_unsaved():
            self.close_accepted.emit()
            return None
        name = self.form.text["title"].text().strip() or "新公文"

        def answered(choice: str) -> None:
            if choice == SAVE:
                if self.save():
                    self.close_accepted.emit()
            elif choice == DISCARD:
                self.dirty = False  # the user chose to drop them
                self.close_accepted.emit()

        self.close_box = ask_unsaved(self, "关闭公文", f"“{name}”有未保存的修改。",
                                     "关闭前是否保存？不保存，修改将丢失。", answered,
                                     name="closeEditorBox")
        return self.close_box

    def do_step(self, step: str) -> None:
        if self.info is None or self.dirty:
            self.message.say("请先保存。")
            return
        comment = self.comment.text()
        if step == "sign" and not getattr(self, "_sign_confirmed", False):
            self._confirm_sign()
            return
        self._sign_confirmed = False
        try:
            if step == "sign":
                self.info = docs.sign(self.ctx, self.info.id, comment,
                                      prefix=self.form.series.currentText().strip() or None,
                                      reserved_seq=self.reserved.value() or None,
                                      override_reason=comment if self.override.isChecked()
                                      else "",
                                      expected_version=self.info.version)
            else:
                self.info = docs.workflow_step(self.ctx, self.info.id, step, comment,
                                               expected_version=self.info.version)
        except UserError as exc:
            self.message.error(exc)
            return
        self.comment.clear()
        self.message.ok(f"已{dict(STEP_BUTTONS)[step]}。"
                        + (f"发文字号：{self.info.doc_no}" if step == "sign" else ""))
        self.load(self.info.id)
        self.saved.emit(self.info.id)

    def _confirm_sign(self) -> None:
        """签发 uses a 发文字号 for good (it can be voided, never given back): ask first, in a
        window-modal box (``sign_box``)."""
        assert self.info is not None
        series = self.form.series.currentText().strip() or self.info.series_prefix
        number = ("（使用预留号）" if self.reserved.value() else
                  f"将从“{series}”序列取用下一个发文字号" if series else "")
        def confirmed() -> None:
            self._sign_confirmed = True
            self.do_step("sign")

        self.sign_box = confirm(
            self, "确认签发", f"签发“{self.info.title}”？", "签发", confirmed,
            informative=(f"{number}。发文字号一经取用不能收回，只能作废并留下记录。" if number
                         else "签发后正文冻结。"), default=None, name="signConfirmBox")

    def compare_selected(self) -> None:
        if self.info is None:
            return
        numbers = sorted(i.data(Qt.ItemDataRole.UserRole)
                         for i in self.versions_list.selectedItems())
        if len(numbers) != 2:
            all_numbers = [self.versions_list.item(i).data(Qt.ItemDataRole.UserRole)
                           for i in range(self.versions_list.count())]
            if len(all_numbers) < 2:
                self.diff_view.setPlainText("只有一个版本。")
                return
            numbers = all_numbers[-2:]
        lines = docs.diff_versions(self.ctx, self.info.id, numbers[0], numbers[1])
        self.diff_view.setHtml(_diff_html(lines) if lines else "两个版本内容相同。")

    # ---- print and export -----------------------------------------------------------------
    def print_document(self) -> None:
        if self.info is None or self.dirty:
            self.message.say("请先保存再打印。")
            return
        dlg = PrintOptionsDialog(self.info.classification > 0, self)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.accepted.connect(lambda: self.start_print(**dlg.options()))
        self.dialog = dlg
        dlg.open()

    def start_print(self, *, preview: bool = True, **options: Any) -> TaskHandle:
        assert self.info is not None
        duplex = bool(options.get("duplex"))
        return run_busy(self.message, lambda _c: out.print_pdf(self.ctx, self.info.id, **options),
                        busy="正在生成打印文件…",
                        on_result=lambda pdf: self._to_printer(pdf, duplex, preview),
                        on_error=lambda e: self._print_failed(
                            e, lambda: self.start_print(preview=preview, **options,
                                                        allow_placeholders=True)),
                        parent=self)

    def _print_failed(self, exc: BaseException, again: Callable[[], object]) -> None:
        """A refusal for unfilled placeholders asks “仍要打印？” (``placeholder_box``)."""
        self.message.error(exc)
        if isinstance(exc, UnfilledPlaceholders):
            self.placeholder_box = ask_print_anyway(self, exc, again)

    def _to_printer(self, pdf: bytes, duplex: bool, preview: bool) -> None:
        self.printed_pdf = pdf
        self.message.ok("打印文件已生成。")
        if not preview:
            return
        # The dialog paints on this printer long after this call returns: keep it alive with the
        # editor (a printer owned only by a local variable is deleted under the open dialog).
        printer = self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.info.title if self.info else "公文")
        printer.setCopyCount(1)  # the copies (each with its 份号) are in the file already
        if duplex:
            printer.setDuplex(QPrinter.DuplexMode.DuplexLongSide)
        dlg = QPrintPreviewDialog(printer, self)
        dlg.paintRequested.connect(lambda p: paint_pdf(p, pdf))
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog = dlg
        dlg.open()

    def scope_dialog(self) -> None:
        """The 知悉范围 of this 秘密/机密 document (``ScopeDialog``; the service decides who may
        change it and audits the change)."""
        if self.info is None or self.dirty:
            return
        self.dialog = ScopeDialog(self.ctx, "document", self.info.id, self)
        self.dialog.open()

    def export_dialog(self) -> None:
        if self.info is None or self.dirty:
            self.message.say("请先保存再导出。")
            return
        dlg = file_dialog(self, FileKind.PRINTS, "导出公文", save=True,
                          name=f"{self.info.doc_no or self.info.title}.pdf",
                          filters=list(EXPORT_FILTERS.values()))
        dlg.fileSelected.connect(lambda path: self.export_to(
            Path(path), _fmt_of(path, dlg.selectedNameFilter())))
        self.dialog = dlg
        dlg.open()

    def export_to(self, path: Path, fmt: str, *, allow_placeholders: bool = False) -> TaskHandle:
        assert self.info is not None
        doc_id = self.info.id

        def work(_c):
            data = out.export_file(self.ctx, doc_id, fmt, allow_placeholders=allow_placeholders)
            output.save(data, path)
            return saved_text(path, data, "已导出到")

        return run_busy(self.message, work, busy="正在导出…",
                        on_error=lambda e: self._print_failed(
                            e, lambda: self.export_to(path, fmt, allow_placeholders=True)),
                        parent=self)


def _conflict_fields(exc: DocumentConflict) -> list[tuple[str, str, str]]:
    """Rows of the conflict dialog: every field either version has, in the description's order
    (正文 as plain text, lists one item per line)."""
    def show(value: Any) -> str:
        if isinstance(value, list):
            return "\n".join(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                             for v in value)
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False)
        return "" if value is None else str(value)

    keys = list(dict.fromkeys([*exc.mine, *exc.theirs]))
    return [(FIELD_LABELS.get(k, k), show(exc.mine.get(k)), show(exc.theirs.get(k)))
            for k in keys]


def _fmt_of(path: str, name_filter: str) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in EXPORT_FILTERS:
        return suffix
    for fmt, label in EXPORT_FILTERS.items():
        if label == name_filter:
            return fmt
    return "pdf"


def _diff_html(lines: list[str]) -> str:
    out_lines = []
    for line in lines:
        colour = ("#1b6e20" if line.startswith("+") else "#b00020" if line.startswith("-")
                  else "#555")
        bg = "#e6f4ea" if line.startswith("+") else "#fdecea" if line.startswith("-") else "white"
        out_lines.append(f'<div style="color:{colour};background:{bg}">'
                         f"{html.escape(line) or '&nbsp;'}</div>")
    return "".join(out_lines)
