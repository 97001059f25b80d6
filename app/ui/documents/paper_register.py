"""涉密文件登记簿 window: every printed copy of a classified record (公文, 纪要, 信息专报, 值班日报,
交接班记录, …), where it went, 清退 and 销毁.

Opened from the 公文 list (涉密文件登记簿…). The list is read in the background; each act
(分发, 清退, 申请销毁, 确认销毁) calls ``app.services.output.paper`` in the background and refreshes;
a refusal (another person must confirm a destruction, a recipient outside the record's
知悉范围, a stale row) is shown in the window's message line. 打印登记簿 saves the register as a PDF table through the paper path (marked with
its 密级, watermarked, audited).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.domain.security import CLEARANCE_LABELS, Action, Clearance
from app.services import output
from app.services.context import ServiceContext
from app.ui.chinese import chinese_dates
from app.ui.kit import (
    PDF,
    FileKind,
    FormRows,
    MessageLine,
    TaskHandle,
    ask_save_path,
    confirm,
    run_busy,
    run_task,
    saved_text,
)
from app.ui.permissions import gate
from app.ui.qt import (
    QCheckBox,
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)

COLUMNS = ["份号", "文件标题", "密级", "印制", "去向", "分发日期", "签收", "清退期限", "状态"]


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class IssueDialog(QDialog):
    """Where a copy goes: unit, person, date, signature received, due back."""

    def __init__(self, copy: output.CopyInfo, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"分发第 {copy.copy_text} 份")
        form = FormRows(self)
        self.unit = QLineEdit()
        self.person = QLineEdit()
        self.on = QDateEdit(_qdate(today))
        self.on.setCalendarPopup(True)
        chinese_dates(self.on)
        self.signed = QCheckBox("已签收")
        self.due_back = QDateEdit(_qdate(today + dt.timedelta(days=7)))
        self.due_back.setCalendarPopup(True)
        chinese_dates(self.due_back)
        form.row("接收单位", self.unit)
        form.row("接收人", self.person)
        form.row("分发日期", self.on)
        form.field(self.signed)
        form.row("清退期限", self.due_back)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.span(buttons)

    def values(self) -> dict:
        return {"unit": self.unit.text(), "person": self.person.text(),
                "on": _pydate(self.on.date()), "signed": self.signed.isChecked(),
                "due_back": _pydate(self.due_back.date())}


class PaperRegisterWindow(QDialog):
    """The register of printed classified copies (a non-modal window)."""

    loaded = Signal()
    acted = Signal()

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("涉密文件登记簿")
        self.copies: list[output.CopyInfo] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("paperRegisterTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.issue_button = QPushButton("分发…")
        self.return_button = QPushButton("清退")
        self.destroy_button = QPushButton("申请销毁…")
        self.confirm_button = QPushButton("确认销毁（监销）")
        self.print_button = QPushButton("打印登记簿…")
        self.refresh_button = QPushButton("刷新")
        for b in (self.issue_button, self.return_button, self.destroy_button,
                  self.confirm_button, self.print_button):
            gate(b, ctx.actor, Action.PRINT)
        self.issue_button.clicked.connect(self.ask_issue)
        self.return_button.clicked.connect(lambda: self.act(output.return_copy))
        self.destroy_button.clicked.connect(self.ask_destroy)
        self.confirm_button.clicked.connect(lambda: self.act(output.confirm_destroy))
        self.print_button.clicked.connect(self.ask_print)
        self.refresh_button.clicked.connect(self.refresh)
        self.message = MessageLine(name="pageMessage")
        bar = QHBoxLayout()
        for b in (self.issue_button, self.return_button, self.destroy_button,
                  self.confirm_button, self.print_button, self.refresh_button):
            bar.addWidget(b)
        bar.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.message)
        self.resize(900, 480)
        self.task: TaskHandle | None = None
        self.dialog: QWidget | None = None
        self.refresh()

    # ---- reading ------------------------------------------------------------------------------
    def refresh(self) -> TaskHandle:
        ctx = self.ctx
        self.task = run_task(lambda _c: output.list_copies(ctx), on_result=self._show,
                             on_error=self._failed, parent=self)
        return self.task

    def _show(self, copies: list[output.CopyInfo]) -> None:
        self.copies = copies
        self.table.setRowCount(len(copies))
        for i, c in enumerate(copies):
            values = [c.copy_text, c.title, CLEARANCE_LABELS[Clearance(min(c.classification, 3))],
                      f"{c.printed_at.astimezone():%Y-%m-%d} {c.printed_by}",
                      "/".join(x for x in (c.recipient_unit, c.recipient_person) if x),
                      c.issued_on.isoformat() if c.issued_on else "",
                      "已签收" if c.signed else "", c.due_back.isoformat() if c.due_back else "",
                      c.status_label]
            for j, v in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(v))
        self.table.resizeColumnsToContents()
        self.loaded.emit()

    def current(self) -> output.CopyInfo | None:
        row = self.table.currentRow()
        return self.copies[row] if 0 <= row < len(self.copies) else None

    # ---- acts ---------------------------------------------------------------------------------
    def act(self, fn, **kwargs) -> TaskHandle | None:  # type: ignore[no-untyped-def]
        c = self.current()
        if c is None:
            self.message.say("请先选择一份。")
            return None
        ctx = self.ctx
        self.task = run_busy(self.message, lambda _c: fn(ctx, c.id, expected_version=c.version,
                                                         **kwargs),
                             busy="正在登记……", on_result=self._done, parent=self)
        return self.task

    def _done(self, c: output.CopyInfo) -> None:
        self.message.ok(f"第 {c.copy_text} 份：{c.status_label}。")
        self.acted.emit()
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.message.error(exc)

    def ask_issue(self) -> None:
        c = self.current()
        if c is None:
            self.message.say("请先选择一份。")
            return
        dlg = IssueDialog(c, self.ctx.now().astimezone().date(), self)
        dlg.accepted.connect(lambda: self.act(output.issue, **dlg.values()))
        self.dialog = dlg
        dlg.open()

    def ask_destroy(self) -> None:
        c = self.current()
        if c is None:
            self.message.say("请先选择一份。")
            return
        self.dialog = confirm(self, "申请销毁", f"销毁第 {c.copy_text} 份《{c.title}》？",
                              "申请销毁", lambda: self.act(output.request_destroy),
                              informative="销毁须由另一人确认（监销）后才完成。",
                              name="confirmDestroy")

    def ask_print(self) -> None:
        self.dialog = ask_save_path(self, FileKind.PRINTS, "保存涉密文件登记簿",
                                    lambda path: self.save_pdf_to(Path(path)),
                                    name="涉密文件登记簿.pdf", filters=[PDF], suffix="pdf")

    def save_pdf_to(self, path: Path) -> TaskHandle:
        ctx = self.ctx

        def work(_c):  # type: ignore[no-untyped-def]
            data = output.print_register(ctx)
            output.save(data, path)
            return saved_text(path, data)

        self.task = run_busy(self.message, work, busy="正在打印登记簿……", parent=self)
        return self.task
