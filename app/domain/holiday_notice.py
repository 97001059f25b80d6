"""Reading the State Council's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知).

The notice is read as published: pasted from a web page or a document, with full-width or
half-width digits and punctuation, numbering ``一、`` (or ``（一）``, ``1.``), weekday and 农历 notes
in parentheses, stray spaces and line breaks in the middle of a sentence. What it yields is the
year's rest days (放假, weekend days inside a named span included) and make-up workdays (上班),
each with the festival it belongs to.

Some years get a second, *supplementary* notice that amends the first one (2015 抗战胜利纪念日,
2019 劳动节 调整, 2020 春节 延长). ``parse_notice`` recognises it by its title and marks what it
says as a replacement of one festival's days or an extension of a festival to a date;
``merge`` applies it to the year's table.

Everything read is checked before anything is stored: the stated ``共N天`` matches the span, a
make-up workday falls on a Saturday or Sunday, no day is both, a weekday written in parentheses is
the date's weekday, every date exists. A failure is a ``NoticeError`` naming the line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

#: What a notice may hold at most (a real one is about 1 000 characters).
MAX_NOTICE_CHARS = 50_000

FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节", "抗战胜利纪念日")
_FEST_ALIASES = {
    "清明": "清明节", "五一": "劳动节", "劳动": "劳动节", "端午": "端午节", "中秋": "中秋节",
    "国庆": "国庆节", "元旦节": "元旦",
}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}

_HALF_TO_FULL = str.maketrans({
    "(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "~": "至", "～": "至",
})
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class NoticeError(ValueError):
    """The text is not a notice we can read, or what it says does not add up."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        self.reason = message
        super().__init__(f"第{line}行：{message}" if line else message)


@dataclass(frozen=True)
class Day:
    day: dt.date
    festival: str
    #: True for a make-up workday (调休上班), False for a rest day.
    work: bool


@dataclass(frozen=True)
class FestivalPart:
    """One festival's part of a notice (``国庆节、中秋节`` is one part with a combined name)."""

    name: str
    rest: tuple[dt.date, ...]
    work: tuple[dt.date, ...]
    line: int
    #: Supplementary notices only: ``"replace"`` (the festival's days are these) or ``"extend"``
    #: (the festival now lasts until ``until``; the days in between become rest days).
    mode: str = "replace"
    until: dt.date | None = None


@dataclass(frozen=True)
class Notice:
    year: int
    title: str
    parts: tuple[FestivalPart, ...]
    supplementary: bool = False

    @property
    def holidays(self) -> list[dt.date]:
        return sorted({d for p in self.parts for d in p.rest})

    @property
    def workdays(self) -> list[dt.date]:
        return sorted({d for p in self.parts for d in p.work})

    def days(self) -> list[Day]:
        out = [Day(d, p.name, False) for p in self.parts for d in p.rest]
        out += [Day(d, p.name, True) for p in self.parts for d in p.work]
        return sorted(out, key=lambda x: x.day)


@dataclass
class YearTable:
    """A year's arrangement as stored: every rest day and make-up workday, with its festival."""

    year: int
    rest: dict[dt.date, str] = field(default_factory=dict)
    work: dict[dt.date, str] = field(default_factory=dict)

    @classmethod
    def from_notice(cls, notice: Notice) -> YearTable:
        table = cls(notice.year)
        for part in notice.parts:
            for d in part.rest:
                table.rest[d] = part.name
            for d in part.work:
                table.work[d] = part.name
        return table

    def copy(self) -> YearTable:
        return YearTable(self.year, dict(self.rest), dict(self.work))


@dataclass(frozen=True)
class Change:
    day: dt.date
    before: str  # "休" / "班" / "" (an ordinary day)
    after: str
    festival: str

    def describe(self) -> str:
        names = {"休": "放假", "班": "调休上班", "": "正常作息"}
        return (f"{self.day.month}月{self.day.day}日（{self.festival}）："
                f"{names[self.before]} → {names[self.after]}")


def diff(old: YearTable | None, new: YearTable) -> list[Change]:
    """What importing ``new`` changes against ``old`` (None: the year had no table)."""
    old = old or YearTable(new.year)

    def state(t: YearTable, d: dt.date) -> tuple[str, str]:
        if d in t.rest:
            return "休", t.rest[d]
        if d in t.work:
            return "班", t.work[d]
        return "", ""

    out = []
    for d in sorted(set(old.rest) | set(old.work) | set(new.rest) | set(new.work)):
        (b, fb), (a, fa) = state(old, d), state(new, d)
        if b != a:
            out.append(Change(d, b, a, fa or fb))
    return out


def merge(base: YearTable, notice: Notice) -> YearTable:
    """The year's table after a supplementary notice (an annual notice replaces the year)."""
    if not notice.supplementary:
        return YearTable.from_notice(notice)
    table = base.copy()
    for part in notice.parts:
        if part.mode == "extend":
            assert part.until is not None
            mine = sorted(d for d, n in table.rest.items() if _same_festival(n, part.name))
            if not mine:
                raise NoticeError(f"延长{part.name}假期须先有该年的{part.name}安排", part.line)
            day = mine[0]
            while day <= part.until:
                table.rest[day] = table.rest.get(day, part.name)
                table.work.pop(day, None)
                day += dt.timedelta(days=1)
            continue
        for d in [d for d, n in table.rest.items() if _same_festival(n, part.name)]:
            del table.rest[d]
        for d in [d for d, n in table.work.items() if _same_festival(n, part.name)]:
            del table.work[d]
        for d in part.rest:
            table.rest[d] = part.name
            table.work.pop(d, None)
        for d in part.work:
            table.work[d] = part.name
            table.rest.pop(d, None)
    return table


def _same_festival(stored: str, name: str) -> bool:
    return name in stored.split("、") or stored == name


# ---------------------------------------------------------------- reading

@dataclass
class _Text:
    """The notice with every space and line break removed, and for each character the line it
    came from (so that an error can name the line as the user sees it)."""

    text: str
    lines: list[int]

    @classmethod
    def of(cls, raw: str) -> _Text:
        chars: list[str] = []
        lines: list[int] = []
        line = 1
        for ch in raw:
            if ch == "\n":
                line += 1
                continue
            if ch.isspace() or ch in "\u200b\ufeff":
                continue
            chars.append(ch)
            lines.append(line)
        text = "".join(chars).translate(_FULLWIDTH_DIGITS).translate(_HALF_TO_FULL)
        # A half-width full stop ends a sentence unless it is numbering (1.) or a decimal.
        text = re.sub(r"(?<!\d)\.", "。", text)
        return cls(text, lines)

    def line_at(self, pos: int) -> int:
        if not self.lines:
            return 1
        return self.lines[min(max(pos, 0), len(self.lines) - 1)]


_TITLE_YEAR = re.compile(r"关于\D{0,6}?(\d{4})年")
_ANY_YEAR = re.compile(r"(\d{4})年(?:元旦|春节|部分节假日|.{0,12}?(?:假期|放假|节假日))")
_FEST_NAME = "|".join(sorted((*FESTIVALS, *_FEST_ALIASES), key=lambda n: (-len(n), n)))
_NUMBERING = r"(?:[一二三四五六七八九十]{1,3}[、．。]|（[一二三四五六七八九十]{1,3}）|\d{1,2}[、．.])"
_HEADING = re.compile(rf"{_NUMBERING}((?:{_FEST_NAME})(?:、(?:{_FEST_NAME}))*)：")
_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日")
_PAREN = re.compile(r"（[^（）]{0,40}）")
_WEEKDAY_NOTE = re.compile(r"(?:星期|周|礼拜)([一二三四五六日天])")
_COUNT = re.compile(r"共(\d{1,3})天|放假(\d{1,3})天")


def _festival(name: str) -> str:
    return _FEST_ALIASES.get(name, name)


def parse_notice(raw: str) -> Notice:
    """Read a notice. Raises ``NoticeError`` (Chinese, naming the line) when the text is not a
    holiday notice or what it says does not add up."""
    if len(raw) > MAX_NOTICE_CHARS:
        raise NoticeError(f"文本过长（{len(raw)} 字），不是一份节假日安排通知（上限 "
                          f"{MAX_NOTICE_CHARS} 字）。")
    t = _Text.of(raw)
    year = _year(t)
    title = _title(raw)
    supplementary = _is_supplementary(t.text)
    headings = list(_HEADING.finditer(t.text))
    parts: list[FestivalPart] = []
    if headings:
        for i, m in enumerate(headings):
            end = headings[i + 1].start() if i + 1 < len(headings) else len(t.text)
            names = "、".join(_festival(n) for n in m.group(1).split("、"))
            part = _read_part(t, names, m.end(), end, year, supplementary)
            if part is not None:
                parts.append(part)
            elif not supplementary:
                raise NoticeError(f"“{names}”一项未写明放假日期。", t.line_at(m.start()))
    elif supplementary:
        body = _body_start(t.text)
        part = _read_part(t, _supplement_festival(t.text), body, len(t.text), year, True)
        if part is not None:
            parts.append(part)
    if not parts:
        raise NoticeError("未找到任何放假安排（如“一、元旦：1月1日放假”），这不像一份节假日安排通知。")
    _check_overlaps(parts)
    return Notice(year, title, tuple(parts), supplementary)


def _title(raw: str) -> str:
    for line in raw.splitlines():
        s = line.strip()
        if s:
            return s[:100]
    return ""


def _year(t: _Text) -> int:
    m = _TITLE_YEAR.search(t.text) or _ANY_YEAR.search(t.text)
    if not m:
        raise NoticeError("未找到通知所属年份（如“关于2025年部分节假日安排的通知”），"
                          "这不像一份国务院办公厅节假日安排通知。")
    year = int(m.group(1))
    if not 1999 <= year <= 2200:
        raise NoticeError(f"年份 {year} 不在可接受范围内。", t.line_at(m.start()))
    return year


def _is_supplementary(text: str) -> bool:
    head = text[:200]
    if "部分节假日安排" in head:
        return False
    return any(k in head for k in ("调整", "延长", "纪念日", "补充"))


def _supplement_festival(text: str) -> str:
    """The festival a supplementary notice is about: the first festival named in its title
    (else in its opening), e.g. 关于延长2020年春节假期的通知 → 春节."""
    end = text.find("通知")
    for head in (text[:end] if 0 < end < 100 else "", text[:200]):
        if "纪念日" in head:
            return "抗战胜利纪念日"
        found = [(head.find(n), -len(n), n) for n in (*FESTIVALS, *_FEST_ALIASES) if n in head]
        if found:
            return _festival(min(found)[2])
    raise NoticeError("补充通知未写明调整的是哪个节日。", 1)


def _body_start(text: str) -> int:
    m = re.search(r"通知如下[：。]?|如下[：。]", text)
    return m.end() if m else 0


def _read_part(t: _Text, name: str, start: int, end: int, year: int,
               supplementary: bool) -> FestivalPart | None:
    rest: list[dt.date] = []
    work: list[dt.date] = []
    mode, until = "replace", None
    pos = start
    first_line = t.line_at(start)
    for sentence in re.split(r"(?<=[。；])", t.text[start:end]):
        s_start = pos
        pos += len(sentence)
        if not sentence.strip("。；"):
            continue
        line = t.line_at(s_start)
        if "延长" in sentence and "至" in sentence and "假期" in sentence:
            dates = _dates(sentence, s_start, t, year)
            if dates:
                mode, until = "extend", dates[0][0]
                rest.append(until)
            continue
        if "放假" in sentence:
            rest_part = sentence.split("上班")[0] if "上班" in sentence else sentence
            rest.extend(_rest_span(rest_part, s_start, t, year, line))
        if "补休" in sentence:
            rest.extend(_dates_before(sentence, "补休", s_start, t, year))
        if "上班" in sentence:
            work.extend(_dates_before(sentence, "上班", s_start, t, year))
    if not rest and not work:
        return None
    if not rest and not supplementary:
        raise NoticeError(f"“{name}”一项只写了上班日，没有放假日期。", first_line)
    for d in work:
        if d.weekday() < 5:
            raise NoticeError(f"{d.month}月{d.day}日是星期{'一二三四五'[d.weekday()]}，"
                              "调休上班日应在周末。", _line_of_date(t, start, end, d))
    both = set(rest) & set(work)
    if both:
        d = min(both)
        raise NoticeError(f"{d.month}月{d.day}日既是放假日又是上班日。", first_line)
    return FestivalPart(name, tuple(sorted(set(rest))), tuple(sorted(set(work))), first_line,
                        mode, until)


def _dates(sentence: str, offset: int, t: _Text, year: int
           ) -> list[tuple[dt.date, int, int]]:
    """Every date in ``sentence`` with its start and end positions in the sentence. A date
    written without a month (``至7日``) takes the month of the date before it."""
    out: list[tuple[dt.date, int, int]] = []
    month: int | None = None
    for m in _DATE.finditer(sentence):
        y = int(m.group(1)) if m.group(1) else year
        if m.group(2):
            month = int(m.group(2))
        if month is None:
            continue  # "每日" etc.; a day with no month anywhere before it
        day = int(m.group(3))
        try:
            d = dt.date(y, month, day)
        except ValueError:
            raise NoticeError(f"日期“{month}月{day}日”不存在。",
                              t.line_at(offset + m.start())) from None
        _check_weekday_note(sentence, m.end(), d, t.line_at(offset + m.start()))
        out.append((d, m.start(), m.end()))
    return out


def _check_weekday_note(sentence: str, after: int, d: dt.date, line: int) -> None:
    m = _PAREN.match(sentence, after)
    if not m:
        return
    w = _WEEKDAY_NOTE.search(m.group(0))
    if w and _WEEKDAYS[w.group(1)] != d.weekday():
        raise NoticeError(f"{d.month}月{d.day}日是星期{'一二三四五六日'[d.weekday()]}，"
                          f"通知中写作“{w.group(0)}”。", line)


def _rest_span(sentence: str, offset: int, t: _Text, year: int, line: int) -> list[dt.date]:
    dates = _dates(sentence, offset, t, year)
    if not dates:
        return []
    stripped = _PAREN.sub("", sentence)
    first = dates[0][0]
    span = [first]
    # "A至B" (parentheses between A and 至 allowed).
    if len(dates) >= 2 and "至" in sentence[dates[0][2]:dates[1][1]]:
        last = dates[1][0]
        if last < first:
            raise NoticeError(f"放假起止日期颠倒：{first.month}月{first.day}日至"
                              f"{last.month}月{last.day}日。", line)
        if (last - first).days > 31:
            raise NoticeError("一次放假超过 31 天，请检查起止日期。", line)
        span = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    count = _COUNT.search(stripped)
    if count:
        n = int(count.group(1) or count.group(2))
        if n != len(span):
            raise NoticeError(f"写明共{n}天，但{first.month}月{first.day}日至"
                              f"{span[-1].month}月{span[-1].day}日是{len(span)}天。", line)
    return span


def _dates_before(sentence: str, word: str, offset: int, t: _Text, year: int
                  ) -> list[dt.date]:
    """The dates written right before ``word`` (``上班``: make-up workdays; ``补休``: rest days),
    joined by ``、`` or ``和``; ``2月3日起正常上班`` names no make-up day."""
    out: list[dt.date] = []
    dates = _dates(sentence, offset, t, year)
    for m in re.finditer(word, sentence):
        chosen: list[dt.date] = []
        cursor = m.start()
        for d, ds, de in reversed(dates):
            if de > cursor:
                continue
            between = _PAREN.sub("", sentence[de:cursor])
            if between not in (("",) if not chosen else ("、", "和", "及")):
                break
            chosen.append(d)
            cursor = ds
        out.extend(chosen)
    return out


def _line_of_date(t: _Text, start: int, end: int, d: dt.date) -> int:
    m = re.search(rf"{d.month}月{d.day}日", t.text[start:end])
    return t.line_at(start + m.start()) if m else t.line_at(start)


def _check_overlaps(parts: Iterable[FestivalPart]) -> None:
    rest: dict[dt.date, FestivalPart] = {}
    work: dict[dt.date, FestivalPart] = {}
    for p in parts:
        for d in p.rest:
            rest.setdefault(d, p)
        for d in p.work:
            work.setdefault(d, p)
    for d in sorted(set(rest) & set(work)):
        raise NoticeError(f"{d.month}月{d.day}日在“{rest[d].name}”中放假，又在“{work[d].name}”"
                          "中上班。", work[d].line)


def notice_json(notice: Notice) -> dict:
    """The fixed shape of ``calendar parse``."""
    return {"year": notice.year,
            "holidays": [d.isoformat() for d in notice.holidays],
            "workdays": [d.isoformat() for d in notice.workdays]}
