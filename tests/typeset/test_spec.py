"""The description format (shared/docspec.md) is parsed exactly, and bad input is named."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.errors import InputError
from app.typeset.spec import Paragraph, Table, load_description, parse_description

FULL = {
    "kind": "document",
    "copy_no": "12",
    "secrecy": "秘密",
    "secrecy_term": "1年",
    "urgency": "特急",
    "issuer_mark": "××市人民政府文件",
    "doc_no": "×政办发〔2024〕12号",
    "title": "关于做好节假日值班工作的通知",
    "to": "各区人民政府，市各委办局：",
    "body": "一、总体要求\n各单位要高度重视。\n（一）加强领导\n1.明确责任\n（1）细化分工",
    "attachments": ["值班表"],
    "issuer": "××市人民政府办公室",
    "date": "2024-07-01",
    "sealed": True,
    "note": "此件公开发布",
    "cc": ["市委办公室", "市人大常委会办公室"],
    "printer": "××市人民政府办公室",
    "print_date": "2024-07-02",
    "minutes": {"present": ["张三"], "absent": ["李四（出差）"], "attending": [], "host": "王五", "recorder": "赵六"},
}


def test_every_field_is_read():
    doc = parse_description(FULL)
    assert doc.copy_no_text == "000012"
    assert doc.secrecy_text == "秘密★1年"
    assert doc.issuer_marks == ("××市人民政府文件",)
    assert doc.date == dt.date(2024, 7, 1) and doc.date_text == "2024年7月1日"
    assert doc.print_date_text == "2024年7月2日印发"
    assert [b.level for b in doc.body] == [1, 0, 2, 3, 4]
    assert doc.minutes is not None and doc.minutes.host == "王五"
    assert doc.sealed is True and doc.cc == ("市委办公室", "市人大常委会办公室")


def test_body_list_with_table():
    doc = parse_description({"title": "t", "body": ["第一段", {"table": {"header": ["日期", "带班"], "rows": [["1日", "张"]]}}]})
    assert doc.body[0] == Paragraph("第一段", 0)
    assert doc.body[1] == Table(("日期", "带班"), (("1日", "张"),))


@pytest.mark.parametrize(
    "patch, needle",
    [
        ({"colour": "red"}, "colour"),
        ({"secrecy": "绝秘"}, "secrecy"),
        ({"date": "2024-13-01"}, "date"),
        ({"date": "2024/07/01"}, "date"),
        ({"title": "  "}, "title"),
        ({"title": 3}, "title"),
        ({"sealed": "yes"}, "sealed"),
        ({"cc": "市委"}, "cc"),
        ({"copy_no": "12a"}, "copy_no"),
        ({"kind": "memo"}, "kind"),
        ({"body": [{"tabel": {}}]}, "body"),
        ({"minutes": {"chair": "x"}}, "minutes"),
    ],
)
def test_bad_fields_are_named(patch, needle):
    with pytest.raises(InputError) as info:
        parse_description({**FULL, **patch})
    assert needle in info.value.message


def test_missing_title_and_body():
    with pytest.raises(InputError, match="title"):
        parse_description({"body": "x"})
    with pytest.raises(InputError, match="body"):
        parse_description({"title": "x"})


def test_load_description_reports_bad_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{\"title\": ", encoding="utf-8")
    with pytest.raises(InputError, match="JSON"):
        load_description(bad)
    with pytest.raises(InputError, match="找不到"):
        load_description(tmp_path / "missing.json")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(FULL, ensure_ascii=False), encoding="utf-8")
    assert load_description(good).title == FULL["title"]
