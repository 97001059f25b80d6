"""The filters official-document fields need: GB/T 9704 dates, Chinese numerals and ordinals,
weekdays, joins, 份号, and working days across the 2026 Spring Festival (调休 included)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.workdays import HolidayCalendar
from app.templating import filters as f
from app.templating.filters import FilterMisuse

_VALUES = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def parse_cn(text: str) -> int:
    """An independent reader of Chinese numerals below 10^8 (for round-trip checks)."""
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _VALUES:
            digit = _VALUES[ch]
        elif ch in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        elif ch == "万":
            total = (section + (digit or 0)) * 10_000
            section, digit = 0, None
        else:
            raise ValueError(ch)
    return total + section + (digit or 0)


@pytest.mark.parametrize("n", range(1, 100))
def test_ordinals_1_to_99_read_back_and_follow_the_ten_rule(n):
    text = f.cn_number(n)
    assert parse_cn(text) == n
    assert "零" not in text                      # no 零 below 100
    assert not text.startswith("一十")           # 十二, not 一十二
    assert f.ordinal(n) == f"第{text}"
    assert f.ordinal(n, "次") == f"第{text}次"
    assert f.heading(n) == f"{text}、"
    assert f.heading(n, 2) == f"（{text}）"
    assert f.heading(n, 3) == f"{n}."
    assert f.heading(n, 4) == f"（{n}）"


def test_numbers_beyond_99_use_zero_where_a_place_is_skipped():
    for n in list(range(100, 2100, 7)) + [10_000, 10_010, 100_001, 20_260_216]:
        assert parse_cn(f.cn_number(n)) == n
    assert f.cn_number(12) == "十二"
    assert f.cn_number(105) == "一百零五"
    assert f.cn_number(110) == "一百一十"
    assert f.cn_number(1005) == "一千零五"
    assert f.cn_number(10_010) == "一万零一十"
    assert f.cn_number(0) == "零"


def test_gbt9704_dates_have_no_zero_padding():
    assert f.cn_date("2024-07-01") == "2024年7月1日"
    assert f.cn_date(dt.date(2026, 12, 31)) == "2026年12月31日"
    assert f.cn_date("2026-02-05", False) == "2月5日"
    assert f.cn_date("2026-02-16 11:20") == "2026年2月16日"
    assert str(f.CnDate(2024, 7, 1)) == "2024年7月1日"
    assert f.iso("2026-2-5") == "2026-02-05"
    assert f.cn_time("09:05") == "9时5分"
    assert f.cn_time("14:00") == "14时"
    assert f.cn_datetime("2026-02-16 11:20", False) == "2月16日11时20分"


def test_weekdays_over_a_whole_week():
    names = [f.weekday(dt.date(2026, 2, 16) + dt.timedelta(days=i)) for i in range(7)]
    assert names == ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
    assert f.weekday("2026-02-22", "周") == "周日"


def test_lists_join_with_dunhao_or_comma():
    assert f.cn_join(["甲", "乙", "丙"]) == "甲、乙、丙"
    assert f.cn_join(["甲", "", None, "乙"], "，") == "甲，乙"
    assert f.cn_join(["甲", "乙", "丙"], "、", "和") == "甲、乙和丙"
    assert f.cn_join("单独一人") == "单独一人"
    assert f.cn_join([]) == ""


def test_copy_no_is_six_digits():
    assert f.copy_no(12) == "000012"
    assert f.copy_no("000123") == "000123"
    for bad in ("1234567", "12a", -1, True, 1.5):
        with pytest.raises(FilterMisuse):
            f.copy_no(bad)


def test_workdays_across_the_2026_spring_festival():
    add = f.make_add_workdays(HolidayCalendar())
    # 2026: 春节 holiday 2/15–2/23; Saturday 2/14 and 2/28 are make-up workdays (调休上班)
    assert add("2026-02-13", 1) == dt.date(2026, 2, 14)
    assert add("2026-02-13", 2) == dt.date(2026, 2, 24)
    assert add("2026-02-16", 0) == dt.date(2026, 2, 24)
    assert add("2026-02-24", -1) == dt.date(2026, 2, 14)
    assert add("2026-02-12", 5) == dt.date(2026, 2, 26)
    assert str(add("2026-02-13", 2)) == "2026年2月24日"   # prints in GB/T 9704 form
    assert f.add_days("2026-02-13", 2) == dt.date(2026, 2, 15)


def test_an_office_override_changes_the_workday_arithmetic():
    cal = HolidayCalendar()
    cal.override(dt.date(2026, 2, 24), workday=False, name="本地假日")
    assert f.make_add_workdays(cal)("2026-02-13", 2) == dt.date(2026, 2, 25)


@pytest.mark.parametrize("call", [
    lambda: f.cn_date("下周一"),
    lambda: f.cn_date("2026-02-30"),
    lambda: f.cn_number("十二"),
    lambda: f.ordinal(0),
    lambda: f.heading(1, 5),
    lambda: f.weekday("2026-02-16", "礼拜"),
    lambda: f.cn_time("25:00"),
    lambda: f.cn_join(5),
])
def test_misuse_is_a_chinese_message_naming_the_filter(call):
    with pytest.raises(FilterMisuse) as info:
        call()
    assert "过滤器" in str(info.value) or "日期" in str(info.value)
