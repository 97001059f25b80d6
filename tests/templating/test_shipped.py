"""Every shipped template produces a correct document from its demo data: the description
parser accepts it, and the PDF from the typesetting engine shows the title, the filled values
and a sensible page count (read back with pdfplumber)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pdfplumber
import pytest

from app.templating import load_template, render_template, shipped_templates
from app.templating.description import TEMPLATE_KINDS, DescriptionTemplate
from app.templating.filters import cn_date, cn_number
from app.typeset.spec import Table, parse_description
from tests.typeset.pdfcheck import CLOSING, MM, TEXT_LEFT, TEXT_RIGHT, read_pdf

TODAY = dt.date(2026, 2, 20)
DESCRIPTION_STEMS = [
    "bulletin", "duty_daily", "duty_notice", "handover", "holiday_roster", "incident_final",
    "incident_first", "incident_update", "letter", "minutes", "notice", "report", "request",
]


def test_the_shipped_set_covers_every_kind_and_the_three_word_forms():
    shipped = shipped_templates()
    assert sorted(t.stem for t in shipped if t.form == "公文") == DESCRIPTION_STEMS
    assert {t.kind for t in shipped if t.form == "公文"} == set(TEMPLATE_KINDS)
    assert {t.name for t in shipped if t.form == "Word 表单"} == {"值班表", "突发事件信息报告表", "交接班记录表"}
    for t in shipped:
        assert load_template(t.name).sample is not None, f"{t.stem} has no demo data"


@pytest.fixture(scope="module", params=DESCRIPTION_STEMS)
def filled(request):
    template = load_template(request.param)
    assert isinstance(template, DescriptionTemplate)
    return request.param, template, template.render(template.sample, today=TODAY)


def test_template_checks_clean_and_renders_a_valid_description(filled):
    _, template, description = filled
    assert template.check(today=TODAY) == []
    doc = parse_description(description)
    assert doc.title and doc.body
    text = _all_text(description)
    assert "{{" not in text and "{%" not in text and "None" not in text


def _all_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "".join(_all_text(v) for v in value.values())
    if isinstance(value, list):
        return "".join(_all_text(v) for v in value)
    return ""


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def pdfs():
    cache = {}

    def get(stem):
        if stem not in cache:
            template = load_template(stem)
            data = render_template(template, template.sample, "pdf", today=TODAY).data
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                pages = [_squash(p.extract_text() or "") for p in pdf.pages]
                cells = {_squash(c or "") for p in pdf.pages for t in p.extract_tables() for r in t for c in r}
            cache[stem] = pages, cells
        return cache[stem]

    return get


def test_pdf_shows_title_filled_values_and_a_right_page_count(filled, pdfs):
    stem, _, description = filled
    doc = parse_description(description)
    pages, cells = pdfs(stem)
    whole = "".join(pages)
    assert _squash(doc.title) in pages[0]
    if doc.doc_no:
        assert _squash(doc.doc_no) in pages[0]
    if doc.issuer_marks:
        assert _squash(doc.issuer_marks[0]) in pages[0]
    assert doc.date_text in whole
    for block in list(doc.body) + [b for a in doc.attachments for b in a.body]:
        if isinstance(block, Table):
            for row in block.rows:
                assert {_squash(row[0]), _squash(row[-1])} <= cells
    for attachment in doc.attachments:
        assert _squash(attachment.name) in "".join(pages[1:])
    # page count: a short document, and with a 版记 the last page is an even one (GB/T 9704 §5)
    assert 1 <= len(pages) <= 4
    if doc.kind != "letter" and (doc.printer or doc.cc):
        assert len(pages) % 2 == 0
    if doc.kind == "letter":
        assert len(pages) == 1


def test_request_ends_with_the_request_phrase_once(pdfs):
    template = load_template("请示")
    body = template.render(template.sample)["body"]
    assert body.rstrip().endswith("妥否，请批示。") and body.count("妥否，请批示。") == 1
    sample = {**template.sample, "doc": {**template.sample["doc"], "body": "请求事项。\n妥否，请批示。"}}
    assert template.render(sample)["body"].count("妥否，请批示。") == 1
    assert "妥否，请批示。" in "".join(pdfs("request")[0])


def test_minutes_have_an_opening_a_section_per_topic_and_attendance(pdfs):
    template = load_template("会议纪要")
    meeting = template.sample["meeting"]
    out = template.render(template.sample)
    lines = out["body"].splitlines()
    assert lines[0].startswith(cn_date(meeting["date"])) and meeting["venue"] in lines[0]
    assert f"第{cn_number(meeting['seq'])}次" in out["title"]
    headings = [line for line in lines if re.match(r"^[一二三四五六七八九十]+、", line)]
    assert [h.split("、", 1)[1] for h in headings] == [t["title"] for t in meeting["topics"]]
    for topic in meeting["topics"]:
        for decision in topic["decisions"]:
            assert any(line.endswith(decision) for line in lines)
    assert out["minutes"]["present"] == meeting["present"]
    assert out["minutes"]["absent"] == meeting["absent"]
    assert out["minutes"]["attending"] == meeting["attending"]
    whole = "".join(pdfs("minutes")[0])
    for label in ("出席", "请假", "列席"):
        assert label in whole
    assert all(name in whole for name in meeting["present"])


def test_duty_notice_carries_the_roster_table_with_one_row_per_shift():
    template = load_template("值班安排通知")
    shifts = template.sample["roster"]["shifts"]
    doc = parse_description(template.render(template.sample))
    tables = [b for a in doc.attachments for b in a.body if isinstance(b, Table)]
    assert len(tables) == 1 and tables[0].header[:4] == ("日期", "星期", "带班领导", "值班人员")
    assert [r[0] for r in tables[0].rows] == [cn_date(s["date"], False) for s in shifts]
    assert [r[3] for r in tables[0].rows] == ["、".join(s["staff"]) for s in shifts]


def test_holiday_roster_names_the_first_workday_after_the_spring_festival():
    template = load_template("节假日值班表")
    body = template.render(template.sample)["body"]
    assert body[-1].startswith("2月24日（星期二）起正常上班")   # 2/23 is the last holiday of 2026
    shifted = {**template.sample, "roster": {**template.sample["roster"], "shifts": [
        {"date": "2026-02-14", "leader": "甲", "staff": ["乙"], "phone": "1"}]}}
    assert template.render(shifted)["body"][1]["table"]["rows"][0][-1] == "调休上班"


@pytest.mark.parametrize("seq, label", [(1, "续报一"), (2, "续报二"), (12, "续报十二")])
def test_incident_update_titles_count_in_chinese(seq, label):
    template = load_template("突发事件续报")
    data = {**template.sample, "report": {**template.sample["report"], "seq": seq}}
    out = template.render(data)
    assert out["title"].endswith(f"（{label}）")
    if seq > 1:  # the body is composed by the service (incident_text), which counts the same way
        from app.services.incidents.text import follow_up

        body = follow_up({"title": "某事件"}, "无新变化", first_sent="2026-02-16 12:40", seq=seq)
        assert "续报" + "、".join(cn_number(i) for i in range(1, seq)) in body


# ---- the engine's geometry checks on every shipped template ---------------------------------


@pytest.fixture(scope="module")
def geometry():
    cache = {}

    def get(stem):
        if stem not in cache:
            template = load_template(stem)
            cache[stem] = read_pdf(render_template(template, template.sample, "pdf", today=TODAY).data)
        return cache[stem]

    return get


def test_pdf_geometry_follows_gbt9704(filled, geometry):
    stem, _, description = filled
    doc = parse_description(description)
    pages = geometry(stem)
    for page in pages:                                   # nothing outside the 156 mm text width
        for line in page.text_lines():
            # a squeezed closing mark's glyph sits in the left half of its (overhanging) box
            right = max(c["x0"] + (c["x1"] - c["x0"]) / 2 if c["text"] in CLOSING else c["x1"] for c in line.visible)
            assert line.x0 >= TEXT_LEFT - 1 * MM and right <= TEXT_RIGHT + 1 * MM, (stem, page.number, line.text)
    first_para = next(b for b in doc.body if not isinstance(b, Table)).text
    assert page_has(pages[0], first_para[:8]), "the first page must show body text"
    title = pages[0].find(doc.title[:6])
    assert title is not None and title.roles() == {"xiaobiaosong"}
    if doc.issuer_marks:
        red = "".join(c["text"] for c in pages[0].red_chars())
        assert _squash(doc.issuer_marks[0]) in red
    for page in pages:                                   # odd pages right, even pages left
        chars = page.page_number_chars()
        if not chars:
            continue
        middle = (min(c["x0"] for c in chars) + max(c["x1"] for c in chars)) / 2
        assert (middle > page.width / 2) == (page.number % 2 == 1), (stem, page.number)
    if doc.kind == "letter":
        assert pages[0].page_number_chars() == []
    elif doc.printer:
        rules = pages[-1].rules(red=False)
        assert rules and abs(rules[-1]["y"] - 262 * MM) < 0.5


def page_has(page, text: str) -> bool:
    return text in "".join(line.text for line in page.text_lines())
