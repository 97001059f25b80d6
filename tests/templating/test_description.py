"""公文 templates: the sandbox, the directives, and errors that name the field and the line."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import InputError
from app.templating import DescriptionTemplate, TemplateFailed, TemplateProblem, check
from app.typeset.spec import parse_description

TODAY = dt.date(2026, 2, 20)


def make(document: dict, **meta) -> DescriptionTemplate:
    obj = {"govdesk_template": 1, "name": "测试模板", "kind": "通知", **meta, "document": document}
    return DescriptionTemplate.from_text(json.dumps(obj, ensure_ascii=False))


def simple(body: str, **extra) -> DescriptionTemplate:
    return make({"title": "关于{{ doc.subject }}的通知", "body": body, **extra})


DATA = {"doc": {"subject": "值班", "names": ["甲", "乙"], "date": "2026-02-13"}}


# ---- the sandbox -----------------------------------------------------------------------------
@pytest.mark.parametrize("expr, word", [
    ("''.__class__", "__class__"),
    ("''.__class__.__mro__", "__class__"),
    ("doc.__class__.__init__", "__class__"),
    ("cycler.__init__.__globals__", "__init__"),
    ("doc.names.append('x')", "append"),
    ("doc.update({})", "update"),
    ("lipsum.__globals__", "__globals__"),
])
def test_sandbox_refuses_internals_with_a_clear_message(expr, word):
    t = simple("第一行\n{{ " + expr + " }}")
    with pytest.raises(TemplateFailed) as info:
        t.render(DATA, today=TODAY)
    problem = info.value.problems[0]
    assert problem.field == "body"
    assert problem.line == 2
    assert "出于安全考虑" in problem.message and word in problem.message
    assert DATA["doc"]["names"] == ["甲", "乙"]  # nothing was mutated


@pytest.mark.parametrize("expr", ["'x' * 10**7", "[0] * 10**6", "2 ** 100000", "range(10**9)|list"])
def test_sandbox_refuses_resource_exhaustion(expr):
    with pytest.raises(TemplateFailed) as info:
        simple("{{ " + expr + " }}").render(DATA, today=TODAY)
    assert "出于安全考虑" in info.value.problems[0].message


def test_sandbox_refuses_internals_in_expressions_too():
    t = make({"title": "x", "body": "x", "cc": {"$expr": "doc.__class__.__subclasses__()"}})
    with pytest.raises(TemplateFailed) as info:
        t.render(DATA)
    assert info.value.problems[0].field == "cc"
    assert "出于安全考虑" in info.value.problems[0].message


# ---- errors named by field and line ----------------------------------------------------------
def test_unknown_placeholder_names_field_and_line():
    t = simple("第一段\n第二段\n{{ doc.venue }}在此")
    problems = check(t, DATA)
    assert problems == [TemplateProblem("body", 3, "未知的占位符“doc.venue”：示例数据中没有这一项。")]
    with pytest.raises(TemplateFailed) as info:
        t.render(DATA)
    assert isinstance(info.value, InputError)
    assert info.value.problems[0].field == "body" and info.value.problems[0].line == 3
    assert "venue" in info.value.message and "body 第 3 行" in info.value.message


def test_unknown_top_level_name_in_a_branch_the_sample_never_reaches():
    t = simple("{% if false %}\n正文\n{{ meeting.name }}\n{% endif %}\n正文")
    assert t.render(DATA) is not None                         # the branch is not taken …
    problems = check(t, DATA)                                 # … but the editor still says so
    assert [(p.field, p.line) for p in problems] == [("body", 3)]
    assert "meeting" in problems[0].message


def test_syntax_error_names_field_and_line():
    t = make({"title": "标题", "body": ["第一段", "a\nb\n{{ doc.subject }\nc"]})
    problems = check(t, DATA)
    assert len(problems) == 1
    assert problems[0].field == "body[1]" and problems[0].line == 3
    assert problems[0].message.startswith("语法错误")


def test_unclosed_block_and_unknown_tag_and_unknown_filter():
    problems = check(make({"title": "{% for x in doc.names %}{{ x }}", "body": "x"}), DATA)
    assert problems[0].field == "title" and "{% endfor %}" in problems[0].message
    problems = check(simple("a\n{% endif %}"), DATA)
    assert (problems[0].field, problems[0].line) == ("body", 2) and "endif" in problems[0].message
    problems = check(simple("a\nb\n{{ doc.date|chinese_date }}"), DATA)
    assert (problems[0].field, problems[0].line) == ("body", 3)
    assert problems[0].message == "没有名为“chinese_date”的过滤器。"


def test_filter_misuse_names_field_line_and_filter():
    t = make({"title": "t", "body": "x", "date": "{{ doc.date|iso }}",
              "minutes": {"host": "甲\n{{ doc.subject|cn_date }}"}})
    problems = check(t, DATA)
    assert [(p.field, p.line) for p in problems] == [("minutes.host", 2)]
    assert "cn_date" in problems[0].message and "值班" in problems[0].message


def test_wrong_arguments_to_a_filter():
    problems = check(simple("{{ doc.date|add_workdays }}"), DATA)
    assert problems[0].field == "body" and problems[0].line == 1
    assert "用法不对" in problems[0].message


def test_every_problem_is_collected_not_just_the_first():
    t = make({"title": "{{ a }}", "body": ["ok", "{{ b }}"], "cc": ["{{ doc.subject }}", "{{ c }}"]})
    fields = sorted(p.field for p in check(t, DATA))
    assert fields == ["body[1]", "cc[1]", "title"]


def test_a_result_the_description_parser_rejects_is_reported():
    t = make({"title": "t", "body": "x", "date": "{{ doc.date|cn_date }}"})
    problems = check(t, DATA)
    assert len(problems) == 1 and "date" in problems[0].message and "YYYY-MM-DD" in problems[0].message
    with pytest.raises(InputError):
        t.render(DATA)


def test_malformed_template_file_names_the_line():
    text = '{\n  "govdesk_template": 1,\n  "kind": "通知",\n  "document": {"title": "x",}\n}'
    with pytest.raises(TemplateFailed) as info:
        DescriptionTemplate.from_text(text, name="坏模板")
    assert info.value.problems[0].line == 4
    with pytest.raises(TemplateFailed) as info:
        DescriptionTemplate.from_text(json.dumps({"govdesk_template": 1, "kind": "公告", "document": {}}))
    assert info.value.problems[0].field == "kind"


def test_data_that_is_not_an_object():
    with pytest.raises(TemplateFailed):
        simple("x").render(["not", "a", "dict"])  # type: ignore[arg-type]


# ---- values, lists and directives ------------------------------------------------------------
def test_values_with_quotes_backslashes_and_newlines_need_no_escaping():
    nasty = '他说："值班\\要紧"}{% raw %}'
    t = make({"title": "关于{{ doc.subject }}的通知", "body": "{{ doc.subject }}", "cc": [{"$expr": "doc.subject"}]})
    out = t.render({"doc": {"subject": nasty}})
    assert out["title"] == f"关于{nasty}的通知"
    assert out["cc"] == [nasty]
    assert json.loads(json.dumps(out, ensure_ascii=False)) == out


def test_for_each_repeats_table_rows_and_splices_them():
    rows = [{"d": "2026-02-14", "who": ["甲", "乙"]}, {"d": "2026-02-15", "who": ["丙"]}]
    t = make({"title": "值班表", "body": [{"table": {"header": ["序号", "日期", "星期", "人员"], "rows": [
        ["0", "表头下固定行", "", ""],
        {"$for": "r in rows", "$each": ["{{ loop.index }}", "{{ r.d|cn_date(false) }}", "{{ r.d|weekday }}",
                                         "{{ r.who|cn_join }}"]},
    ]}}]})
    out = t.render({"rows": rows})
    assert out["body"][0]["table"]["rows"] == [
        ["0", "表头下固定行", "", ""],
        ["1", "2月14日", "星期六", "甲、乙"],
        ["2", "2月15日", "星期日", "丙"],
    ]
    parse_description(out)
    assert make({"title": "t", "body": [{"table": {"header": ["a"], "rows": [
        {"$for": "r in rows", "$each": ["{{ r }}"]}]}}]}).render({"rows": []})["body"][0]["table"]["rows"] == []


def test_if_leaves_an_item_out_and_expr_keeps_types():
    t = make({"title": "t", "body": ["a", {"$if": "flag", "$then": "b"}, {"$if": "flag", "$then": "c", "$else": "d"}],
              "sealed": {"$expr": "flag"}, "date": {"$expr": "today"}})
    assert t.render({"flag": False}, today=TODAY) == {"title": "t", "body": ["a", "d"], "sealed": False,
                                                       "date": "2026-02-20"}
    assert t.render({"flag": True}, today=TODAY)["body"] == ["a", "b", "c"]


def test_for_over_a_non_list_and_bad_directives():
    problems = check(make({"title": "t", "body": [{"$for": "x in doc.subject", "$each": "{{ x }}"}]}), DATA)
    assert problems[0].field == "body[0].$for" and "不是列表" in problems[0].message
    problems = check(make({"title": "t", "body": [{"$for": "doc.names", "$each": "x"}]}), DATA)
    assert problems[0].field == "body[0]" and "名称 in 列表" in problems[0].message
    problems = check(make({"title": "t", "body": "x", "cc": {"$loop": "x"}}), DATA)
    assert problems[0].field == "cc" and "不认识的指令" in problems[0].message
    problems = check(make({"title": {"$for": "x in doc.names", "$each": "x"}, "body": "x"}), DATA)
    assert problems[0].field == "title" and "列表" in problems[0].message


def test_block_lines_leave_no_blank_paragraphs_and_today_prints_in_gbt9704_form():
    t = simple("开头\n{% for n in doc.names %}\n{{ loop.index|heading }}{{ n }}\n{% endfor %}\n{{ today }}")
    body = t.render(DATA, today=TODAY)["body"]
    assert body.splitlines() == ["开头", "一、甲", "二、乙", "2026年2月20日"]


def test_guarded_optional_data_is_not_an_unknown_placeholder():
    t = simple("{{ doc.urgency|default('') }}{% if doc.extra is defined %}{{ doc.extra }}{% endif %}正文")
    assert check(t, DATA) == []
    assert t.render(DATA)["body"] == "正文"


def test_empty_optional_fields_are_omitted():
    t = make({"title": "t", "body": "x", "urgency": "{{ '' }}", "cc": [], "minutes": {"host": "", "present": ["甲"]}})
    assert t.render({}) == {"title": "t", "body": "x", "minutes": {"present": ["甲"]}}


def test_text_round_trip_keeps_metadata():
    t = make({"title": "t", "body": "x"}, expects={"doc.subject": "事由"}, sample={"doc": {"subject": "s"}},
             description="说明")
    again = DescriptionTemplate.from_text(t.to_text())
    assert (again.name, again.kind, again.expects, again.sample, again.description, again.document) == (
        t.name, t.kind, t.expects, t.sample, t.description, t.document)


# ---- never a crash -----------------------------------------------------------------------------

_TOKENS = ["{{", "}}", "{%", "%}", " for ", " in ", " if ", " endfor ", " endif ", " else ", "doc", ".",
           "subject", "names", "|", "cn_date", "ordinal", "heading(", ")", "(", "'", '"', "[", "]", "0", "1",
           "-", "*", "~", ",", "\n", "字", "loop.index", "today", "__class__", "set x = ", "x", "None"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TOKENS), max_size=25).map("".join))
def test_any_text_in_a_field_renders_or_fails_cleanly(source):
    t = make({"title": "标题", "body": source or "x"})
    try:
        out = t.render(DATA, today=TODAY)
    except TemplateFailed as exc:
        assert exc.problems and all(isinstance(p, TemplateProblem) for p in exc.problems)
        assert exc.message.startswith("模板“测试模板”有误")
    else:
        parse_description(out)
    assert all(isinstance(p, TemplateProblem) for p in check(t, DATA))


def test_placeholders_lists_data_paths_for_the_picker():
    t = make({"title": "{{ office.name }}{{ today }}", "body": [
        "{% for t in meeting.topics %}{{ t.title }}{{ loop.index }}{% endfor %}{% set n = 1 %}{{ n }}",
        {"table": {"header": ["a"], "rows": [{"$for": "r in roster.shifts", "$each": ["{{ r.leader }}{{ unit }}"]}]}},
    ], "cc": {"$expr": "meeting.cc|default([])"}})
    assert t.placeholders() == ["meeting.cc", "meeting.topics", "office.name", "roster.shifts", "unit"]


def test_a_document_that_is_a_directive_or_odd_data_fails_cleanly():
    t = make({"$expr": "doc.names"})
    with pytest.raises(TemplateFailed) as info:
        t.render(DATA)
    assert "公文描述" in info.value.message
    assert check(simple("x"), ["not", "a", "dict"])[0].message == "示例数据应为 JSON 对象。"
