"""Templates travel between desks, so they are hostile input. None of these may run unbounded:
nested ``range`` loops, huge ``center``/``indent``/``format`` widths, a namespace value doubled in
a loop, a macro that calls itself twice, an XML entity bomb in a Word form. Each is refused with
a Chinese message that says which limit stopped it; XML errors in a form are reported, never
raised as a traceback; the command line exits 2 and writes nothing."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile

import pytest
from docx import Document

from app.cli import main as cli_main
from app.errors import InputError
from app.templating import DescriptionTemplate, TemplateFailed, WordForm

LOOPS = re.compile("循环和调用超过|运行超过 [0-9]+ 秒")  # whichever limit comes first
ITEM = "一项内容超过"
WIDTH = "最大为"

ATTACKS = {
    "nested range loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}x", LOOPS),
    "three nested loops over data": (
        "{% for a in rows %}{% for b in rows %}{% for c in rows %}{% endfor %}{% endfor %}"
        "{% endfor %}x", LOOPS),
    "center width": ("{{ '公文'|center(1000000000) }}", WIDTH),
    "indent width": ("{{ ('第一行\\n' * 20000)|indent(100000) }}", WIDTH),
    "indent with a long string": ("{{ ('行\\n' * 40000)|indent('空' * 900) }}", ITEM),
    "format width": ("{{ '%0999999999d'|format(1) }}", WIDTH),
    "format star width": ("{{ '%*d'|format(999999999, 1) }}", WIDTH),
    "percent operator width": ("{{ '%.999999999f' % 1.5 }}", WIDTH),
    "str.format width": ("{{ '{:>999999999}'.format(1) }}", WIDTH),
    "str.format nested width": ("{{ '{:>{}}'.format(1, 999999999) }}", WIDTH),
    "ljust": ("{{ 'x'.ljust(999999999) }}", WIDTH),
    "zfill": ("{{ '1'.zfill(999999999) }}", WIDTH),
    "namespace doubled with ~": (
        "{% set ns = namespace(x='公文') %}{% for i in range(64) %}{% set ns.x = ns.x ~ ns.x %}"
        "{% endfor %}{{ ns.x|length }}", ITEM),
    "namespace doubled with +": (
        "{% set ns = namespace(x='公文') %}{% for i in range(64) %}{% set ns.x = ns.x + ns.x %}"
        "{% endfor %}{{ ns.x|length }}", ITEM),
    "namespace doubled with replace": (
        "{% set ns = namespace(x='ab') %}{% for i in range(64) %}"
        "{% set ns.x = ns.x|replace('a', 'aa')|replace('b', 'bb') %}{% endfor %}{{ ns.x|length }}", ITEM),
    "namespace doubled with join": (
        "{% set ns = namespace(x='ab') %}{% for i in range(64) %}{% set ns.x = [ns.x, ns.x]|join %}"
        "{% endfor %}{{ ns.x|length }}", ITEM),
    "namespace doubled with format": (
        "{% set ns = namespace(x='ab') %}{% for i in range(64) %}{% set ns.x = '%s%s'|format(ns.x, ns.x) %}"
        "{% endfor %}{{ ns.x|length }}", ITEM),
    "list of a long list printed": ("{{ [[1] * 100000] * 100000 }}", "过长"),
    "batch filled to a billion": ("{{ [1]|batch(999999999, 'x')|list|length }}", WIDTH),
    "lipsum": ("{{ lipsum(100000000) }}", WIDTH),
    "macro calling itself twice": (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}", LOOPS),
    "output": ("{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}", "生成的内容超过"),
}


def _template(body: str) -> DescriptionTemplate:
    return DescriptionTemplate(name="敌意模板", kind="通知",
                               document={"title": "关于测试的通知", "body": body})


@pytest.mark.parametrize("name", list(ATTACKS))
def test_hostile_description_template_is_refused_quickly(name):
    text, words = ATTACKS[name]
    data = {"rows": list(range(2000))}
    start = time.perf_counter()
    with pytest.raises(TemplateFailed) as info:
        _template(text).render(data)
    assert time.perf_counter() - start < 30
    message = info.value.message
    assert message.startswith("模板“敌意模板”有误，字段 body"), message
    assert re.search(words, message), message
    problems = _template(text).check(data)  # the editor's check says the same, without raising
    assert problems
    if name != "macro calling itself twice":  # the static check names the macro first (same line)
        assert any(re.search(words, p.message) for p in problems), problems


def test_dollar_for_loops_are_bounded_too():
    """``$for`` items (a list built by the description, not by Jinja) count against the same
    budget: 100000 × 100000 rows."""
    body = [{"$for": "i in range(100000)",
             "$each": {"table": {"header": ["甲"], "rows": [
                 {"$for": "j in range(100000)", "$each": ["{{ j }}"]}]}}}]
    start = time.perf_counter()
    with pytest.raises(TemplateFailed) as info:
        _template(body).render({})  # type: ignore[arg-type]
    assert time.perf_counter() - start < 30
    assert LOOPS.search(info.value.message)
    assert "另有" not in info.value.message  # one problem, not one per remaining item


def test_ordinary_templates_still_render():
    text = ("{% set ns = namespace(n=0) %}{% for r in rows %}{% set ns.n = ns.n + r %}{% endfor %}"
            "合计{{ ns.n }}；{{ '%05d'|format(7) }}；{{ 'ab'|center(6) }}；{{ '{:>4}'.format(3) }}")
    doc = _template(text).render({"rows": list(range(100))})
    assert doc["body"] == "合计4950；00007；  ab  ；   3"


# ---------------------------------------------------------------- Word forms

def _form(paragraph: str = "值班人：{{ name }}", doc_xml=None) -> bytes:
    doc = Document()
    doc.core_properties.title = "测试表单"
    doc.core_properties.category = "值班表"
    doc.add_paragraph(paragraph)
    out = io.BytesIO()
    doc.save(out)
    if doc_xml is None:
        return out.getvalue()
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = doc_xml(data.decode("utf-8")).encode("utf-8")
            z.writestr(item, data)
    return changed.getvalue()


def _entity_bomb(xml: str) -> str:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    xml = re.sub(r"(<w:document)", f"<!DOCTYPE w:document [{entities}]>\\1", xml, count=1)
    return re.sub(r"(<w:t(?: [^>]*)?>)", r"\1&j;", xml, count=1)


def test_entity_bomb_in_a_form_is_refused_before_parsing():
    data = _form(doc_xml=_entity_bomb)
    with pytest.raises(InputError) as info:
        WordForm.from_bytes(data, name="炸弹")
    assert "实体" in info.value.message and "炸弹" in info.value.message
    form = WordForm(name="炸弹", kind="值班表", data=data)  # as stored before this check
    problems = form.check({})
    assert problems and "实体" in problems[0].message
    with pytest.raises(TemplateFailed) as failed:
        form.render({})
    assert "实体" in failed.value.message
    assert form.placeholders() == []


def test_malformed_xml_in_a_form_is_reported():
    broken = _form(doc_xml=lambda xml: xml.replace("</w:body>", "<w:p></w:body>", 1))
    with pytest.raises(InputError) as info:
        WordForm.from_bytes(broken, name="坏表单")
    assert "XML 有误" in info.value.message
    form = WordForm(name="坏表单", kind="值班表", data=broken)
    assert "XML 有误" in form.check({})[0].message
    with pytest.raises(TemplateFailed) as failed:
        form.render({})
    assert "XML 有误" in failed.value.message


def test_an_entity_bomb_spelt_by_the_template_is_reported():
    """The declaration assembled by Jinja (``'<!DOC' ~ 'TYPE'``) escapes the byte scan, but
    text before the root element is not XML: refused when loaded, reported when rendered."""
    def trick(xml: str) -> str:
        return _entity_bomb(xml).replace("<!DOCTYPE", "{{ '<!DOC' ~ 'TYPE' }}").replace(
            "<!ENTITY", "{{ '<!ENT' ~ 'ITY' }}")
    data = _form(doc_xml=trick)
    with pytest.raises(InputError) as info:
        WordForm.from_bytes(data, name="拼出的炸弹")
    assert "XML 有误" in info.value.message
    form = WordForm(name="拼出的炸弹", kind="值班表", data=data)
    with pytest.raises(TemplateFailed) as failed:
        form.render({})
    assert "XML 有误" in failed.value.message


def test_nested_loops_in_a_form_are_refused():
    form = WordForm.from_bytes(_form(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}完"),
        name="循环")
    start = time.perf_counter()
    with pytest.raises(TemplateFailed) as info:
        form.render({})
    assert time.perf_counter() - start < 30
    assert LOOPS.search(info.value.message) and "正文" in info.value.message


def test_namespace_doubling_in_a_form_is_refused():
    form = WordForm.from_bytes(_form(
        "{% set ns = namespace(x='ab') %}{% for i in range(64) %}{% set ns.x = ns.x ~ ns.x %}"
        "{% endfor %}{{ ns.x|length }}"), name="倍增")
    with pytest.raises(TemplateFailed) as info:
        form.render({})
    assert ITEM in info.value.message


# ---------------------------------------------------------------- command line

@pytest.mark.parametrize("kind", ["bomb", "loops", "json"])
def test_template_commands_exit_2_and_write_nothing(tmp_path, capsys, kind):
    if kind == "bomb":
        src = tmp_path / "炸弹.docx"
        src.write_bytes(_form(doc_xml=_entity_bomb))
        out = tmp_path / "out.docx"
    elif kind == "loops":
        src = tmp_path / "循环.docx"
        src.write_bytes(_form("{% for i in range(100000) %}{% for j in range(100000) %}"
                              "{% endfor %}{% endfor %}"))
        out = tmp_path / "out.docx"
    else:
        src = tmp_path / "循环.json"
        src.write_text(json.dumps({"govdesk_template": 1, "name": "循环", "kind": "通知",
                                   "document": {"title": "关于测试的通知",
                                                "body": ATTACKS["nested range loops"][0]}},
                                  ensure_ascii=False), encoding="utf-8")
        out = tmp_path / "out.pdf"
    assert cli_main(["template", "render", str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*"))
    assert cli_main(["template", "check", str(src)]) == 2
    assert "错误：" in capsys.readouterr().err


def test_template_data_nested_too_deep_exits_2(tmp_path, capsys):
    data = tmp_path / "data.json"
    data.write_text('{"x": ' + "[" * 50_000 + "]" * 50_000 + "}", encoding="utf-8")
    assert cli_main(["template", "render", "notice", "-d", str(data), "-o", str(tmp_path / "o.pdf")]) == 2
    err = capsys.readouterr().err
    assert "嵌套" in err and "Traceback" not in err


def test_time_limit_stops_a_render(monkeypatch):
    """The clock is checked at every loop pass and call: with the limit at 50 ms a loop of
    100,000 passes (under the pass limit) is stopped by time, with the time message."""
    from app.templating import sandbox

    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.05)
    text = "{% for i in range(100000) %}{{ (i|string)|length }}{% endfor %}"
    with pytest.raises(TemplateFailed) as info:
        _template(text).render({})
    assert "运行超过 0.05 秒" in info.value.message
