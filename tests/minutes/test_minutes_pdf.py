"""The generated 纪要 read back from the PDF: red 纪要 mark, number, title, the topic sections
with their decisions, the 出席/请假/列席 labels in 黑体 with names in 仿宋 in protocol order, and
wrapped 列席 names aligned after the colon."""

from __future__ import annotations

import datetime as dt

from app.services.minutes import meetings as mn
from tests.typeset.pdfcheck import MM, TEXT_LEFT, is_red, read_pdf

TEXT_CENTRE = TEXT_LEFT + 78 * MM

PRESENT = ["赵志远", "钱国华", "孙丽", "周振宇", "吴海涛"]
ATTENDING = [("冯涛", "市应急管理局局长"), ("陈斌", "市交通运输局局长"), ("褚红", "市民政局局长"),
             ("蒋立新", "市财政局副局长"), ("沈建国", "市公安局副局长")]


def _meeting(clerk):
    t = mn.create_type(clerk, "常务会议", organ="市政府", mark="临江市人民政府常务会议纪要")
    m = mn.create_meeting(clerk, t.id, dt.date(2026, 2, 5), seq=12, venue="市政府第一会议室",
                          host="赵志远", host_title="市长", recorder="卫晓东")
    tp1 = mn.save_topic(clerk, m.id, "春节期间安全生产工作", unit="市应急管理局",
                        summary="会议听取了市应急管理局的汇报。")
    mn.add_decision(clerk, tp1.id, "会议要求严格落实领导带班和24小时值班制度。",
                    lead_unit="市应急管理局", workdays=3)
    mn.add_decision(clerk, tp1.id, "会议同意节日期间安全生产大检查方案。", lead_unit="市应急管理局")
    tp2 = mn.save_topic(clerk, m.id, "困难群众走访慰问工作", unit="市民政局")
    mn.add_decision(clerk, tp2.id, "会议同意安排专项资金用于走访慰问。", lead_unit="市民政局",
                    coop_units=["市财政局"])
    mn.set_attendance(clerk, m.id, "present", [mn.AttendeeIn(n) for n in PRESENT])
    mn.set_attendance(clerk, m.id, "absent", [mn.AttendeeIn("郑明", reason="出差")])
    mn.set_attendance(clerk, m.id, "attending",
                      [mn.AttendeeIn(n, title=t) for n, t in ATTENDING])
    return m


def test_generated_minutes_read_back_from_pdf(people):
    clerk, _ = people
    m = _meeting(clerk)
    mn.generate_minutes(clerk, m.id)
    mn.issue_minutes(clerk, m.id)
    pages = read_pdf(mn.render_minutes(clerk, m.id, "pdf"))
    first = pages[0]
    mark = first.find("临江市人民政府常务会议纪要")
    assert mark is not None and all(is_red(c.get("non_stroking_color")) for c in mark.visible)
    assert first.find("〔2026〕1号") is not None
    title = first.find("市政府第十二次常务会议纪要")
    assert title is not None and abs((title.x0 + title.x1) / 2 - TEXT_CENTRE) < 1
    body = [ln.text for p in pages for ln in p.text_lines()]
    text = "".join(body)
    assert "2026年2月5日，市长赵志远在市政府第一会议室主持召开市政府第十二次常务会议" in text
    assert text.index("一、春节期间安全生产工作") < text.index("（一）会议要求") < \
        text.index("（二）会议同意") < text.index("二、困难群众走访慰问工作") < \
        text.index("会议同意安排专项资金")

    lines = [ln for p in pages for ln in p.text_lines()]
    label = {k: next(ln for ln in lines if ln.text.startswith(f"{k}：")) for k in
             ("出席", "请假", "列席")}
    for k, ln in label.items():
        head = ln.visible[:3]
        assert {("heiti" in _role(c)) for c in head[:2]} == {True}, k
        assert "fangsong" in _role(ln.visible[3]), k
        assert abs(head[0]["x0"] - (TEXT_LEFT + 2 * 16)) < 1.5, "label indented two characters"
    assert label["出席"].text == "出席：" + "、".join(PRESENT)
    assert label["请假"].text == "请假：郑明（出差）"
    i = lines.index(label["列席"])
    attending = label["列席"].text + "".join(ln.text for ln in lines[i + 1:i + 3]
                                            if not ln.text.startswith(("主持", "记录")))
    assert attending.startswith("列席：" + "、".join(t + n for n, t in ATTENDING))
    # the wrapped 列席 line starts under the first name, after the colon
    cont = lines[i + 1]
    first_name_x = label["列席"].visible[3]["x0"]
    assert not cont.text.startswith(("主持", "记录"))
    assert abs(cont.x0 - first_name_x) < 1.0
    assert cont.x0 > TEXT_LEFT + 4 * 16 - 1
    assert next(ln for ln in lines if ln.text.startswith("记录：")).text == "记录：卫晓东"
    assert all(ln.x1 <= TEXT_LEFT + 156 * MM + 1 for ln in lines)


def _role(c: dict) -> str:
    from tests.typeset.pdfcheck import font_role

    return font_role(c["fontname"]) or ""
