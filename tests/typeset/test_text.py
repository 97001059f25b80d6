"""Line breaking on the character grid: 禁则, squeezing, unbreakable words, justification."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.typeset.text import (
    CLOSING,
    OPENING,
    _can_break,
    _units,
    balanced_lines,
    break_paragraph,
    is_full_width,
)

ADV = 442.2047 / 28
WIDTH = 442.2047


def measure(ch, _style):
    return ADV if is_full_width(ch) else 8.0


def glyph(ch, _style):
    return 16.0 if is_full_width(ch) else 8.0


def lines_of(text, **kw):
    return break_paragraph([(text, None)], WIDTH, measure, glyph=glyph, **kw)


HAN = "国务院办公厅关于进一步加强安全生产工作的通知各地区部门要认真贯彻落实"


def test_full_line_holds_28_characters_and_is_justified_to_both_edges():
    text = HAN * 3
    lines = lines_of(text)
    assert [len(ln.cells) for ln in lines[:-1]] == [28] * (len(lines) - 1)
    for ln in lines[:-1]:
        last = ln.cells[-1]
        assert abs(ln.offset + last.x + 16.0 - WIDTH) < 0.01  # last glyph box ends on the edge
        assert ln.cells[0].x == 0
    # the last line is left-aligned at the grid advance, not spread
    tail = lines[-1]
    assert all(abs(b.x - a.x - ADV) < 1e-6 for a, b in itertools.pairwise(tail.cells))


def test_first_line_indent_of_two_characters():
    lines = lines_of(HAN * 2, first_indent=2 * ADV)
    assert len(lines[0].cells) == 26 and lines[0].offset == 2 * ADV
    assert len(lines[1].cells) == 28 and lines[1].offset == 0


def test_closing_punctuation_never_starts_a_line_it_is_squeezed_into_the_line():
    # 28 characters (one of them a comma) fill the line; the 。 would be the 29th
    text = HAN[:13] + "，" + HAN[13:27] + "。" + HAN[:10]
    lines = lines_of(text)
    assert lines[0].text.endswith("。")
    assert len(lines[0].cells) == 29
    assert lines[1].text[0] not in CLOSING
    end = lines[0].cells[-1]
    assert end.squeezed > 0  # the line-end 。 went half-width
    assert lines[0].ink_right <= WIDTH + 0.01  # nothing overflows the text area


def test_without_punctuation_to_squeeze_a_character_is_pushed_down_instead():
    text = HAN[:28] + "。" + HAN[:5]
    lines = lines_of(text)  # the 。 has room to give only 8 pt of the 15.8 needed
    assert lines[1].text[0] not in CLOSING
    assert lines[0].ink_right <= WIDTH + 0.01
    assert lines[0].text + lines[1].text + "".join(ln.text for ln in lines[2:]) == text
    assert abs(lines[0].ink_right - WIDTH) < 0.01  # the shorter line is spread to both edges


def test_opening_punctuation_never_ends_a_line():
    text = HAN[:27] + "“" + HAN[:10] + "”"
    lines = lines_of(text)
    assert lines[0].text[-1] not in OPENING
    assert lines[1].text.startswith(HAN[26] + "“") or lines[1].text.startswith("“")


@pytest.mark.parametrize("opening, closing", [("［", "］"), ("〖", "〗"), ("｛", "｝")])
def test_square_lenticular_and_curly_brackets_follow_the_rules(opening, closing):
    # the opening bracket would be the 28th character: it goes down with what it opens
    lines = lines_of(HAN[:27] + opening + HAN[:10] + closing)
    assert lines[0].text[-1] != opening and opening in lines[1].text
    # the closing bracket would start line 2: it stays on line 1 (or takes a character along)
    lines = lines_of(HAN[:28] + closing + HAN[:10])
    assert lines[1].text[0] != closing
    assert "".join(ln.text for ln in lines) == HAN[:28] + closing + HAN[:10]


def test_numbers_and_latin_words_are_kept_whole():
    text = HAN[:25] + "GB/T9704-2012" + HAN[:10]
    lines = lines_of(text)
    assert "GB/T9704-2012" in lines[1].text
    text2 = HAN[:26] + "12.5%" + HAN[:5]
    assert any("12.5%" in ln.text for ln in lines_of(text2))


def test_dash_and_ellipsis_pairs_are_not_split():
    text = HAN[:27] + "——" + HAN[:5]
    lines = lines_of(text)
    assert not lines[0].text.endswith("—") or lines[0].text.endswith("——")
    assert not lines[1].text.startswith("—") or lines[1].text.startswith("——")


def test_hanging_indent_for_wrapped_lines():
    lines = lines_of(HAN * 2, first_indent=5 * ADV, indent=5 * ADV)
    assert all(ln.offset == 5 * ADV for ln in lines)
    assert len(lines[0].cells) == 23


# found by hypothesis: a last line that fills the measure, its glyph wider than its advance
FULL_LAST = "“”1“”一一“一“”一“1“”一“”一“”一“”一！"


ALPHABET = HAN + "，。、；：？！（）《》“”" + "ab12"


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=200))
@example(FULL_LAST)
def test_breaking_rules_hold_for_any_text(text):
    lines = lines_of(text, first_indent=2 * ADV)
    assert "".join(ln.text for ln in lines) == text
    for n, ln in enumerate(lines):
        assert ln.ink_right <= WIDTH + 0.01
        if n > 0 and (ln.text[0] in CLOSING or lines[n - 1].text[-1] in OPENING):
            # allowed only when the line above offers no break point at all (pathological runs
            # of punctuation); otherwise a character must have been squeezed in or pushed down
            units = _units([(lines[n - 1].text, None)], measure)
            assert not any(_can_break(a, b) for a, b in itertools.pairwise(units))


def test_balanced_title_lines_have_no_lone_last_character_and_keep_words():
    def m(ch, _s):
        return 22.0 if is_full_width(ch) else 11.0

    title = "××市人民政府办公室关于做好2024年汛期安全生产工作的通知"
    lines = balanced_lines(title, WIDTH, m)
    assert "".join(lines) == title and len(lines) == 2
    widths = [sum(m(c, None) for c in ln) for ln in lines]
    assert max(widths) - min(widths) <= 3 * 22  # balanced
    assert not any(ln.endswith("关") or ln.startswith("于") for ln in lines)
    # a title that would leave one character on the last line is rebalanced
    lone = "关于" + "国" * 18 + "知"
    lines = balanced_lines(lone, 20 * 22, m)
    assert all(len(ln) > 1 for ln in lines)
    assert balanced_lines("短标题", WIDTH, m) == ["短标题"]


PUNCT_HEAVY = HAN[:8] + "，。、；：）》”（《“"


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=PUNCT_HEAVY, min_size=1, max_size=160))
@example(FULL_LAST)
def test_squeezed_punctuation_pairs_never_overlap_nor_overflow(text):
    """Glyph boxes less their trimmed blank halves never overlap, and no line overflows."""
    lines = lines_of(text, first_indent=2 * ADV)
    assert "".join(ln.text for ln in lines) == text
    for ln in lines:
        assert ln.ink_right <= WIDTH + 0.01
        assert ln.cells[0].x >= -0.01  # nothing left of the line start
        for a, b in itertools.pairwise(ln.cells):
            assert _ink(b)[0] >= _ink(a)[1] - 0.3, (ln.text, a.ch, b.ch)


def _ink(c):
    """Where a glyph's ink lies: closing marks in the left half of their 16 pt box, opening marks
    in the right half (the blank halves are what squeezing trims), 汉字 the whole box."""
    if c.ch in "，。、；：）》”":
        return c.x, c.x + 8.0
    if c.ch in "（《“":
        return c.x + 8.0, c.x + 16.0
    return c.x, c.x + 16.0


def test_a_pair_squeeze_lets_a_closing_mark_stay_on_its_line():
    # 27 汉字 then 。” : without the pair squeeze the ” would need the line's only squeezable
    # blank; with it, 。” take one cell and the line holds both
    text = HAN[:27] + "。”" + HAN[:10]
    lines = lines_of(text)
    assert lines[0].text.endswith("。”")
    assert lines[1].text[0] not in CLOSING
    assert lines[0].ink_right <= WIDTH + 0.01
    steps = [b.x - a.x for a, b in itertools.pairwise(lines[0].cells)]
    assert steps[-1] < ADV / 2 + 0.5  # 。 gave up its right half to ”
