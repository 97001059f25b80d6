"""Word forms: docxtpl fills a .docx in the same sandbox; table rows repeat per record (read back
with python-docx); record text is escaped; problems name the paragraph."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile

import pdfplumber
import pytest
from docx import Document

from app import paths
from app.domain.workdays import DEFAULT_CALENDAR
from app.errors import InputError
from app.templating import TemplateFailed, WordForm, docx_to_pdf, load_template
from app.templating.filters import cn_date, make_add_workdays, weekday
from app.templating.wordform import FormInfo, form_info

TODAY = dt.date(2026, 2, 20)


def _docx(build) -> bytes:
    doc = Document()
    doc.core_properties.title = "测试表单"
    doc.core_properties.category = "值班表"
    build(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def _table_form(doc) -> None:
    doc.add_paragraph("{{ title }}")
    table = doc.add_table(rows=4, cols=3)
    for cell, text in zip(table.rows[0].cells, ["序号", "姓名", "备注"], strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for p in people %}"
    for cell, text in zip(table.rows[2].cells, ["{{ loop.index }}", "{{ p.name }}", "{{ p.note }}"], strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    doc.add_paragraph("共{{ people|length }}人")


@pytest.mark.parametrize("count", [0, 1, 7])
def test_table_rows_repeat_once_per_record(count):
    form = WordForm.from_bytes(_docx(_table_form))
    people = [{"name": f"人员{i}", "note": f"备注{i}"} for i in range(count)]
    out = Document(io.BytesIO(form.render({"title": "名单", "people": people})))
    assert _rows(out.tables[0]) == [["序号", "姓名", "备注"]] + [
        [str(i + 1), p["name"], p["note"]] for i, p in enumerate(people)]
    assert [p.text for p in out.paragraphs] == ["名单", f"共{count}人"]


def test_record_text_with_xml_characters_is_escaped():
    form = WordForm.from_bytes(_docx(_table_form))
    tricky = 'A&B <甲> "乙" {{ x }}'
    out = Document(io.BytesIO(form.render({"title": tricky, "people": [{"name": tricky, "note": ""}]})))
    assert out.paragraphs[0].text == tricky
    assert _rows(out.tables[0])[1][1] == tricky


def test_metadata_comes_from_core_properties():
    form = WordForm.from_bytes(_docx(_table_form))
    assert (form.name, form.kind) == ("测试表单", "值班表")


def _with_properties(title: str, category: str, comments: str) -> bytes:
    doc = Document()
    doc.core_properties.title = title
    doc.core_properties.category = category
    doc.core_properties.comments = comments
    doc.add_paragraph("{{ x }}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _without_core_part(data: bytes) -> bytes:
    """The package without core properties (part, relationship and content type)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "docProps/core.xml":
                continue
            if item.filename == "_rels/.rels":
                body = re.sub(rb"<Relationship [^>]*core-properties[^>]*/>", b"", body)
            if item.filename == "[Content_Types].xml":
                body = re.sub(rb'<Override PartName="/docProps/core.xml"[^>]*/>', b"", body)
            dst.writestr(item, body)
    return out.getvalue()


def test_form_info_reads_what_python_docx_reads():
    """The template list reads a form's name, kind and description without python-docx
    (``form_info``); it must say what ``WordForm`` says once the form is opened."""
    cases = [(path.stem, path.read_bytes()) for path in paths.templates_dir().glob("*.docx")]
    assert len(cases) == 3
    cases += [("甲", _with_properties(" 出差审批单 ", " 审批表 ", " 一行说明 & <备注> ")),
              ("乙", _with_properties("", "", "")),
              ("丙", _without_core_part(_with_properties("不读", "不读", "不读")))]
    for name, data in cases:
        form, info = WordForm.from_bytes(data, name=name), form_info(data, name=name)
        assert (info.name, info.kind, info.description) == \
            (form.name, form.kind, form.description), name
    assert form_info(cases[3][1], name="甲") == FormInfo("出差审批单", "审批表", "一行说明 & <备注>")
    assert form_info(cases[4][1], name="乙") == FormInfo("乙", "表单", "")
    assert form_info(cases[5][1], name="丙") == FormInfo("Word Document", "表单", "")


def test_form_info_refuses_what_the_form_check_refuses():
    data = _with_properties("表", "值班表", "")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "docProps/core.xml":
                body = body.replace(b"<cp:coreProperties",
                                    b'<!DOCTYPE x [<!ENTITY a "aaaa">]><cp:coreProperties', 1)
            dst.writestr(item, body)
    with pytest.raises(InputError, match="DOCTYPE"):
        form_info(out.getvalue(), name="炸弹")
    with pytest.raises(InputError):
        form_info(b"not a zip", name="坏")


def test_unknown_placeholder_names_the_paragraph_and_its_text():
    def build(doc):
        doc.add_paragraph("第一段")
        doc.add_paragraph("第二段")
        doc.add_paragraph("值班人：{{ duty.leader }}")
    form = WordForm.from_bytes(_docx(build))
    problems = form.check({"duty": {}})
    assert len(problems) == 1
    assert (problems[0].field, problems[0].line) == ("正文", 3)
    assert "leader" in problems[0].message and "值班人：" in problems[0].message
    assert [p.field for p in form.check({})] == ["正文"]            # 'duty' itself unknown
    with pytest.raises(TemplateFailed) as info:
        form.render({"duty": {}})
    assert "正文 第 3 行" in info.value.message


def test_syntax_error_in_a_form_names_the_paragraph():
    def build(doc):
        doc.add_paragraph("标题")
        doc.add_paragraph("{% if x %}未闭合")
    problems = WordForm.from_bytes(_docx(build)).check({"x": 1})
    assert problems and problems[0].field == "正文"
    assert "endif" in problems[0].message


def test_sandbox_applies_to_word_forms():
    def build(doc):
        doc.add_paragraph("{{ ''.__class__.__mro__ }}")
    with pytest.raises(TemplateFailed) as info:
        WordForm.from_bytes(_docx(build)).render({})
    assert "出于安全考虑" in info.value.message


def test_not_a_docx():
    with pytest.raises(Exception) as info:
        WordForm.from_bytes(b"plain text", name="x")
    assert "不是 .docx" in str(info.value)


def test_shipped_roster_form_has_one_row_per_shift():
    form = load_template("值班表")
    assert isinstance(form, WordForm) and form.check(today=TODAY) == []
    shifts = form.sample["roster"]["shifts"]
    out = Document(io.BytesIO(form.render(form.sample, today=TODAY)))
    rows = _rows(out.tables[0])
    assert rows[0] == ["日期", "星期", "带班领导", "值班人员", "联系电话"]
    assert rows[1:] == [[cn_date(s["date"], False), weekday(s["date"]), s["leader"], "、".join(s["staff"]), s["phone"]]
                        for s in shifts]
    assert "2月24日（星期二）起正常上班。" in [p.text for p in out.paragraphs]


def test_shipped_incident_and_handover_forms_repeat_rows_and_paragraphs():
    form = load_template("突发事件信息报告表")
    assert form.check(today=TODAY) == []
    out = Document(io.BytesIO(form.render(form.sample, today=TODAY)))
    measures = form.sample["incident"]["measures"]
    assert _rows(out.tables[1])[1:] == [[str(i + 1), m] for i, m in enumerate(measures)]
    assert _rows(out.tables[0])[0] == ["事件名称", form.sample["incident"]["title"]]

    form = load_template("交接班记录表")
    assert form.check(today=TODAY) == []
    out = Document(io.BytesIO(form.render(form.sample, today=TODAY)))
    handover = form.sample["handover"]
    add = make_add_workdays(DEFAULT_CALENDAR)
    assert [r[3] for r in _rows(out.tables[1])[1:]] == [
        cn_date(add(handover["time"], p["workdays"]), False) + "前" for p in handover["pending"]]
    texts = [p.text for p in out.paragraphs]
    assert [t for t in texts if t[:2] in ("1.", "2.")] == [f"{i + 1}. {a}" for i, a in enumerate(handover["attention"])]
    xml = zipfile.ZipFile(io.BytesIO(form.render(form.sample))).read("word/document.xml").decode()
    assert "{%" not in xml and "{{" not in xml


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice missing")
def test_filled_form_converts_to_pdf():
    form = load_template("值班表")
    pdf = docx_to_pdf(form.render(form.sample, today=TODAY))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in doc.pages))
    assert "值班表" in text and form.sample["roster"]["shifts"][0]["leader"] in text


def test_form_placeholders_for_the_picker():
    assert WordForm.from_bytes(_docx(_table_form)).placeholders() == ["people", "title"]
    assert load_template("交接班记录表").placeholders() == ["handover", "office"]
