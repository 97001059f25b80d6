"""Problems (field, line) located in the template file's JSON text."""

from __future__ import annotations

import json

from app.paths import templates_dir
from app.ui.templates.locate import line_offset, locate, parse_field, value_spans

TEXT = json.dumps({
    "govdesk_template": 1,
    "name": "测试",
    "kind": "通知",
    "document": {
        "title": "关于{{ doc.subject }}的通知",
        "body": "第一段\n第二段 {{ doc.x }\n第三段",
        "cc": {"$expr": "doc.cc|default([])"},
        "table": {"header": ["甲", "乙"], "rows": [["{{ a }}", "{{ b }"]]},
    },
}, ensure_ascii=False, indent=2)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def test_string_field_line_inside_json_string():
    body_start = TEXT.index('"第一段')
    at = locate(TEXT, "body", 2)
    assert TEXT[at:].startswith("第二段 {{ doc.x }")
    assert _line_of(TEXT, at) == _line_of(TEXT, body_start)
    assert TEXT[locate(TEXT, "body", 3):].startswith("第三段")
    assert TEXT[locate(TEXT, "title", 1):].startswith("关于{{")
    assert TEXT[locate(TEXT, "body", 99):].startswith("第一段")  # past the end: field start


def test_nested_paths_and_directives():
    assert TEXT[locate(TEXT, "table.rows[0][1]", 1):].startswith("{{ b }")
    assert TEXT[locate(TEXT, "cc", 1):].startswith("doc.cc|default")
    # a path deeper than the file (a directive's inner name) falls back to the nearest value
    assert TEXT[locate(TEXT, "cc.$each[3]", 1):].startswith("doc.cc|default")
    assert TEXT[locate(TEXT, "kind", None):].startswith("通知")
    assert parse_field("a.b[2][0].c") == ("a", "b", 2, 0, "c")


def test_file_lines_and_broken_json():
    assert _line_of(TEXT, locate(TEXT, "（文件）", 4)) == 4
    assert line_offset("a\nb\nc", 3) == 4
    broken = '{\n  "document": {\n    "title": }\n}'
    assert value_spans(broken) == {}
    assert _line_of(broken, locate(broken, "（文件）", 3)) == 3
    assert locate(broken, "title", 1) == 0


def test_every_shipped_template_field_is_found():
    for path in templates_dir().glob("*.json"):
        text = path.read_text(encoding="utf-8")
        spans = value_spans(text)
        obj = json.loads(text)
        for key in obj["document"]:
            start, end = spans[("document", key)]
            assert json.loads(text[start:end]) == obj["document"][key]
