"""报告时限规则表 (administrator): one row per level and receiving authority, the amber
thresholds, add/remove rows, restore the shipped defaults. Saving validates the whole table in
the service and lists every problem at once; nothing is stored until it is valid."""

from __future__ import annotations

from typing import Any

from app.domain import incident_rules as R
from app.errors import UserError
from app.services import incidents as svc
from app.services.context import ServiceContext
from app.ui.kit import FormRows, MessageLine
from app.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ["级别", "接收单位", "电话报告(分)", "书面首报(分)", "续报间隔(时)", "变化后续报(分)",
           "首报必填要素"]
TIPS = ["Ⅰ、Ⅱ、Ⅲ 或 Ⅳ", "留空为该级别的默认规则；填写则只适用于报送该单位",
        "自接报起，电话报告的时限（分钟），留空为不要求", "自接报起，书面首报的时限（分钟）",
        "两次报告之间最长间隔（小时），留空为仅在情况变化时续报",
        "登记重要变化后，续报的时限（分钟）", "用“、”分隔的要素名称"]
_LABEL_TO_KEY = {label: key for key, label in R.ELEMENT_LABELS.items()}


def _cell(value: Any) -> QTableWidgetItem:
    return QTableWidgetItem("" if value is None else str(value))


class RuleTableDialog(QDialog):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("报告时限规则")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.resize(980, 420)
        self.version = svc.rule_table_version(ctx)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for c, tip in enumerate(TIPS):
            self.table.horizontalHeaderItem(c).setToolTip(tip)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 140)
        self.table.verticalHeader().hide()
        self.amber_minutes = QSpinBox()
        self.amber_minutes.setRange(0, 1440)
        self.amber_minutes.setSuffix(" 分钟")
        self.amber_fraction = QDoubleSpinBox()
        self.amber_fraction.setRange(0, 0.99)
        self.amber_fraction.setSingleStep(0.05)
        self.error = MessageLine()
        self.add_button = QPushButton("添加规则(&A)")
        self.remove_button = QPushButton("删除规则(&D)")
        self.defaults_button = QPushButton("恢复默认(&R)")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_row)
        self.defaults_button.clicked.connect(lambda: self.load(R.DEFAULT_RULES))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

        col = QVBoxLayout(self)
        hint = QLabel("时限自接报时间起算。各地、各行业时限不同，可按接收单位另设规则；"
                      "首报必填要素用“、”分隔，缺少这些要素的首报不能签发，其余要素可在续报中补报。")
        hint.setWordWrap(True)
        col.addWidget(hint)
        col.addWidget(self.table, 1)
        row = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.defaults_button):
            row.addWidget(b)
        row.addStretch(1)
        col.addLayout(row)
        form = FormRows()
        form.row("剩余不超过此时间时变黄：", self.amber_minutes)
        form.row("或剩余不超过时限的比例：", self.amber_fraction)
        col.addLayout(form)
        col.addWidget(self.error)
        col.addWidget(self.buttons)
        self.load(svc.get_rule_table(ctx))

    def save_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def message(self) -> str:
        return self.error.text()

    def load(self, table: R.RuleTable) -> None:
        self.table.setRowCount(0)
        for rule in table.rules:
            self.add_row(rule)
        self.amber_minutes.setValue(table.thresholds.amber_minutes)
        self.amber_fraction.setValue(table.thresholds.amber_fraction)

    def add_row(self, rule: R.ReportingRule | None = None) -> None:
        rule = rule if isinstance(rule, R.ReportingRule) else R.ReportingRule(
            R.Level.IV, authority="", written_minutes=120)
        r = self.table.rowCount()
        self.table.insertRow(r)
        values = [rule.level.roman, rule.authority or "", rule.phone_minutes,
                  rule.written_minutes, rule.follow_up_hours, rule.change_minutes,
                  "、".join(R.ELEMENT_LABELS[k] for k in rule.first_report_blocking)]
        for c, v in enumerate(values):
            self.table.setItem(r, c, _cell(v))

    def remove_row(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows or [self.table.currentRow()]:
            if r >= 0:
                self.table.removeRow(r)

    def set_cell(self, row: int, col: int, text: str) -> None:
        self.table.setItem(row, col, _cell(text))

    def to_dict(self) -> dict[str, Any]:
        """The edited table in its serialised form; a cell that is not a number is passed on as
        text so the validation names it."""
        def number(text: str) -> Any:
            text = text.strip()
            if not text:
                return None
            return int(text) if text.isdigit() else text

        rules = []
        for r in range(self.table.rowCount()):
            cells = [(self.table.item(r, c).text() if self.table.item(r, c) else "")
                     for c in range(len(COLUMNS))]
            labels = [x.strip() for x in cells[6].replace("，", "、").split("、") if x.strip()]
            rules.append({
                "level": cells[0].strip(),
                "authority": cells[1].strip() or None,
                "phone_minutes": number(cells[2]),
                "written_minutes": number(cells[3]),
                "follow_up_hours": number(cells[4]),
                "change_minutes": number(cells[5]),
                "first_report_blocking": [_LABEL_TO_KEY.get(x, x) for x in labels],
            })
        return {"version": 1, "rules": rules,
                "thresholds": {"amber_minutes": self.amber_minutes.value(),
                               "amber_fraction": round(self.amber_fraction.value(), 2)}}

    def _unknown_elements(self) -> list[str]:
        bad = []
        for r in range(self.table.rowCount()):
            item = self.table.item(r, len(COLUMNS) - 1)
            for x in (item.text() if item else "").replace("，", "、").split("、"):
                if x.strip() and x.strip() not in _LABEL_TO_KEY and x.strip() not in bad:
                    bad.append(x.strip())
        return bad

    def _save(self) -> None:
        bad = self._unknown_elements()
        if bad:
            self.error.error(f"首报必填要素中有未知项：{'、'.join(bad)}。可选："
                               f"{'、'.join(R.ELEMENT_LABELS.values())}。")
            return
        try:
            svc.save_rule_table(self.ctx, self.to_dict(), expected_version=self.version)
        except UserError as exc:
            self.error.error(exc)
            return
        self.accept()
