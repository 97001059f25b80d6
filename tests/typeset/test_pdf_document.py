"""文件格式 read back from the PDF: margins, grid, elements, fonts by role, colours, page numbers,
版记 placement. Numbers are GB/T 9704-2012's (shared/gbt9704.md), written here in millimetres."""

from __future__ import annotations

import json
import random
import re

import pytest

from app import paths
from app.typeset import render
from app.typeset.fonts import font_set
from tests.typeset.pdfcheck import (
    CLOSING,
    MM,
    OPENING,
    TEXT_BOTTOM,
    TEXT_LEFT,
    TEXT_RIGHT,
    TEXT_TOP,
    font_role,
    is_black,
    is_red,
    metadata,
    pdffonts,
    pdftotext,
    read_pdf,
)

ADV = 156 * MM / 28  # one character on the 28-character grid
PITCH = 28.95


def demo(name: str) -> dict:
    return json.loads(paths.resource("demo", f"{name}.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def notice():
    result = render(demo("notice"), "pdf")
    return result, read_pdf(result.data)


def long_description(paragraphs: int, seed: int = 7, **extra) -> dict:
    """Paragraphs of hanzi with punctuation at random places (to exercise the 禁则)."""
    rng = random.Random(seed)
    han = "国务院办公厅关于进一步加强安全生产工作的通知各地区部门要认真贯彻落实会议精神"
    body = []
    for _ in range(paragraphs):
        n = rng.randint(40, 130)
        chars = [rng.choice(han) for _ in range(n)]
        for k in range(6, n - 1, rng.randint(7, 15)):
            chars[k] = rng.choice("，、；：")
        if rng.random() < 0.4:
            k = rng.randint(2, n - 8)
            chars[k:k + 6] = list("“" + "".join(chars[k + 1:k + 5]) + "”")
        body.append("".join(chars) + "。")
    desc = {"title": "关于进一步加强安全生产工作的通知", "issuer_mark": "××市人民政府文件",
            "doc_no": "×政发〔2024〕1号", "body": "\n".join(body)}
    desc.update(extra)
    return desc


@pytest.fixture(scope="module")
def long_doc():
    result = render(long_description(40), "pdf")
    return result, read_pdf(result.data)


def blank_grid_lines_between(upper: float, lower: float) -> int:
    """Grid lines whose 16 pt em box lies wholly between ``upper`` and ``lower`` (空N行 counts grid
    lines: geometry.py)."""
    return sum(1 for k in range(22) if TEXT_TOP + k * PITCH > upper
               and TEXT_TOP + k * PITCH + 16 < lower)


def body_lines(page):
    return [ln for ln in page.text_lines() if ln.size == 16 and ln.roles() <= {"fangsong"}]


def test_page_is_a4(notice):
    _, pages = notice
    assert all(abs(p.width - 595.28) < 0.1 and abs(p.height - 841.89) < 0.1 for p in pages)


def test_header_fields_flush_left_on_the_first_lines(notice):
    _, pages = notice
    p = pages[0]
    copy_no, secrecy, urgency = (p.find(t) for t in ("000001", "秘密★1年", "特急"))
    assert abs(copy_no.top - 37 * MM) < 0.3 and abs(copy_no.x0 - 28 * MM) < 0.3
    assert abs(secrecy.top - copy_no.top - PITCH) < 0.3
    assert abs(urgency.top - secrecy.top - PITCH) < 0.3
    assert secrecy.roles() == {"heiti"} and urgency.roles() == {"heiti"}
    assert copy_no.roles() == {"fangsong"}
    assert all(c["size"] == 16 for c in copy_no.chars + secrecy.chars + urgency.chars)


def test_mark_red_centred_with_its_top_72mm_from_the_paper_top(notice):
    _, pages = notice
    red = pages[0].red_chars()
    assert "".join(c["text"] for c in red) == "××市人民政府办公室文件"
    top = min(c["top"] for c in red)
    assert abs(top - 72 * MM) < 1.5 * MM
    centre = (min(c["x0"] for c in red) + max(c["x1"] for c in red)) / 2
    assert abs(centre - (TEXT_LEFT + TEXT_RIGHT) / 2) < 1.0
    assert {font_role(c["fontname"]) for c in red} == {"xiaobiaosong"}
    assert max(c["x1"] for c in red) <= TEXT_RIGHT + 0.5


def test_doc_no_two_lines_below_mark_centred_then_red_line_4mm_below(notice):
    _, pages = notice
    p = pages[0]
    red = p.red_chars()
    mark_bottom = max(c["bottom"] for c in red)
    doc_no = p.find("〔2024〕12号")
    assert doc_no.roles() == {"fangsong"} and doc_no.size == 16
    assert blank_grid_lines_between(mark_bottom, doc_no.top) == 2
    assert abs((doc_no.x0 + doc_no.x1) / 2 - (TEXT_LEFT + TEXT_RIGHT) / 2) < 1.0
    rules = p.rules(red=True)
    assert len(rules) == 1
    rule = rules[0]
    assert abs(rule["x0"] - TEXT_LEFT) < 0.3 and abs(rule["x1"] - TEXT_RIGHT) < 0.3
    assert abs(rule["y"] - (doc_no.top + 16 + 4 * MM)) < 0.3
    assert 0.5 <= rule["thickness"] <= 1.5


def test_title_22pt_black_centred_balanced_two_blank_lines_below_the_red_line(notice):
    _, pages = notice
    p = pages[0]
    titles = [ln for ln in p.text_lines() if ln.size == 22]
    assert [ln.text for ln in titles] == ["××市人民政府办公室关于做好", "2024年汛期安全生产工作的通知"]
    for ln in titles:
        assert ln.roles() == {"xiaobiaosong"}
        assert all(is_black(c["non_stroking_color"]) for c in ln.chars)
        assert abs((ln.x0 + ln.x1) / 2 - (TEXT_LEFT + TEXT_RIGHT) / 2) < 1.0
    rule_y = p.rules(red=True)[0]["y"]
    assert blank_grid_lines_between(rule_y, titles[0].top) == 2


def test_to_and_first_page_body_on_the_grid(notice):
    _, pages = notice
    p = pages[0]
    to = p.find("各区县人民政府")
    assert abs(to.x0 - TEXT_LEFT) < 0.3 and to.text.endswith("：")
    first = p.find("为切实做好")
    assert abs(first.x0 - (TEXT_LEFT + 2 * ADV)) < 0.3  # 2-character indent
    assert abs(first.top - to.top - PITCH) < 0.3
    # every line of page 1 below the title sits on a grid line
    for ln in p.text_lines():
        if ln.size == 16:
            k = (ln.top - TEXT_TOP) / PITCH
            assert abs(k - round(k)) * PITCH < 0.3, ln.text


def test_headings_take_their_fonts_and_only_the_heading_sentence(notice):
    _, pages = notice
    allchars = [c for p in pages for c in p.chars if c["text"].strip()]
    text = "".join(c["text"] for c in allchars)

    def roles_of(fragment):
        i = text.index(fragment)
        return {font_role(c["fontname"]) for c in allchars[i:i + len(fragment)]}

    assert roles_of("一、提高思想认识") == {"heiti"}
    assert roles_of("今年以来") == {"fangsong"}  # continues after the heading's 。
    assert roles_of("（一）加强重点行业领域监管。") == {"kaiti"}
    assert roles_of("各行业主管部门") == {"fangsong"}
    assert roles_of("1.汛期前完成") == {"fangsong"}
    assert roles_of("（1）对存在较大风险") == {"fangsong"}
    assert roles_of("二、突出工作重点") == {"heiti"}


def test_full_page_has_22_lines_of_28_characters_justified(long_doc):
    _, pages = long_doc
    assert len(pages) >= 4
    p = pages[1]
    lines = p.text_lines()
    assert len(lines) == 22
    for i, ln in enumerate(lines):
        assert abs(ln.top - (TEXT_TOP + i * PITCH)) < 0.3
    assert abs(lines[-1].bottom - TEXT_BOTTOM) < 15  # the grid fills the text area
    def ends_on_edge(ln):
        end = ln.visible[-1]
        squeezed_end = end["text"] in CLOSING and abs(end["x0"] + end["size"] / 2 - TEXT_RIGHT) < 0.3
        return abs(ln.x1 - TEXT_RIGHT) < 0.3 or squeezed_end

    full = [ln for ln in lines if ends_on_edge(ln)]
    assert len(full) >= 12
    for ln in full:  # full lines start at the left edge, or 2 characters in (first lines)
        assert min(abs(ln.x0 - TEXT_LEFT), abs(ln.x0 - TEXT_LEFT - 2 * ADV)) < 0.3
    assert any(len(ln.visible) == 28 and abs(ln.x0 - TEXT_LEFT) < 0.3 for ln in full)
    for ln in lines:
        assert ln.x0 >= TEXT_LEFT - 0.3
        end = ln.visible[-1]
        ink_right = end["x0"] + (end["size"] / 2 if end["text"] in CLOSING else end["size"])
        assert ink_right <= TEXT_RIGHT + 0.3, ln.text


def test_no_closing_punctuation_at_a_line_start_nor_opening_at_an_end(long_doc):
    _, pages = long_doc
    starts = ends = 0
    for p in pages:
        for ln in p.text_lines():
            assert ln.text[0] not in CLOSING, ln.text
            assert ln.text[-1] not in OPENING, ln.text
            starts += 1
            ends += ln.text[-1] in CLOSING
    assert ends > 5  # squeezing kept many closing marks at line ends


def test_page_numbers_odd_right_even_left_4hao_7mm_below_the_text_area(long_doc):
    _, pages = long_doc
    for p in pages:
        if not p.page_number_chars():
            continue
        chars = p.page_number_chars()
        assert re.fullmatch(rf"—{p.number}—", p.page_number_text)
        assert all(c["size"] == 14 for c in chars)
        assert {font_role(c["fontname"]) for c in chars} == {"songti"}
        centre = sum((c["top"] + c["bottom"]) / 2 for c in chars) / len(chars)
        assert abs(centre - (TEXT_BOTTOM + 7 * MM)) < 1 * MM
        x0, x1 = min(c["x0"] for c in chars), max(c["x1"] for c in chars)
        if p.number % 2:
            assert abs(x1 - (TEXT_RIGHT - 14)) < 0.5
        else:
            assert abs(x0 - (TEXT_LEFT + 14)) < 0.5


def test_record_on_an_even_page_last_rule_on_the_text_area_bottom(notice):
    _, pages = notice
    last = pages[-1]
    assert last.number % 2 == 0
    # the 版记 page right after the body (no blank page before it) is numbered (7.5)
    assert last.page_number_text == f"—{last.number}—"
    assert pages[-2].page_number_chars()  # the page before it has body text and a number
    rules = last.rules(red=False)
    assert len(rules) == 3
    assert abs(rules[-1]["y"] - 262 * MM) < 0.3
    assert abs(rules[0]["thickness"] - 0.35 * MM) < 0.05
    assert abs(rules[-1]["thickness"] - 0.35 * MM) < 0.05
    assert abs(rules[1]["thickness"] - 0.25 * MM) < 0.05
    for r in rules:
        assert abs(r["x0"] - TEXT_LEFT) < 0.3 and abs(r["x1"] - TEXT_RIGHT) < 0.3
    cc = [ln for ln in last.text_lines() if rules[0]["y"] < ln.top < rules[1]["y"]]
    assert cc[0].text.startswith("抄送：") and cc[-1].text.endswith("。")
    assert abs(cc[0].x0 - (TEXT_LEFT + 14)) < 0.5  # indented one character
    label_w = cc[0].chars[3]["x0"] - cc[0].chars[0]["x0"]
    for ln in cc[1:]:  # wrapped lines align after the colon
        assert abs(ln.x0 - (cc[0].x0 + label_w)) < 0.5
        assert ln.x1 <= TEXT_RIGHT - 14 + 0.5
    printed = [ln for ln in last.text_lines() if rules[1]["y"] < ln.top < rules[2]["y"]]
    assert len(printed) == 1 and printed[0].size == 14
    assert printed[0].text.startswith("××市人民政府办公室") and printed[0].text.endswith("2024年6月3日印发")
    assert abs(printed[0].x0 - (TEXT_LEFT + 14)) < 0.5
    assert abs(printed[0].x1 - (TEXT_RIGHT - 14)) < 0.5
    assert all(c["size"] == 14 for ln in cc for c in ln.chars)


def _layout_end(desc):
    """(last body page, line after the body) by laying out without the 版记."""
    from app.typeset.layout import layout
    from app.typeset.spec import parse_description

    lay = layout(parse_description(desc))
    return len(lay.pages)


def test_blank_page_before_the_record_page_both_unnumbered():
    # find a body length that ends on an even page too full for the 版记 (found by search, then
    # checked on the PDF)
    cc = {"cc": ["市委办公室", "市人大常委会办公室"], "printer": "××市人民政府办公室",
          "print_date": "2024-06-03"}
    found = None
    for n in range(8, 60):
        plain = long_description(n, seed=3)
        with_record = long_description(n, seed=3, **cc)
        body_pages = _layout_end(plain)
        if body_pages % 2 == 0 and _layout_end(with_record) == body_pages + 2:
            found = with_record
            break
    assert found is not None
    pages = read_pdf(render(found, "pdf").data)
    blank, record = pages[-2], pages[-1]
    assert record.number % 2 == 0
    assert blank.chars == [] and blank.lines == []  # nothing at all, not even a page number
    assert record.page_number_chars() == []
    assert record.find("抄送：") is not None
    assert abs(record.rules()[-1]["y"] - 262 * MM) < 0.3
    assert pages[-3].page_number_text == f"—{pages[-3].number}—"


def test_body_ending_on_an_odd_page_puts_the_record_on_the_next_even_page():
    cc = {"cc": ["市委办公室"], "printer": "××市人民政府办公室", "print_date": "2024-06-03"}
    for n in range(1, 40):
        plain = long_description(n, seed=5)
        if _layout_end(plain) % 2 == 1:
            break
    pages = read_pdf(render(long_description(n, seed=5, **cc), "pdf").data)
    assert len(pages) == _layout_end(plain) + 1
    # no blank page before it: the 版记 page is numbered (7.5 omits the number only on a blank
    # page before the 版记 and on that 版记 page)
    record = pages[-1]
    assert record.find("抄送：") and record.page_number_text == f"—{record.number}—"
    assert len(record.text_lines()) == 2  # the 版记 alone (page numbers are not text lines)


def test_attachment_notes_hang_and_sealed_signature_geometry(notice):
    _, pages = notice
    p = next(pg for pg in pages if pg.find("附件："))
    first = p.find("附件：")
    assert abs(first.x0 - (TEXT_LEFT + 2 * ADV)) < 0.3
    name_x = next(c["x0"] for c in first.chars if c["text"] == "2")  # 1．[2]024年…
    second = p.find("2．××市汛期")
    wrapped = p.find("（请各单位")
    assert abs(second.chars[0]["x0"] - first.chars[3]["x0"]) < 0.3  # numbers aligned
    assert abs(wrapped.x0 - second.chars[2]["x0"]) < 0.3  # hanging: under the name
    assert name_x > first.chars[3]["x0"]
    date = p.find("2024年6月3日")
    issuer = p.find("××市人民政府办公室")
    assert abs(date.x1 - (TEXT_RIGHT - 4 * ADV)) < 0.5  # right-indented 4 characters
    assert abs((issuer.x0 + issuer.x1) / 2 - (date.x0 + date.x1) / 2) < 0.5  # centred over it
    assert abs(date.top - issuer.top - PITCH) < 0.3
    note = p.find("（此件公开发布）")
    assert abs(note.top - date.top - PITCH) < 0.3
    assert abs(note.x0 - (TEXT_LEFT + 2 * ADV)) < 0.3
    body_end = max(ln.top for ln in p.text_lines() if ln.top < issuer.top - 1)
    assert abs(issuer.top - body_end - 4 * PITCH) < 0.3  # 3 blank lines: room for the seal


def test_fonts_embedded_subset_real_text_and_metadata(notice):
    result, _ = notice
    rows = pdffonts(result.data)
    assert rows and all(r["emb"] and r["sub"] and r["uni"] for r in rows)
    assert all(r["type"].startswith("TrueType") for r in rows)
    text = pdftotext(result.data)
    assert "现将有关事项通知如下" in text.replace(" ", "")
    assert "国办" not in text  # sanity: nothing invented
    meta = metadata(result.data)
    assert meta["Title"] == demo("notice")["title"]
    assert meta["Producer"].startswith("GovDesk")
    stand_ins = font_set().stand_ins()
    if stand_ins:
        assert "替代字体" in meta["Subject"]
        assert all(f.family in meta["Subject"] for f in stand_ins.values())


def test_colours_red_only_for_mark_and_separator(notice):
    _, pages = notice
    for p in pages:
        for c in p.chars:
            if is_red(c["non_stroking_color"]):
                assert c["size"] >= 22 and font_role(c["fontname"]) == "xiaobiaosong"
        if p.rules(red=True):
            assert p.number == 1


def test_red_ink_of_the_mark_starts_at_72mm_and_the_rule_is_below_the_doc_no(notice):
    from tests.typeset.pdfcheck import red_ink_bands

    result, pages = notice
    bands = red_ink_bands(result.data)
    assert len(bands) == 2  # the mark, then the separator
    mark, rule = bands
    assert abs(mark[0] - 72 * MM) < 1.5 * MM  # glyph ink, not the em box
    doc_no = pages[0].find("〔2024〕12号")
    assert abs((rule[0] + rule[1]) / 2 - (doc_no.top + 16 + 4 * MM)) < 1.0


def test_minutes_record_starting_a_new_page_is_numbered():
    """A 纪要 whose 版记 starts the page after an odd body page: numbered (7.5 omits page numbers
    only on a blank page before the 版记 and on that 版记 page)."""
    minutes = {"kind": "minutes", "issuer_mark": "××市人民政府常务会议纪要",
               "minutes": {"present": ["赵志远", "钱国华"], "host": "赵志远", "recorder": "卫晓东"},
               "printer": "××市人民政府办公室", "print_date": "2024-06-03"}
    for n in range(1, 40):
        plain = long_description(n, seed=5, **{k: v for k, v in minutes.items()
                                                if k not in ("printer", "print_date")})
        if _layout_end(plain) % 2 == 1:
            break
    desc = long_description(n, seed=5, **minutes)
    pages = read_pdf(render(desc, "pdf").data)
    assert len(pages) == _layout_end(plain) + 1
    record = pages[-1]
    assert record.find("印发") is not None and record.number % 2 == 0
    assert record.page_number_text == f"—{record.number}—"
