"""Correcting one decision (议定事项): text, lead unit and person (承办), cooperating units and
deadline, in a window-modal dialog opened with ``open()`` (no nested event loop).

What may change follows the service (``minutes.EDIT_RULES``): the dialog greys out the deadline
once the decision is in the 督办 loop and says why, and shows the service's refusal in its own
message line without closing, so nothing typed is lost. A stale save (someone saved the decision
or moved it through the 督办 loop meanwhile) opens the shared ``ConflictDialog``: take the saved
version, or keep my values on top of it and save again deliberately.
"""

from __future__ import annotations

import datetime as dt

from app.domain import supervision as sv
from app.errors import ConflictError, UserError
from app.services import minutes as mn
from app.services.context import ServiceContext
from app.ui.chinese import chinese_dates
from app.ui.conflict_dialog import REAPPLY, ConflictDialog
from app.ui.kit import MessageLine
from app.ui.qt import (
    QButtonGroup,
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


def _units(text: str) -> list[str]:
    for sep in "，,;； ":
        text = text.replace(sep, "、")
    return [u for u in text.split("、") if u.strip()]


class DecisionFields:
    """The fields of a 议定事项 — content, 牵头单位 and 责任人, 配合单位, and the 办理期限
    (working days after the meeting, a date, or none) — and their grid. The topic form adds
    decisions with them, ``DecisionDialog`` edits one."""

    def __init__(self, parent: QWidget) -> None:
        self.text = QPlainTextEdit(parent)
        self.lead = QLineEdit(parent)
        self.person = QLineEdit(parent)
        self.coop = QLineEdit(parent)
        self.coop.setPlaceholderText("多个单位用顿号分隔")
        self.by_days = QRadioButton("会后工作日", parent)
        self.by_date = QRadioButton("日期", parent)
        self.no_deadline = QRadioButton("不设期限", parent)
        group = QButtonGroup(parent)
        for b in (self.by_days, self.by_date, self.no_deadline):
            group.addButton(b)
        self.by_days.setChecked(True)
        self.days = QSpinBox(parent)
        self.days.setRange(1, sv.MAX_WORKDAYS)
        self.days.setValue(10)
        self.days.setSuffix(" 个工作日")
        self.date = QDateEdit(parent)
        self.date.setCalendarPopup(True)
        chinese_dates(self.date)

    def lay_out(self, grid: QGridLayout, text_span: int = 3) -> None:
        """Rows 0–5, columns 0–3 of ``grid`` (column 3 of rows 3–5 stays free)."""
        grid.addWidget(QLabel("内容"), 0, 0)
        grid.addWidget(self.text, 0, 1, 1, text_span)
        grid.addWidget(QLabel("牵头单位"), 1, 0)
        grid.addWidget(self.lead, 1, 1)
        grid.addWidget(QLabel("责任人"), 1, 2)
        grid.addWidget(self.person, 1, 3)
        grid.addWidget(QLabel("配合单位"), 2, 0)
        grid.addWidget(self.coop, 2, 1, 1, 3)
        grid.addWidget(QLabel("办理期限"), 3, 0)
        grid.addWidget(self.by_days, 3, 1)
        grid.addWidget(self.days, 3, 2)
        grid.addWidget(self.by_date, 4, 1)
        grid.addWidget(self.date, 4, 2)
        grid.addWidget(self.no_deadline, 5, 1)

    def values(self) -> dict:
        """Keyword arguments of ``minutes.add_decision`` / ``update_decision`` (not the text)."""
        kw: dict = {"lead_unit": self.lead.text(), "lead_person": self.person.text(),
                    "coop_units": _units(self.coop.text())}
        if self.by_date.isChecked():
            kw["deadline"] = _pydate(self.date.date())
        elif self.by_days.isChecked():
            kw["workdays"] = self.days.value()
        return kw


def _due(d: mn.DecisionInfo) -> str:
    if d.deadline is None:
        return "不设期限"
    return f"{d.deadline:%Y年%m月%d日}" + (f"（会后{d.deadline_workdays}个工作日）"
                                         if d.deadline_workdays else "")


class DecisionDialog(QDialog):
    """``saved`` carries the new ``DecisionInfo`` after a successful save (then the dialog
    closes); Cancel/Esc closes without saving."""

    saved = Signal(object)

    def __init__(self, ctx: ServiceContext, decision: mn.DecisionInfo, meeting_date: dt.date,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("decisionDialog")
        self.setWindowTitle("修改议定事项")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.ctx, self.meeting_date = ctx, meeting_date
        self.decision = decision
        self.conflict: ConflictDialog | None = None
        self.state = QLabel(self)
        self.state.setWordWrap(True)
        self.fields = f = DecisionFields(self)
        self.text, self.lead, self.person, self.coop = f.text, f.lead, f.person, f.coop
        self.by_days, self.by_date, self.no_deadline = f.by_days, f.by_date, f.no_deadline
        self.days, self.date = f.days, f.date
        self.text.setObjectName("decisionText")
        self.error = MessageLine(self, name="decisionDialogError")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("保存")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        grid = QGridLayout()
        f.lay_out(grid)
        lay = QVBoxLayout(self)
        lay.addWidget(self.state)
        lay.addLayout(grid)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.resize(560, 360)
        self.fill(decision)

    # ---- widgets ↔ decision ---------------------------------------------------------------
    def fill(self, d: mn.DecisionInfo) -> None:
        """Show ``d`` and make it the base version of the next save."""
        self.decision = d
        self.text.setPlainText(d.text)
        self.lead.setText(d.lead_unit)
        self.person.setText(d.lead_person)
        self.coop.setText("、".join(d.coop_units))
        self.days.setValue(d.deadline_workdays or 10)
        self.date.setDate(_qdate(d.deadline or self.meeting_date))
        (self.by_days if d.deadline_workdays else self.by_date if d.deadline
         else self.no_deadline).setChecked(True)
        self._show_rules(d)

    def _show_rules(self, d: mn.DecisionInfo) -> None:
        done = d.status in sv.DONE_STATUSES
        may_move_deadline = d.status is sv.Status.PENDING
        for w in (self.by_days, self.by_date, self.no_deadline, self.days, self.date):
            w.setEnabled(may_move_deadline)
            w.setToolTip("" if may_move_deadline else
                         "已立项督办：办理期限请在督办中“申请延期”，由领导批准。")
        for w in (self.text, self.lead, self.person, self.coop):
            w.setReadOnly(done)
        self.save_button.setEnabled(not done)
        note = ("该事项已办结，不能修改。" if done else
                "该事项已立项督办，办理期限不能在此修改，请在督办中申请延期。"
                if not may_move_deadline else "")
        self.state.setText(f"状态：{d.status.label}　现期限：{_due(d)}"
                           + (f"\n{note}" if note else ""))
        self.state.setToolTip(mn.EDIT_RULES)

    def values(self) -> dict:
        return self.fields.values()

    # ---- save -----------------------------------------------------------------------------
    def accept(self) -> None:
        if self.conflict is not None and self.conflict.isVisible():
            return
        try:
            info = mn.update_decision(self.ctx, self.decision.id, self.text.toPlainText(),
                                      expected_version=self.decision.version, **self.values())
        except ConflictError:
            self.show_conflict()
            return
        except UserError as exc:
            self.error.error(exc)
            return
        self.decision = info
        self.saved.emit(info)
        super().accept()

    def _current(self) -> mn.DecisionInfo | None:
        detail = mn.get_meeting(self.ctx, self.decision.meeting_id)
        for t in detail.topics:
            for d in t.decisions:
                if d.id == self.decision.id:
                    return d
        return None

    def show_conflict(self) -> None:
        try:
            theirs = self._current()
        except UserError as exc:
            self.error.error(exc)
            return
        if theirs is None:
            self.error.error("该议定事项已被他人删除，无法保存。")
            return
        kw = self.values()
        mine_due = (f"会后{kw['workdays']}个工作日" if "workdays" in kw else
                    f"{kw['deadline']:%Y年%m月%d日}" if "deadline" in kw else "不设期限")
        fields = [("内容", self.text.toPlainText().strip(), theirs.text),
                  ("牵头单位", self.lead.text().strip(), theirs.lead_unit),
                  ("责任人", self.person.text().strip(), theirs.lead_person),
                  ("配合单位", "、".join(kw["coop_units"]), "、".join(theirs.coop_units)),
                  ("办理期限", mine_due, _due(theirs)),
                  ("状态", self.decision.status.label, theirs.status.label)]
        dlg = self.conflict = ConflictDialog("议定事项", fields, self)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)

        def decided(_result: int) -> None:
            if dlg.choice == REAPPLY:
                self.decision = theirs  # the new base; the form keeps my values
                self._show_rules(theirs)
                self.error.say("已载入他人保存的版本号，您的修改仍在表单中，请检查后再保存。")
            else:
                self.fill(theirs)
                self.error.say("已采用他人保存的版本。")

        dlg.finished.connect(decided)
        dlg.open()
