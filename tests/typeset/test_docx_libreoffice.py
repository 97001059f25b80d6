"""Our DOCX as LibreOffice lays it out: GB/T 9704 geometry and agreement with our own PDF.

Each sample is converted once per session, all in one soffice process (LibreOffice's start, with a
new profile and its fonts set up, costs more than converting a sample). Positions are measured by
baseline (tests/typeset/lo_check.py explains why). Tolerances: the standard's ±1 mm for the text
area, ±1.5–2 mm for element positions (gbt9704.md §7b).
"""

from __future__ import annotations

import itertools
import json

import pytest

from app import paths
from app.typeset import render_pdf
from app.typeset.docx import render_docx_document
from app.typeset.libreoffice import convert_many_to_pdf, find_soffice
from app.typeset.spec import parse_description
from tests.typeset import lo_check as lc
from tests.typeset.pdfcheck import MM, font_role, is_red, read_pdf

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) 未安装：跳过 DOCX 版式检查"),
]

PARA = ("各级各部门要坚持以人民为中心的发展思想统筹发展和安全全面提升防汛抗旱和安全生产工作水平"
        "切实做到守土有责守土负责守土尽责确保人民群众生命财产安全和社会大局稳定")
LONG = {  # 24 paragraphs of pure 汉字: body ends on page 4, so a blank page 5 precedes the 版记
    "title": "关于长篇测试文件的通知", "issuer_mark": "××市人民政府文件",
    "doc_no": "×政发〔2024〕1号", "body": [PARA] * 24, "issuer": "××市人民政府",
    "date": "2024-07-01", "cc": ["市委办公室"], "printer": "××市人民政府办公室",
    "print_date": "2024-07-02",
}
EDGE = {  # the body fills page 1 exactly: the blank line before 附件说明 is dropped at the page top
    "title": "关于测试的通知", "body": ["这是一行正文内容。"] * 20, "attachments": ["附件一"],
    "issuer": "××办公室", "date": "2024-07-01",
}
URL = "https://www.example.gov.cn/zwgk/tzgg/2024/a_very_long_path_segment_for_testing_wrap.html"
OVERFLOW = {  # words wider than a line (title, body, 主送, 抄送), a table row taller than a page
    "issuer_mark": "××市人民政府文件", "doc_no": "×政发〔2024〕12号", "title": f"关于{URL}的通知",
    "to": "各区人民政府，" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 3 + "：",
    "body": [f"请访问{URL}查看详情。编号{'1234567890' * 7}结束。",
             {"table": {"header": ["序号", "单位", "日期", "备注"], "rows": [
                 ["1", "市发展和改革委员会办公室综合处", "2024年3月1日", "无"],
                 ["2", "市财政局", "2024年3月15日", URL],
                 ["3", "市教育局", "2024年4月1日", "很长的备注" * 120 + "结束"]]}}],
    "issuer": "××市人民政府", "date": "2024-05-01", "sealed": True,
    "cc": ["市委办公室", "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 3],
    "printer": "××市人民政府办公室", "print_date": "2024-05-01",
}
DEMOS = ("notice", "letter", "minutes", "order", "request")


def _sample(name: str) -> dict:
    if name in ("long", "edge", "overflow"):
        return {"long": LONG, "edge": EDGE, "overflow": OVERFLOW}[name]
    return json.loads(paths.resource("demo", f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """name → (our PDF pages, LibreOffice pages of our DOCX, LibreOffice's stand-in warnings)."""
    names = DEMOS + ("long", "edge", "overflow")
    docs = {n: parse_description(_sample(n)) for n in names}
    docx = {n: render_docx_document(d) for n, d in docs.items()}
    base = tmp_path_factory.mktemp("lo")

    lo_warnings: list[str] = []  # the stand-ins this machine needs: the same for every sample
    pdfs = convert_many_to_pdf([docx[n][0] for n in names], base, warnings=lo_warnings)
    lo = dict(zip(names, pdfs, strict=True))
    return {n: (read_pdf(render_pdf(docs[n])), read_pdf(lo[n]), list(lo_warnings)) for n in names}


# ---- the text area and the grid ----------------------------------------------------------------
def test_text_area_margins_on_a_full_page(rendered):
    _ours, lo, _w = rendered["long"]
    page = lo[1]  # a continuation page full of body text
    body = lc.lines(page)
    assert abs(lc.mm(min(ln.x0 for ln in body)) - 28) <= 1.0
    assert abs(lc.mm(max(ln.x1 for ln in body)) - 184) <= 1.0
    assert abs(lc.mm(body[0].em_top) - 37) <= 1.0
    assert lc.mm(body[-1].em_bottom) <= 262 + 1.0


def test_22_lines_of_28_characters(rendered):
    _ours, lo, _w = rendered["long"]
    body = lc.lines(lo[1])
    assert len(body) == 22
    pitches = {round(b.baseline - a.baseline, 1) for a, b in itertools.pairwise(body)}
    assert all(abs(p - 28.95) <= 0.1 for p in pitches), pitches
    full = [ln for ln in body if abs(lc.mm(ln.x0) - 28) < 0.5 and len(ln.text) > 20
            and abs(lc.mm(ln.x1) - 184) < 1.0]
    assert full, "no full line found"
    assert all(len(ln.text) == 28 for ln in full), [len(ln.text) for ln in full]


def test_page_one_head_positions(rendered):
    ours, lo, _w = rendered["notice"]
    page = lo[0]
    mark = [c for c in page.chars if is_red(c.get("non_stroking_color")) and c["text"].strip()]
    assert mark, "the mark is not red"
    mark_base = lc.baseline(mark[0], page.height)
    assert abs(lc.mm(mark_base - 0.88 * mark[0]["size"]) - 72) <= 1.5
    doc_no = lc.find(page, "〔2024〕")
    red = lc.rules(page, red=True)
    assert len(red) == 1
    assert abs(lc.mm(red[0]["y"] - doc_no.em_bottom) - 4) <= 1.5
    assert abs(lc.mm(red[0]["x1"] - red[0]["x0"]) - 156) <= 1.0
    title = lc.find(page, "关于做好")
    assert round(title.size) == 22 and font_role(title.chars[0]["fontname"]) == "xiaobiaosong"
    title_ours = lc.find(ours[0], "关于做好")
    assert abs(lc.mm(title.baseline - title_ours.baseline)) <= 1.5
    for ln in (title, title_ours):
        assert not is_red(ln.chars[0].get("non_stroking_color"))
    # 份号, 密级 and 紧急程度 on grid lines 1–3, flush left
    for i, text in enumerate(("000001", "秘密", "特急")):
        ln = lc.find(page, text)
        assert abs(lc.mm(ln.em_top) - (37 + i * 28.95 / MM)) <= 1.0
        assert abs(lc.mm(ln.x0) - 28) <= 1.0


def test_fonts_by_role(rendered):
    _ours, lo, _w = rendered["notice"]
    roles = {}
    for page in lo:
        for ln in lc.lines(page, inside_text_area=False):
            roles.setdefault(ln.text[:4], {font_role(c["fontname"]) for c in ln.chars})
    assert roles["一、提高"] == {"heiti"}
    assert "kaiti" in roles["（一）加"]
    assert roles["为切实做"] == {"fangsong"}
    pn = [lc.page_number_line(p) for p in lo]
    assert {font_role(c["fontname"]) for ln in pn if ln for c in ln.chars} == {"songti"}


def test_page_numbers_odd_right_even_left(rendered):
    for name in ("notice", "long"):
        _ours, lo, _w = rendered[name]
        numbered = [p for p in lo if lc.page_number_line(p)]
        assert numbered
        for page in numbered:
            ln = lc.page_number_line(page)
            assert ln.text == f"—{page.number}—"
            centre = ln.baseline - 0.88 * ln.size + ln.size / 2
            assert abs(lc.mm(centre) - 269) <= 2.0
            assert round(ln.size) == 14
            if page.number % 2:
                assert abs(lc.mm(ln.chars[-1]["x1"]) - (184 - 14 / MM)) <= 2.0
            else:
                assert abs(lc.mm(ln.chars[0]["x0"]) - (28 + 14 / MM)) <= 2.0


def test_record_at_the_bottom_of_the_last_even_page(rendered):
    for name, blank_before in (("notice", False), ("long", True)):
        _ours, lo, _w = rendered[name]
        assert len(lo) % 2 == 0
        last = lo[-1]
        # 7.5: unnumbered only after a blank page; right after the body it is numbered
        if blank_before:
            assert lc.page_number_line(last) is None
        else:
            assert lc.page_number_line(last).text == f"—{last.number}—"
        black = lc.rules(last, red=False)
        assert len(black) >= 2
        assert abs(lc.mm(black[-1]["y"]) - 262) <= 1.5
        assert abs(black[0]["thickness"] - 0.35 * MM) <= 0.2
        assert abs(black[-1]["thickness"] - 0.35 * MM) <= 0.2
        assert lc.find(last, "印发") is not None
        if blank_before:
            blank = lo[-2]
            assert not [c for c in blank.chars if c["text"].strip()], "blank page has text/number"


def test_letter_format(rendered):
    ours, lo, _w = rendered["letter"]
    first = lo[0]
    assert lc.page_number_line(first) is None  # 信函格式: no number on page 1
    red = lc.rules(first, red=True)
    red_ours = lc.rules(ours[0], red=True)
    assert len(red) == 4
    for a, b in zip(red, red_ours, strict=False):
        assert abs(lc.mm(a["y"] - b["y"])) <= 1.0
        assert abs(lc.mm(a["x1"] - a["x0"]) - 170) <= 2.0
    mark = [c for c in first.chars if is_red(c.get("non_stroking_color")) and c["text"].strip()]
    assert abs(lc.mm(lc.baseline(mark[0], first.height) - 0.88 * mark[0]["size"]) - 30) <= 1.5


@pytest.mark.parametrize("name", ["notice", "letter", "minutes", "request", "long", "edge",
                                  "overflow"])
def test_same_layout_as_our_pdf(rendered, name):
    ours, lo, _w = rendered[name]
    assert lc.compare_lines(ours, lo, tol_mm=1.5) == []


def test_order_format_head_matches_our_pdf(rendered):
    """命令格式: the head matches. The body is not compared line by line: LibreOffice adds a
    quarter-em between Chinese and digits (it ignores w:autoSpaceDN), so a sentence full of
    dates may wrap one line later than in our PDF."""
    ours, lo, _w = rendered["order"]
    assert len(lo) == len(ours)
    for text in ("令", "第"):
        a, b = lc.find(ours[0], text), lc.find(lo[0], text)
        assert a is not None and b is not None
        assert abs(lc.mm(a.baseline - b.baseline)) <= 1.5
    assert lc.rules(lo[0], red=True) == []


def test_libreoffice_uses_the_faces_of_our_pdf_and_says_so(rendered):
    """The fontconfig set-up maps the official names to the bundled stand-ins, so both PDFs show
    the same faces; a missing official font is reported."""
    ours, lo, warnings = rendered["notice"]

    def faces(pages):
        return {c["fontname"].split("+", 1)[-1] for p in pages for c in p.chars if c["text"].strip()}

    assert faces(lo) == faces(ours)
    for face in faces(lo):
        if face.startswith(("Fandol", "GovDesk")):
            family = "GovDesk Title Serif" if face.startswith("GovDesk") else face.split("-")[0]
            assert any(family in w for w in warnings), (family, warnings)
