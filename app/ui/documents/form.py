"""The field form of the 公文 editor: one widget per field of the description format
(shared/docspec.md), and the two-way mapping between the widgets and the description dict.

Lists (发文机关标志 for joint issuing, 签发人, 附件, 署名, 抄送, 纪要 attendance) are edited one
item per line. A body stored as a list keeps its table blocks: they are shown as one line of JSON
(``{"table": …}``) and parsed back, so editing never drops a table.
"""

from __future__ import annotations

import json
from typing import Any

from app.domain.security import CLEARANCE_LABELS, Clearance
from app.services.documents import GENRES
from app.ui.kit import FormRows
from app.ui.qt import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextCursor,
    QWidget,
    Signal,
)
from app.ui.sizing import mark_read_only

LAYOUTS = [("document", "文件格式"), ("letter", "信函格式"), ("minutes", "纪要格式"),
           ("order", "命令格式")]
SEAL_BY_HAND = ("本机关尚未上传印章图片：按盖章版式留出印章位置，打印后手工加盖。\n"
                "上传后可打印电子印章：系统管理 → 单位设置 → 本机关印章。")
#: single-line text fields: key → label
TEXT_FIELDS = [("copy_no", "份号"), ("secrecy_term", "保密期限"), ("doc_no", "发文字号"),
               ("title", "标题"), ("to", "主送机关"), ("date", "成文日期"), ("note", "附注"),
               ("printer", "印发机关"), ("print_date", "印发日期")]
#: list fields edited one item per line: key → label
LIST_FIELDS = [("issuer_mark", "发文机关标志"), ("signers", "签发人"), ("attachments", "附件"),
               ("issuer", "发文机关署名"), ("cc", "抄送机关")]
MINUTES_LISTS = [("present", "出席"), ("absent", "请假"), ("attending", "列席")]
MINUTES_TEXT = [("host", "主持"), ("recorder", "记录")]
#: fields that are a string when one item is given (docspec allows string or list)
STRING_OR_LIST = ("issuer_mark", "issuer")


def _changed_span(old: str, new: str) -> tuple[int, int, str]:
    """(start, end) in ``old`` and the replacement: the part between the common prefix and the
    common suffix, in UTF-16 code units as Qt counts them (CJK Extension B characters are two)."""
    p = 0
    limit = min(len(old), len(new))
    while p < limit and old[p] == new[p]:
        p += 1
    s = 0
    while s < limit - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
        s += 1

    def units(t: str) -> int:
        return len(t.encode("utf-16-le")) // 2

    return units(old[:p]), units(old[:len(old) - s]), new[p:len(new) - s]


def _edit_line(w: QLineEdit, new: str) -> None:
    old = w.text()
    if old != new:
        start, end, text = _changed_span(old, new)
        w.setSelection(start, end - start)
        w.insert(text)  # one undo step


def _edit_text(w: QPlainTextEdit, new: str) -> None:
    old = w.toPlainText()
    if old != new:
        start, end, text = _changed_span(old, new)
        cursor = QTextCursor(w.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text)  # one undo step; the caret elsewhere stays where it was


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class DocumentForm(QWidget):
    """Emits ``changed`` on every edit (the editor debounces preview and proofreading)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentForm")
        form = FormRows(self)
        self.genre = QComboBox()
        self.genre.addItems(list(GENRES))
        self.layout_kind = QComboBox()
        for code, label in LAYOUTS:
            self.layout_kind.addItem(label, code)
        self.classification = QComboBox()
        for c in Clearance:
            self.classification.addItem(CLEARANCE_LABELS[c], int(c))
        self.urgency = QComboBox()
        self.urgency.addItem("（无）", "")
        self.urgency.addItems(["特急", "加急"])
        self.urgency.setItemData(1, "特急")
        self.urgency.setItemData(2, "加急")
        self.series = QComboBox()
        self.series.setEditable(True)
        self.series.setToolTip("签发时从该机关代字的发文字号序列中取号")
        # 加盖印章: GB/T 9704's sealed layout (7.3.5.1: room for a 42 mm seal over the 署名 and
        # date). With the office's seal image stored (``set_seal_available``) the image prints on
        # the document once it is 签发 (app.services.documents.seal; every use audited); without one the
        # room is left for the seal stamped by hand — most offices stamp by hand, so the box is
        # always offered and its tooltip and status line say which of the two it will do.
        self.sealed = QCheckBox("加盖印章")
        self.seal_available = False
        self.text: dict[str, QLineEdit] = {}
        self.lists: dict[str, QPlainTextEdit] = {}
        self.body = QPlainTextEdit()
        self.body.setObjectName("bodyEdit")
        self.body.setMinimumHeight(220)
        self._body_was_list = False

        form.row("文种", self.genre)
        form.row("版式", self.layout_kind)
        form.row("密级", self.classification)
        for key, label in TEXT_FIELDS[:2]:
            form.row(label, self._line(key))
        form.row("紧急程度", self.urgency)
        form.row("机关代字", self.series)
        for key, label in LIST_FIELDS[:2]:
            form.row(label, self._list(key))
        for key, label in TEXT_FIELDS[2:5]:
            form.row(label, self._line(key))
        mark_read_only(self.text["doc_no"], "签发时自动编号")
        form.row("正文", self.body)
        for key, label in LIST_FIELDS[2:4]:
            form.row(label, self._list(key))
        form.field(self.sealed)
        for key, label in TEXT_FIELDS[5:]:
            form.row(label, self._line(key))
        form.row(LIST_FIELDS[4][1], self._list(LIST_FIELDS[4][0]))
        self.minutes_rows: list[QWidget] = []
        for key, label in MINUTES_LISTS:
            w = self._list("minutes." + key)
            form.row(f"纪要·{label}", w)
            self.minutes_rows.append(w)
        for key, label in MINUTES_TEXT:
            w = self._line("minutes." + key)
            form.row(f"纪要·{label}", w)
            self.minutes_rows.append(w)
        self.text["date"].setPlaceholderText("年-月-日，如 2026-12-07")
        self.text["print_date"].setPlaceholderText("年-月-日，如 2026-12-07")
        self.text["copy_no"].setPlaceholderText("数字，打印时按份编号")
        self.text["secrecy_term"].setPlaceholderText("如 1年")
        self.form_layout = form
        for w in (self.genre, self.layout_kind, self.classification, self.urgency):
            w.currentIndexChanged.connect(self.changed)
        self.series.currentTextChanged.connect(self.changed)
        self.sealed.toggled.connect(self.changed)
        self.sealed.toggled.connect(self._sync_seal_box)
        self._sync_seal_box()
        self.body.textChanged.connect(self.changed)
        self.layout_kind.currentIndexChanged.connect(self._show_minutes)
        self._show_minutes()

    def _line(self, key: str) -> QLineEdit:
        w = QLineEdit()
        w.setObjectName(f"field_{key}")
        w.textChanged.connect(self.changed)
        self.text[key] = w
        return w

    def set_seal_available(self, available: bool) -> None:
        """Whether the office has a seal image stored (the 加盖印章 box is offered only then)."""
        self.seal_available = available
        self._sync_seal_box()

    def _sync_seal_box(self) -> None:
        box = self.sealed
        if self.seal_available:
            box.setToolTip("签发后打印、导出时加盖本机关印章，按 GB/T 9704 端正、居中下压发文机关署名和"
                           "成文日期；每次使用均记入审计。\n未签发的文稿打印时只留出印章位置。")
        else:
            box.setToolTip(SEAL_BY_HAND)
        box.setStatusTip(box.toolTip().split("\n")[0])

    def _list(self, key: str) -> QPlainTextEdit:
        w = QPlainTextEdit()
        w.setObjectName(f"field_{key}")
        w.setFixedHeight(54)
        w.setPlaceholderText("每行一项")
        w.textChanged.connect(self.changed)
        self.lists[key] = w
        return w

    def _show_minutes(self) -> None:
        on = self.layout_kind.currentData() == "minutes"
        for w in self.minutes_rows:
            self.form_layout.setRowVisible(w, on)

    # ---- description ↔ widgets ------------------------------------------------------------
    def set_description(self, desc: dict[str, Any], *, genre: str = "", classification: int = 0,
                        series: str = "", undoable: bool = False) -> None:
        """Show ``desc``. ``undoable``: change the text fields by editing only what differs, as
        typing would, so Ctrl+Z takes a proofreading fix back (setText/setPlainText would wipe
        the fields' undo history)."""
        set_line = _edit_line if undoable else QLineEdit.setText
        set_text = _edit_text if undoable else QPlainTextEdit.setPlainText
        widgets = [self, self.body, *self.text.values(), *self.lists.values()]
        for w in widgets:
            w.blockSignals(True)
        try:
            if genre:
                self.genre.setCurrentText(genre)
            self.layout_kind.setCurrentIndex(
                max(0, self.layout_kind.findData(desc.get("kind", "document"))))
            self.classification.setCurrentIndex(max(0, self.classification.findData(
                int(classification))))
            self.urgency.setCurrentIndex(max(0, self.urgency.findData(desc.get("urgency", ""))))
            self.series.setCurrentText(series)
            self.sealed.setChecked(bool(desc.get("sealed", False)))
            for key, w in self.text.items():
                if key.startswith("minutes."):
                    set_line(w, str((desc.get("minutes") or {}).get(key[8:], "")))
                else:
                    set_line(w, str(desc.get(key, "")))
            for key, w in self.lists.items():
                value = ((desc.get("minutes") or {}).get(key[8:]) if key.startswith("minutes.")
                         else desc.get(key))
                if isinstance(value, str):
                    value = [value]
                items = [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                         for v in value or []]
                set_text(w, "\n".join(items))
            body = desc.get("body", "")
            self._body_was_list = isinstance(body, list)
            if isinstance(body, list):
                body = "\n".join(b if isinstance(b, str) else json.dumps(b, ensure_ascii=False)
                                 for b in body)
            set_text(self.body, str(body))
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._show_minutes()

    def body_value(self) -> str | list[Any]:
        text = self.body.toPlainText()
        blocks: list[Any] = []
        has_table = False
        for line in text.split("\n"):
            if line.lstrip().startswith('{"table"'):
                try:
                    blocks.append(json.loads(line))
                    has_table = True
                    continue
                except json.JSONDecodeError:
                    pass
            blocks.append(line)
        if has_table or self._body_was_list:
            return [b for b in blocks if not isinstance(b, str) or b.strip()]
        return text

    def description(self) -> dict[str, Any]:
        """The description the widgets hold (empty fields left out)."""
        d: dict[str, Any] = {}
        kind = self.layout_kind.currentData()
        if kind != "document":
            d["kind"] = kind
        level = self.classification.currentData()
        if level >= int(Clearance.SECRET):
            d["secrecy"] = CLEARANCE_LABELS[Clearance(level)]
        if self.urgency.currentData():
            d["urgency"] = self.urgency.currentData()
        for key, w in self.text.items():
            if not key.startswith("minutes.") and w.text().strip():
                d[key] = w.text().strip()
        if "secrecy" not in d:
            d.pop("secrecy_term", None)
        for key, w in self.lists.items():
            items = _lines(w.toPlainText())
            if not items or key.startswith("minutes."):
                continue
            if key == "attachments":
                d[key] = [json.loads(i) if i.startswith("{") else i for i in items]
            else:
                d[key] = items[0] if key in STRING_OR_LIST and len(items) == 1 else items
        body = self.body_value()
        d["body"] = body
        if self.sealed.isChecked():
            d["sealed"] = True
        if kind == "minutes":
            m: dict[str, Any] = {}
            for key, _label in MINUTES_LISTS:
                items = _lines(self.lists["minutes." + key].toPlainText())
                if items:
                    m[key] = items
            for key, _label in MINUTES_TEXT:
                value = self.text["minutes." + key].text().strip()
                if value:
                    m[key] = value
            if m:
                d["minutes"] = m
        order = ["kind", "copy_no", "secrecy", "secrecy_term", "urgency", "issuer_mark", "doc_no",
                 "signers", "title", "to", "body", "attachments", "issuer", "date", "sealed",
                 "note", "cc", "printer", "print_date", "minutes"]
        return {k: d[k] for k in order if k in d}

    def widget_for(self, field: str) -> QWidget | None:
        """The widget holding a proofreading finding's field (``body[3]`` → the body)."""
        head = field.split("[")[0].split(".")[0]
        if head == "body":
            return self.body
        if head in self.text:
            return self.text[head]
        if head in self.lists:
            return self.lists[head]
        if head == "secrecy":
            return self.classification
        return None
