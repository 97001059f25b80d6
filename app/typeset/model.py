"""Positioned page elements: what layout produces and the backends draw.

Coordinates are points with ``y`` measured downward from the top of the paper (geometry.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.typeset.geometry import ASCENT_RATIO, BLACK

Color = tuple[float, float, float]


@dataclass(frozen=True)
class TextRun:
    """A run of characters in one face and size on one baseline. Each character advances by its
    glyph width plus ``char_space`` (used for grid spacing and justification), scaled
    horizontally by ``hscale`` (used to condense a long 发文机关标志)."""

    text: str
    font: str  # reportlab registration name
    family: str  # the face's PostScript name
    role: str  # font role: xiaobiaosong / fangsong / heiti / kaiti / songti
    size: float
    x: float
    y: float  # baseline
    color: Color = BLACK
    char_space: float = 0.0
    hscale: float = 1.0
    element: str = "body"  # which GB/T 9704 element: mark, doc_no, title, body, record, page_number…

    @property
    def top(self) -> float:
        """Top of the em box."""
        return self.y - ASCENT_RATIO * self.size


@dataclass(frozen=True)
class Rule:
    """A horizontal line; ``y`` is its centre line, ``thickness`` its stroke width."""

    x0: float
    x1: float
    y: float
    thickness: float
    color: Color = BLACK
    element: str = "rule"


@dataclass(frozen=True)
class VRule:
    """A vertical line (table borders)."""

    x: float
    y0: float
    y1: float
    thickness: float
    color: Color = BLACK
    element: str = "table"


@dataclass(frozen=True)
class SealImage:
    """The office's seal as the print path hands it in (never part of a description): the PNG
    and its size in pixels (for the aspect ratio)."""

    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class SealMark:
    """The seal placed on a page: the image's box, ``y`` its top (downward, like text)."""

    x: float
    y: float
    w: float
    h: float
    image: SealImage
    element: str = "seal"


@dataclass
class Page:
    index: int  # 0-based physical page
    origin: float  # em-box top of grid line 0 on this page
    nlines: int  # grid lines available on this page
    elements: list = field(default_factory=list)
    numbered: bool = True  # whether a page number is printed
    role: str = "body"  # body / blank / record

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass(frozen=True)
class TableRowPart:
    """One band of a table row as laid out: the whole row, or the part of a row taller than a
    page that falls on one page (the rest continues under the repeated header)."""

    header: bool  # the header row (repeated at the top of each page the table continues on)
    row: int  # index in the description's rows (-1 for the header)
    page: int  # page index
    nlines: int  # grid lines of this band
    cells: tuple[str, ...]  # the text of each cell's lines in this band


@dataclass
class TableLayout:
    """What the DOCX needs to mirror a table: column widths (with padding) and its bands."""

    widths: list[float]
    parts: list[TableRowPart] = field(default_factory=list)


@dataclass
class Layout:
    pages: list[Page]
    title: str
    warnings: list[str]
    stand_ins: dict[str, str]  # role → family of the stand-in face used
    fonts_used: set[str] = field(default_factory=set)
    tables: list[TableLayout] = field(default_factory=list)  # in document order
