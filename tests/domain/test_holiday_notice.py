"""The State Council holiday notice parser: the real 2024 notice (shared/holidays) gives exactly
chinese-calendar's 2024 data; rewritten copies (half-width punctuation, full-width digits, stray
spaces and line breaks, other numbering) give the same; supplementary notices merge into the
year; bad notices are refused naming the line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest

from app.domain import holiday_notice as hn
from app.domain.workdays import HolidayCalendar

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "holidays"
SHARED_2024 = Path(__file__).resolve().parents[2].parent / "shared" / "holidays" / "2024.txt"


def notice(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def package(year: int) -> tuple[list[dt.date], list[dt.date]]:
    return (sorted(d for d in chinese_calendar.holidays if d.year == year),
            sorted(d for d in chinese_calendar.workdays if d.year == year))


def table_is_workday(table: hn.YearTable, day: dt.date) -> bool:
    cal = HolidayCalendar()
    cal.set_year_tables([table.year], [(d, False, n) for d, n in table.rest.items()]
                        + [(d, True, n) for d, n in table.work.items()])
    return cal.is_workday(day)


def days_of(year: int) -> list[dt.date]:
    d, out = dt.date(year, 1, 1), []
    while d.year == year:
        out.append(d)
        d += dt.timedelta(days=1)
    return out


def test_the_shared_2024_notice_is_chinese_calendars_2024():
    text = (SHARED_2024.read_text(encoding="utf-8") if SHARED_2024.exists()
            else notice("2024.txt"))
    n = hn.parse_notice(text)
    assert n.year == 2024 and not n.supplementary
    assert (n.holidays, n.workdays) == package(2024)
    # the sentence encouraging rest on 除夕 (2月9日) names no rest day
    assert dt.date(2024, 2, 9) not in n.holidays
    assert hn.notice_json(n)["holidays"][0] == "2024-01-01"


@pytest.mark.parametrize("year", [2025, 2026])
def test_recent_notices_with_weekday_and_lunar_notes(year):
    n = hn.parse_notice(notice(f"{year}.txt"))
    assert (n.holidays, n.workdays) == package(year)
    names = {p.name for p in n.parts}
    assert "国庆节、中秋节" in names or "中秋节" in names


def _rewrite_half_width(text: str) -> str:
    return (text.replace("（", "(").replace("）", ")").replace("，", ",").replace("：", ":")
            .replace("。", "."))


def _rewrite_full_width_digits(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def _rewrite_broken_lines(text: str) -> str:
    # a copy from a PDF: lines broken inside dates and sentences, spaces between characters
    return (text.replace("至", "\n至 ").replace("月", " 月").replace("放假调休", "放假\n调休")
            .replace("、2月18日", "、\n  2月18日"))


def _rewrite_numbering(text: str) -> str:
    for c in "一二三四五六七":
        text = text.replace(f"{c}、", f"（{c}）")
    return text


@pytest.mark.parametrize("rewrite", [_rewrite_half_width, _rewrite_full_width_digits,
                                     _rewrite_broken_lines, _rewrite_numbering])
def test_rewritten_copies_read_the_same(rewrite):
    n = hn.parse_notice(rewrite(notice("2024.txt")))
    assert (n.holidays, n.workdays) == package(2024)


def test_numbering_with_arabic_digits_and_no_title_year_in_body():
    text = notice("2025.txt")
    for i, c in enumerate("一二三四五六", 1):
        text = text.replace(f"　　{c}、", f"{i}. ")
    n = hn.parse_notice(text)
    assert (n.holidays, n.workdays) == package(2025)


def test_with_weekend_means_only_the_named_day():
    n = hn.parse_notice(notice("2024.txt"))
    dragon = next(p for p in n.parts if p.name == "端午节")
    assert dragon.rest == (dt.date(2024, 6, 10),) and dragon.work == ()


def test_cross_year_span_and_make_up_day_in_the_year_before():
    n = hn.parse_notice(notice("2019.txt"))
    new_year = next(p for p in n.parts if p.name == "元旦")
    assert new_year.rest == (dt.date(2018, 12, 30), dt.date(2018, 12, 31), dt.date(2019, 1, 1))
    assert new_year.work == (dt.date(2018, 12, 29),)


@pytest.mark.parametrize("base,supplement,changed", [
    ("2019.txt", "2019-labour.txt", 5),    # 劳动节 1 day → 4 days, two make-up Sundays
    ("2020.txt", "2020-spring.txt", 3),    # 春节 extended to 2月2日: 1/31, 2/1 (was 班), 2/2
    ("2015.txt", "2015-victory.txt", 4),   # 抗战胜利纪念日 added
])
def test_supplementary_notices_merge_into_the_year(base, supplement, changed):
    first = hn.parse_notice(notice(base))
    table = hn.YearTable.from_notice(first)
    sup = hn.parse_notice(notice(supplement))
    assert sup.supplementary and sup.year == first.year
    merged = hn.merge(table, sup)
    assert len(hn.diff(table, merged)) == changed
    year = first.year
    assert [d for d in days_of(year) if table_is_workday(merged, d)
            != chinese_calendar.is_workday(d)] == []


def test_spring_festival_extension_turns_the_make_up_day_into_rest():
    table = hn.YearTable.from_notice(hn.parse_notice(notice("2020.txt")))
    assert dt.date(2020, 2, 1) in table.work
    merged = hn.merge(table, hn.parse_notice(notice("2020-spring.txt")))
    assert dt.date(2020, 2, 1) not in merged.work
    assert {dt.date(2020, 1, 31), dt.date(2020, 2, 1), dt.date(2020, 2, 2)} <= set(merged.rest)
    assert dt.date(2020, 2, 3) not in merged.rest  # 2月3日起正常上班 is no make-up day


def _replace_line(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize("edit,words,line", [
    (("共8天", "共9天"), "共9天", 7),
    (("2月4日（星期日）", "2月5日（星期一）"), "调休上班日应在周末", 7),
    (("9月29日（星期日）", "9月29日（星期一）"), "星期日", 12),
    (("4月4日至6日放假调休", "4月4日至6日放假调休，4月6日（星期六）上班"), "既是放假日又是上班日", 8),
    (("2月10日至17日", "2月30日至17日"), "不存在", 7),
])
def test_inconsistent_notices_are_refused_naming_the_line(edit, words, line):
    text = _replace_line(notice("2024.txt"), *edit)
    with pytest.raises(hn.NoticeError) as err:
        hn.parse_notice(text)
    assert words in str(err.value)
    assert err.value.line == line and str(err.value).startswith(f"第{line}行：")


@pytest.mark.parametrize("text", [
    "", "会议纪要\n一、关于防汛工作：会议同意……",
    "国务院办公厅关于2025年部分节假日安排的通知\n各省、自治区、直辖市人民政府：\n特此通知。",
    "x" * (hn.MAX_NOTICE_CHARS + 1),
])
def test_text_that_is_not_a_notice_is_refused(text):
    with pytest.raises(hn.NoticeError) as err:
        hn.parse_notice(text)
    assert "通知" in str(err.value) or "放假" in str(err.value)


def test_a_festival_without_dates_is_refused():
    text = _replace_line(notice("2024.txt"), "五、端午节：6月10日放假，与周末连休。", "五、端午节：另行通知。")
    with pytest.raises(hn.NoticeError, match="端午节"):
        hn.parse_notice(text)


def test_diff_names_each_changed_day():
    a = hn.YearTable.from_notice(hn.parse_notice(notice("2019.txt")))
    b = hn.merge(a, hn.parse_notice(notice("2019-labour.txt")))
    lines = [c.describe() for c in hn.diff(a, b)]
    assert "4月28日（劳动节）：正常作息 → 调休上班" in lines
    assert "5月2日（劳动节）：正常作息 → 放假" in lines
