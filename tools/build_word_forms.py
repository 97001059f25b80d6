"""Build the shipped Word-form templates (resources/templates/form_*.docx) with python-docx.

Run ``python tools/build_word_forms.py`` after changing a form here; commit the .docx files.
Each form carries its metadata in the core properties (title = name, category = kind,
comments = description; see app/templating/wordform.py) and Jinja2 placeholders filled by
docxtpl: ``{%tr for … %}`` rows repeat table rows, ``{%p for … %}`` paragraphs repeat paragraphs.
Demo data for each form is resources/demo/templates/<stem>.json.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import paths

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
LABEL_FONT = "黑体"
FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _new(title: str, kind: str, comments: str, *, landscape: bool = False) -> Document:
    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(30), Mm(25)
    section.left_margin, section.right_margin = Mm(25), Mm(25)
    props = doc.core_properties
    props.title, props.category, props.comments = title, kind, comments
    props.keywords = "govdesk-form"
    props.author = "GovDesk"
    props.last_modified_by = "GovDesk"
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    return doc


def _para(doc_or_cell, text: str, *, font: str = BODY_FONT, size: float = 14,
          align=None, bold: bool = False, space_after: float = 0):
    p = doc_or_cell.add_paragraph()
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    _font(p.add_run(text), font, size, bold)
    return p


def _cell(cell, text: str, *, font: str = BODY_FONT, size: float = 12, align=None) -> None:
    p = cell.paragraphs[0]
    if align is not None:
        p.alignment = align
    _font(p.add_run(text), font, size)


def _table(doc, rows: int, cols: int, widths_mm: list[float]):
    table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)  # w:gridCol, which LibreOffice and WPS follow
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    return table


def _repeating_table(doc, header: list[str], loop: str, cells: list[str], widths: list[float]):
    """Header row, then ``{%tr for … %}`` / the record row / ``{%tr endfor %}``."""
    table = _table(doc, 4, len(header), widths)
    center = WD_ALIGN_PARAGRAPH.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell(cell, text, font=LABEL_FONT, align=center)
    _cell(table.rows[1].cells[0], f"{{%tr for {loop} %}}")
    for cell, text in zip(table.rows[2].cells, cells, strict=True):
        _cell(cell, text, align=center)
    _cell(table.rows[3].cells[0], "{%tr endfor %}")
    return table


def build_roster() -> Document:
    doc = _new("值班表", "值班表", "节假日值班表：每日一行（日期、星期、带班领导、值班人员、联系电话）。")
    _para(doc, "{{ office.name }}{{ roster.period }}值班表", font=TITLE_FONT, size=18,
          align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
    _para(doc, "值班时间：{{ roster.start|cn_date }}至{{ roster.end|cn_date }}　值班电话：{{ office.duty_phone }}",
          size=12, space_after=6)
    _repeating_table(
        doc, ["日期", "星期", "带班领导", "值班人员", "联系电话"], "r in roster.shifts",
        ["{{ r.date|cn_date(false) }}", "{{ r.date|weekday }}", "{{ r.leader }}",
         "{{ r.staff|cn_join }}", "{{ r.phone }}"],
        [27, 20, 27, 48, 38],
    )
    _para(doc, "{{ roster.end|add_workdays(1)|cn_date(false) }}（{{ roster.end|add_workdays(1)|weekday }}）起正常上班。",
          size=12, space_after=12)
    _para(doc, "{{ office.name }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "{{ roster.date|default(today)|cn_date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    return doc


def build_incident() -> Document:
    doc = _new("突发事件信息报告表", "突发事件信息报告表", "突发事件信息报告表：事件要素一览，处置措施逐条成行。")
    _para(doc, "突发事件信息报告表", font=TITLE_FONT, size=18, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    _para(doc, "报送单位：{{ office.duty_room }}　报送日期：{{ report.date|cn_date }}　第{{ report.issue }}期",
          size=12, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    fields = [
        ("事件名称", "{{ incident.title }}"),
        ("事件类型", "{{ incident.type|default('') }}"),
        ("发生时间", "{{ incident.occurred|cn_datetime }}"),
        ("发生地点", "{{ incident.place }}"),
        ("接报时间", "{{ incident.received|cn_datetime }}"),
        ("基本情况", "{{ incident.summary }}。{{ incident.details|default('') }}"),
        ("人员伤亡", ("死亡{{ incident.deaths|default(0) }}人，受伤{{ incident.injured|default(0) }}人，"
                      "失联{{ incident.missing|default(0) }}人（截至{{ report.as_of|cn_datetime(false) }}）")),
        ("下一步工作", "{{ incident.next|default('') }}"),
        ("报告人", "{{ report.reporter }}　联系电话：{{ report.phone }}"),
        ("签发人", "{{ report.approver }}"),
    ]
    table = _table(doc, len(fields), 2, [32, 128])
    for row, (label, value) in zip(table.rows, fields, strict=True):
        _cell(row.cells[0], label, font=LABEL_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
        _cell(row.cells[1], value)
    _para(doc, "已采取的处置措施", font=LABEL_FONT, size=14, space_after=6).paragraph_format.space_before = Pt(12)
    _repeating_table(doc, ["序号", "处置措施"], "m in incident.measures",
                     ["{{ loop.index }}", "{{ m }}"], [16, 144])
    return doc


def build_handover() -> Document:
    doc = _new("交接班记录表", "交接班记录", "交接班记录表：交接双方、本班情况、待办事项（逐项成行，含办理时限）。")
    _para(doc, "{{ office.duty_room }}交接班记录表", font=TITLE_FONT, size=18,
          align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
    fields = [
        ("交接时间", "{{ handover.time|cn_datetime }}（{{ handover.time|weekday }}）"),
        ("交班人", "{{ handover['from']|cn_join }}"),
        ("接班人", "{{ handover.to|cn_join }}"),
        ("本班情况", "{{ handover.summary }}"),
        ("设备物品", "{{ handover.equipment|default('运行正常，已当面交接。') }}"),
    ]
    table = _table(doc, len(fields), 2, [32, 128])
    for row, (label, value) in zip(table.rows, fields, strict=True):
        _cell(row.cells[0], label, font=LABEL_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
        _cell(row.cells[1], value)
    _para(doc, "待办事项", font=LABEL_FONT, size=14, space_after=6).paragraph_format.space_before = Pt(12)
    _repeating_table(
        doc, ["序号", "事项", "办理要求", "办理时限"], "p in handover.pending",
        ["{{ loop.index }}", "{{ p.matter }}", "{{ p.requirement }}",
         "{{ handover.time|add_workdays(p.workdays)|cn_date(false) }}前"],
        [14, 62, 54, 30],
    )
    _para(doc, "需接班人员关注的事项", font=LABEL_FONT, size=14, space_after=6).paragraph_format.space_before = Pt(12)
    _para(doc, "{%p for a in handover.attention %}", size=12)
    _para(doc, "{{ loop.index }}. {{ a }}", size=12)
    _para(doc, "{%p endfor %}", size=12)
    _para(doc, "交班人（签字）：　　　　　　　　接班人（签字）：", size=14).paragraph_format.space_before = Pt(18)
    return doc


FORMS = {"form_roster": build_roster, "form_incident": build_incident, "form_handover": build_handover}


def main() -> int:
    out_dir = paths.templates_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    for stem, build in FORMS.items():
        path = out_dir / f"{stem}.docx"
        build().save(str(path))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
