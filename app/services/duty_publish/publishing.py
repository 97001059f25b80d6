"""值班 outputs: the 值班安排 notice (a shipped or office template, rendered by the GB/T 9704
engine), a month-grid calendar print (PDF), an XLSX export of the roster with the fairness ledger,
and the 值班日报 for a date range. Each goes through the one paper path (``app.services.output``):
the template is the office's (else the shipped one), classified records are marked and
watermarked, every output is audited (print/export) and returned as an ``Output``. A roster's
prints carry the roster's own 密级, a handover's its own (or higher, for the 值班记录 its open
items came from), a 值班日报 the highest of what it reports (the day's log, incidents and the
roster naming the day's duties). A PDF print makes ``copies`` copies; at 秘密/机密 each takes its
份号 from its record's series in the 涉密文件登记簿 (a roster's notice and calendar, a handover,
each day's 值班日报) and is registered there."""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app import paths
from app.domain.duty_hours import ShiftHours
from app.domain.security import Action
from app.domain.workdays import DEFAULT_CALENDAR
from app.errors import InputError
from app.services import duty, output, placeholders, templates
from app.services import office as office_settings
from app.services.context import ServiceContext

if TYPE_CHECKING:
    from app.services.documents import DocumentInfo

NOTICE_TEMPLATES = {"duty_notice": "值班安排通知", "holiday_roster": "节假日值班表"}
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class NoticeOptions:
    period: str = ""  # “2026年春节期间”; default: the roster's dates
    to: str = "各处室、各直属单位"
    year: int = 0
    duty_phone: str = ""
    holiday: str = ""
    date: dt.date | None = None
    template: str = "duty_notice"


def _finish(ctx: ServiceContext, action: Action, what: str, object_type: str, object_id: object,
            kind: str, fmt: str, data: bytes, *, title: str = "", level: int = 0,
            chosen: templates.ChosenTemplate | None = None, warnings: tuple = (),
            detail: dict | None = None, copies: int = 1,
            series: list[output.Series] | None = None) -> output.Output:
    actor = ctx.require(action)
    return output.finish(ctx, actor, kind=kind, fmt=fmt, data=data, action=what,
                         object_type=object_type, object_id=object_id, classification=level,
                         title=title, template=chosen.used if chosen else None,
                         warnings=(*(chosen.warnings if chosen else ()), *warnings),
                         detail=detail, copies=copies,
                         series=series if fmt == "pdf" and series else ())


def _per_day(info: duty.RosterInfo, roles: dict[str, str]) -> dict[dt.date, dict[str, list[duty.Duty]]]:
    days: dict[dt.date, dict[str, list[duty.Duty]]] = defaultdict(lambda: defaultdict(list))
    for d in info.duties:
        days[d.day][d.role].append(d)
    return days


def _names(duties: list[duty.Duty], multi_shift: bool) -> list[str]:
    return [f"{d.staff_name}（{d.shift}）" if multi_shift else d.staff_name for d in duties]


def notice_data(ctx: ServiceContext, roster_id: int, opts: NoticeOptions) -> dict:
    """The template data (``office``, ``doc``, ``roster``) of a roster's notice."""
    info = duty.get_roster(ctx, roster_id)
    if not info.duties:
        raise InputError("值班表还没有安排，请先生成。")
    office = office_settings.get_office(ctx)
    staff = {p.id: p for p in duty.list_staff(ctx)}
    roles = duty.list_roles(ctx)
    rules = duty.get_rules(ctx)
    multi = len(rules.shifts) > 1
    shifts = []
    for day, by_role in sorted(_per_day(info, roles).items()):
        leaders = by_role.get("leader", [])
        others = [d for r, ds in by_role.items() if r != "leader" for d in ds]
        phones = [staff[d.staff_id].mobile or staff[d.staff_id].phone for d in others
                  if d.staff_id in staff]
        shifts.append({"date": day.isoformat(), "leader": "、".join(_names(leaders, multi)),
                       "staff": _names(others, multi),
                       "phone": "、".join(p for p in phones if p)})
    code = office.code_series[0] if office.code_series else ""
    code = code.removesuffix("发")
    name = office.office_name
    if not name:
        raise InputError("请先在“单位设置”中填写单位名称，再生成值班安排通知。")
    date = opts.date or ctx.now().astimezone().date()
    period = opts.period.strip() or (
        f"{info.start.month}月{info.start.day}日至{info.end.month}月{info.end.day}日")
    # “节后第一个工作日” only when the roster covers a holiday (an ordinary month has no 节后)
    holidays = [DEFAULT_CALENDAR.holiday_name(info.start + dt.timedelta(days=i))
                for i in range((info.end - info.start).days + 1)]
    holiday = opts.holiday.strip() or next((h for h in holidays if h), "")
    after = (DEFAULT_CALENDAR.add_workdays(info.end, 1).isoformat()
             if any(holidays) or opts.holiday.strip() else "")
    return {
        "office": {"name": name, "short": name, "mark": office.default_issuer_mark or f"{name}文件",
                   "code": code, "printer": office.printer or name,
                   "duty_room": f"{name}总值班室", "duty_phone": opts.duty_phone.strip()},
        # no 发文字号 here: a number is taken only at 签发, from the series register (a notice
        # printed from the roster shows none; ``draft_notice`` makes a 公文 draft that gets one)
        "doc": {"year": opts.year or date.year, "number": "", "to": opts.to.strip(),
                "date": date.isoformat(), "cc": []},
        "roster": {"period": period, "holiday": holiday,
                   "start": info.start.isoformat(), "end": info.end.isoformat(),
                   "after_holiday": after, "shifts": shifts, "date": date.isoformat()},
    }


def render_notice(ctx: ServiceContext, roster_id: int, opts: NoticeOptions,
                  fmt: str = "pdf", *, allow_placeholders: bool = False,
                  copies: int = 1) -> output.Output:
    """The roster as an official notice through the office's template of the kind (else the
    shipped one) — without a 发文字号 (a number is used for good only at 签发: see
    ``draft_notice``) — marked with the roster's 密级. Unfilled placeholders are refused unless
    ``allow_placeholders``."""
    from app.templating import WordForm
    from app.templating.library import render_template

    action = Action.PRINT if fmt == "pdf" else Action.EXPORT
    ctx.require(action)
    if opts.template not in NOTICE_TEMPLATES:
        raise InputError("请选择“值班安排通知”或“节假日值班表”模板。")
    data = notice_data(ctx, roster_id, opts)
    chosen = templates.template_for(ctx, NOTICE_TEMPLATES[opts.template])
    if not isinstance(chosen.template, WordForm):  # a Word form has no placeholders to check
        placeholders.check(chosen.template.render(data, today=opts.date), allow_placeholders)
    out = render_template(chosen.template, data, fmt, today=opts.date)
    level = duty.get_roster(ctx, roster_id).classification
    title = NOTICE_TEMPLATES[opts.template]
    return _finish(ctx, action, "duty.roster.notice", "duty_roster", roster_id, "duty_notice",
                   fmt, out.data, title=title, level=level, chosen=chosen,
                   warnings=out.warnings, detail={"notice": opts.template}, copies=copies,
                   series=[output.Series("duty_notice", roster_id,
                                         f"{data['roster']['period']}{title}")])


def notice_description(ctx: ServiceContext, roster_id: int, opts: NoticeOptions) -> dict:
    """The filled 值班安排通知 description (no 发文字号)."""
    if opts.template != "duty_notice":
        raise InputError("只有“值班安排通知”可以生成公文文稿。")
    chosen = templates.template_for(ctx, NOTICE_TEMPLATES[opts.template], "description")
    description = chosen.template.render(notice_data(ctx, roster_id, opts), today=opts.date)
    description.pop("doc_no", None)
    return description


def draft_notice(ctx: ServiceContext, roster_id: int, opts: NoticeOptions) -> DocumentInfo:
    """The notice as a 通知 draft in 公文 (拟稿): the clerk edits it, 校核 checks it, and 签发
    takes its 发文字号 from the series register of the office's first 机关代字 — so the notice
    and the next 通知 can never get the same number. Audited as the draft's creation."""
    from app.services import documents

    ctx.require(Action.DRAFT)
    description = notice_description(ctx, roster_id, opts)
    office = office_settings.get_office(ctx)
    series = office.code_series[0] if office.code_series else ""
    info = documents.create_document(ctx, description, genre="通知", series_prefix=series)
    from app.services import audit

    actor = ctx.require(Action.DRAFT)
    with ctx.session() as s, s.begin():
        audit.append(s, actor, "duty.roster.notice_draft", "duty_roster", roster_id,
                     {"document": info.id}, at=ctx.now())
    return info


# ---------------------------------------------------------------- calendar print


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names = ("GovDeskDutyHei", "GovDeskDutySong")
    files = ("FandolHei-Regular.ttf", "FandolSong-Regular.ttf")
    for name, file in zip(names, files, strict=True):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(paths.fonts_dir() / file)))
    return names


def _fit(canvas, text: str, font: str, size: float, width: float) -> str:
    if canvas.stringWidth(text, font, size) <= width:
        return text
    while text and canvas.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def render_calendar(ctx: ServiceContext, roster_id: int, *, copies: int = 1) -> output.Output:
    """A month grid per page (A4 landscape): each day's leader and officers; weekends and
    holidays shaded, make-up workdays marked 班; marked with the roster's 密级."""
    from reportlab.lib.colors import Color, black
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    ctx.require(Action.PRINT)
    info = duty.get_roster(ctx, roster_id)
    roles = duty.list_roles(ctx)
    office = office_settings.get_office(ctx)
    multi = len(duty.get_rules(ctx).shifts) > 1
    days = _per_day(info, roles)
    hei, song = _fonts()
    buf = io.BytesIO()
    width, height = landscape(A4)
    c = Canvas(buf, pagesize=(width, height), invariant=1)
    c.setTitle(info.title)
    margin = 36
    y, m = info.start.year, info.start.month
    while (y, m) <= (info.end.year, info.end.month):
        c.setFont(hei, 18)
        c.drawCentredString(width / 2, height - margin - 6,
                            f"{office.office_name}{y}年{m}月值班表")
        top = height - margin - 40
        cell_w = (width - 2 * margin) / 7
        weeks = pycal.Calendar(0).monthdatescalendar(y, m)
        head = 20
        cell_h = (top - head - margin) / len(weeks)
        c.setFont(hei, 11)
        for i, wd in enumerate(WEEKDAYS):
            c.drawCentredString(margin + cell_w * (i + 0.5), top - 14, f"星期{wd}")
        c.setLineWidth(0.6)
        for row, week in enumerate(weeks):
            for col, day in enumerate(week):
                x = margin + col * cell_w
                yy = top - head - (row + 1) * cell_h
                rest = DEFAULT_CALENDAR.is_rest_day(day)
                if day.month == m and rest:
                    c.setFillColor(Color(0.93, 0.93, 0.93))
                    c.rect(x, yy, cell_w, cell_h, stroke=0, fill=1)
                c.setFillColor(black)
                c.rect(x, yy, cell_w, cell_h, stroke=1, fill=0)
                if day.month != m:
                    continue
                c.setFont(hei, 11)
                c.drawString(x + 4, yy + cell_h - 13, str(day.day))
                mark = DEFAULT_CALENDAR.holiday_name(day) or (
                    "班" if DEFAULT_CALENDAR.is_makeup_workday(day) else "")
                if mark:
                    c.setFont(song, 8)
                    c.drawRightString(x + cell_w - 4, yy + cell_h - 12, mark)
                line_y = yy + cell_h - 27
                c.setFont(song, 9)
                for role, duties in sorted(days.get(day, {}).items(),
                                           key=lambda kv: list(roles).index(kv[0])
                                           if kv[0] in roles else 99):
                    label = "带班" if role == "leader" else ("值班" if role == "officer"
                                                             else duty.role_name(roles, role))
                    text = f"{label}：{'、'.join(_names(duties, multi))}"
                    c.drawString(x + 4, line_y, _fit(c, text, song, 9, cell_w - 8))
                    line_y -= 12
        c.setFont(song, 8)
        c.drawRightString(width - margin, margin - 16,
                          f"灰底为休息日；“班”为调休上班日。{info.title}（{info.status_label}）")
        c.showPage()
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    c.save()
    return _finish(ctx, Action.PRINT, "duty.roster.calendar", "duty_roster", roster_id,
                   "duty_calendar", "pdf", buf.getvalue(), title=info.title,
                   level=info.classification, copies=copies,
                   series=[output.Series("duty_calendar", roster_id)])


# ---------------------------------------------------------------- XLSX


def export_xlsx(ctx: ServiceContext, roster_id: int) -> output.Output:
    """Sheet 值班表 (a row per day and shift, a column per role, phones) and sheet 公平台账
    (this year's published duties per person, rest-day duties separately)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    ctx.require(Action.EXPORT)
    info = duty.get_roster(ctx, roster_id)
    roles = duty.list_roles(ctx)
    rules = duty.get_rules(ctx)
    staff = {p.id: p for p in duty.list_staff(ctx)}
    wb = Workbook()
    ws = wb.active
    ws.title = "值班表"
    ws.append([info.title])
    ws["A1"].font = Font(bold=True, size=14)
    role_codes = list(rules.roles)
    ws.append(["日期", "星期", "班次", *[duty.role_name(roles, r) for r in role_codes],
               "联系电话", "休息日"])
    by_slot: dict[tuple[dt.date, str], dict[str, list[duty.Duty]]] = defaultdict(
        lambda: defaultdict(list))
    for d in info.duties:
        by_slot[(d.day, d.shift)][d.role].append(d)
    day = info.start
    while day <= info.end:
        for shift in rules.shifts:
            slot = by_slot.get((day, shift), {})
            names = ["、".join(d.staff_name for d in slot.get(r, [])) for r in role_codes]
            phones = "、".join(
                f"{d.staff_name}{staff[d.staff_id].phones}" for r in role_codes
                for d in slot.get(r, []) if d.staff_id in staff and staff[d.staff_id].phones)
            ws.append([day, f"星期{WEEKDAYS[day.weekday()]}", shift, *names, phones,
                       "是" if DEFAULT_CALENDAR.is_rest_day(day) else ""])
            ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"
        day += dt.timedelta(days=1)
    for col, w in zip("ABCDEFGH", (12, 8, 8, 14, 24, 40, 8, 8), strict=True):
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "A3"
    led = wb.create_sheet("公平台账")
    led.append(["姓名", "岗位", f"{info.start.year}年值班次数", "其中休息日", *[
        duty.role_name(roles, r) for r in role_codes]])
    for row in duty.ledger(ctx, info.start.year):
        led.append([row.name, "、".join(duty.role_name(roles, r) for r in row.roles), row.total,
                    row.rest_day, *[row.by_role.get(r, 0) for r in role_codes]])
    for sheet in (ws, led):
        for cell in sheet[2 if sheet is ws else 1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
    # the roster's 密级 as each sheet's first row and in its name; user text stored as text
    output.mark_workbook(wb, info.classification)
    return _finish(ctx, Action.EXPORT, "duty.roster.xlsx", "duty_roster", roster_id,
                   "duty_roster_xlsx", "xlsx", output.workbook_bytes(wb), title=info.title,
                   level=info.classification)


# ---------------------------------------------------------------- daily report


def _window(day: dt.date, hours: ShiftHours) -> tuple[dt.datetime, dt.datetime]:
    """The duty day: from the office's handover (08:30 unless set) on ``day`` to the next one
    (local time)."""
    start = dt.datetime.combine(day, hours.handover).astimezone()
    return start, start + dt.timedelta(days=1)


def _day_incidents(ctx: ServiceContext, start: dt.datetime, end: dt.datetime,
                   printed: list[tuple[str, int]] | None = None) -> tuple[list[str], int]:
    """The incidents received in the duty day (those the reader may see), as lines of the
    report, and the highest 密级 among them; each one's ``("incident", id)`` added to
    ``printed``."""
    from app.services import incidents

    lines, level = [], 0
    for row in incidents.list_received_between(ctx, start, end):
        if printed is not None:
            printed.append(("incident", int(row.id)))
        level = max(level, int(row.classification))
        at = row.received_at.strftime("%H:%M")
        place = f"，{row.place}" if row.place else ""
        lines.append(f"{at}接报{row.title}（{row.category}，{incidents.level_label(row.level)}"
                     f"{place}；{incidents.status_label(row.status)}）。")
    return lines, level


def daily_level(data: dict) -> int:
    """The 密级 of a 值班日报: the highest of what it reports."""
    return int(data.get("daily", {}).get("classification", 0))


def daily_data(ctx: ServiceContext, day: dt.date, to: str = "") -> dict:
    """The template data of the 值班日报 of ``day`` (what the reader may see)."""
    return _daily(ctx, day, to)[0]


def _daily(ctx: ServiceContext, day: dt.date, to: str = "") -> tuple[dict, tuple[tuple[str, int], ...]]:
    """``daily_data`` and the records it holds — ``("duty_log", id)``, ``("incident", id)`` —
    whose 知悉范围 the report's copies are checked against (``output.Series.within``)."""
    printed: list[tuple[str, int]] = []
    office = office_settings.get_office(ctx)
    name = office.office_name or "（单位名称）"
    duties = duty.duties_between(ctx, day, day)
    leaders = [d.staff_name for d in duties if d.role == "leader"]
    others = [d.staff_name for d in duties if d.role != "leader"]
    start, end = _window(day, duty.get_rules(ctx).hours)
    entries = duty.list_log(ctx, 0, 500, start=start, end=end, newest_first=False)
    calls, instructions = [], []
    level = 0
    for e in entries:
        printed.append(("duty_log", int(e.id)))
        level = max(level, int(e.classification))
        assert e.received_at is not None  # a stored entry has its time (None only as input)
        local = e.received_at.astimezone()
        handling = "；".join(x for x in (f"已转{e.passed_to}" if e.passed_to else "", e.result) if x)
        if e.kind == "批示":
            instructions.append(f"{e.caller}：{e.content}" + (f"（{handling}）" if handling else ""))
        else:
            calls.append({"time": local.strftime("%H:%M"), "source": f"{e.kind}·{e.caller}"
                          if e.caller else e.kind, "matter": e.content,
                          "handling": handling or "登记"})
    attention = [i.text for i in duty.list_open_items(ctx, at=end)]
    incident_lines, incident_level = _day_incidents(ctx, start, end, printed)
    if duties:  # the roster naming the day's duties may itself be classified
        level = max(level, duty.duties_level(ctx, day, day))
    return {
        "office": {"duty_room": f"{name}总值班室", "short": name, "name": name},
        "daily": {"date": day.isoformat(), "issue": day.timetuple().tm_yday,
                  "leader": "、".join(leaders) or "（未排）", "staff": others or ["（未排）"],
                  "calls": calls, "incidents": incident_lines, "instructions": instructions,
                  "attention": attention, "to": to or "办公室领导",
                  "classification": max(level, incident_level)},
    }, tuple(printed)


def render_daily(ctx: ServiceContext, start: dt.date, end: dt.date, fmt: str = "pdf",
                 to: str = "", *, copies: int = 1) -> output.Output:
    """The 值班日报 for each day of ``start``–``end``: one PDF (a report per day, each from a
    new page, ``copies`` copies of each) or, for a single day, DOCX — through the office's
    值班日报 template (else the shipped one), marked with the highest 密级 of what the days
    report. Each day's report is a record of its own: at 秘密/机密 its copies take their 份号
    from that day's series (``duty_daily`` yyyymmdd) in the 涉密文件登记簿."""
    from pypdf import PdfReader, PdfWriter

    from app.templating.library import render_template

    ctx.require(Action.PRINT)
    if end < start:
        raise InputError("结束日期不能早于开始日期。")
    if (end - start).days > 62:
        raise InputError("一次最多打印62天的值班日报。")
    if fmt == "docx" and end != start:
        raise InputError("Word 格式一次只能导出一天的值班日报。")
    chosen = templates.template_for(ctx, "值班日报")
    parts: list[bytes] = []
    warnings: list[str] = []
    series: list[output.Series] = []
    level = 0
    day = start
    while day <= end:
        day_data, printed = _daily(ctx, day, to)
        level = max(level, daily_level(day_data))
        rendered = render_template(chosen.template, day_data, fmt, today=day)
        parts.append(rendered.data)
        warnings += rendered.warnings
        if fmt == "pdf":
            series.append(output.Series(
                "duty_daily", int(f"{day:%Y%m%d}"), f"{day.isoformat()}值班日报",
                pages=len(PdfReader(io.BytesIO(rendered.data)).pages), within=printed))
        day += dt.timedelta(days=1)
    if fmt != "pdf" or len(parts) == 1:
        data = parts[0]
    else:
        writer = PdfWriter()
        for part in parts:
            writer.append(PdfReader(io.BytesIO(part)))
        buf = io.BytesIO()
        writer.write(buf)
        data = buf.getvalue()
    title = (f"{start.isoformat()}值班日报" if start == end
             else f"{start.isoformat()}至{end.isoformat()}值班日报")
    actor = ctx.require(Action.PRINT)
    # each day's report starts with its own first page: each gets the top-left mark (and 份号)
    return output.finish(ctx, actor, kind="duty_daily", fmt=fmt, data=data,
                         action="duty.daily.print", object_type="", object_id="",
                         classification=level, title=title, template=chosen.used,
                         warnings=(*chosen.warnings, *warnings), copies=copies, series=series,
                         detail={"start": start.isoformat(), "end": end.isoformat()})


def handover_data(ctx: ServiceContext, handover_id: int) -> dict:
    """Template data of one handover. Open items are printed among the matters the incoming
    officer must watch, with who opened them and when and their 办理时限 if they have one (the
    template's 待办事项 table counts its deadlines in working days, not to the minute)."""
    h = duty.get_handover(ctx, handover_id)
    office = office_settings.get_office(ctx)
    name = office.office_name or "（单位名称）"
    at = h.handed_at.astimezone()

    def deadline(i: duty.OpenItem) -> str:
        return f"，办理时限{i.deadline.astimezone():%m月%d日%H:%M}前" if i.deadline else ""

    attention = [f"{i.text}（{i.opened_by}{i.opened_at.astimezone():%m月%d日%H:%M}登记{deadline(i)}，"
                 f"{'已于' + format(i.closed_at.astimezone(), '%m月%d日') + '办结' if i.closed_at else '未办结'}）"
                 for i in h.open_items]
    return {"office": {"duty_room": f"{name}总值班室", "name": name},
            "handover": {"time": at.strftime("%Y-%m-%d %H:%M"), "from": [h.outgoing_name],
                         "to": [h.incoming_name or "（待接班）"], "summary": h.summary,
                         "pending": [], "attention": attention}}


def render_handover(ctx: ServiceContext, handover_id: int, fmt: str = "pdf", *,
                    copies: int = 1) -> output.Output:
    """The 交接班记录 of one handover through the office's template (else the shipped one),
    marked with the handover's 密级 (or higher: the 值班记录 its open items came from)."""
    from app.templating.library import render_template

    ctx.require(Action.PRINT)
    data = handover_data(ctx, handover_id)
    level = duty.get_handover(ctx, handover_id).level
    chosen = templates.template_for(ctx, "交接班记录", "description")
    out = render_template(chosen.template, data, fmt)
    title = f"{data['handover']['time']}交接班记录"
    return _finish(ctx, Action.PRINT, "duty.handover.print", "duty_handover", handover_id,
                   "duty_handover", fmt, out.data, title="交接班记录", level=level,
                   chosen=chosen, warnings=out.warnings, copies=copies,
                   series=[output.Series("duty_handover", handover_id, title)])


def write_atomic(path, data: bytes) -> None:
    """Write an output file (see ``app.services.output.save``)."""
    output.save(data, path)
