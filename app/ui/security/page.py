"""安全审计 page: the audit log viewer (管理员, 领导, and the reviewers of 三员分立: the 安全审计员
and the 安全保密管理员, each seeing the entries theirs to review), the security settings
(系统管理员: automatic backups kept, the exchange passphrase) and the password and lockout
policy (安全保密管理员, the idle lock included). Each tab is there for everyone, disabled with
the reason when the roles lack it (``gate_tab``).

Review tools (issue 31): the 结果 filter (成功/拒绝), 标记已审阅 for the selected rows, the
periodic 审阅报告 PDF, and a warning in the status line once the audit store passes its threshold.

The exchange passphrase is never shown (it is not stored: the service keeps a verifier); the
page says whether one is set and lets the administrator set or rotate it (typed twice; hashed
in the worker).

The viewer's table model is lazy and never reads on the GUI thread (``app.ui.lazy_table``): the
count and the first page of 200 come from the worker, and a page further down is read when it is
scrolled into view; a log of 300 000 events costs one page until someone scrolls (the query took
200–360 ms of the GUI thread before). Export to XLSX runs in the background, and so
does 打印/导出 PDF…: the service typesets the filtered rows as a formal table document, shown in the
system print preview or saved as PDF (both audited by the service).
Saving the settings uses optimistic locking; a conflict opens ``ConflictDialog``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from app.domain.audit_wording import action_label, object_label
from app.domain.security import Action
from app.errors import ConflictError, UserError
from app.services import accounts, audit, audit_review
from app.services.audit_review import AuditFilter, AuditRow
from app.services.context import ServiceContext
from app.services.paging import Seek
from app.ui.chinese import chinese_dates
from app.ui.conflict_dialog import REAPPLY, ConflictDialog
from app.ui.kit import (
    PDF,
    XLSX,
    FileKind,
    FormRows,
    MessageLine,
    TaskHandle,
    add_lazy_tab,
    ask_save_path,
    describe,
    run_busy,
    run_task,
    saved_text,
)
from app.ui.lazy_table import LazyTableModel
from app.ui.pages import register_page
from app.ui.permissions import gate, gate_tab
from app.ui.qt import (
    QComboBox,
    QDate,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from app.ui.sizing import em

COLUMNS = ["序号", "时间", "用户", "操作", "对象", "详情", "结果", "终端", "审阅"]
OUTCOMES = [("全部结果", ""), ("成功", "success"), ("拒绝", "refused")]
PAGE = 200
#: The 操作 filter: what the user picks (Chinese) → the event code prefix it selects.
ACTIONS = [("全部操作", ""), ("登录", "login"), ("登录失败", "login.failed"), ("注销", "logout"),
           ("账户", "user."), ("设置", "settings."), ("审计日志", "audit."), ("备份", "backup."),
           ("数据交换", "exchange."), ("锁屏", "session."), ("公文", "doc."),
           ("发文字号", "docno."), ("收文", "incoming."), ("会议纪要", "minutes."),
           ("值班", "duty."), ("突发事件", "incident."), ("模板", "template.")]


class AuditModel(LazyTableModel):
    """The filtered log, newest first, read in the worker a page at a time. The first read pins
    the newest event (``upto_seq``), so later pages do not shift while the log grows."""

    HEADERS = COLUMNS

    def __init__(self, ctx: ServiceContext, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, PAGE, 16, parent, keep_first=True)
        self.filter = AuditFilter()

    def set_filter(self, f: AuditFilter) -> TaskHandle:
        self.filter = f
        return self.reload()

    def snapshot(self) -> AuditFilter:
        return self.filter

    def open_query(self, query: AuditFilter) -> tuple[int, list[AuditRow], AuditFilter]:
        rows = audit_review.page(self.ctx, query, 0, PAGE)  # audited: the viewer opened a query
        pinned = replace(query, upto_seq=rows[0].seq if rows else 0)
        return audit_review.count(self.ctx, pinned), rows, pinned

    def count_rows(self, query: AuditFilter) -> int:
        return audit_review.count(self.ctx, query)

    def fetch_rows(self, query: AuditFilter, offset: int, limit: int,
                   seek: Seek | None = None) -> list[AuditRow]:
        return audit_review.page(self.ctx, query, offset, limit, seek=seek)

    def key_of(self, query: AuditFilter, row: AuditRow) -> tuple[int]:
        return (row.seq,)

    def cell(self, r: AuditRow, column: int, role: int) -> object:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        values = [str(r.seq), r.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), r.actor,
                  action_label(r.action), object_label(r.object_type, r.object_id), r.detail,
                  audit_review.OUTCOME_LABELS.get(r.outcome, r.outcome), r.desk or "—",
                  "已审阅" if r.reviewed else ""]
        return values[column]


class AuditViewer(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task: TaskHandle | None = None
        self.user_edit = QLineEdit()
        self.user_edit.setPlaceholderText("姓名或用户名（可输入部分）")
        self.action_combo = QComboBox()
        self.action_combo.setEditable(True)  # a code prefix (e.g. duty.roster) may be typed
        for label, prefix in ACTIONS:
            self.action_combo.addItem(label, prefix)
        self.action_combo.setToolTip("只看某一类操作（也可输入事件代码开头）")
        self.outcome_combo = QComboBox()
        self.outcome_combo.setObjectName("outcomeCombo")
        for label, code in OUTCOMES:
            self.outcome_combo.addItem(label, code)
        self.review_button = QPushButton("标记已审阅(&R)")
        self.review_button.setObjectName("reviewButton")
        self.report_button = QPushButton("审阅报告(&B)…")
        self.report_button.setObjectName("reportButton")
        self.report_button.setToolTip("所选期间的定期审计审阅报告（PDF）")
        today = QDate.currentDate()
        self.since_edit = QDateEdit(today.addDays(-30))
        self.until_edit = QDateEdit(today)
        for d in (self.since_edit, self.until_edit):
            d.setCalendarPopup(True)
            chinese_dates(d)
        self.search_button = QPushButton("查询(&Q)")
        self.export_button = QPushButton("导出 XLSX(&E)…")
        self.verify_button = QPushButton("校验哈希链(&V)")
        self.print_button = QPushButton("打印/导出 PDF(&P)…")
        self.print_button.setToolTip("把当前查询结果排成正式表格：打印预览或另存为 PDF")
        print_menu = QMenu(self.print_button)
        self.preview_action = print_menu.addAction("打印预览(&P)…")
        self.save_pdf_action = print_menu.addAction("另存为 PDF(&S)…")
        self.print_button.setMenu(print_menu)
        self.printed_pdf: bytes | None = None
        self.dialog: QWidget | None = None
        # two rows: the filter (each field at a readable width) with 查询, then the acts — one
        # row of both clipped the dates, the user field and 打印/导出 PDF at 1280 px
        bar = QHBoxLayout()
        self.user_edit.setMinimumWidth(12 * em(self.user_edit))
        for d in (self.since_edit, self.until_edit):
            d.setMinimumWidth(9 * em(d))
        for label, w in (("用户", self.user_edit), ("操作", self.action_combo),
                         ("结果", self.outcome_combo),
                         ("自", self.since_edit), ("至", self.until_edit)):
            bar.addWidget(QLabel(label))
            bar.addWidget(w)
        bar.addWidget(self.search_button)
        bar.addStretch(1)
        acts = QHBoxLayout()
        for b in (self.export_button, self.print_button, self.verify_button,
                  self.review_button, self.report_button):
            acts.addWidget(b)
        acts.addStretch(1)
        self.model = AuditModel(ctx, self)
        self.view = QTableView()
        self.view.setObjectName("auditTable")
        self.view.setModel(self.model)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.verticalHeader().hide()
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.horizontalHeader().setResizeContentsPrecision(0)  # never measure unread rows
        self.status = MessageLine(name="auditStatus")
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(acts)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self.model.loaded.connect(self._listed)
        self.model.failed.connect(lambda message: self._set_status(listing=message))
        self.search_button.clicked.connect(self.search)
        self.user_edit.returnPressed.connect(self.search)
        self.export_button.clicked.connect(self._ask_export)
        self.verify_button.clicked.connect(self.verify)
        self.preview_action.triggered.connect(lambda: self.print_preview())
        self.save_pdf_action.triggered.connect(self._ask_save_pdf)
        self.review_button.clicked.connect(self.mark_selected)
        self.report_button.clicked.connect(self._ask_report)
        self.allowed = gate(self.search_button, ctx.actor, Action.VIEW_AUDIT)
        for b in (self.export_button, self.print_button):
            gate(b, ctx.actor, Action.VIEW_AUDIT)
        gate(self.review_button, ctx.actor, Action.REVIEW_AUDIT)
        gate(self.report_button, ctx.actor, Action.REVIEW_AUDIT)
        self.store_warning = ""
        if self.allowed:  # a user without the right is not refused (and audited) on sight
            self.search()
            self.check_store()

    def current_filter(self) -> AuditFilter:
        text = self.action_combo.currentText().strip()
        prefix = dict(ACTIONS).get(text, text)
        return AuditFilter(self.user_edit.text(), prefix,
                           self.since_edit.date().toPython(), self.until_edit.date().toPython(),
                           outcome=self.outcome_combo.currentData() or "")

    def check_store(self) -> TaskHandle:
        """The audit store against its threshold (in the worker); a warning in the status line."""
        ctx = self.ctx

        def done(status: audit_review.StoreStatus) -> None:
            self.store_warning = status.warning or ""
            self._set_status()

        self.task = run_task(lambda _c: audit_review.store_status(ctx), on_result=done,
                             on_error=lambda exc: None, parent=self)
        return self.task

    def selected_seqs(self) -> list[int]:
        rows = {i.row() for i in self.view.selectionModel().selectedRows()}
        seqs = []
        for row in sorted(rows):
            value = self.model.data(self.model.index(row, 0), Qt.ItemDataRole.DisplayRole)
            if value:
                seqs.append(int(value))
        return seqs

    def mark_selected(self) -> TaskHandle | None:
        """Mark the selected entries as reviewed (the service checks they are the reviewer's
        to review, keeps the marks apart from the chain and audits the marking)."""
        seqs = self.selected_seqs()
        if not seqs:
            self._set_status(listing="请先选择要标记的审计记录。")
            return None
        ctx = self.ctx

        def done(n: int) -> None:
            # said now, and again with the count when the reload lands (it must not hide it)
            self._act_note = f"已标记 {n} 条审计记录为已审阅。"
            self._set_status(listing=self._act_note)
            self.model.reload()

        self.task = run_task(lambda _c: audit_review.mark_reviewed(ctx, seqs), on_result=done,
                             on_error=lambda exc: self._set_status(listing=describe(exc)),
                             parent=self)
        return self.task

    def _ask_report(self) -> None:
        self.file_dialog = ask_save_path(self, FileKind.AUDIT, "审计审阅报告",
                                         lambda path: self.save_report_to(Path(path)),
                                         name="审计审阅报告.pdf", filters=[PDF], suffix="pdf")

    def save_report_to(self, path: Path) -> TaskHandle:
        ctx, f = self.ctx, self.current_filter()
        self.report_button.setEnabled(False)

        def done(_pdf: bytes) -> None:
            self.report_button.setEnabled(True)
            self._set_status(listing=f"已生成审阅报告：{path}")

        def failed(exc: BaseException) -> None:
            self.report_button.setEnabled(True)
            self.status.error(exc)

        self.task = run_busy(self.status, lambda _c: audit_review.review_report_pdf(ctx, f, path),
                             busy="正在生成审阅报告……", on_result=done, on_error=failed,
                             parent=self)
        return self.task

    def search(self) -> TaskHandle:
        """Query in the worker; the count and the first page show when they arrive."""
        self._set_status(listing="正在查询……")
        return self.model.set_filter(self.current_filter())

    def _listed(self) -> None:
        self.view.resizeColumnsToContents()  # over the rows on screen (precision 0)
        note, self._act_note = getattr(self, "_act_note", ""), ""
        self._set_status(listing=f"{note}共 {self.model.total} 条记录（滚动时按页读取）。")

    def _set_status(self, *, listing: str | None = None, verified: str | None = None) -> None:
        """The status line: the chain check's finding first (a list read that finishes later
        must not hide it), then the list's count."""
        if listing is not None:
            self._listing = listing
        if verified is not None:
            self._verified = verified
        parts = [getattr(self, "store_warning", ""), getattr(self, "_verified", ""),
                 getattr(self, "_listing", "")]
        self.status.say("　".join(p for p in parts if p))

    def _ask_export(self) -> None:
        self.file_dialog = ask_save_path(self, FileKind.AUDIT, "导出审计日志",
                                         lambda path: self.export_to(Path(path)),
                                         name="审计日志.xlsx", filters=[XLSX], suffix="xlsx")

    def export_to(self, path: Path) -> TaskHandle:
        ctx, f = self.ctx, self.current_filter()
        self.export_button.setEnabled(False)

        def work(control):  # type: ignore[no-untyped-def]
            def progress(done: int, total: int) -> None:
                control.check()
                control.progress(done * 100 // max(total, 1), f"已导出 {done}/{total} 条")
            return audit_review.export_sheet(ctx, f, path, progress)

        def done(result: tuple) -> None:
            n, out = result
            self.export_button.setEnabled(True)
            self.status.ok(saved_text(path, out, f"已导出 {n} 条记录"))

        def failed(exc: BaseException) -> None:
            self.export_button.setEnabled(True)
            self.status.error(exc)

        def cancelled() -> None:
            self.export_button.setEnabled(True)
            self.status.say("已取消导出。")

        self.task = run_busy(self.status, work, busy="正在导出……", cancellable=True,
                             on_result=done, on_error=failed, on_cancelled=cancelled,
                             parent=self)
        return self.task

    def _ask_save_pdf(self) -> None:
        self.file_dialog = ask_save_path(self, FileKind.AUDIT, "导出审计日志 PDF",
                                         lambda path: self.save_pdf_to(Path(path)),
                                         name="审计日志.pdf", filters=[PDF], suffix="pdf")

    def _render_in_background(self, path: Path | None, on_pdf) -> TaskHandle:  # type: ignore[no-untyped-def]
        """Typeset the current filter off the GUI thread (the service audits print / export)."""
        ctx, f = self.ctx, self.current_filter()
        self.print_button.setEnabled(False)

        def done(pdf: bytes) -> None:
            self.print_button.setEnabled(True)
            self.printed_pdf = pdf
            on_pdf(pdf)

        def failed(exc: BaseException) -> None:
            self.print_button.setEnabled(True)
            self.status.error(exc)

        self.task = run_busy(self.status, lambda _c: audit_review.render_print(ctx, f, path),
                             busy="正在排版审计日志……", on_result=done, on_error=failed,
                             parent=self)
        return self.task

    def save_pdf_to(self, path: Path) -> TaskHandle:
        return self._render_in_background(
            path, lambda _pdf: self.status.ok(f"已导出 PDF 到 {path}。"))

    def print_preview(self, *, show: bool = True) -> TaskHandle:
        """Render, then open the system print preview painting the PDF's pages."""
        def preview(pdf: bytes) -> None:
            self.status.ok("打印文件已生成。")
            if not show:
                return
            # the print modules (QtPrintSupport, QtPdf) load with the first print, not the page
            from app.ui.documents.printing import paint_pdf
            from app.ui.qt import QPrinter, QPrintPreviewDialog

            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setDocName("审计日志")
            self.printer = printer  # the dialog does not own it: keep it alive as long as it
            dlg = QPrintPreviewDialog(printer, self)
            dlg.paintRequested.connect(lambda p: paint_pdf(p, pdf))
            dlg.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog = dlg
            dlg.open()

        return self._render_in_background(None, preview)

    def verify(self) -> TaskHandle:
        engine = self.ctx.engine
        self.verify_button.setEnabled(False)
        self._verified = ""

        def done(result: audit.VerifyResult) -> None:
            self.verify_button.setEnabled(True)
            self._set_status(verified=result.message())

        def failed(exc: BaseException) -> None:
            self.verify_button.setEnabled(True)
            self._set_status(verified=describe(exc))

        self.task = run_busy(self.status, lambda _c: audit.verify(engine),
                             busy="正在校验审计日志……", on_result=done, on_error=failed,
                             parent=self)
        return self.task


class SecuritySettingsPage(QWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loaded = accounts.SecurityInfo()
        self.dialog: ConflictDialog | None = None
        self.idle_spin = QSpinBox()
        self.idle_spin.setRange(1, 240)
        self.idle_spin.setSuffix(" 分钟")
        self.keep_spin = QSpinBox()
        self.keep_spin.setRange(1, 365)
        self.keep_spin.setSuffix(" 份")
        self.save_button = QPushButton("保存(&S)")
        self.message = MessageLine(name="messageLabel")
        self.passphrase_state = QLabel()
        self.passphrase_state.setObjectName("passphraseState")
        self.passphrase_state.setWordWrap(True)
        self.new_passphrase = QLineEdit()
        self.confirm_passphrase = QLineEdit()
        for edit in (self.new_passphrase, self.confirm_passphrase):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_passphrase.setPlaceholderText("两台终端约定的同一口令，至少 12 个字符")
        self.confirm_passphrase.setPlaceholderText("再次输入")
        self.passphrase_button = QPushButton("设置交换口令(&K)")
        self.passphrase_message = MessageLine(name="passphraseMessage")
        self.task: TaskHandle | None = None
        form = FormRows(self)
        form.row("无操作自动锁定：", self.idle_spin)
        form.row("自动备份保留：", self.keep_spin)
        form.span(self.save_button)
        form.span(self.message)
        form.row("离线交换口令：", self.passphrase_state)
        form.row("新口令：", self.new_passphrase)
        form.row("确认新口令：", self.confirm_passphrase)
        form.span(self.passphrase_button)
        form.span(self.passphrase_message)
        self.save_button.clicked.connect(self.save)
        self.passphrase_button.clicked.connect(self.set_passphrase)
        # the idle lock belongs to the lockout policy (安全保密管理员)
        gate(self.idle_spin, ctx.actor, Action.MANAGE_POLICY)
        self.load()

    def load(self) -> None:
        self.show_info(accounts.get_settings(self.ctx))

    def show_info(self, info: accounts.SecurityInfo) -> None:
        self.loaded = info
        self.idle_spin.setValue(info.idle_lock_minutes)
        self.keep_spin.setValue(info.backup_keep)
        self._show_passphrase_state(info.exchange_passphrase_set)

    def _show_passphrase_state(self, is_set: bool) -> None:
        self.passphrase_state.setText(
            "已设置。导出、导入交换包时须输入该口令；本机只保存它的校验值，不保存、也不显示口令本身。"
            if is_set else "未设置。导出交换包时可使用任一至少 12 个字符的口令，两台终端须一致。")
        self.passphrase_button.setText("更换交换口令(&K)" if is_set else "设置交换口令(&K)")

    def edited(self) -> accounts.SecurityInfo:
        return accounts.SecurityInfo(self.idle_spin.value(), self.keep_spin.value(),
                                     self.loaded.exchange_passphrase_set, self.loaded.version)

    def set_passphrase(self) -> TaskHandle:
        """Set or rotate the exchange passphrase (hashed in the worker); the fields are cleared
        either way, so the passphrase does not stay on screen."""
        ctx = self.ctx
        new, confirm = self.new_passphrase.text(), self.confirm_passphrase.text()
        self.new_passphrase.clear()
        self.confirm_passphrase.clear()
        self.passphrase_button.setEnabled(False)

        def done(info: accounts.SecurityInfo) -> None:
            self.passphrase_button.setEnabled(True)
            self.loaded = replace(self.loaded, exchange_passphrase_set=info.exchange_passphrase_set,
                                  version=info.version)
            self._show_passphrase_state(info.exchange_passphrase_set)
            self.passphrase_message.ok(
                "交换口令已更换。此前导出的交换包仍须用旧口令导入；请把新口令告知对方终端。"
                if info.exchange_passphrase_set else "交换口令已清除。")

        def failed(exc: BaseException) -> None:
            self.passphrase_button.setEnabled(True)
            self.passphrase_message.error(exc)

        self.task = run_busy(self.passphrase_message, lambda _c: accounts.set_exchange_passphrase(
            ctx, new, confirm), busy="正在保存……", on_result=done, on_error=failed, parent=self)
        return self.task

    def save(self) -> None:
        mine = self.edited()
        try:
            self.loaded = accounts.update_settings(self.ctx, mine)
        except ConflictError:
            self._conflict(mine)
            return
        except UserError as exc:
            self.message.error(exc)
            return
        self.message.ok("已保存。新的自动锁定时间在下次登录时生效。")

    def _conflict(self, mine: accounts.SecurityInfo) -> None:
        theirs = accounts.get_settings(self.ctx)
        fields = [("无操作自动锁定（分钟）", str(mine.idle_lock_minutes), str(theirs.idle_lock_minutes)),
                  ("自动备份保留（份）", str(mine.backup_keep), str(theirs.backup_keep))]
        self.dialog = ConflictDialog("安全设置", fields, self)

        def decided(_result: int) -> None:
            if self.dialog is not None and self.dialog.choice == REAPPLY:
                self.loaded = theirs  # the new base version; the form keeps my values
                self.message.say("已载入他人保存的版本号，您的修改仍在表单中，请检查后再保存。")
            else:
                self.show_info(theirs)
                self.message.say("已采用他人保存的版本。")

        self.dialog.finished.connect(decided)
        self.dialog.open()


POLICY_FIELDS = [  # (field, label, suffix)
    ("min_length", "密码最小长度：", " 个字符"), ("min_classes", "须含字符类别：", " 类"),
    ("max_age_days", "密码最长使用：", " 天"), ("warn_days", "到期前提醒：", " 天"),
    ("history", "不得重复最近：", " 个密码"), ("lock_failures", "连续失败锁定：", " 次"),
    ("lock_minutes", "锁定时长：", " 分钟"), ("idle_lock_minutes", "无操作自动锁定：", " 分钟"),
    ("audit_warn_rows", "审计记录告警阈值：", " 条"),
]


class PasswordPolicyPage(QWidget):
    """The password and lockout policy (安全保密管理员; ``password_policy``), with the audit
    store's warning threshold (past it the 安全审计员 is warned at sign-in). The spin boxes
    allow the limits of a 普通 office; the service refuses what a 涉密 office does not allow."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loaded = accounts.PasswordPolicy()
        self.spins: dict[str, QSpinBox] = {}
        form = FormRows(self)
        for name, label, suffix in POLICY_FIELDS:
            low, high, _l = accounts.LIMITS[name]
            spin = self.spins[name] = QSpinBox()
            spin.setObjectName(f"policy_{name}")
            spin.setRange(low, high)
            spin.setSuffix(suffix)
            if name == "audit_warn_rows":
                spin.setSingleStep(10_000)
                spin.setGroupSeparatorShown(True)
                spin.setToolTip("审计记录超过此条数时，安全审计员登录时即收到告警（"
                                f"{low:,}–{high:,} 条）")
            form.row(label, spin)
        self.save_button = QPushButton("保存策略(&S)")
        self.save_button.setObjectName("savePolicyButton")
        self.message = MessageLine(name="policyMessage")
        form.span(self.save_button)
        form.span(self.message)
        self.save_button.clicked.connect(self.save)
        gate(self.save_button, ctx.actor, Action.MANAGE_POLICY)
        self.load()

    def load(self) -> None:
        self.show_policy(accounts.get_policy(self.ctx))

    def show_policy(self, policy: accounts.PasswordPolicy) -> None:
        self.loaded = policy
        for name, spin in self.spins.items():
            spin.setValue(getattr(policy, name))

    def edited(self) -> accounts.PasswordPolicy:
        return accounts.with_values(
            self.loaded, **{name: spin.value() for name, spin in self.spins.items()})

    def save(self) -> None:
        try:
            self.show_policy(accounts.update_policy(self.ctx, self.edited()))
        except UserError as exc:
            self.message.error(exc)
            return
        self.message.ok("密码、锁定与审计告警策略已保存。")


class SecurityPage(QTabWidget):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = AuditViewer(ctx, self)
        self.addTab(self.viewer, "审计日志")
        # the same tabs for every role: each is disabled with the reason without the right
        gate_tab(self, self.viewer, ctx.actor, Action.VIEW_AUDIT)
        # the settings and the policy forms are built (and read) when their tab is first shown
        self.settings_place = add_lazy_tab(self, "安全设置",
                                           lambda: SecuritySettingsPage(ctx, self))
        gate_tab(self, self.settings_place, ctx.actor, Action.MANAGE_SETTINGS)
        self.policy_place = add_lazy_tab(self, "安全策略", lambda: PasswordPolicyPage(ctx, self))
        gate_tab(self, self.policy_place, ctx.actor, Action.MANAGE_POLICY)
        for index in range(self.count()):  # open on the first tab the user may use
            if self.isTabEnabled(index):
                self.setCurrentIndex(index)
                break

    @property
    def settings(self) -> SecuritySettingsPage:
        return self.settings_place.content()

    @property
    def policy(self) -> PasswordPolicyPage:
        return self.policy_place.content()


register_page("security", lambda ctx, parent: SecurityPage(ctx, parent), title="安全审计",
              required=Action.VIEW_AUDIT)
