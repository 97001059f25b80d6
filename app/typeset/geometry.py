"""Page geometry of GB/T 9704-2012 and the decisions the standard leaves open.

Every backend (PDF here, DOCX in ``docx.py``) takes its numbers from this module so that the two
lay a document out the same way. Units are PostScript points (1/72 in); ``y`` is measured
DOWNWARD from the top edge of the paper, as the standard measures (天头 37 mm …). The PDF
backend flips ``y`` itself.

Conventions used throughout (each a choice where the standard is silent; see shared/gbt9704.md):

* **Grid.** 22 lines × 28 characters fill the 156 × 225 mm text area (5.2.3). The line pitch is
  28.95 pt (579 twips, what Word's docGrid uses); 22 × 29 pt would exceed 225 mm, so Word would
  show 21 lines. The em box (16 pt) of grid line ``i`` (0-based) has its top at
  ``TEXT_TOP + i × LINE_PITCH``; so the first line's glyphs start at 37 mm, as the standard means.
* **Characters.** 28 characters per line: the advance is 442.21 / 28 = 15.793 pt for 16 pt
  glyphs (tracking −0.207 pt), which is what Word's docGrid "characters per line = 28" does.
* **Baselines.** A glyph of size ``s`` sits in an "ideographic em box" of height ``s`` whose
  baseline is 0.88 s below its top (descent 0.12 em: the OS/2 typo metrics of Noto CJK and of the
  bundled Fandol faces). A glyph bigger or smaller than 16 pt on a grid line is centred
  vertically on the line's 16 pt em box.
* **空N行 (N blank lines)** counts grid lines (28.95 pt), not 30 pt "行" units, so that
  everything below the 版头 stays on the 22-line grid.
"""

from __future__ import annotations

MM = 72 / 25.4  # points per millimetre


def mm(value: float) -> float:
    """Millimetres → points."""
    return value * MM


# ---- paper and text area (GB/T 9704 5.2.1) ---------------------------------------------------
PAGE_WIDTH = 595.28  # A4 210 mm
PAGE_HEIGHT = 841.89  # A4 297 mm
MARGIN_LEFT = mm(28)  # 订口 28 mm = 79.37 pt
MARGIN_TOP = mm(37)  # 天头 37 mm = 104.88 pt
TEXT_WIDTH = mm(156)  # 442.21 pt
TEXT_HEIGHT = mm(225)  # 637.80 pt
TEXT_LEFT = MARGIN_LEFT
TEXT_RIGHT = MARGIN_LEFT + TEXT_WIDTH  # 521.57 pt (right margin 26 mm)
TEXT_TOP = MARGIN_TOP
TEXT_BOTTOM = MARGIN_TOP + TEXT_HEIGHT  # 742.68 pt = 262 mm
# Margins are NOT mirrored on even pages: 5.2.1 says 订口（左白边）and most tools keep 28/26 mm.

# ---- the character grid (5.2.3) --------------------------------------------------------------
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
LINE_PITCH = 28.95  # 579 twips; 22 lines = 608.9 pt of pitch + 16 pt em ≤ 637.8 pt
LINE_PITCH_TWIPS = 579
BODY_SIZE = 16.0  # 3号
CHAR_ADVANCE = TEXT_WIDTH / CHARS_PER_LINE  # 15.793 pt per 16 pt glyph
ASCENT_RATIO = 0.88  # baseline 0.88 em below the em-box top (descent 0.12 em)


def line_top(i: int) -> float:
    """Top of the 16 pt em box of grid line ``i`` (0-based) on any page."""
    return TEXT_TOP + i * LINE_PITCH


def baseline_on_line(i: int, size: float = BODY_SIZE) -> float:
    """Baseline of a glyph of ``size`` on grid line ``i``, centred on the line's 16 pt em box."""
    top = line_top(i) + (BODY_SIZE - size) / 2
    return top + ASCENT_RATIO * size


def baseline_for_top(top: float, size: float) -> float:
    """Baseline of a glyph whose em box has its top at ``top``."""
    return top + ASCENT_RATIO * size


def first_line_at_or_below(y: float) -> int:
    """The first grid line whose em-box top is at or below ``y`` (a tiny tolerance for rounding)."""
    import math

    return max(0, math.ceil((y - TEXT_TOP) / LINE_PITCH - 1e-6))


def nearest_line(y: float) -> int:
    """The grid line whose em-box top is nearest to ``y``: used to put the element that follows
    "N blank lines" below an off-grid element (the mark) back on the grid."""
    return max(0, round((y - TEXT_TOP) / LINE_PITCH))


# ---- font sizes by role (Chinese 号 → pt, gbt9704.md §6) -------------------------------------
SIZE_2HAO = 22.0
SIZE_3HAO = 16.0
SIZE_4HAO = 14.0
SIZE_XIAOCHU = 36.0

SIZES: dict[str, float] = {
    "mark": SIZE_XIAOCHU,  # 发文机关标志: size not specified; cap at 小初 36 pt ([PK]), shrunk to fit
    "title": SIZE_2HAO,  # 标题 2号 (7.3.1)
    "body": SIZE_3HAO,  # everything else defaults to 3号 (5.2.2)
    "heading": SIZE_3HAO,
    "header_field": SIZE_3HAO,  # 份号, 密级, 紧急程度, 发文字号, 签发人
    "record": SIZE_4HAO,  # 版记 4号 (7.4)
    "page_number": SIZE_4HAO,  # 页码 4号 (7.5)
    "table": SIZE_3HAO,  # tables in the body keep 3号 仿宋 (common practice)
}

# ---- 版头 (7.2) -------------------------------------------------------------------------------
MARK_TOP = TEXT_TOP + mm(35)  # 发文机关标志 top edge 35 mm below the text-area top = 72 mm
MARK_MIN_HSCALE = 0.6  # a long mark is first condensed down to 60 % width, then shrunk
MARK_JOINT_LEADING = 1.15  # stacked joint-issue names: pitch = 1.15 × mark size
MARK_BLANK_LINES = 2  # 发文字号 / 签发人 two blank lines below the mark (7.2.5, 7.2.6)
SEPARATOR_GAP = mm(4)  # red separator 4 mm below the 发文字号's em box bottom (7.2.7)
SEPARATOR_WIDTH = 1.0  # thickness not specified: 1 pt (≈0.35 mm) as in [PK]
TITLE_BLANK_LINES = 2  # 标题 two blank lines below the red line (7.3.1)
RED = (1.0, 0.0, 0.0)  # RGB; ≥ Y80 M80 when printed (6.2)
BLACK = (0.0, 0.0, 0.0)

# ---- signature (7.3.5) -----------------------------------------------------------------------
SEALED_DATE_RIGHT_INDENT = 4  # characters
UNSEALED_ISSUER_RIGHT_INDENT = 2  # characters
UNSEALED_DATE_SHIFT = 2  # the date starts 2 characters right of the 署名's first character
# Blank lines above a sealed 署名: a 42 mm seal (4.1 lines) whose top is within 1 line of the body
# then has its centre near line 3, so the 署名 (line 4) and the date (line 5) sit below the centre.
SEAL_SPACE_LINES = 3
SEAL_SIZE = 42 * 72 / 25.4  # the printed seal image fits a 42 mm square (a 地方 organ's seal)
# its top this far below the top of the line after the body: 0.95 line below the body's glyphs
# (within 1 line, 7.3.5.1); the 署名 (3 lines lower) and the date then lie below its centre and
# under the seal, which reaches past the date's glyphs
SEAL_TOP_OFFSET = 0.5

# ---- 版记 (7.4) --------------------------------------------------------------------------------
RECORD_RULE_THICK = mm(0.35)  # first and last rules (推荐 0.35 mm)
RECORD_RULE_THIN = mm(0.25)  # rules between 版记 elements
RECORD_LAST_RULE_Y = TEXT_BOTTOM  # coincides with the text-area bottom = 262 mm
RECORD_INDENT = SIZE_4HAO  # 1 character of 4号 on each side

# ---- page numbers (7.5) ------------------------------------------------------------------------
PAGE_NUMBER_SIZE = SIZE_4HAO
PAGE_NUMBER_CENTER_Y = TEXT_BOTTOM + mm(7)  # open point: we put the *vertical centre* 7 mm below
PAGE_NUMBER_INDENT = SIZE_4HAO  # open point: 1 character of the number's own size (4号)
PAGE_NUMBER_DASH = "\u2014"  # 一字线 — (U+2014)


def page_number_text(n: int) -> str:
    return f"{PAGE_NUMBER_DASH} {n} {PAGE_NUMBER_DASH}"


# ---- 信函格式 (10.1) ------------------------------------------------------------------------------
LETTER_MARK_TOP = mm(30)  # from the paper top
LETTER_RULE_LENGTH = mm(170)  # centred on the text area
LETTER_RULE_GAP_BELOW_MARK = mm(4)
LETTER_BOTTOM_RULE_Y = PAGE_HEIGHT - mm(20)  # upper edge of the bottom pair, 20 mm from the bottom
LETTER_RULE_THICK = 2.25  # weights not specified: [PK] uses 2.25 pt + 0.75 pt, 1 pt apart
LETTER_RULE_THIN = 0.75
LETTER_RULE_SPACING = 1.0  # gap between the two rules of a pair
LETTER_FIELD_GAP = 14.0  # 份号… and 发文字号: 7/8 of a 3号 height below the double line

# ---- 命令格式 (10.2) and 纪要格式 (10.3) ------------------------------------------------------------
ORDER_MARK_TOP = TEXT_TOP + mm(20)
ORDER_NUMBER_BLANK_LINES = 2  # 令号 2 blank lines below the mark
ORDER_BODY_BLANK_LINES = 2  # body 2 blank lines below the 令号
MINUTES_MARK_TOP = TEXT_TOP + mm(35)
