"""Line breaking on the character grid: 禁则 (kinsoku), unbreakable Latin words and numbers,
punctuation squeezing, justification to both edges.

The caller gives a paragraph as styled segments and a ``measure(ch, style)`` function that returns
a character's nominal advance (the grid advance for full-width characters, the glyph width for
half-width ones). The result is lines of cells with their x positions relative to the line start.

Rules (GB/T 15834 practice, W3C clreq):
* no closing punctuation (。，、；：？！）》」』】〕］｝〗” …) at the start of a line;
* no opening punctuation (（《「『【〔［｛〖“ …) at the end of a line;
* a run of Latin letters / digits (``2024``, ``12.5%``, ``GB/T``) is never split, unless it is
  longer than a whole line;
* ``——`` and ``……`` are never split.
Two full-width punctuation marks side by side never show a whole em of blank between their
inks (GB/T 15834 practice, clreq "punctuation adjustment", CSS ``text-spacing-trim``): a closing
mark followed by a closing or opening mark (``。”`` ``”，`` ``）。`` ``：“`` ``”“``) loses its
right half, an opening mark after an opening mark (``（“`` ``“《``) loses its left half
(``pair_squeezes``). This is fixed, before line breaking, so it also helps a line keep a closing
mark that may not start the next line; a full line is then justified as usual, the half em going
to the spacing of the others (so a line still holds 28 characters).
When the character that must not start the next line does not fit, the line is first squeezed:
full-width punctuation in the line gives up to half of its advance (标点挤压). Only if that is not
enough is the last breakable unit pushed to the next line and the shorter line spread out. The
text never overflows the given width.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

CLOSING = set("。，、；：？！）》」』】〕〉］｝〗”’．％‰℃!),.:;?]}%")
OPENING = set("（《「『【〔〈［｛〖“‘([{")
# Full-width punctuation whose glyph occupies one half of the em: squeezable by half.
SQUEEZE_RIGHT = set("。，、；：）》」』】〕〉”’")  # ink on the left: trim the right half
SQUEEZE_LEFT = set("（《「『【〔〈“‘")  # ink on the right: trim the left half
INSEPARABLE = set("—…")  # ——  …… pairs
_WORD = re.compile(r"[A-Za-z0-9０-９_]+(?:[.,:/\-'’·][A-Za-z0-9０-９_]+)*%?")

Measure = Callable[[str, Any], float]  # (text, style) → width; the style is the caller's own
EPS = 0.01


def is_full_width(ch: str) -> bool:
    """Characters that take a whole grid cell in Chinese text (W, F and ambiguous A)."""
    return unicodedata.east_asian_width(ch) in ("W", "F", "A") and not ch.isascii()


@dataclass
class Cell:
    ch: str
    style: Hashable
    adv: float  # advance after layout (squeezed and/or spread)
    x: float = 0.0  # where the glyph is drawn, relative to the line start
    nominal: float = 0.0  # nominal advance before squeezing/spreading
    squeezed: float = 0.0  # how much was trimmed (left side for opening punctuation)
    ink: float = 0.0  # drawn width from x (glyph box, less a squeezed half)
    pair: float = 0.0  # blank half trimmed because of the neighbouring punctuation (fixed)

    @property
    def base(self) -> float:
        """Advance before any line squeezing: nominal less the pair trim."""
        return self.nominal - self.pair

    @property
    def give(self) -> float:
        """How much more a line may squeeze this cell: half of a full-width punctuation mark,
        less what the pair trim already took."""
        if self.ch in SQUEEZE_RIGHT or self.ch in SQUEEZE_LEFT:
            return max(0.0, self.nominal / 2 - self.pair)
        return 0.0


@dataclass
class Line:
    cells: list[Cell]
    offset: float  # x of the line start relative to the paragraph's left edge (indent)
    width: float  # the available width of this line
    last: bool = False
    justified: bool = False

    @property
    def text(self) -> str:
        return "".join(c.ch for c in self.cells)

    @property
    def ink_right(self) -> float:
        """Right edge of the last cell, relative to the paragraph's left edge."""
        if not self.cells:
            return self.offset
        c = self.cells[-1]
        return self.offset + c.x + c.ink


class _Unit:
    """An unbreakable piece: one character, a Latin word or number, or a listed name."""

    __slots__ = ("cells", "squeezable", "width")

    def __init__(self, cells: list[Cell]) -> None:
        self.cells = cells
        if len(cells) == 1:  # the common case, kept cheap (this runs for every character)
            c = cells[0]
            self.width = c.nominal - c.pair
            self.squeezable = c.give if c.ch in _PUNCT else 0.0
        else:
            self.width = sum(c.nominal - c.pair for c in cells)
            self.squeezable = sum(c.give for c in cells if c.ch in _PUNCT)

    @property
    def first(self) -> str:
        return self.cells[0].ch

    @property
    def last(self) -> str:
        return self.cells[-1].ch


_ITEM = re.compile(r"[^、，,；;]+[、，,；;。]?")


_PUNCT = SQUEEZE_RIGHT | SQUEEZE_LEFT
_R = re.escape("".join(sorted(SQUEEZE_RIGHT)))
_L = re.escape("".join(sorted(SQUEEZE_LEFT)))
_PAIR = re.compile(f"(?=[{_R}][{_R}{_L}]|[{_L}][{_L}])")


def pair_squeezes(text: str) -> list[int]:
    """Indices ``k`` where the blank between ``text[k]`` and ``text[k + 1]`` loses half an em:
    closing + closing or closing + opening (``text[k]`` loses its right half), opening + opening
    (``text[k + 1]`` loses its left half). The DOCX backend gives ``text[k]`` the same negative
    spacing, which puts every ink where the PDF has it."""
    return [m.start() for m in _PAIR.finditer(text)]


def _units(segments: Sequence[tuple[str, Hashable]], measure: Measure,
           keep_items: bool = False) -> list[_Unit]:
    chunks: list[list[Cell]] = []
    for raw, style in segments:
        text = raw.replace("\t", " ")  # a typed tab would draw as a missing-glyph box
        pos = 0
        while pos < len(text):
            m = (_ITEM if keep_items else _WORD).match(text, pos)
            chunk = m.group(0) if m else text[pos]
            chunks.append([Cell(ch, style, 0.0, nominal=measure(ch, style)) for ch in chunk])
            pos += len(chunk)
    ks = pair_squeezes("".join(raw for raw, _style in segments).replace("\t", " "))
    if ks:
        cells = [c for chunk in chunks for c in chunk]
        for k in ks:
            c = cells[k] if cells[k].ch in SQUEEZE_RIGHT else cells[k + 1]
            if is_full_width(c.ch):
                c.pair = c.nominal / 2
    return [_Unit(chunk) for chunk in chunks]


def widest_unit(text: str, style: Hashable, measure: Measure) -> float:
    """Width of the widest piece of ``text`` that a line is never broken inside (a word, a number,
    one character): the least width that holds it without a character-level break."""
    return max((u.width for u in _units([(text, style)], measure)), default=0.0)


def _can_break(before: _Unit, after: _Unit) -> bool:
    if after.first in CLOSING or before.last in OPENING:
        return False
    return not (before.last in INSEPARABLE and after.first == before.last)


def _split_long(unit: _Unit, avail: float) -> list[_Unit]:
    if unit.width <= avail + EPS:
        return [unit]
    return [_Unit([c]) for c in unit.cells]


def break_paragraph(
    segments: Sequence[tuple[str, Hashable]],
    width: float,
    measure: Measure,
    *,
    first_indent: float = 0.0,
    indent: float = 0.0,
    justify: bool = True,
    glyph: Measure | None = None,
    keep_items: bool = False,
) -> list[Line]:
    """Break a paragraph into lines of ``width`` (first line indented by ``first_indent``, the
    others by ``indent``: a hanging indent when ``indent`` > 0). Full lines are justified to both
    edges when ``justify``; the last line is left-aligned. ``glyph(ch, style)`` is the drawn width
    of a glyph (16 pt for a 3号 hanzi, while its grid advance is 15.79 pt): a justified line ends
    where its last glyph's box ends, exactly on the right edge. ``keep_items`` keeps the items of
    a list separated by 、 or ， whole (names in 抄送 and 出席), unless one is longer than a line."""
    units: list[_Unit] = []
    for u in _units(segments, measure, keep_items):
        units.extend(_split_long(u, width - max(first_indent, indent)))
    lines: list[list[_Unit]] = []
    cur: list[_Unit] = []
    curw = 0.0

    def avail() -> float:
        return width - (first_indent if not lines else indent)

    i = 0
    while i < len(units):
        unit = units[i]
        if curw + unit.width <= avail() + EPS or not cur:
            cur.append(unit)
            curw += unit.width
            i += 1
            continue
        if _can_break(cur[-1], unit):
            lines.append(cur)
            cur, curw = [], 0.0
            continue
        # The unit may not start a line (closing punctuation) or the line may not end here
        # (opening punctuation): squeeze the line's punctuation to keep the unit on this line.
        squeeze = sum(u.squeezable for u in cur) + unit.squeezable
        if cur[0].first in SQUEEZE_LEFT:  # the line-start opening mark is not squeezed
            squeeze -= cur[0].cells[0].give
        if unit.first in CLOSING and curw + unit.width - squeeze <= avail() + EPS:
            cur.append(unit)
            curw += unit.width
            i += 1
            continue
        # Push back: break at the last allowed point inside the line.
        j = len(cur) - 1
        while j > 0 and not _can_break(cur[j - 1], cur[j]):
            j -= 1
        if j == 0:  # nowhere to break: break here anyway rather than overflow
            lines.append(cur)
            cur, curw = [], 0.0
            continue
        lines.append(cur[:j])
        cur = cur[j:]
        curw = sum(u.width for u in cur)
    if cur:
        lines.append(cur)

    out: list[Line] = []
    for n, line_units in enumerate(lines):
        offset = first_indent if n == 0 else indent
        cells = [c for u in line_units for c in u.cells]
        last = n == len(lines) - 1
        out.append(_place(cells, offset, width - offset, last=last, justify=justify and not last,
                          glyph=glyph))
    return out


def _place(cells: list[Cell], offset: float, avail: float, *, last: bool, justify: bool,
           glyph: Measure | None = None) -> Line:
    """Squeeze punctuation if the cells overflow, spread them if ``justify``; set x and adv."""
    if cells and cells[0].ch in SQUEEZE_LEFT:
        cells[0].pair = 0.0  # a line-start opening mark keeps its width (no glyph past the margin)
    for c in cells:
        c.adv, c.squeezed = c.base, c.pair
    total = sum(c.adv for c in cells)
    over = total - avail
    if over > EPS:
        # an opening mark at the line start keeps its full width: squeezing it would push its
        # glyph box past the left margin
        squeezable = [c for k, c in enumerate(cells)
                      if (c.ch in SQUEEZE_RIGHT or (c.ch in SQUEEZE_LEFT and k > 0)) and c.give]
        end = cells[-1]
        if end.ch in SQUEEZE_RIGHT:  # line-end punctuation goes half-width first (行末标点)
            extra = min(over, end.give)
            end.squeezed += extra
            end.adv -= extra
            over -= extra
            squeezable = [c for c in squeezable if c is not end]
        room = sum(c.give for c in squeezable)
        ratio = min(1.0, max(0.0, over) / room) if room else 0.0
        for c in squeezable:
            extra = c.give * ratio
            c.squeezed += extra
            c.adv -= extra
    spread = 0.0
    if len(cells) > 1:
        end = cells[-1]
        end_w = (glyph(end.ch, end.style) if glyph else end.nominal) - end.squeezed
        used = sum(c.adv for c in cells[:-1]) + end_w
        spread = (avail - used) / (len(cells) - 1)  # may be a hair negative: glyph > advance
        if not justify:  # a last line that fills the measure still ends inside it
            spread = min(0.0, spread)
    x = 0.0
    for c in cells:
        c.ink = (glyph(c.ch, c.style) if glyph else c.nominal) - c.squeezed
        c.x = x - (c.squeezed if c.ch in SQUEEZE_LEFT else 0.0)
        x += c.adv + spread
        c.adv += spread
    return Line(cells, offset, avail + offset, last=last, justified=justify)


# Words a title line should not be broken inside, and where a break reads well (title practice:
# "××市人民政府关于做好" / "……工作的通知").
TITLE_WORDS = (
    "关于", "通知", "通报", "请示", "报告", "意见", "决定", "批复", "办法", "方案", "规定", "纪要",
    "命令", "公告", "通告", "议案", "印发", "转发", "人民政府", "办公室", "办公厅", "委员会",
    "工作", "安全", "生产", "管理", "实施", "建设", "发展", "改革", "服务", "专项", "行动",
)


def _title_penalties(text: str) -> dict[int, float]:
    """Penalty of breaking before character index ``k`` (inf: forbidden)."""
    pen: dict[int, float] = {}
    for word in TITLE_WORDS:
        start = text.find(word)
        while start >= 0:
            for k in range(start + 1, start + len(word)):
                pen[k] = float("inf")
            start = text.find(word, start + 1)
    depth = 0
    for k, ch in enumerate(text):
        if depth > 0:
            pen[k] = max(pen.get(k, 0.0), 3.0)  # inside 《…》: possible, but not nice
        if ch == "《":
            depth += 1
        elif ch == "》":
            depth = max(0, depth - 1)
        if ch == "的" and k > 0:
            pen[k] = max(pen.get(k, 0.0), 2.0)  # "…工作 / 的通知" reads worse than "…工作的 / 通知"
    return pen


MAX_LINE_UNITS = 400  # a title line never holds more unbreakable pieces (2号: ~22 characters)


def balanced_lines(text: str, width: float, measure: Measure, style: Hashable = None, *,
                   stats: dict[str, int] | None = None) -> list[str]:
    """Break a title into the fewest lines that fit, as equal in length as possible (a balanced
    trapezoid/diamond), keeping common words whole, honouring the kinsoku rules and never leaving
    one character alone on the last line. A word or number longer than a line (a URL) is broken
    between its characters, as a last resort: such a break costs more than any other.
    Near-linear in the title's length; ``stats["candidates"]`` (when given) counts the line
    candidates weighed."""
    units: list[_Unit] = []
    inside: set[int] = set()  # unit indices that continue an over-long word
    for u in _units([(text, style)], measure):
        pieces = _split_long(u, width)
        inside.update(range(len(units) + 1, len(units) + len(pieces)))
        units.extend(pieces)
    total = sum(u.width for u in units)
    if total <= width + EPS or len(units) < 2:
        return [text]
    em = max((u.width / len(u.cells) for u in units), default=1.0) or 1.0
    starts = [0]
    for u in units:
        starts.append(starts[-1] + len(u.cells))
    pen = _title_penalties(text)
    cum = [0.0]
    for u in units:
        cum.append(cum[-1] + u.width)
    nu = len(units)
    # a pair trim across a line break is lost (each line is set on its own): add it back
    lost_end = [0.0] + [u.cells[-1].pair if u.last in SQUEEZE_RIGHT else 0.0 for u in units]
    lost_start = [u.cells[0].pair if u.first in SQUEEZE_LEFT else 0.0 for u in units] + [0.0]
    lost_end[nu] = 0.0

    def line_width(i: int, j: int) -> float:
        return cum[j] - cum[i] + lost_end[j] + lost_start[i]

    ok = [False] * (nu + 1)  # ok[k]: a line may start with unit k
    cost_at = [0.0] * (nu + 1)
    for k in range(1, nu):
        if _can_break(units[k - 1], units[k]):
            ok[k] = True
            cost_at[k] = pen.get(starts[k], 0.0) + (6.0 if k in inside else 0.0)
            ok[k] = cost_at[k] < float("inf")  # inside a kept word: never
    ok[0] = ok[nu] = True
    # Fewest lines first, then the least squared deviation from the mean line length (the old
    # exact-n dynamic programme for n = 1, 2, … was O(lines × units × units-per-line): a
    # 4,000-character title took 22 s). Every break of a solution with the fewest lines is
    # reached with the fewest lines to it (else a shorter solution would exist), so one
    # lexicographic (lines, cost) pass per target is exact: pass 1 counts the fewest lines n,
    # pass 2 balances against total / n. Each pass looks back at most one line's units from every
    # break: linear in the title's length.
    inf = float("inf")

    def best_breaks(target: float | None) -> list[tuple[int, float, int]]:
        # best[j] = (lines, cost, previous break) covering units [0, j)
        best: list[tuple[int, float, int]] = [(0, 0.0, -1)] + [(nu + 1, inf, -1)] * nu
        for j in range(1, nu + 1):
            if not ok[j]:
                continue
            top = best[j]
            i = j - 1
            low = max(-1, j - 1 - MAX_LINE_UNITS)
            while i > low and cum[j] - cum[i] <= width + EPS:
                if stats is not None:
                    stats["candidates"] = stats.get("candidates", 0) + 1
                lines, c0, _ = best[i]
                if ok[i] and c0 < inf and not (j == nu and starts[j] - starts[i] < 2):
                    w = line_width(i, j)
                    if w <= width + EPS:
                        c = 0.0 if target is None else c0 + ((w - target) / em) ** 2 + (cost_at[i] if i else 0.0)
                        if lines + 1 < top[0] or (lines + 1 == top[0] and c < top[1]):
                            top = (lines + 1, c, i)
                i -= 1
            best[j] = top
        return best

    fewest = best_breaks(None)[nu][0]
    if fewest > nu:
        return [text]
    best = best_breaks(total / fewest)
    cuts = []
    j = nu
    while j > 0:
        i = best[j][2]
        cuts.append((i, j))
        j = i
    return [text[starts[i]:starts[j]] for i, j in reversed(cuts)]
