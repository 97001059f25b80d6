"""Ordinary input that used to run off the text area, read back from the PDF (and the DOCX):
words wider than a line, table rows taller than a page, short table values that wrapped."""

from __future__ import annotations

import io

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn

from app.typeset import render
from tests.typeset.pdfcheck import MM, TEXT_BOTTOM, TEXT_LEFT, TEXT_RIGHT, TEXT_TOP, read_pdf

ADV = 156 * MM / 28
URL = "https://www.example.gov.cn/zwgk/tzgg/2024/a_very_long_path_segment_for_testing_wrap.html"
DIGITS = "1234567890" * 7
HAN = "各级各部门要坚持以人民为中心的发展思想统筹发展和安全全面提升防汛抗旱和安全生产工作水平"
LONG_CELL = "很长的备注内容" * 90  # about 630 characters: taller than a page in a narrow column


def _pdf(desc: dict):
    return read_pdf(render(desc, "pdf").data)


def _glyphs(pages):
    for page in pages:
        for c in page.chars:
            if c["text"].strip() and c["top"] < TEXT_BOTTOM + 5:  # page numbers excluded
                yield page, c


def _assert_inside(pages, tol: float = 0.5) -> None:
    for page, c in _glyphs(pages):
        assert c["x0"] >= TEXT_LEFT - tol, (page.number, c["text"], c["x0"])
        # line-end punctuation may keep its ink a hair past the edge after a half squeeze
        assert c["x1"] <= TEXT_RIGHT + tol, (page.number, c["text"], c["x1"])
        assert c["bottom"] <= TEXT_BOTTOM + tol, (page.number, c["text"], c["bottom"])


# ---- gap 1: a word wider than the line -----------------------------------------------------
@pytest.fixture(scope="module")
def long_words():
    desc = {
        "issuer_mark": "××市人民政府文件", "doc_no": "×政发〔2024〕12号",
        "title": f"关于{URL}的通知",
        "to": "各区人民政府，" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 3 + "：",
        "body": [f"请访问{URL}查看详情。编号{DIGITS}结束。", HAN * 2],
        "attachments": ["附件名称" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 3],
        "issuer": "××市人民政府", "date": "2024-05-01",
        "cc": ["市委办公室", "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 3],
        "printer": "××市人民政府办公室", "print_date": "2024-05-01",
    }
    return desc, _pdf(desc)


def test_no_glyph_runs_past_the_right_margin(long_words):
    _desc, pages = long_words
    _assert_inside(pages)


def test_a_title_with_a_url_wraps_into_centred_lines_keeping_its_text(long_words):
    desc, pages = long_words
    title = [ln for ln in pages[0].text_lines() if 20 < ln.size < 23]
    assert len(title) >= 3
    assert "".join(ln.text for ln in title) == desc["title"]
    for ln in title:
        centre = (ln.x0 + ln.x1) / 2
        assert abs(centre - (TEXT_LEFT + TEXT_RIGHT) / 2) < 3, ln.text
    # a break inside the URL only where nothing else fits: the first line holds 关于 and the URL
    assert title[0].text.startswith("关于h")


def test_a_long_number_breaks_at_the_right_edge_and_the_grid_holds_after_it(long_words):
    _desc, pages = long_words
    lines = [ln for p in pages for ln in p.text_lines()]
    numbers = [ln for ln in lines if sum(ch.isdigit() for ch in ln.text) > 20]
    assert numbers
    full = numbers[0]
    assert abs(full.x1 - TEXT_RIGHT) < 1.0  # justified to the right edge, not past it
    han = next(ln for ln in lines if ln.text.startswith("各级各部门"))
    assert len(han.text) == 26  # first line of the next paragraph: 28 − the 2-character indent
    assert abs(han.x0 - (TEXT_LEFT + 2 * ADV)) < 0.5 and abs(han.x1 - TEXT_RIGHT) < 0.5
    second = lines[lines.index(han) + 1]
    assert len(second.text) == 28 and abs(second.x0 - TEXT_LEFT) < 0.5


def test_the_docx_title_has_the_same_lines(long_words):
    desc, pages = long_words
    doc = open_docx(io.BytesIO(render(desc, "docx").data))
    titles = [p.text for p in doc.paragraphs if p.style.name == "标题"]
    ours = [ln.text for ln in pages[0].text_lines() if 20 < ln.size < 23]
    assert titles == ours


# ---- gaps 2 and 3: tables ------------------------------------------------------------------
@pytest.fixture(scope="module")
def long_table():
    desc = {
        "title": "关于报送情况的通知",
        "body": ["现将有关情况报告如下。", {"table": {
            "header": ["序号", "单位", "日期", "备注"],
            "rows": [["1", "市发展和改革委员会办公室综合处", "2024年3月15日", "无"],
                     ["2", "市财政局", "2024年4月1日", LONG_CELL],
                     ["3", "市教育局", "2024年5月1日", "按期报送"]]}}],
        "issuer": "××市人民政府办公室", "date": "2024-05-01",
    }
    return desc, _pdf(desc)


def _table_lines(page):
    return [ln for ln in page.text_lines() if ln.top >= TEXT_TOP - 1]


def test_a_row_taller_than_a_page_continues_under_the_repeated_header(long_table):
    _desc, pages = long_table
    _assert_inside(pages)
    with_cell = [p for p in pages if any("很长的备注" in ln.text for ln in p.text_lines())]
    assert len(with_cell) >= 3  # the row spans at least three pages
    for page in with_cell[1:]:
        first = page.text_lines()[0]
        assert first.text.replace(" ", "") == "序号单位日期备注"  # header repeated on top
        # the continued cell fills the page down to the last grid line
        assert page.text_lines()[-1].bottom > TEXT_BOTTOM - 28.95
    column = min(c["x0"] for p in with_cell for c in p.chars if c["text"] == "很")
    text = "".join(c["text"] for p in with_cell for ln in p.text_lines() if "序号" not in ln.text
                   for c in ln.chars if c["x0"] >= column - 0.5)
    assert text == "无" + LONG_CELL  # row 1's 备注, then row 2's: nothing lost or repeated


def test_the_table_rules_stay_inside_the_text_area(long_table):
    _desc, pages = long_table
    for page in pages:
        for r in page.lines:
            assert r["top"] >= TEXT_TOP - 15 and r["bottom"] <= TEXT_BOTTOM + 0.5, r


def test_short_values_are_not_wrapped(long_table):
    _desc, pages = long_table
    for text in ("序号", "2024年3月15日", "2024年4月1日", "按期报送"):
        line = next(ln for p in pages for ln in p.text_lines() if text in ln.text)
        chars = [c for c in line.chars if c["text"] in text]
        assert len({round(c["bottom"]) for c in chars}) == 1, text


def test_the_docx_table_mirrors_the_split_row(long_table):
    desc, pages = long_table
    doc = open_docx(io.BytesIO(render(desc, "docx").data))
    table = doc.tables[0]
    rows = table.rows
    heads = [r for r in rows if r._tr.trPr is not None and r._tr.trPr.find(qn("w:tblHeader")) is not None]
    assert len(heads) == 1 and rows[0] is not None
    parts = [r for r in rows if "很长的备注" in r.cells[3].text]
    pages_with_cell = [p for p in pages if any("很长的备注" in ln.text for ln in p.text_lines())]
    assert len(parts) == len(pages_with_cell)  # one DOCX row per page the row spans
    assert "".join(r.cells[3].text for r in parts) == LONG_CELL
    heights = [r.height.pt for r in parts]
    assert all(h > 28.95 * 5 for h in heights)
    widths = [c.width.pt for c in rows[0].cells]
    assert abs(sum(widths) - 156 * MM) < 1


# ---- 版记: a long 印发机关 never runs into the 印发日期 -------------------------------------
def test_a_long_printer_name_wraps_above_the_print_date():
    printer = "××市人民政府办公室（市政府外事办公室、市政府港澳事务办公室、市政府研究室）"
    pages = _pdf({"title": "关于印发的通知", "body": ["正文内容。"], "cc": ["市委办公室"],
                  "printer": printer, "print_date": "2024-06-10"})
    _assert_inside(pages)
    last = pages[-1]
    lines = [ln for ln in last.text_lines() if ln.size < 15 and not ln.text.startswith("抄送")]
    date = lines[-1]
    assert date.text.endswith("2024年6月10日印发")
    date_chars = date.chars[-len("2024年6月10日印发"):]
    name_chars = [c for ln in lines for c in ln.chars if c not in date_chars]
    assert "".join(c["text"] for c in name_chars) == printer
    same_line = [c for c in name_chars if abs(c["bottom"] - date.bottom) < 1.5]
    assert max(c["x1"] for c in same_line) < date_chars[0]["x0"] - 10  # a gap before the date
    assert len(lines) == 2  # the name took two lines, the date on the last
    assert abs(date.bottom - TEXT_BOTTOM) < 28.95  # the 印发 line stays on the last grid line
