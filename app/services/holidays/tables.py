"""节假日安排: the office's own holiday tables, and the calendar every working-day date uses.

The State Council publishes next year's arrangement each November; the chinese-calendar package
only knows the years of its release, and an air-gapped desk cannot upgrade it. So the office
enters the notice itself (``preview_notice`` → ``import_notice``): the year's table is stored in
the database (every desk on a shared server sees the same), replaces the package's data for that
year, and takes effect on each desk's next computation:

* ``calendar(ctx)`` is the one way services get the calendar. It returns
  ``app.domain.workdays.DEFAULT_CALENDAR`` after bringing it up to date with the database: a
  change made here reloads it at once; a change made by another desk is seen within
  ``RECHECK_SECONDS`` (one indexed read of ``govdesk_meta['holidays.revision']``).
* Importing a year recomputes every stored deadline that was given as N working days and still
  holds the value the old table gave (收文 办理时限, 议定事项 期限): a deadline moved by hand or by an
  approved extension is left alone. The preview says how many will change.
* A supplementary notice (2015 抗战胜利纪念日, 2019 劳动节, 2020 春节延长) is merged into the
  year's table; the preview lists each day that changes.
* ``set_day`` records a local change (an office closure, a regional holiday) with its reason.

Everything that changes a table is audited (who, when, the SM3 digest of the notice text).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.domain import holiday_notice as hn
from app.domain.security import Action
from app.domain.workdays import (
    DEFAULT_CALENDAR,
    HolidayCalendar,
    package_year,
    package_years,
    uncertain_reason,
)
from app.errors import InputError
from app.services import audit
from app.services.context import ServiceContext
from app.storage.models import Decision, HolidayDay, HolidayYear, IncomingDoc, Meeting, Meta

REVISION_KEY = "holidays.revision"
#: How long a desk trusts its copy of the tables before it looks for another desk's change.
RECHECK_SECONDS = 2.0
#: Notice files larger than this are not notices.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: The banner asking for next year's table shows from this day of the year (1 November).
BANNER_FROM = (11, 1)

_lock = threading.Lock()
_state: dict[str, object] = {"key": None, "revision": None, "checked": 0.0}


# ---------------------------------------------------------------- the calendar

def calendar(ctx: ServiceContext) -> HolidayCalendar:
    """The office's calendar, up to date with the database (see the module docstring)."""
    key = _engine_key(ctx)
    now = time.monotonic()
    with _lock:
        fresh = (_state["key"] == key
                 and now - float(_state["checked"]) < RECHECK_SECONDS)  # type: ignore[arg-type]
    if fresh:
        return DEFAULT_CALENDAR
    with ctx.session() as s:
        revision = _revision(s)
        with _lock:
            if _state["key"] == key and _state["revision"] == revision:
                _state["checked"] = now
                return DEFAULT_CALENDAR
        loaded = _load(s)
    with _lock:
        DEFAULT_CALENDAR.replace_with(loaded)
        _state.update(key=key, revision=revision, checked=now)
    return DEFAULT_CALENDAR


def resolve(ctx: ServiceContext, given: HolidayCalendar | None) -> HolidayCalendar:
    """``given`` when a caller passed its own calendar (tests, what-if), else the office's.
    Passing ``DEFAULT_CALENDAR`` itself brings it up to date too."""
    if given is None or given is DEFAULT_CALENDAR:
        return calendar(ctx)
    return given


def invalidate() -> None:
    """Forget the loaded tables: the next ``calendar`` reads them again."""
    with _lock:
        _state.update(key=None, revision=None, checked=0.0)


def _engine_key(ctx: ServiceContext) -> tuple[int, str]:
    return id(ctx.engine), str(ctx.engine.url)


def _revision(s: Session) -> str:
    row = s.get(Meta, REVISION_KEY)
    return row.value if row is not None else "0"


def _bump_revision(s: Session) -> None:
    row = s.get(Meta, REVISION_KEY)
    if row is None:
        s.add(Meta(key=REVISION_KEY, value="1"))
    else:
        row.value = str(int(row.value or "0") + 1)


def _load(s: Session) -> HolidayCalendar:
    cal = HolidayCalendar()
    years = s.execute(select(HolidayYear.year)).scalars().all()
    notice_days, local = [], []
    for d in s.execute(select(HolidayDay)).scalars():
        if d.source == "local":
            local.append((d.day, d.workday, d.reason or ("调休上班" if d.workday else "本单位放假")))
        else:
            notice_days.append((d.day, d.workday, d.festival))
    cal.set_year_tables(years, notice_days)
    cal.load_overrides(local)
    return cal


# ---------------------------------------------------------------- reading a notice

def read_notice_file(path: str | Path) -> str:
    """The text of a notice file: .txt (UTF-8, or GB18030 as Windows saves it), .docx, or a
    .pdf with a text layer. Bad files are an ``InputError`` in Chinese."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"无法读取文件“{p.name}”：{exc.strerror or exc}。") from None
    if size > MAX_FILE_BYTES:
        raise InputError(f"文件“{p.name}”过大（{size // 1024} KB），不是一份节假日安排通知。")
    suffix = p.suffix.lower()
    try:
        if suffix == ".docx":
            return _docx_text(p)
        if suffix == ".pdf":
            return _pdf_text(p)
        raw = p.read_bytes()
    except InputError:
        raise
    except Exception as exc:  # a broken docx/pdf: zip, xml and pdf parsers raise many kinds
        raise InputError(f"无法读取文件“{p.name}”：文件已损坏或格式不符（{type(exc).__name__}）。"
                         ) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"文件“{p.name}”不是文本文件（无法按 UTF-8 或 GB18030 读取）。")


def _docx_text(p: Path) -> str:
    import docx

    document = docx.Document(str(p))
    return "\n".join(par.text for par in document.paragraphs)


def _pdf_text(p: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(p))
    text = "\n".join((page.extract_text() or "") for page in reader.pages[:20])
    if not text.strip():
        raise InputError(f"PDF 文件“{p.name}”没有文字层（可能是扫描件），请粘贴通知文字。")
    return text


def parse(text: str) -> hn.Notice:
    """Read a notice; a ``NoticeError`` becomes an ``InputError`` with the same message."""
    try:
        return hn.parse_notice(text)
    except hn.NoticeError as exc:
        raise InputError(str(exc)) from None


# ---------------------------------------------------------------- import

@dataclass(frozen=True)
class ImportPreview:
    notice: hn.Notice
    #: The year's table as it would be after the import.
    table: hn.YearTable
    #: Where the year's arrangement comes from now: "office", "package" or None.
    current_source: str | None
    changes: tuple[hn.Change, ...]
    #: Stored deadlines that the import moves: (kind, id, label, old date, new date).
    deadline_changes: tuple[tuple[str, int, str, dt.date, dt.date], ...]

    @property
    def year(self) -> int:
        return self.notice.year

    def summary(self) -> str:
        kind = "补充通知（并入该年安排）" if self.notice.supplementary else "年度通知"
        where = {"office": "替换本单位已录入的", "package": "替换程序自带的",
                 None: "新录入"}[self.current_source]
        rest = sum(1 for d in self.table.rest if d.year == self.year)
        work = sum(1 for d in self.table.work if d.year == self.year)
        lines = [f"{self.year}年节假日安排（{kind}）：{where}安排，放假 {rest} 天，调休上班 {work} 天。"]
        if self.current_source is not None:
            lines.append(f"与现有安排相比：{len(self.changes)} 天有变化。" if self.changes
                         else "与现有安排相同，没有变化。")
        if self.deadline_changes:
            lines.append(f"将重新计算 {len(self.deadline_changes)} 个按工作日计算的办理期限。")
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportResult:
    year: int
    changes: tuple[hn.Change, ...]
    deadlines_moved: int


def _current_table(s: Session, year: int) -> tuple[hn.YearTable | None, str | None]:
    if s.get(HolidayYear, year) is not None:
        table = hn.YearTable(year)
        for d in s.execute(select(HolidayDay).where(HolidayDay.year == year,
                                                    HolidayDay.source == "notice")).scalars():
            (table.work if d.workday else table.rest)[d.day] = d.festival
        return table, "office"
    first, last = package_years()
    if first <= year <= last:
        rest, work = package_year(year)
        return hn.YearTable(year, dict(rest), dict(work)), "package"
    return None, None


def _prepare(s: Session, text: str) -> ImportPreview:
    notice = parse(text)
    current, source = _current_table(s, notice.year)
    if notice.supplementary:
        if current is None:
            raise InputError(f"这是{notice.year}年的补充通知，须先录入{notice.year}年的年度节假日安排通知。")
        try:
            table = hn.merge(current, notice)
        except hn.NoticeError as exc:
            raise InputError(str(exc)) from None
    else:
        table = hn.YearTable.from_notice(notice)
    changes = tuple(hn.diff(current, table))
    return ImportPreview(notice, table, source, changes, tuple(_moved_deadlines(s, table)))


def preview_notice(ctx: ServiceContext, text: str) -> ImportPreview:
    """What importing ``text`` would do, without doing it."""
    ctx.require(Action.MANAGE_SETTINGS)
    with ctx.session() as s:
        return _prepare(s, text)


def import_notice(ctx: ServiceContext, text: str, *, source_name: str = "") -> ImportResult:
    """Store the notice's year as the office's table (a supplementary notice is merged into
    it), recompute the deadlines it moves, audit it."""
    actor = ctx.require(Action.MANAGE_SETTINGS)
    now = ctx.now()
    with ctx.session() as s, s.begin():
        pre = _prepare(s, text)
        row = s.get(HolidayYear, pre.year)
        supplementary = pre.notice.supplementary
        stored_text = (row.source_text + "\n\n" + text) if (row and supplementary) else text
        title = (row.title if row and row.title else f"{pre.year}年节假日安排（程序自带数据）") \
            if supplementary else pre.notice.title
        supplements = ((row.supplements or 0) + 1 if row else 1) if supplementary else 0
        moved = _store(s, actor.username, now, pre.table, title, stored_text, supplements,
                       pre.deadline_changes)
        audit.append(s, actor, "calendar.import", "holiday_year", pre.year, {
            "year": pre.year,
            "kind": "补充通知" if supplementary else "年度通知",
            "title": pre.notice.title[:100],
            "file": source_name[:200],
            "digest": sm3_digest(text),
            "changed_days": len(pre.changes),
            "deadlines_moved": moved,
        }, at=now)
    invalidate()
    return ImportResult(pre.year, pre.changes, moved)


def _store(s: Session, username: str, now: dt.datetime, table: hn.YearTable, title: str,
           source_text: str, supplements: int,
           moves: tuple[tuple[str, int, str, dt.date, dt.date], ...]) -> int:
    """Write ``table`` as the office's table of its year (replacing the year's notice days),
    apply the deadline moves, raise the revision. Returns how many deadlines moved."""
    row = s.get(HolidayYear, table.year)
    if row is None:
        row = HolidayYear(year=table.year)
        s.add(row)
    row.title = title[:200]
    row.source_text = source_text
    row.source_digest = sm3_digest(source_text)
    row.supplements = supplements
    row.imported_at = now
    row.imported_by = username
    s.execute(delete(HolidayDay).where(HolidayDay.year == table.year,
                                       HolidayDay.source == "notice"))
    s.flush()
    for day, fest in table.rest.items():
        s.add(HolidayDay(day=day, source="notice", year=table.year, workday=False,
                         festival=fest, changed_at=now, changed_by=username))
    for day, fest in table.work.items():
        s.add(HolidayDay(day=day, source="notice", year=table.year, workday=True,
                         festival=fest, changed_at=now, changed_by=username))
    moved = _apply_deadlines(s, moves)
    _bump_revision(s)
    return moved


# ---------------------------------------------------------------- exchange packages
# (the ``holiday_years`` record kind itself is defined by the exchange area, which calls these)

def export_year(s: Session, year: int) -> dict:
    """A year's table as an exchange package carries it: ``year``, ``title``, ``source_text``
    and the ``rest``/``work`` days as ``[iso date, name]`` pairs."""
    row = s.get(HolidayYear, int(year))
    if row is None:
        raise InputError(f"本单位没有录入{year}年节假日安排，无法导出。")
    table, _src = _current_table(s, row.year)
    assert table is not None
    return {"year": row.year, "title": row.title, "source_text": row.source_text,
            "rest": [[d.isoformat(), n] for d, n in sorted(table.rest.items())],
            "work": [[d.isoformat(), n] for d, n in sorted(table.work.items())]}


def receive_year(ctx: ServiceContext, table: hn.YearTable, title: str, source_text: str,
                 origin: str) -> str:
    """A year's table received in an exchange package: stored when the desk does not have the
    year (deadlines recomputed, audited), ``"duplicate"`` for the same table again,
    ``"conflict"`` for a different table of a year the desk entered itself (left for its
    administrator to review)."""
    actor = ctx.require(Action.MANAGE_SETTINGS)
    now = ctx.now()
    with ctx.session() as s, s.begin():
        current, source = _current_table(s, table.year)
        if source == "office" and current is not None:
            same = (current.rest, current.work) == (table.rest, table.work)
            return "duplicate" if same else "conflict"
        moves = tuple(_moved_deadlines(s, table))
        moved = _store(s, actor.username, now, table, title or f"{table.year}年节假日安排",
                       source_text, 0, moves)
        audit.append(s, actor, "calendar.receive", "holiday_year", table.year, {
            "year": table.year, "origin": origin[:200],
            "digest": sm3_digest(source_text), "deadlines_moved": moved}, at=now)
    invalidate()
    return "new"


def sm3_digest(text: str) -> str:
    """``sm3:<hex>`` of ``text`` (UTF-8): the digest shown to users and kept in the audit."""
    # imported here: the 工作台 reads the calendar at start, and cryptography's binding costs
    # ~20 ms and ~7 MB of a desk's memory before anything needs a digest (issue 30)
    from cryptography.hazmat.primitives import hashes

    h = hashes.Hash(hashes.SM3())
    h.update(text.encode("utf-8"))
    return "sm3:" + h.finalize().hex()


# ---------------------------------------------------------------- deadlines the table moves

def _calendar_with(s: Session, table: hn.YearTable) -> tuple[HolidayCalendar, HolidayCalendar]:
    """(the calendar now, the calendar with ``table`` in place of its year's table)."""
    before = _load(s)
    others = s.execute(select(HolidayDay).where(HolidayDay.source == "notice",
                                                HolidayDay.year != table.year)).scalars()
    days = {d.day: (d.workday, d.festival) for d in others}
    for d, fest in table.rest.items():
        days[d] = (False, fest)
    for d, fest in table.work.items():
        days[d] = (True, fest)
    after = HolidayCalendar()
    after.set_year_tables(set(before.office_years) | {table.year},
                          [(d, w, n) for d, (w, n) in days.items()])
    after.overrides = dict(before.overrides)
    return before, after


def _moved_deadlines(s: Session, table: hn.YearTable
                     ) -> list[tuple[str, int, str, dt.date, dt.date]]:
    """Stored deadlines given as N working days whose value is what the old calendar gives
    and differs under the new table. Only records whose span can reach the year are read."""
    before, after = _calendar_with(s, table)
    lo = dt.date(table.year - 1, 1, 1)
    hi = dt.date(table.year, 12, 31)
    out: list[tuple[str, int, str, dt.date, dt.date]] = []
    inc = s.execute(select(IncomingDoc.id, IncomingDoc.reg_year, IncomingDoc.reg_seq,
                           IncomingDoc.received_at, IncomingDoc.deadline,
                           IncomingDoc.deadline_workdays)
                    .where(IncomingDoc.deadline_workdays.is_not(None),
                           IncomingDoc.status != "done",
                           IncomingDoc.deadline >= lo)).all()
    for r in inc:
        start = r.received_at.astimezone().date()
        if start > hi:
            continue
        old = before.add_workdays(start, r.deadline_workdays)
        new = after.add_workdays(start, r.deadline_workdays)
        if r.deadline == old and new != old:
            out.append(("incoming", r.id, f"收〔{r.reg_year}〕{r.reg_seq}号", old, new))
    dec = s.execute(select(Decision.id, Decision.deadline, Decision.deadline_workdays,
                           Meeting.date)
                    .join(Meeting, Meeting.id == Decision.meeting_id)
                    .where(Decision.deadline_workdays.is_not(None),
                           Decision.status != "closed",
                           Decision.deadline >= lo, Meeting.date <= hi)).all()
    for d in dec:
        old = before.add_workdays(d.date, d.deadline_workdays)
        new = after.add_workdays(d.date, d.deadline_workdays)
        if d.deadline == old and new != old:
            out.append(("decision", d.id, f"议定事项#{d.id}", old, new))
    return out


def _apply_deadlines(s: Session, moves: tuple[tuple[str, int, str, dt.date, dt.date], ...]
                     ) -> int:
    for kind, rid, _label, _old, new in moves:
        obj = s.get(IncomingDoc, rid) if kind == "incoming" else s.get(Decision, rid)
        if obj is not None:
            obj.deadline = new
    return len(moves)


# ---------------------------------------------------------------- reading the tables

@dataclass(frozen=True)
class YearInfo:
    year: int
    #: "office" (entered here), "package" (shipped with the program).
    source: str
    title: str
    imported_at: dt.datetime | None
    imported_by: str
    digest: str
    supplements: int = 0

    @property
    def source_label(self) -> str:
        if self.source == "office":
            extra = f"，含补充通知 {self.supplements} 份" if self.supplements else ""
            return f"本单位录入{extra}"
        return "程序自带"


def list_years(ctx: ServiceContext) -> list[YearInfo]:
    """Every year with a table, newest first: the office's and the package's. (A holiday
    table is public: reading it needs no account.)"""
    with ctx.session() as s:
        office = {y.year: y for y in s.execute(select(HolidayYear)).scalars()}
    first, last = package_years()
    out = [YearInfo(y.year, "office", y.title, y.imported_at, y.imported_by, y.source_digest,
                    y.supplements) for y in office.values()]
    out += [YearInfo(y, "package", "程序自带数据", None, "", "")
            for y in range(first, last + 1) if y not in office]
    return sorted(out, key=lambda i: i.year, reverse=True)


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    workday: bool
    #: "休" (rest day that is not a plain weekend), "班" (make-up workday), "" otherwise.
    mark: str
    name: str
    local: bool = False


def year_days(ctx: ServiceContext, year: int) -> tuple[str | None, list[DayInfo]]:
    """(source of ``year``, each day of the year that is not an ordinary weekday or weekend)."""
    cal = calendar(ctx)
    out = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        work = cal.is_workday(day)
        weekend = day.weekday() >= 5
        local = day in cal.overrides
        if not work and (not weekend or cal.holiday_name(day)):
            out.append(DayInfo(day, False, "休", cal.holiday_name(day) or "", local))
        elif work and weekend:
            out.append(DayInfo(day, True, "班", _work_name(cal, day), local))
        elif local:
            out.append(DayInfo(day, work, "班" if work else "休", cal.overrides[day][1], True))
        day += dt.timedelta(days=1)
    return cal.source_of(year), out


def _work_name(cal: HolidayCalendar, day: dt.date) -> str:
    if day in cal.overrides:
        return cal.overrides[day][1]
    office = cal.office_days.get(day)
    return f"{office[1]}调休" if office and office[1] else "调休上班"


def table_of(ctx: ServiceContext, year: int) -> hn.YearTable | None:
    """The office's stored table of ``year`` (None when the office has not entered it)."""
    with ctx.session() as s:
        table, source = _current_table(s, year)
    return table if source == "office" else None


# ---------------------------------------------------------------- local changes

def set_day(ctx: ServiceContext, day: dt.date, state: str, reason: str = "") -> None:
    """A local change: ``state`` "rest" (the office is closed), "work" (the office works), or
    "clear" (remove the local change). A reason is required for rest/work."""
    actor = ctx.require(Action.MANAGE_SETTINGS)
    if state not in ("rest", "work", "clear"):
        raise InputError("状态须为 rest（放假）、work（上班）或 clear（取消本地调整）。")
    reason = " ".join((reason or "").split())
    if state != "clear" and not reason:
        raise InputError("请写明调整原因（如“本单位搬迁闭馆”“本地法定节日”）。")
    if len(reason) > 200:
        raise InputError("调整原因过长（最多 200 字）。")
    now = ctx.now()
    with ctx.session() as s, s.begin():
        existing = s.get(HolidayDay, (day, "local"))
        if state == "clear":
            if existing is None:
                raise InputError(f"{day.isoformat()} 没有本地调整。")
            s.delete(existing)
        else:
            if existing is None:
                existing = HolidayDay(day=day, source="local", year=day.year)
                s.add(existing)
            existing.workday = state == "work"
            existing.festival = ""
            existing.reason = reason
            existing.changed_at = now
            existing.changed_by = actor.username
        _bump_revision(s)
        audit.append(s, actor, "calendar.set_day", "holiday_day", day.isoformat(),
                     {"date": day.isoformat(),
                      "state": {"rest": "放假", "work": "上班", "clear": "取消本地调整"}[state],
                      "reason": reason}, at=now)
    invalidate()


# ---------------------------------------------------------------- what the desk must be told

def missing_next_year(ctx: ServiceContext, today: dt.date) -> int | None:
    """Next year, from 1 November on, while it has no table (the workbench's banner)."""
    if (today.month, today.day) < BANNER_FROM:
        return None
    cal = calendar(ctx)
    return None if cal.is_known_year(today.year + 1) else today.year + 1


def add_workdays(ctx: ServiceContext, start: dt.date, n: int) -> tuple[dt.date, list[int]]:
    """The date ``n`` working days after ``start`` and the years without a table it crossed."""
    if abs(n) > 3650:
        raise InputError("工作日数过大（最多 3650）。")
    cal = calendar(ctx)
    end = cal.add_workdays(start, n)
    return end, cal.unknown_years(start, end)


def deadline_uncertainty(cal: HolidayCalendar, deadline: dt.date | None,
                         workdays: int | None) -> str | None:
    """Why a deadline given as ``workdays`` working days is uncertain (None when it is not):
    the span it was counted over touches a year with no table."""
    if deadline is None or not workdays:
        return None
    start = deadline - dt.timedelta(days=abs(workdays) * 2 + 14)
    years = cal.unknown_years(start, deadline)
    return uncertain_reason(years) + "，期限可能变动" if years else None
