"""信函格式, 纪要格式, 命令格式, joint issue, upward documents, signatures and tables, read back from
the PDF."""

from __future__ import annotations

import json

import pytest

from app import paths
from app.typeset import render
from tests.typeset.pdfcheck import (
    MM,
    PAGE_H,
    TEXT_BOTTOM,
    TEXT_LEFT,
    TEXT_RIGHT,
    TEXT_TOP,
    font_role,
    read_pdf,
)

ADV = 156 * MM / 28
PITCH = 28.95
CENTRE = (TEXT_LEFT + TEXT_RIGHT) / 2


def demo(name: str) -> dict:
    return json.loads(paths.resource("demo", f"{name}.json").read_text("utf-8"))


def pages_of(desc: dict):
    return read_pdf(render(desc, "pdf").data)


# ---- 信函格式 ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def letter():
    return pages_of(demo("letter"))


def test_letter_mark_30mm_from_the_top_and_red_double_lines(letter):
    p = letter[0]
    red = p.red_chars()
    assert "".join(c["text"] for c in red) == "××市人民政府办公室"
    top = min(c["top"] for c in red)
    bottom = max(c["bottom"] for c in red)
    assert abs(top - 30 * MM) < 1.5 * MM
    rules = p.rules(red=True)
    assert len(rules) == 4
    upper, lower = rules[:2], rules[2:]
    for r in rules:
        assert abs((r["x1"] - r["x0"]) - 170 * MM) < 0.5
        assert abs((r["x0"] + r["x1"]) / 2 - CENTRE) < 0.5
    # thick over thin, 4 mm below the mark
    assert upper[0]["thickness"] > upper[1]["thickness"]
    assert abs(upper[0]["y"] - upper[0]["thickness"] / 2 - (bottom + 4 * MM)) < 0.5
    # thin over thick, 20 mm from the paper bottom
    assert lower[0]["thickness"] < lower[1]["thickness"]
    assert abs(lower[0]["y"] - lower[0]["thickness"] / 2 - (PAGE_H - 20 * MM)) < 0.5


def test_letter_fields_doc_no_right_and_page_numbers(letter):
    p = letter[0]
    rule_bottom = p.rules(red=True)[1]["y"]
    copy_no = p.find("000023")
    assert abs(copy_no.x0 - TEXT_LEFT) < 0.3
    assert abs(copy_no.top - rule_bottom - 14) < 1.0  # 7/8 of a 3号 height below the line
    doc_no = next(ln for ln in p.text_lines() if "35号" in ln.text)
    doc_no_chars = [c for c in doc_no.chars if c["x0"] > CENTRE]
    assert abs(max(c["x1"] for c in doc_no_chars) - TEXT_RIGHT) < 0.5  # flush right
    assert p.page_number_chars() == []  # no page number on page 1
    assert letter[1].page_number_text == "—2—"
    assert p.find("演练") is not None  # body on page 1


def test_letter_record_has_no_printer_line_and_no_rules(letter):
    last = letter[-1]
    assert last.find("抄送：") is not None
    assert last.find("印发") is None
    assert last.rules(red=False) == []
    cc = last.find("抄送：")
    assert cc.bottom <= TEXT_BOTTOM + 0.5 and cc.top > TEXT_BOTTOM - 2 * PITCH


def test_letter_signature_page_carries_body_text(letter):
    sig_page = next(p for p in letter if p.find("2024年6月5日"))
    issuer = sig_page.find("××市人民政府办公室")
    body_above = [ln for ln in sig_page.text_lines() if ln.top < issuer.top and ln.size == 16]
    assert body_above  # never a signature alone on a page


# ---- 纪要格式 ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def minutes():
    return pages_of(demo("minutes"))


def test_minutes_mark_and_attendance(minutes):
    p = minutes[0]
    red = p.red_chars()
    assert "".join(c["text"] for c in red).endswith("纪要")
    assert abs(min(c["top"] for c in red) - 72 * MM) < 1.5 * MM
    page = next(pg for pg in minutes if pg.find("出席："))
    present = page.find("出席：")
    label = [c for c in present.chars if c["text"] in "出席："]
    assert {font_role(c["fontname"]) for c in label} == {"heiti"}
    names = [c for c in present.chars if c["text"] not in "出席："]
    assert {font_role(c["fontname"]) for c in names} == {"fangsong"}
    assert abs(present.x0 - (TEXT_LEFT + 2 * ADV)) < 0.3
    after_colon = names[0]["x0"]
    following = [ln for ln in page.text_lines() if present.top < ln.top < page.find("请假").top]
    assert following
    for ln in following:  # continuation lines align with the first name after the colon
        assert abs(ln.x0 - after_colon) < 0.3
    # names are never split across lines
    all_text = "".join(ln.text for ln in [present] + following)
    assert "市住房城乡建设局×××" in all_text
    for ln in [present] + following:
        assert not ln.text.endswith("××") or ln.text.endswith("×××") or ln.text.endswith("、")
    assert page.find("列席：") and page.find("记录：")


def test_minutes_record_on_even_page(minutes):
    last = minutes[-1]
    assert last.number % 2 == 0 and last.find("抄送：")
    assert abs(last.rules(red=False)[-1]["y"] - 262 * MM) < 0.3


# ---- 命令格式 ----------------------------------------------------------------------------------------
def test_order_mark_20mm_below_text_top_number_and_body_below():
    p = pages_of(demo("order"))[0]
    red = p.red_chars()
    assert "".join(c["text"] for c in red) == "××市人民政府令"
    assert abs(min(c["top"] for c in red) - (TEXT_TOP + 20 * MM)) < 1.5 * MM
    number = p.find("第18号")
    assert abs((number.x0 + number.x1) / 2 - CENTRE) < 0.5
    mark_bottom = max(c["bottom"] for c in red)
    assert 2 * PITCH - 10 < number.top - mark_bottom < 3 * PITCH
    body = p.find("现予公布") or p.find("《××市城市防汛管理办法》")
    first_body = min((ln for ln in p.text_lines() if ln.top > number.top), key=lambda ln: ln.top)
    assert abs(first_body.top - number.top - 3 * PITCH) < 0.3  # two blank lines between
    assert body is not None
    assert p.find("××市人民政府令第18号") is None  # no 标题 printed in 命令格式
    date = p.find("2024年6月1日")
    assert abs(date.x1 - (TEXT_RIGHT - 4 * ADV)) < 0.5


# ---- joint issue, upward document, tables, unsealed signatures -------------------------------------
@pytest.fixture(scope="module")
def request_doc():
    return pages_of(demo("request"))


def test_joint_mark_names_stacked_with_shared_wenjian_on_the_right(request_doc):
    p = request_doc[0]
    red = p.red_chars()
    lines = {}
    for c in red:
        lines.setdefault(round(c["top"]), []).append(c)
    rows = sorted(lines.items())
    texts = ["".join(c["text"] for c in sorted(cs, key=lambda c: c["x0"])) for _, cs in rows]
    assert texts == ["××市人民政府", "文件", "××军分区"]
    names = [rows[0][1], rows[2][1]]
    wenjian = rows[1][1]
    # the names are spread to the same width; 文件 is right of them, centred vertically
    assert abs(min(c["x0"] for c in names[0]) - min(c["x0"] for c in names[1])) < 0.5
    assert abs(max(c["x1"] for c in names[0]) - max(c["x1"] for c in names[1])) < 1.0
    assert min(c["x0"] for c in wenjian) > max(c["x1"] for c in names[0])
    names_mid = (min(c["top"] for c in names[0]) + max(c["bottom"] for c in names[1])) / 2
    assert abs((wenjian[0]["top"] + wenjian[0]["bottom"]) / 2 - names_mid) < 0.5
    left, right = min(c["x0"] for c in red), max(c["x1"] for c in red)
    assert abs((left + right) / 2 - CENTRE) < 1.0 and right <= TEXT_RIGHT + 0.5


def test_upward_doc_no_left_on_the_line_of_the_last_signer(request_doc):
    p = request_doc[0]
    label = p.find("签发人：")
    assert abs(label.x1 - (TEXT_RIGHT - ADV)) < 0.5  # right-indented one character
    kai = [c for c in label.chars if font_role(c["fontname"]) == "kaiti"]
    assert "".join(c["text"] for c in kai) == "××××××"  # two names on the first line
    doc_no_line = p.find("〔2024〕8号")
    assert abs(doc_no_line.top - label.top - PITCH) < 0.3
    assert abs(doc_no_line.x0 - (TEXT_LEFT + ADV)) < 0.3
    last_signer = [c for c in doc_no_line.chars if font_role(c["fontname"]) == "kaiti"]
    first_name_x = kai[0]["x0"]
    assert abs(last_signer[0]["x0"] - first_name_x) < 0.3  # aligned with the first name
    rule = p.rules(red=True)[0]
    assert abs(rule["y"] - (doc_no_line.top + 16 + 4 * MM)) < 0.3


def test_table_ruled_in_fangsong_with_header_repeated_on_the_next_page(request_doc):
    header_pages = [p for p in request_doc if p.find("物资名称")]
    assert len(header_pages) == 2  # the table continues on page 2 under a repeated header
    for p in header_pages:
        verticals = p.rules(horizontal=False)
        assert len(verticals) >= 5
        xs = sorted({round(v["x0"], 1) for v in verticals})
        assert abs(xs[0] - TEXT_LEFT) < 0.5 and abs(xs[-1] - TEXT_RIGHT) < 0.5
        head = p.find("物资名称")
        assert head.roles() == {"fangsong"}
    rows = "".join(ln.text for p in request_doc for ln in p.text_lines())
    for cell in ("编织袋", "救生衣", "冲锋舟", "移动照明灯塔", "夜间抢险使用"):
        assert rows.count(cell) == 1


def test_unsealed_joint_signature_date_two_characters_right_of_the_issuer(request_doc):
    p = next(pg for pg in request_doc if pg.find("2024年6月10日") and pg.find("××军分区"))
    first, second = p.find("××市人民政府"), next(
        ln for ln in p.text_lines() if ln.text == "××军分区")
    date = next(ln for ln in p.text_lines() if ln.text == "2024年6月10日")
    assert abs(first.x1 - (TEXT_RIGHT - 2 * ADV)) < 0.5  # the longer name right-indented 2
    assert abs(second.x0 - first.x0) < 0.3 and second.top > first.top
    assert abs(date.x0 - (first.x0 + 2 * ADV)) < 0.3
    assert abs(date.top - second.top - PITCH) < 0.3


def test_unsealed_signature_with_a_longer_date_gives_the_date_the_indent():
    pages = pages_of({"title": "测试通知", "body": "正文。", "issuer": "某局",
                      "date": "2024-12-10", "sealed": False})
    p = pages[0]
    issuer, date = p.find("某局"), p.find("2024年12月10日")
    assert abs(date.x1 - (TEXT_RIGHT - 2 * ADV)) < 0.5
    assert abs(issuer.x0 - (date.x0 - 2 * ADV)) < 0.3
    body = p.find("正文。")
    assert abs(issuer.top - body.top - 2 * PITCH) < 0.3  # one blank line below the body


def test_first_page_shows_body_text_for_every_format():
    for name in ("notice", "letter", "minutes", "order", "request"):
        p = pages_of(demo(name))[0]
        body_lines = [ln for ln in p.text_lines() if ln.size == 16
                      and abs(ln.x0 - (TEXT_LEFT + 2 * ADV)) < 0.3 and len(ln.visible) > 5]
        assert body_lines, name


def test_attachment_pages_start_new_pages_with_label_and_title():
    desc = {"title": "关于印发两个办法的通知", "body": "现印发给你们。",
            "attachments": [{"name": "某某管理办法", "body": "第一条　为了规范管理，制定本办法。"},
                            {"name": "某某实施细则", "body": ["第一条　本细则依据办法制定。"]}],
            "issuer": "某局", "date": "2024-06-03", "sealed": True}
    pages = pages_of(desc)
    assert len(pages) == 3
    for n, p in enumerate(pages[1:], 1):
        label = p.text_lines()[0]
        assert label.text == f"附件{n}" and label.roles() == {"heiti"}
        assert abs(label.top - TEXT_TOP) < 0.3 and abs(label.x0 - TEXT_LEFT) < 0.3
        title = p.text_lines()[1]
        assert title.size == 22 and abs(title.top - (TEXT_TOP + 2 * PITCH - 3)) < 0.5
        assert abs((title.x0 + title.x1) / 2 - CENTRE) < 0.5
        assert p.page_number_text == f"—{p.number}—"  # numbering continues
    notes = pages[0].find("附件：1．某某管理办法")
    assert notes is not None


def test_long_mark_is_condensed_to_fit_one_line_in_the_text_area():
    mark = "中共××市委办公室××市人民政府办公室××市财政局联合文件"
    p = pages_of({"title": "通知", "body": "正文。", "issuer_mark": mark})[0]
    red = p.red_chars()
    assert "".join(c["text"] for c in red) == mark
    assert len({round(c["top"], 1) for c in red}) == 1  # one line
    assert min(c["x0"] for c in red) >= TEXT_LEFT - 0.5
    assert max(c["x1"] for c in red) <= TEXT_RIGHT + 0.5
    assert abs(min(c["top"] for c in red) - 72 * MM) < 1.5 * MM


def test_to_moves_to_the_record_when_it_would_push_the_body_off_page_one():
    to = "、".join(f"第{n}区人民政府" for n in range(1, 60)) + "："
    desc = {"title": "关于某事的通知", "issuer_mark": "××市人民政府文件", "doc_no": "×政发〔2024〕2号",
            "to": to, "body": "现将有关事项通知如下。", "cc": ["市委办公室"],
            "printer": "××市人民政府办公室", "print_date": "2024-06-03"}
    result = render(desc, "pdf")
    assert any("7.3.2" in w for w in result.warnings)
    pages = read_pdf(result.data)
    assert pages[0].find("现将有关事项通知如下") is not None  # the body stays on page 1
    last = pages[-1]
    to_line, cc_line = last.find("主送："), last.find("抄送：")
    assert to_line is not None and cc_line is not None
    assert to_line.top < cc_line.top
    rules = last.rules(red=False)
    # no rule between 主送 and 抄送; the thin rule separates them from the 印发 line
    assert not any(to_line.top < r["y"] < cc_line.top for r in rules)
    text = "".join(ln.text for ln in last.text_lines() if to_line.top <= ln.top < cc_line.top)
    assert text.startswith("主送：第1区人民政府") and text.endswith("第59区人民政府。")


def test_signature_after_a_table_takes_the_last_row_along():
    # whatever the table length, the signature page also shows body text (the last row, under
    # a repeated header), never the 署名 alone
    seen_split = set()
    for rows in range(8, 24):
        for sealed in (True, False):
            desc = {"title": "通知", "body": ["请按下表执行：",
                                            {"table": {"header": ["项目", "数量"],
                                                       "rows": [["编织袋", str(n)] for n in range(rows)]}}],
                    "issuer": "某某局", "date": "2024-06-03", "sealed": sealed}
            pages = pages_of(desc)
            sig = next(p for p in pages if p.find("某某局"))
            issuer = sig.find("某某局")
            above = [ln for ln in sig.text_lines() if ln.top < issuer.top]
            assert any("编织袋" in ln.text for ln in above), (rows, sealed)
            if sig.number > 1:
                seen_split.add(sealed)
                assert sig.find("项目") is not None  # the header is repeated
                gap = round((issuer.top - max(ln.top for ln in above)) / PITCH)
                assert gap == (4 if sealed else 2)
            text = "".join(ln.text for p in pages for ln in p.text_lines())
            assert text.count("编织袋") == rows
    assert seen_split == {True, False}


def test_a_page_never_starts_with_blank_lines():
    # body that fills page 1 exactly, then a signature: the new page starts at line 1, not 2
    han = "国务院办公厅关于进一步加强安全生产工作的通知各地区部门要认真贯彻落实会议精神"
    for n in range(10, 40):
        desc = {"title": "通知", "body": "\n".join(han[:26] + han[:n % 20] for _ in range(n)),
                "attachments": ["某某清单"]}
        pages = pages_of(desc)
        if len(pages) > 1 and pages[1].find("附件："):
            first = pages[1].text_lines()[0]
            assert first.text.startswith("附件：") and abs(first.top - TEXT_TOP) < 0.3
            break
    else:
        pytest.fail("no body length put the 附件说明 at the top of page 2")
