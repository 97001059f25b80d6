"""Seeded random descriptions of every format: nothing is drawn outside the text area, the grid
holds, the 版记 lands on an even page, and a blank page or 版记 page has no number."""

from __future__ import annotations

import random

import pytest
from reportlab.pdfbase import pdfmetrics

from app.typeset import geometry as g
from app.typeset.layout import layout
from app.typeset.model import Rule, TextRun
from app.typeset.spec import parse_description
from app.typeset.text import SQUEEZE_RIGHT

ALPHA = "国务院办公厅关于进一步加强安全生产工作的通知，。、；：？！（）《》“”abcXYZ0123—…〔〕"


def _description(rng: random.Random) -> dict:
    def s(lo, hi):
        return "".join(rng.choice(ALPHA) for _ in range(rng.randint(lo, hi)))

    d: dict = {"title": s(4, 60) + "题", "body": [s(0, 260) for _ in range(rng.randint(1, 8))],
               "kind": rng.choice(["document", "letter", "minutes", "order"])}
    if rng.random() < 0.6:
        d["issuer_mark"] = rng.choice([s(2, 14) + "文件", [s(2, 10), s(2, 10) + "文件"]])
    if rng.random() < 0.6:
        d["doc_no"] = "×政发〔2024〕" + str(rng.randint(1, 300)) + "号"
    if rng.random() < 0.3:
        d["signers"] = ["张" + s(1, 2) for _ in range(rng.randint(1, 5))]
    if rng.random() < 0.5:
        d["to"] = s(5, 80) + "："
    if rng.random() < 0.4:
        d["attachments"] = [s(3, 60) + "表" for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.6:
        d["issuer"] = rng.choice([s(3, 12) + "局", [s(3, 10) + "局", s(3, 10) + "委"]])
        d["date"] = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    d["sealed"] = rng.random() < 0.5
    if rng.random() < 0.5:
        d["cc"] = [s(2, 12) + "办" for _ in range(rng.randint(1, 12))]
        d["printer"] = "××市人民政府办公室"
        d["print_date"] = "2024-06-03"
    if rng.random() < 0.3:
        d["minutes"] = {"present": ["张" + s(1, 6) for _ in range(rng.randint(1, 25))],
                        "host": "王某"}
    if rng.random() < 0.3:
        d["body"].append({"table": {"header": ["项目", "说明"],
                                    "rows": [[s(1, 30), s(0, 8)] for _ in range(rng.randint(1, 30))]}})
    if rng.random() < 0.3:  # words wider than a line, a row taller than a page
        word = "https://example.gov.cn/" + "abc123" * rng.randint(8, 20)
        d["title"] = s(2, 10) + word + "通知"
        d["body"].insert(0, s(0, 20) + word + s(0, 30))
        d["body"].append({"table": {"header": ["序号", "日期", "说明"],
                                    "rows": [["1", "2024年3月15日", s(300, 900)], ["2", word, "无"]]}})
    return d


@pytest.mark.parametrize("seed", range(40))
def test_random_documents_stay_inside_the_text_area(seed):
    desc = _description(random.Random(seed))
    lay = layout(parse_description(desc))
    pages = lay.pages
    for page in pages:
        for el in page.elements:
            if isinstance(el, TextRun):
                font = pdfmetrics.getFont(el.font)
                width = (font.stringWidth(el.text, el.size)
                         + el.char_space * (len(el.text) - 1)) * el.hscale
                tol = el.size / 2 + 0.3 if el.text[-1] in SQUEEZE_RIGHT else 0.3
                assert el.x >= g.TEXT_LEFT - 0.3, el
                assert el.x + width <= g.TEXT_RIGHT + tol, el
                if el.element == "page_number":
                    assert el.y > g.TEXT_BOTTOM
                else:
                    assert el.top >= g.TEXT_TOP - 0.3 or el.element in ("mark",) or page.index == 0
                    assert el.y <= g.TEXT_BOTTOM, el
                if el.element in ("body", "h1", "h2", "h3", "h4", "to") and el.size == g.BODY_SIZE:
                    k = (el.top - page.origin) / g.LINE_PITCH
                    assert abs(k - round(k)) < 0.01, el  # on the grid
            elif isinstance(el, Rule) and el.element == "record_rule":
                assert g.TEXT_TOP <= el.y <= g.TEXT_BOTTOM + 0.01
    has_record = any(isinstance(el, Rule) and el.element == "record_rule"
                     for el in pages[-1].elements)
    if has_record:
        assert pages[-1].number % 2 == 0
    for page in pages:
        numbers = [el for el in page.elements if isinstance(el, TextRun)
                   and el.element == "page_number"]
        # 7.5: unnumbered are a blank page before the 版记 and that 版记 page only
        after_blank = page.index > 0 and pages[page.index - 1].role == "blank"
        if page.role == "blank" or (page.role == "record" and after_blank):
            assert not numbers
        if page.role == "blank":
            assert page.elements == []
    first_body = [el for el in pages[0].elements if isinstance(el, TextRun)
                  and el.element in ("body", "h1", "h2", "h3", "h4")]
    if any(isinstance(b, str) and b.strip() for b in desc["body"]):
        assert first_body or any("首页没有正文" in w for w in lay.warnings)
