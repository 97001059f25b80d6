"""常用设置: the common changes to a 公文 template as a form, over the template text (which stays
the one source; the code editor is the advanced mode).

A template draws the office's names and phones from the office settings (``{{ office.name }}``,
``{{ office.mark }}`` …). A value typed here fixes it for this template only: each such
placeholder becomes ``{{ '临江市人民政府办公室' or office.name }}`` — plain Jinja that prints the
value, and that the form recognises again (clearing the field restores ``{{ office.name }}``).
The default 主送 becomes ``{{ doc.to|default('各处室', true) }}`` (used when a document names none),
and the 署名 field is replaced by the text typed (clearing it restores the placeholder it had).

The functions here are pure (no Qt); ``SimpleForm`` is the widget.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from app.ui.qt import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget, Signal

#: office settings a template may use → label in the form
OFFICE_ROWS: list[tuple[str, str]] = [
    ("name", "机关名称"), ("mark", "发文机关标志"), ("printer", "印发机关"),
    ("phone", "联系电话"), ("duty_phone", "值班电话"), ("duty_room", "值班室名称"),
    ("contact", "联系人"), ("short", "机关简称"), ("info_mark", "信息专报标志"),
]
TO_KEY, ISSUER_KEY = "to", "issuer"
FORBIDDEN = set("'\\{}%")
_FIXED = re.compile(r"\{\{ '((?:[^'\\])*)' or office\.(\w+) \}\}")
_PLAIN = re.compile(r"\{\{ office\.(\w+) \}\}")
_TO = re.compile(r"\{\{ (\w+)\.to(?:\|default\('((?:[^'\\])*)', true\))? \}\}")


def _strings(node: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(node, str):
        return fn(node)
    if isinstance(node, list):
        return [_strings(x, fn) for x in node]
    if isinstance(node, dict):
        return {k: _strings(v, fn) for k, v in node.items()}
    return node


def _all_text(node: Any) -> str:
    out: list[str] = []
    _strings(node, lambda s: out.append(s) or s)
    return "\n".join(out)


def read_form(template: dict[str, Any]) -> dict[str, str]:
    """The form's rows for ``template`` (a parsed template): office keys it uses → the value
    fixed in this template ("" = from the office settings); ``to`` → the default 主送 when the
    template has a 主送 placeholder; ``issuer`` → the 署名 when it is literal text."""
    doc = template.get("document", {})
    text = _all_text(doc)
    values: dict[str, str] = {}
    for key, _label in OFFICE_ROWS:
        if f"office.{key} " in text or f"office.{key}|" in text or f"office.{key}}}" in text:
            values[key] = ""
    for value, key in _FIXED.findall(text):
        values[key] = value
    to = doc.get("to") if isinstance(doc, dict) else None
    if isinstance(to, str):
        m = _TO.search(to)
        if m:
            values[TO_KEY] = m.group(2) or ""
    issuer = doc.get("issuer") if isinstance(doc, dict) else None
    if isinstance(issuer, str):
        values[ISSUER_KEY] = "" if "{{" in issuer or "{%" in issuer else issuer
    return values


def check_value(label: str, value: str) -> str:
    """"" when ``value`` can go into a template as it is, else the Chinese reason."""
    bad = sorted(set(value) & FORBIDDEN)
    if bad:
        return f"“{label}”不能含有 {' '.join(bad)} 字符（可在代码编辑中修改）。"
    if "\n" in value:
        return f"“{label}”应为一行。"
    return ""


def apply_form(template: dict[str, Any], values: dict[str, str],
               original_issuer: str = "{{ office.name }}") -> dict[str, Any]:
    """``template`` with the form's ``values`` written in (see the module docstring)."""
    out = json.loads(json.dumps(template))  # a deep copy
    doc = out.get("document", {})

    def office(text: str) -> str:
        def fixed_or_plain(key: str) -> str:
            v = values.get(key, "")
            return f"{{{{ '{v}' or office.{key} }}}}" if v else f"{{{{ office.{key} }}}}"

        text = _FIXED.sub(lambda m: fixed_or_plain(m.group(2)), text)
        return _PLAIN.sub(lambda m: fixed_or_plain(m.group(1)), text)

    if isinstance(doc, dict):
        if TO_KEY in values and isinstance(doc.get("to"), str):
            v = values[TO_KEY]
            doc["to"] = _TO.sub(lambda m: f"{{{{ {m.group(1)}.to|default('{v}', true) }}}}" if v
                                else f"{{{{ {m.group(1)}.to }}}}", doc["to"])
        if ISSUER_KEY in values and isinstance(doc.get("issuer"), str):
            doc["issuer"] = values[ISSUER_KEY] or (
                doc["issuer"] if "{{" in doc["issuer"] else original_issuer)
        out["document"] = _strings(doc, office)
    return out


class SimpleForm(QWidget):
    """The 常用设置 tab. ``changed(text)`` carries the new template text after an edit."""

    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("templateSimpleForm")
        self.template: dict[str, Any] | None = None
        self.original_issuer = "{{ office.name }}"
        self.edits: dict[str, QLineEdit] = {}
        self.note = QLabel("常用项：留空的按“系统管理 → 单位设置”填写；在这里填写的只用于本模板。"
                           "修改即时显示在右侧预览；其他改动请在“代码”页编辑（高级）。")
        self.note.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #a40000;")
        self.problems = QLabel()  # the check's findings, counted (listed beside the code)
        self.problems.setStyleSheet("color: #a40000;")
        self.form = QFormLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.problems)
        layout.addStretch(1)

    def load(self, text: str) -> bool:
        """Show the rows of template ``text``; False (with the reason shown) when the text is
        not a template the form can read (then only the code editor edits it)."""
        while self.form.rowCount():
            self.form.removeRow(0)
        self.edits = {}
        try:
            template = json.loads(text)
        except ValueError:
            template = None
        if not isinstance(template, dict) or not isinstance(template.get("document"), dict):
            self.template = None
            self.message.setText("模板代码目前不是有效的模板，请先在“代码”页改正。")
            return False
        self.template = template
        self.message.setText("")
        values = read_form(template)
        issuer = template["document"].get("issuer")
        if isinstance(issuer, str) and "{{" in issuer:
            self.original_issuer = issuer
        labels = dict(OFFICE_ROWS) | {TO_KEY: "默认主送机关", ISSUER_KEY: "署名"}
        hints = {TO_KEY: "公文未填写主送机关时使用，如：各处室、各直属单位",
                 ISSUER_KEY: "留空：按单位设置"}
        for key in [k for k, _l in OFFICE_ROWS if k in values] + [
                k for k in (TO_KEY, ISSUER_KEY) if k in values]:
            edit = QLineEdit(values[key])
            edit.setPlaceholderText(hints.get(key, "留空：按单位设置"))
            edit.editingFinished.connect(self._edited)
            self.form.addRow(labels[key], edit)
            self.edits[key] = edit
        if not self.edits:
            self.message.setText("本模板没有可在这里修改的常用项。")
        return True

    def values(self) -> dict[str, str]:
        return {k: e.text().strip() for k, e in self.edits.items()}

    def _edited(self) -> None:
        if self.template is None:
            return
        labels = dict(OFFICE_ROWS) | {TO_KEY: "默认主送机关", ISSUER_KEY: "署名"}
        values = self.values()
        for key, value in values.items():
            problem = check_value(labels[key], value)
            if problem:
                self.message.setText(problem)
                return
        self.message.setText("")
        new = apply_form(self.template, values, self.original_issuer)
        if new == self.template:
            return
        self.template = new
        self.changed.emit(json.dumps(new, ensure_ascii=False, indent=2))
