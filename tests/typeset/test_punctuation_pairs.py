"""Adjacent full-width punctuation (标点挤压, clreq punctuation adjustment) read back from the PDF:
no whole em of blank between the inks of ``。”`` ``：“`` ``）。`` ``《“``, the 28-character grid kept,
and the DOCX carrying the same squeeze as character spacing."""

from __future__ import annotations

import io

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn

from app.typeset import render
from app.typeset.text import pair_squeezes
from tests.typeset.pdfcheck import MM, TEXT_LEFT, TEXT_RIGHT, read_pdf

ADV = 156 * MM / 28
HAN = "各级各部门要坚持以人民为中心的发展思想统筹发展和安全全面提升防汛抗旱和安全生产工作水平"
TEXT = "他说：“这是引号。”（括号内容）。根据《“十四五”规划》执行。" + HAN


@pytest.fixture(scope="module")
def pages():
    return read_pdf(render({"title": "关于标点的通知", "body": [TEXT]}, "pdf").data)


def _chars(pages):
    line = pages[0].find("他说")
    return line.chars, pages[0].text_lines()


def _step(chars, pair: str) -> float:
    """Distance between the origins of the two characters of ``pair`` (first occurrence)."""
    text = "".join(c["text"] for c in chars)
    k = text.index(pair)
    return chars[k + 1]["x0"] - chars[k]["x0"]


def test_rules_pick_the_pairs():
    assert pair_squeezes("。”") == [0]  # closing + closing
    assert pair_squeezes("：“") == [0]  # closing + opening
    assert pair_squeezes("《“") == [0]  # opening + opening (the second loses its left half)
    assert pair_squeezes("”他“") == []  # not adjacent
    assert pair_squeezes("他，她") == []


@pytest.mark.parametrize("pair", ["：“", "。”", "”（", "）。", "”规"])
def test_a_closing_mark_before_punctuation_takes_half_an_em(pages, pair):
    chars, _lines = _chars(pages)
    step = _step(chars, pair)
    if pair == "”规":  # control: before a 汉字 a closing mark keeps its whole cell
        assert step > ADV - 0.5
    else:
        assert ADV / 2 - 0.5 < step < ADV / 2 + 1.0, (pair, step)


def test_an_opening_mark_after_an_opening_mark_moves_left_by_half_an_em(pages):
    chars, _lines = _chars(pages)
    text = "".join(c["text"] for c in chars)
    k = text.index("《“")
    # 《 puts its ink in its right half, “ after it loses its blank left half: the origin of “
    # is half an em after 《's, its ink starts right where 《's ends
    step = chars[k + 1]["x0"] - chars[k]["x0"]
    assert ADV / 2 - 0.5 < step < ADV / 2 + 1.0


def test_lines_stay_justified_on_the_28_character_grid(pages):
    _chars_, lines = _chars(pages)
    body = [ln for ln in lines if ln.size < 20]
    first, second = body[0], body[1]
    assert abs(first.x0 - (TEXT_LEFT + 2 * ADV)) < 0.5
    assert abs(first.x1 - TEXT_RIGHT) < 1.0  # squeezed pairs leave no ragged right edge
    assert abs(second.x0 - TEXT_LEFT) < 0.5 and abs(second.x1 - TEXT_RIGHT) < 1.0
    assert len(second.text) >= 28  # a full line keeps 28 characters (more with half-width ones)


def test_the_docx_squeezes_the_same_marks_by_character_spacing():
    data = render({"title": "关于标点的通知", "body": [TEXT]}, "docx").data
    doc = open_docx(io.BytesIO(data))
    para = next(p for p in doc.paragraphs if p.text.startswith("他说"))
    assert para.text == TEXT
    squeezed = []
    for r in para.runs:
        rpr = r._r.rPr
        sp = rpr.find(qn("w:spacing")) if rpr is not None else None
        if sp is not None:
            squeezed.append((r.text, int(sp.get(qn("w:val")))))
    expected = [TEXT[k] for k in pair_squeezes(TEXT)]
    assert [t for t, _v in squeezed] == expected
    # half of a 3号 character's 15.75 pt advance, on top of the −0.25 pt tracking
    assert all(-170 < v < -155 for _t, v in squeezed)
