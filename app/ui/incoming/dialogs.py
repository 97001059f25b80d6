"""Dialogs of the 收文 page: register/edit (with file attachments), 催办, 办结.

Each dialog only collects input; ``accept`` calls the service and stays open with the Chinese
message if the service refuses, so nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt

from app.domain.incoming import (
    URGE_LABELS,
    URGENCY_LABELS,
    UrgeMethod,
    Urgency,
    deadline_from_receipt,
)
from app.domain.security import CLEARANCE_LABELS, Clearance
from app.errors import UserError
from app.services import incoming as svc
from app.services.context import ServiceContext
from app.services.incoming import AttachmentIn, IncomingDetail, IncomingIn, IncomingInfo
from app.ui.chinese import chinese_dates
from app.ui.kit import FileKind, FormRows, MessageLine, file_dialog
from app.ui.qt import (
    QButtonGroup,
    QComboBox,
    QDate,
    QDateEdit,
    QDateTime,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    Qt,
    QVBoxLayout,
    QWidget,
)


def to_qdatetime(moment: dt.datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()))


def from_qdatetime(q: QDateTime) -> dt.datetime:
    return dt.datetime.fromtimestamp(q.toSecsSinceEpoch()).astimezone()


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


def _text_edit(text: str = "", height: int = 60) -> QPlainTextEdit:
    w = QPlainTextEdit(text)
    w.setTabChangesFocus(True)
    w.setFixedHeight(height)
    return w


class IncomingDialog(QDialog):
    """登记收文 (``detail`` None) or 编辑收文."""

    def __init__(self, ctx: ServiceContext, detail: IncomingDetail | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.detail = detail
        self.result_info: IncomingInfo | None = None
        self.new_files: list[AttachmentIn] = []
        info = detail.info if detail else None
        self.setWindowTitle("编辑收文" if info else "登记收文")
        self.setMinimumWidth(560)
        now = ctx.now()

        self.sender = QLineEdit(info.sender if info else "")
        self.sender.setPlaceholderText("如：省应急管理厅")
        self.sender_ref = QLineEdit(info.sender_ref if info else "")
        self.sender_ref.setPlaceholderText("如：应急函〔2026〕8号")
        self.received = QDateTimeEdit(to_qdatetime(info.received_at if info else now))
        chinese_dates(self.received)
        self.received.setCalendarPopup(True)
        self.title_edit = QLineEdit(info.title if info else "")
        self.classification = QComboBox()
        assert ctx.actor is not None
        for c in Clearance:
            if c <= ctx.actor.clearance:
                self.classification.addItem(CLEARANCE_LABELS[c], int(c))
        self.classification.setCurrentIndex(
            max(0, self.classification.findData(info.classification if info else 0)))
        self.urgency = QComboBox()
        for u in Urgency:
            self.urgency.addItem(URGENCY_LABELS[u], u.value)
        self.urgency.setCurrentIndex(
            max(0, self.urgency.findData(info.urgency.value if info else Urgency.NORMAL.value)))
        self.pages = QSpinBox()
        self.pages.setRange(0, 100_000)
        self.pages.setValue(info.pages if info else 1)
        self.summary = _text_edit(info.summary if info else "")
        self.proposal = _text_edit(info.proposal if info else "", 48)
        self.instruction = _text_edit(info.instruction if info else "", 48)
        self.handler_unit = QLineEdit(info.handler_unit if info else "")
        self.handler_person = QLineEdit(info.handler_person if info else "")

        # 办理时限: none / a date / N working days from receipt
        self.no_deadline = QRadioButton("无")
        self.by_date = QRadioButton("日期")
        self.by_days = QRadioButton("收文后工作日")
        group = QButtonGroup(self)
        for b in (self.no_deadline, self.by_date, self.by_days):
            group.addButton(b)
        self.deadline_date = QDateEdit(to_qdate(
            info.deadline if info and info.deadline else now.astimezone().date()
            + dt.timedelta(days=7)))
        chinese_dates(self.deadline_date)
        self.deadline_date.setCalendarPopup(True)
        self.deadline_days = QSpinBox()
        self.deadline_days.setRange(1, 250)
        self.deadline_days.setValue(info.deadline_workdays if info and info.deadline_workdays
                                    else 5)
        self.deadline_hint = QLabel()
        self.deadline_hint.setObjectName("deadlineHint")
        if info and info.deadline_workdays:
            self.by_days.setChecked(True)
        elif info and info.deadline:
            self.by_date.setChecked(True)
        elif info:
            self.no_deadline.setChecked(True)
        else:
            self.by_days.setChecked(True)
        deadline_row = QHBoxLayout()
        for w in (self.no_deadline, self.by_date, self.deadline_date, self.by_days,
                  self.deadline_days, self.deadline_hint):
            deadline_row.addWidget(w)
        deadline_row.addStretch(1)
        for sig in (group.buttonToggled, self.deadline_days.valueChanged,
                    self.deadline_date.dateChanged, self.received.dateTimeChanged):
            sig.connect(self._update_deadline)

        # attachments
        self.files = QListWidget()
        self.files.setFixedHeight(70)
        for a in (detail.attachments if detail else []):
            QListWidgetItem(f"{a.filename}（{_size(a.size)}，已存）", self.files)
        add = QPushButton("添加附件(&A)…")
        add.clicked.connect(self._add_files)
        self.remove_file = QPushButton("移除")
        self.remove_file.clicked.connect(self._remove_file)
        file_buttons = QVBoxLayout()
        file_buttons.addWidget(add)
        file_buttons.addWidget(self.remove_file)
        file_buttons.addStretch(1)
        file_row = QHBoxLayout()
        file_row.addWidget(self.files, 1)
        file_row.addLayout(file_buttons)

        form = FormRows()
        form.row("来文单位(&S)：", self.sender)
        form.row("来文字号：", self.sender_ref)
        form.row("收文时间：", self.received)
        form.row("标题(&T)：", self.title_edit)
        levels = QHBoxLayout()
        for label, w in (("密级", self.classification), ("紧急程度", self.urgency),
                         ("页数", self.pages)):
            levels.addWidget(QLabel(label))
            levels.addWidget(w)
        levels.addStretch(1)
        form.field(levels)
        form.row("内容摘要：", self.summary)
        form.row("拟办意见：", self.proposal)
        form.row("领导批示：", self.instruction)
        handler = QHBoxLayout()
        handler.addWidget(self.handler_unit, 2)
        handler.addWidget(QLabel("承办人"))
        handler.addWidget(self.handler_person, 1)
        form.row("承办单位：", handler)
        form.row("办理时限：", deadline_row)
        form.row("附件：", file_row)
        self.error = MessageLine()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._update_deadline()

    def _update_deadline(self, *_args: object) -> None:
        self.deadline_date.setEnabled(self.by_date.isChecked())
        self.deadline_days.setEnabled(self.by_days.isChecked())
        if self.by_days.isChecked():
            received = from_qdatetime(self.received.dateTime()).date()
            due = deadline_from_receipt(received, self.deadline_days.value())
            self.deadline_hint.setText(f"即 {due:%Y-%m-%d}")
        else:
            self.deadline_hint.setText("")

    def _add_files(self) -> QFileDialog:
        """Pick files in a non-blocking file dialog (``open()``, no nested event loop)."""
        picker = self.file_picker = file_dialog(self, FileKind.ATTACHMENTS, "选择附件",
                                                multiple=True)
        picker.filesSelected.connect(lambda paths: [self.add_file(p) for p in paths])
        picker.open()
        return picker

    def add_file(self, path: str) -> None:
        try:
            att = AttachmentIn.from_path(path)
        except UserError as exc:
            self.error.error(f"无法添加附件：{exc.message}")  # in the dialog, not a second box
            return
        self.new_files.append(att)
        item = QListWidgetItem(f"{att.filename}（{_size(len(att.data))}）", self.files)
        item.setData(Qt.ItemDataRole.UserRole, len(self.new_files) - 1)

    def _remove_file(self) -> None:
        item = self.files.currentItem()
        if item is None or item.data(Qt.ItemDataRole.UserRole) is None:
            return  # stored attachments stay (the record is evidence); only new ones go
        self.new_files[item.data(Qt.ItemDataRole.UserRole)] = AttachmentIn("", b"")
        self.files.takeItem(self.files.row(item))

    def form_data(self) -> IncomingIn:
        return IncomingIn(
            sender=self.sender.text(), sender_ref=self.sender_ref.text(),
            received_at=from_qdatetime(self.received.dateTime()), title=self.title_edit.text(),
            classification=self.classification.currentData(),
            urgency=self.urgency.currentData(), pages=self.pages.value(),
            summary=self.summary.toPlainText(), proposal=self.proposal.toPlainText(),
            instruction=self.instruction.toPlainText(), handler_unit=self.handler_unit.text(),
            handler_person=self.handler_person.text(),
            deadline=from_qdate(self.deadline_date.date()) if self.by_date.isChecked() else None,
            deadline_workdays=self.deadline_days.value() if self.by_days.isChecked() else None)

    def accept(self) -> None:
        files = [f for f in self.new_files if f.filename]
        try:
            if self.detail is None:
                self.result_info = svc.register(self.ctx, self.form_data(), files)
            else:
                info = self.detail.info
                self.result_info = svc.update(self.ctx, info.id, self.form_data(),
                                              expected_version=info.version)
                if files:
                    svc.add_attachments(self.ctx, info.id, files)
        except UserError as exc:
            self.error.error(exc)
            return
        super().accept()


def _size(n: int) -> str:
    return f"{n} 字节" if n < 1024 else f"{n / 1024:.0f} KB" if n < 1024 ** 2 \
        else f"{n / 1024 ** 2:.1f} MB"


class UrgeDialog(QDialog):
    """催办: who urged whom, when and how."""

    def __init__(self, ctx: ServiceContext, info: IncomingInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.info = ctx, info
        self.setWindowTitle(f"催办 — {info.reg_no}")
        assert ctx.actor is not None
        self.target = QLineEdit(" ".join(x for x in (info.handler_unit, info.handler_person) if x))
        self.method = QComboBox()
        for m in UrgeMethod:
            self.method.addItem(URGE_LABELS[m], m.value)
        self.urged_by = QLineEdit(ctx.actor.label)
        self.when = QDateTimeEdit(to_qdatetime(ctx.now()))
        chinese_dates(self.when)
        self.note = _text_edit("", 60)
        self.error = MessageLine()
        form = FormRows()
        form.row("标题：", QLabel(info.title))
        form.row("办理时限：", QLabel(
            f"{info.deadline:%Y-%m-%d}（{info.due.label}）" if info.deadline else "无"))
        form.row("催办对象(&T)：", self.target)
        form.row("催办方式(&M)：", self.method)
        form.row("催办人：", self.urged_by)
        form.row("催办时间：", self.when)
        form.row("说明：", self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def accept(self) -> None:
        try:
            svc.urge(self.ctx, self.info.id, target=self.target.text(),
                     method=self.method.currentData(), note=self.note.toPlainText(),
                     urged_by=self.urged_by.text(),
                     urged_at=from_qdatetime(self.when.dateTime()))
        except UserError as exc:
            self.error.error(exc)
            return
        super().accept()


class DoneDialog(QDialog):
    """办结 with a short note on how it was handled."""

    def __init__(self, ctx: ServiceContext, info: IncomingInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.info = ctx, info
        self.setWindowTitle(f"办结 — {info.reg_no}")
        self.note = _text_edit("", 60)
        self.note.setPlaceholderText("办理结果（可选）")
        self.error = MessageLine()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"将“{info.title}”标记为已办结。"))
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def accept(self) -> None:
        try:
            svc.set_done(self.ctx, self.info.id, note=self.note.toPlainText(),
                         expected_version=self.info.version)
        except UserError as exc:
            self.error.error(exc)
            return
        super().accept()
