"""Filters that official-document fields need: GB/T 9704 dates, Chinese numbers and ordinals,
weekday names, joined lists, working-day arithmetic, 6-digit 份号.

They are plain functions (no Jinja import) so the editor's placeholder picker can list them and
tests can call them directly. A filter given the wrong kind of value raises ``FilterMisuse`` with
a Chinese sentence; the template layer adds the field and the line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar


class FilterMisuse(Exception):
    """A filter was given a value it cannot work with (message in Chinese)."""


class CnDate(dt.date):
    """A date that prints in GB/T 9704 form (``2024年7月1日``), so ``{{ today }}`` and
    ``{{ d|add_workdays(5) }}`` read right in a document without another filter."""

    def __str__(self) -> str:
        return cn_date(self)

    @classmethod
    def of(cls, day: dt.date) -> CnDate:
        return cls(day.year, day.month, day.day)


_DIGITS = "零一二三四五六七八九"
_WEEKDAYS = "一二三四五六日"
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?\s*")
_TIME = re.compile(r"\s*(\d{1,2})[:：](\d{2})(?::\d{2})?\s*")


# ---- coercion ---------------------------------------------------------------------------------
def _describe(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) <= 40 else text[:37] + "…"


def to_date(value: Any, filter_name: str = "") -> dt.date:
    """A date from a ``date``/``datetime`` or an ISO string (``2024-07-01``, with or without a
    time); anything else is a ``FilterMisuse`` that names the filter."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = _ISO_DATE.fullmatch(value)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise FilterMisuse(f"{_who(filter_name)}收到的日期{_describe(value)}不存在。") from None
    raise FilterMisuse(
        f"{_who(filter_name)}需要日期（如 2024-07-01），收到的是{_describe(value)}。"
    )


def to_datetime(value: Any, filter_name: str = "") -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        m = _ISO_DATE.fullmatch(value)
        if m and m[4] is not None:
            try:
                return dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]))
            except ValueError:
                raise FilterMisuse(f"{_who(filter_name)}收到的时间{_describe(value)}不存在。") from None
    raise FilterMisuse(
        f"{_who(filter_name)}需要日期和时间（如 2024-07-01 14:30），收到的是{_describe(value)}。"
    )


def to_int(value: Any, filter_name: str = "", *, minimum: int | None = None) -> int:
    if isinstance(value, bool):
        raise FilterMisuse(f"{_who(filter_name)}需要整数，收到的是{_describe(value)}。")
    if isinstance(value, int):
        n = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value)
    ):
        n = int(value)
    else:
        raise FilterMisuse(f"{_who(filter_name)}需要整数，收到的是{_describe(value)}。")
    if minimum is not None and n < minimum:
        raise FilterMisuse(f"{_who(filter_name)}需要不小于 {minimum} 的整数，收到的是 {n}。")
    return n


def _who(filter_name: str) -> str:
    return f"过滤器 {filter_name} " if filter_name else ""


# ---- dates -------------------------------------------------------------------------------------
def cn_date(value: Any, year: bool = True) -> str:
    """GB/T 9704 7.3.5.4: ``2024年7月1日`` (Arabic digits, full year, no zero padding).
    ``year=False`` gives ``7月1日`` for running text."""
    day = to_date(value, "cn_date")
    text = f"{day.month}月{day.day}日"
    return f"{day.year}年{text}" if year else text


def cn_time(value: Any) -> str:
    """``14:30`` → ``14时30分``; on the hour → ``9时`` (信息专报 practice)."""
    if isinstance(value, (dt.datetime, dt.time)):
        hour, minute = value.hour, value.minute
    elif isinstance(value, str) and _TIME.fullmatch(value):
        m = _TIME.fullmatch(value)
        assert m is not None
        hour, minute = int(m[1]), int(m[2])
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value) and _ISO_DATE.fullmatch(value)[4]:
        stamp = to_datetime(value, "cn_time")
        hour, minute = stamp.hour, stamp.minute
    else:
        raise FilterMisuse(f"过滤器 cn_time 需要时间（如 14:30），收到的是{_describe(value)}。")
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        raise FilterMisuse(f"过滤器 cn_time 收到的时间{_describe(value)}不存在。")
    return f"{hour}时{minute}分" if minute else f"{hour}时"


def cn_datetime(value: Any, year: bool = True) -> str:
    """``2026-02-16 14:30`` → ``2026年2月16日14时30分``."""
    stamp = to_datetime(value, "cn_datetime")
    return cn_date(stamp.date(), year) + cn_time(stamp)


def iso(value: Any) -> str:
    """``YYYY-MM-DD``: the form the description's ``date`` and ``print_date`` fields take."""
    return to_date(value, "iso").isoformat()


def weekday(value: Any, style: str = "星期") -> str:
    """``星期一`` … ``星期日``; ``style="周"`` gives ``周一``."""
    if style not in ("星期", "周"):
        raise FilterMisuse(f"过滤器 weekday 的写法只能是“星期”或“周”，收到的是{_describe(style)}。")
    return style + _WEEKDAYS[to_date(value, "weekday").weekday()]


def add_days(value: Any, n: Any) -> CnDate:
    return CnDate.of(to_date(value, "add_days") + dt.timedelta(days=to_int(n, "add_days")))


def make_add_workdays(calendar: HolidayCalendar) -> Callable[[Any, Any], CnDate]:
    def add_workdays(value: Any, n: Any) -> CnDate:
        """The date ``n`` working days after the value (statutory holidays and 调休 counted)."""
        return CnDate.of(calendar.add_workdays(to_date(value, "add_workdays"), to_int(n, "add_workdays")))

    return add_workdays


def make_is_workday(calendar: HolidayCalendar) -> Callable[[Any], bool]:
    def is_workday(value: Any) -> bool:
        return calendar.is_workday(to_date(value, "is_workday"))

    return is_workday


# ---- numbers -----------------------------------------------------------------------------------
def _below_10000(n: int) -> str:
    out = []
    pending_zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d:
            if pending_zero:
                out.append("零")
            out.append(_DIGITS[d] + name)
            pending_zero = False
        elif out:
            pending_zero = True
    return "".join(out)


def _cn(n: int) -> str:
    if n == 0:
        return "零"
    if n >= 10**8:
        high, low = divmod(n, 10**8)
        return _cn(high) + "亿" + (("零" if low < 10**7 else "") + _cn(low) if low else "")
    if n >= 10**4:
        high, low = divmod(n, 10**4)
        return _cn(high) + "万" + (("零" if low < 1000 else "") + _below_10000(low) if low else "")
    text = _below_10000(n)
    return text[1:] if text.startswith("一十") else text  # 十二, not 一十二


def cn_number(value: Any) -> str:
    """12 → 十二, 105 → 一百零五, 0 → 零 (GB/T 15835 Chinese numerals)."""
    n = to_int(value, "cn_number")
    return "负" + _cn(-n) if n < 0 else _cn(n)


def ordinal(value: Any, suffix: str = "") -> str:
    """12 → 第十二; ``ordinal("次")`` → 第十二次."""
    return f"第{_cn(to_int(value, 'ordinal', minimum=1))}{suffix}"


def heading(value: Any, level: int = 1) -> str:
    """Heading numbers of GB/T 9704 7.3.3: level 1 ``一、``, 2 ``（一）``, 3 ``1.``, 4 ``（1）``."""
    n = to_int(value, "heading", minimum=1)
    if level == 1:
        return f"{_cn(n)}、"
    if level == 2:
        return f"（{_cn(n)}）"
    if level == 3:
        return f"{n}."
    if level == 4:
        return f"（{n}）"
    raise FilterMisuse(f"过滤器 heading 的层级只能是 1 至 4，收到的是{_describe(level)}。")


def copy_no(value: Any) -> str:
    """份号 as 6 digits (GB/T 9704 7.2.1): 12 → ``000012``."""
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    if text is None or not re.fullmatch(r"[0-9]{1,6}", text):
        raise FilterMisuse(f"过滤器 copy_no 需要 1 至 6 位数字，收到的是{_describe(value)}。")
    return text.zfill(6)


# ---- lists -------------------------------------------------------------------------------------
def cn_join(items: Any, sep: str = "、", last: str | None = None) -> str:
    """Join names with ``、`` (or ``，``); empty items are skipped. ``last="和"`` joins the final
    pair with 和: ``甲、乙和丙``."""
    if isinstance(items, str):
        return items
    if isinstance(items, dict) or not isinstance(items, Iterable):
        raise FilterMisuse(f"过滤器 cn_join 需要列表，收到的是{_describe(items)}。")
    parts = [str(i).strip() for i in items if i is not None and str(i).strip()]
    if last is not None and len(parts) >= 2:
        return sep.join(parts[:-1]) + last + parts[-1]
    return sep.join(parts)


def filters_for(calendar: HolidayCalendar = DEFAULT_CALENDAR) -> dict[str, Callable[..., Any]]:
    """Every filter by name (the placeholder picker lists these)."""
    return {
        "cn_date": cn_date,
        "cn_time": cn_time,
        "cn_datetime": cn_datetime,
        "iso": iso,
        "weekday": weekday,
        "add_days": add_days,
        "add_workdays": make_add_workdays(calendar),
        "cn_number": cn_number,
        "ordinal": ordinal,
        "heading": heading,
        "copy_no": copy_no,
        "cn_join": cn_join,
    }


def tests_for(calendar: HolidayCalendar = DEFAULT_CALENDAR) -> dict[str, Callable[..., Any]]:
    return {"workday": make_is_workday(calendar)}


FILTER_HELP: dict[str, str] = {
    "cn_date": "日期写成 2024年7月1日；cn_date(false) 写成 7月1日",
    "cn_time": "时间写成 14时30分",
    "cn_datetime": "日期时间写成 2024年7月1日14时30分",
    "iso": "日期写成 2024-07-01（用于 date、print_date 字段）",
    "weekday": "星期几：星期一；weekday('周') 写成 周一",
    "add_days": "加减天数：d|add_days(3)",
    "add_workdays": "加减工作日（按法定节假日和调休）：d|add_workdays(5)",
    "cn_number": "中文数字：12 → 十二",
    "ordinal": "序数：12|ordinal('次') → 第十二次",
    "heading": "标题序号：1|heading → 一、；heading(2) → （一）；heading(3) → 1.；heading(4) → （1）",
    "copy_no": "份号补足 6 位：12 → 000012",
    "cn_join": "列表连接：cn_join → 甲、乙、丙；cn_join('，')；cn_join('、', '和') → 甲、乙和丙",
}
