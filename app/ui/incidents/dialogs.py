"""Dialogs of the 突发事件 page: the incident form (every field of the issue), 签发 with the 要素
checklist, 报送 (to whom, when) and the telephone 首报. Each calls its service on OK and stays
open with the Chinese message when the service refuses; they open window-modal (``open()``)."""

from __future__ import annotations

import datetime as dt

from app.domain import incident_rules as R
from app.domain.security import Clearance
from app.errors import UserError
from app.services import incidents as svc
from app.services.context import ServiceContext
from app.ui.chinese import chinese_dates
from app.ui.kit import FormRows, MessageLine
from app.ui.qt import (
    QComboBox,
    QDate,
    QDateTime,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    Qt,
    QTextBrowser,
    QTime,
    QVBoxLayout,
    QWidget,
)

UNKNOWN = -1  # spin-box value shown as 不详


def to_qt(value: dt.datetime) -> QDateTime:
    return QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute))


def from_qt(value: QDateTime) -> dt.datetime:
    d, t = value.date(), value.time()
    return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


def _datetime_edit(value: dt.datetime | None) -> QDateTimeEdit:
    w = QDateTimeEdit()
    chinese_dates(w)
    w.setCalendarPopup(True)
    if value is not None:
        w.setDateTime(to_qt(value))
    return w


def _count_spin(value: int | None) -> QSpinBox:
    w = QSpinBox()
    w.setRange(UNKNOWN, 100000)
    w.setSpecialValueText("不详")
    w.setSuffix(" 人")
    w.setValue(UNKNOWN if value is None else value)
    return w


def _text(value: str, lines: int = 3) -> QPlainTextEdit:
    w = QPlainTextEdit(value)
    w.setTabChangesFocus(True)
    w.setFixedHeight(22 * lines + 12)
    return w


class _Base(QDialog):
    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.error = MessageLine(name="errorLabel")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)

    def _occurred_state(self, _index: int = 0) -> None:
        known = self.occurred_known.currentIndex() == 0
        self.occurred.setEnabled(known)
        self.occurred.setToolTip("" if known else
                                 "事发时间不详：不保存此处的时间，报告中写“事发时间：不详”。"
                                 "时间已知时请先选“已知”。")

    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def message(self) -> str:
        return self.error.text()

    def _ok(self) -> None:
        try:
            self.save()
        except UserError as exc:
            self.error.error(exc)
            return
        self.accept()

    def save(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class IncidentDialog(_Base):
    """New or edit: every field of an incident, grouped as the 信息报告 reads."""

    def __init__(self, ctx: ServiceContext, info: svc.IncidentInfo | None,
                 parent: QWidget | None = None, *, now: dt.datetime | None = None) -> None:
        super().__init__("编辑突发事件" if info else "新建突发事件", parent)
        self.ctx, self.info = ctx, info
        self.result_info: svc.IncidentInfo | None = None
        d = info.data if info else svc.IncidentData(received_at=now or svc.local_now(ctx))
        self.resize(760, 680)

        self.title = QLineEdit(d.title)
        self.title.setPlaceholderText("如：临江路餐馆燃气爆燃事故")
        self.category = QComboBox()
        self.category.addItems(list(R.CATEGORIES))
        self.category.setCurrentText(d.category)
        self.subtype = QComboBox()
        self.category.currentTextChanged.connect(self._fill_subtypes)
        self._fill_subtypes(d.category)
        self.subtype.setCurrentText(d.subtype)
        self.level = QComboBox()
        for lv in R.Level:
            self.level.addItem(f"{lv.label} · {lv.colour_cn}", lv.value)
        self.level.setCurrentIndex(d.level - 1)
        self.level.currentIndexChanged.connect(self._level_colour)
        self._level_colour()
        self.occurred = _datetime_edit(d.occurred_at or d.received_at)
        self.occurred_known = QComboBox()
        self.occurred_known.addItems(["已知", "不详"])
        self.occurred_known.setCurrentIndex(0 if d.occurred_at else 1)
        # 不详 greys the time out (it is not saved, and a time shown but dropped misled the
        # clerk); choosing 已知 makes it editable again
        self.occurred_known.currentIndexChanged.connect(self._occurred_state)
        self._occurred_state()
        self.received = _datetime_edit(d.received_at)
        self.place, self.county, self.unit = QLineEdit(d.place), QLineEdit(d.county), \
            QLineEdit(d.unit)
        self.source = QLineEdit(d.source)
        self.summary = _text(d.summary, 4)
        self.cause, self.impact, self.trend = _text(d.cause, 2), _text(d.impact, 2), \
            _text(d.trend, 2)
        self.dead, self.missing, self.injured = (_count_spin(d.dead), _count_spin(d.missing),
                                                 _count_spin(d.injured))
        self.loss = QLineEdit(d.property_loss)
        self.leaders = _text("\n".join(f"{p.name}，{p.post}，{p.phone}"
                                       for p in d.leaders_on_site), 2)
        self.leaders.setPlaceholderText("每行一人：姓名，职务，电话")
        self.cmd_name, self.cmd_post, self.cmd_phone = (
            QLineEdit(d.commander.name), QLineEdit(d.commander.post), QLineEdit(d.commander.phone))
        self.measures = _text(d.measures, 3)
        self.measures.setPlaceholderText("每行一项措施")
        self.next_steps = _text(d.next_steps, 2)
        self.rep_unit, self.rep_name, self.rep_phone = (
            QLineEdit(d.reporter_unit), QLineEdit(d.reporter_name), QLineEdit(d.reporter_phone))
        self.authority = QComboBox()
        self.authority.setEditable(True)
        self.authority.addItem("")
        try:
            self.authority.addItems(svc.get_rule_table(ctx).authorities())
        except UserError:
            pass
        self.authority.setCurrentText(d.authority)
        self.classification = QComboBox()
        for c in Clearance:
            self.classification.addItem(c.label, int(c))
        self.classification.setCurrentIndex(info.classification if info else 0)
        self.classification.setEnabled(info is None)

        body = QWidget()
        col = QVBoxLayout(body)
        basic = FormRows()
        basic.row("事件名称(&T)：", self.title)
        row = QHBoxLayout()
        row.addWidget(self.category)
        row.addWidget(self.subtype, 1)
        basic.row("事件类别：", row)
        basic.row("事件级别(&L)：", self.level)
        row = QHBoxLayout()
        row.addWidget(self.occurred, 1)
        row.addWidget(self.occurred_known)
        basic.row("事发时间：", row)
        basic.row("接报时间(&R)：", self.received)
        basic.row("事发地点：", self.place)
        row = QHBoxLayout()
        row.addWidget(QLabel("县（市、区）"))
        row.addWidget(self.county)
        row.addWidget(QLabel("单位"))
        row.addWidget(self.unit)
        basic.field(row)
        basic.row("信息来源：", self.source)
        basic.row("密级：", self.classification)
        col.addLayout(basic)

        facts = QGroupBox("事件情况")
        f = FormRows(facts)
        f.row("基本情况（经过）：", self.summary)
        f.row("性质和原因：", self.cause)
        f.row("影响范围：", self.impact)
        grid = QGridLayout()
        for i, (label, w) in enumerate((("死亡", self.dead), ("失踪", self.missing),
                                        ("受伤", self.injured))):
            grid.addWidget(QLabel(label), 0, 2 * i)
            grid.addWidget(w, 0, 2 * i + 1)
        f.row("人员伤亡：", grid)
        f.row("财产损失：", self.loss)
        f.row("发展趋势：", self.trend)
        col.addWidget(facts)

        response = QGroupBox("处置")
        f = FormRows(response)
        f.row("到场领导：", self.leaders)
        row = QHBoxLayout()
        for label, w in (("姓名", self.cmd_name), ("职务", self.cmd_post),
                         ("电话", self.cmd_phone)):
            row.addWidget(QLabel(label))
            row.addWidget(w)
        f.row("现场指挥：", row)
        f.row("已采取措施：", self.measures)
        f.row("下一步工作和请求：", self.next_steps)
        col.addWidget(response)

        who = QGroupBox("报告单位和报告人")
        f = FormRows(who)
        row = QHBoxLayout()
        for label, w in (("单位", self.rep_unit), ("姓名", self.rep_name),
                         ("电话", self.rep_phone)):
            row.addWidget(QLabel(label))
            row.addWidget(w)
        f.span(row)
        f.row("接收单位（时限规则）：", self.authority)
        col.addWidget(who)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll, 1)
        outer.addWidget(self.error)
        outer.addWidget(self.buttons)
        self.title.setFocus()

    def _fill_subtypes(self, category: str) -> None:
        self.subtype.clear()
        self.subtype.addItem("")
        self.subtype.addItems([*R.CATEGORIES.get(category, ()), "其他"])

    def _level_colour(self) -> None:
        lv = R.Level(self.level.currentData() or 4)
        self.level.setStyleSheet(f"QComboBox {{ border-left: 8px solid {lv.colour_hex}; }}")

    def data(self) -> svc.IncidentData:
        def count(w: QSpinBox) -> int | None:
            return None if w.value() == UNKNOWN else w.value()

        leaders = []
        for line in self.leaders.toPlainText().splitlines():
            parts = [p.strip() for p in line.replace(",", "，").split("，")]
            if any(parts):
                parts += ["", "", ""]
                leaders.append(svc.Person(parts[0], parts[1], parts[2]))
        return svc.IncidentData(
            title=self.title.text(), category=self.category.currentText(),
            subtype=self.subtype.currentText(), level=int(self.level.currentData()),
            occurred_at=from_qt(self.occurred.dateTime())
            if self.occurred_known.currentIndex() == 0 else None,
            received_at=from_qt(self.received.dateTime()),
            place=self.place.text(), county=self.county.text(), unit=self.unit.text(),
            source=self.source.text(), cause=self.cause.toPlainText(),
            summary=self.summary.toPlainText(), impact=self.impact.toPlainText(),
            dead=count(self.dead), missing=count(self.missing), injured=count(self.injured),
            property_loss=self.loss.text(), trend=self.trend.toPlainText(),
            leaders_on_site=tuple(leaders),
            commander=svc.Person(self.cmd_name.text().strip(), self.cmd_post.text().strip(),
                                 self.cmd_phone.text().strip()),
            measures=self.measures.toPlainText(), next_steps=self.next_steps.toPlainText(),
            reporter_unit=self.rep_unit.text(), reporter_name=self.rep_name.text(),
            reporter_phone=self.rep_phone.text(), authority=self.authority.currentText().strip(),
        )

    def save(self) -> None:
        if self.info is None:
            self.result_info = svc.create_incident(
                self.ctx, self.data(), classification=int(self.classification.currentData()))
        else:
            self.result_info = svc.update_incident(self.ctx, self.info.id, self.data(),
                                                   expected_version=self.info.version)


class SignDialog(_Base):
    """签发: shows the report and its checklist; 签发 is disabled while a blocking element of a
    首报 is missing, otherwise the missing ones are listed (先报基本情况，后续补报)."""

    def __init__(self, ctx: ServiceContext, report: svc.ReportInfo, html: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"签发 — {report.name}", parent)
        self.ctx, self.report = ctx, report
        self.resize(640, 560)
        check = svc.checklist(ctx, report.id)
        self.check = check
        view = QTextBrowser()
        view.setHtml(html)
        self.checklist_label = QLabel(check.message())
        self.checklist_label.setWordWrap(True)
        colour = "#b00020" if not check.can_sign else ("#8a5a00" if check.missing else "#1b5e20")
        self.checklist_label.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.ok_button().setText("签发(&S)")
        self.ok_button().setEnabled(check.can_sign)
        col = QVBoxLayout(self)
        col.addWidget(view, 1)
        col.addWidget(self.checklist_label)
        col.addWidget(self.error)
        col.addWidget(self.buttons)

    def save(self) -> None:
        svc.sign_report(self.ctx, self.report.id, expected_version=self.report.version)


class SendDialog(_Base):
    """报送 (or a telephone 首报): to whom and when."""

    def __init__(self, ctx: ServiceContext, title: str, default_to: str, now: dt.datetime,
                 action, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(title, parent)
        self.ctx, self.action = ctx, action
        self.to = QLineEdit(default_to)
        self.to.setPlaceholderText("如：市政府总值班室")
        self.at = _datetime_edit(now)
        self.note = QLineEdit()
        form = FormRows()
        form.row("报送对象(&T)：", self.to)
        form.row("报送时间(&A)：", self.at)
        form.row("备注：", self.note)
        col = QVBoxLayout(self)
        col.addLayout(form)
        col.addWidget(self.error)
        col.addWidget(self.buttons)

    def save(self) -> None:
        self.action(self.to.text(), from_qt(self.at.dateTime()), self.note.text())
