"""The DOCX read back with python-docx: page setup, styles and fonts per element, footers with
the PAGE field, the 版记 section, the letter's first page, drawings, XML order. Fast (no
LibreOffice); tests/typeset/test_docx_libreoffice.py checks where the glyphs land."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn
from docx.shared import Pt

from app import paths
from app.typeset import docx as backend
from app.typeset import render_docx
from app.typeset.spec import parse_description

MM = 72 / 25.4


def _demo(name: str) -> dict:
    return json.loads(paths.resource("demo", f"{name}.json").read_text(encoding="utf-8"))


def _open(desc: dict):
    return open_docx(io.BytesIO(render_docx(desc)))


@pytest.fixture(scope="module")
def notice():
    return _open(_demo("notice"))


def _east_asian(rpr_owner) -> str | None:
    rpr = rpr_owner.find(qn("w:rPr")) if rpr_owner.tag != qn("w:rPr") else rpr_owner
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def _style_font(doc, name: str) -> str | None:
    return _east_asian(doc.styles[name].element)


def test_page_setup_a4_margins_and_line_pitch(notice):
    s = notice.sections[0]
    assert abs(s.page_width.pt - 595.28) < 0.1 and abs(s.page_height.pt - 841.89) < 0.1
    assert abs(s.left_margin.pt / MM - 28) < 0.05
    assert abs(s.right_margin.pt / MM - 26) < 0.05
    assert abs(s.bottom_margin.pt / MM - 35) < 0.05
    # top margin: 37 mm less the distance from a line's top to its glyphs' em box (33.80 mm)
    assert abs(s.top_margin.pt - backend.TOP_MARGIN) < 0.05
    assert 33 < s.top_margin.pt / MM < 37
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"


def test_styles_carry_official_fonts_sizes_and_colours(notice):
    expect = {
        "公文正文": ("仿宋_GB2312", 16), "一级标题": ("黑体", 16), "二级标题": ("楷体_GB2312", 16),
        "三级标题": ("仿宋_GB2312", 16), "标题": ("方正小标宋简体", 22), "发文机关标志": ("方正小标宋简体", 36),
        "发文字号": ("仿宋_GB2312", 16), "主送": ("仿宋_GB2312", 16), "附件说明": ("仿宋_GB2312", 16),
        "署名": ("仿宋_GB2312", 16), "成文日期": ("仿宋_GB2312", 16), "抄送": ("仿宋_GB2312", 14),
        "印发": ("仿宋_GB2312", 14), "密级": ("黑体", 16), "附件标识": ("黑体", 16),
    }
    for name, (font, size) in expect.items():
        st = notice.styles[name]
        assert _style_font(notice, name) == font, name
        assert st.font.size == Pt(size), name
        assert st.font.bold is False, name  # a font change, never bold (gbt9704 §9)
        pf = st.paragraph_format
        assert pf.line_spacing == Pt(28.95) and pf.line_spacing_rule == 4  # EXACTLY
    assert str(notice.styles["发文机关标志"].font.color.rgb) == "FF0000"
    assert notice.styles["标题"].font.color.rgb is None  # the title is black
    # 28 characters per line: 16 pt glyphs advanced by 15.75 pt
    sp = notice.styles["公文正文"].element.find(qn("w:rPr")).find(qn("w:spacing"))
    assert int(sp.get(qn("w:val"))) == -5 and 28 * 15.75 <= 156 * MM


def test_paragraphs_use_the_element_styles(notice):
    by_style: dict[str, list[str]] = {}
    for p in notice.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert any("关于做好" in t for t in by_style["标题"])
    assert by_style["发文字号"] == ["×政办发〔2024〕12号"]
    assert by_style["主送"][0].endswith("：")
    assert any(t.startswith("一、") for t in by_style["一级标题"])
    assert any(t.startswith("（一）") for t in by_style["二级标题"])
    assert any(t.startswith("附件：") for t in by_style["附件说明"])
    assert by_style["成文日期"] and "年" in by_style["成文日期"][0]
    assert any(t.startswith("抄送：") for t in by_style["抄送"])
    assert any(t.endswith("印发") for t in by_style["印发"])
    assert "发文机关标志" in by_style and by_style["发文机关标志"][0].startswith("××")


def _fields(part_element) -> list[str]:
    return [t.text.strip() for t in part_element.iter(qn("w:instrText"))]


def test_odd_even_footers_with_page_field(notice):
    settings = notice.settings.element
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    s = notice.sections[0]
    odd, even = s.footer, s.even_page_footer
    for footer, align in ((odd, 2), (even, 0)):  # RIGHT, LEFT
        p = footer.paragraphs[0]
        assert _fields(footer._element) == ["PAGE"]
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert p.paragraph_format.alignment == align
        fonts = {_east_asian(r._r) for r in p.runs}
        assert fonts == {"宋体"}
        assert {r.font.size for r in p.runs} == {Pt(14)}
    assert odd.paragraphs[0].paragraph_format.right_indent == Pt(14)
    assert even.paragraphs[0].paragraph_format.left_indent == Pt(14)


def test_record_in_its_own_section_numbered_when_no_blank_page_precedes(notice):
    assert len(notice.sections) == 2
    rec = notice.sections[1]
    # right after the body: the body's numbered footers go on (GB/T 9704 7.5)
    for footer in (rec.footer, rec.even_page_footer):
        assert footer.is_linked_to_previous
    # its paragraphs are framed at absolute positions; the rules are line drawings
    frames = [p for p in notice.paragraphs if p._p.find(qn("w:pPr")).find(qn("w:framePr")) is not None
              and p.style.name in ("抄送", "印发")]
    assert len(frames) >= 2
    body = notice.element.body
    lines = [d for d in body.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")
             if d.get("name") == "版记分隔线"]
    assert len(lines) == 3


def test_red_separator_drawing_at_the_layout_position(notice):
    body = notice.element.body
    anchors = [a for a in body.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}anchor")
               if a.find("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr").get("name") == "红色分隔线"]
    assert len(anchors) == 1
    ns = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
    y = int(anchors[0].find(f"{ns}positionV").find(f"{ns}posOffset").text) / 12700
    x = int(anchors[0].find(f"{ns}positionH").find(f"{ns}posOffset").text) / 12700
    cx = int(anchors[0].find(f"{ns}extent").get("cx")) / 12700
    assert abs(x / MM - 28) < 0.1 and abs(cx / MM - 156) < 0.1
    # 4 mm below the em box of the 发文字号 on its grid line
    assert 110 < y / MM < 125
    colours = [c.get("val") for c in anchors[0].iter(
        "{http://schemas.openxmlformats.org/drawingml/2006/main}srgbClr")]
    assert colours == ["FF0000"]


def test_letter_has_no_number_on_page_one_and_no_record_rules():
    doc = _open(_demo("letter"))
    s = doc.sections[0]
    assert s.different_first_page_header_footer
    assert _fields(s.first_page_footer._element) == []
    names = [d.get("name") for d in doc.element.body.iter(
        "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")]
    assert names.count("信函红色双线") == 4
    assert "版记分隔线" not in names and "红色分隔线" not in names


def test_table_in_the_body_repeats_its_header():
    doc = _open(_demo("request"))
    assert len(doc.tables) == 1
    t = doc.tables[0]
    first = t.rows[0]._tr.find(qn("w:trPr"))
    assert first.find(qn("w:tblHeader")) is not None
    assert next(c.text for c in t.rows[0].cells)
    assert {p.style.name for row in t.rows for c in row.cells for p in c.paragraphs} <= {"表头", "表格"}


@pytest.mark.parametrize("name", ["notice", "letter", "minutes", "order", "request"])
def test_every_format_renders_with_schema_ordered_properties(name):
    """Word refuses a file whose property elements are out of schema order; check every pPr and
    rPr against the order python-docx and the backend use."""
    data, warnings = backend.render_docx_document(parse_description(_demo(name)))
    doc = open_docx(io.BytesIO(data))
    assert all(isinstance(w, str) for w in warnings)
    roots = [doc.element, doc.styles.element] + [
        part._element for s in doc.sections for part in (s.footer, s.even_page_footer)]
    for root in roots:
        for tag in ("pPr", "rPr", "tblPr", "trPr"):
            order = backend._ORDER[tag]
            for el in root.iter(qn(f"w:{tag}")):
                names = [backend._local(c.tag) for c in el if backend._local(c.tag) in order]
                idx = [order.index(n) for n in names]
                assert idx == sorted(idx), (name, tag, names)


def test_heading_fonts_change_only_for_the_heading_sentence():
    desc = {"title": "标题", "body": "（一）压实责任。各级政府要切实履行属地管理责任。\n一、总体要求"}
    doc = _open(desc)
    p2 = next(p for p in doc.paragraphs if p.text.startswith("（一）"))
    assert p2.style.name == "二级标题"
    assert [r.text for r in p2.runs] == ["（一）压实责任。", "各级政府要切实履行属地管理责任。"]
    assert _east_asian(p2.runs[1]._r) == "仿宋_GB2312"
    p1 = next(p for p in doc.paragraphs if p.text.startswith("一、"))
    assert p1.style.name == "一级标题" and len(p1.runs) == 1


def test_minutes_attendance_and_order_without_title():
    mins = _open(_demo("minutes"))
    att = [p for p in mins.paragraphs if p.style.name == "纪要名单"]
    assert att and att[0].runs[0].text == "出席："
    assert _east_asian(att[0].runs[0]._r) == "黑体"
    order = _open(_demo("order"))
    assert not [p for p in order.paragraphs if p.style.name == "标题"]  # 10.2: no title printed
    assert any(p.style.name == "发文字号" for p in order.paragraphs)


def test_blank_page_before_the_record_page_is_in_the_unnumbered_section():
    from app.typeset.layout import layout
    from tests.typeset.test_docx_libreoffice import LONG as desc

    roles = [p.role for p in layout(parse_description(desc)).pages]
    assert roles[-2:] == ["blank", "record"]
    doc = _open(desc)
    assert len(doc.sections) == 2
    rec = doc.sections[1]
    for footer in (rec.footer, rec.even_page_footer):  # neither page carries a number (7.5)
        assert not footer.is_linked_to_previous
        assert _fields(footer._element) == []
    body = list(doc.element.body)
    # the record section opens with an empty paragraph (the blank page), then a page break
    last_sect_end = max(i for i, el in enumerate(body)
                        if el.find(qn("w:pPr")) is not None and el.find(qn("w:pPr")).find(qn("w:sectPr")) is not None)
    first, second = doc.paragraphs[_para_index(doc, body[last_sect_end + 1])], doc.paragraphs[
        _para_index(doc, body[last_sect_end + 2])]
    assert first.text == "" and not first.paragraph_format.page_break_before
    assert second.paragraph_format.page_break_before


def _para_index(doc, element) -> int:
    return [p._p for p in doc.paragraphs].index(element)
