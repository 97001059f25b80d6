"""Read the geometry of a rendered PDF back: text lines, glyph positions, fonts by role, red rules.

Shared by the PDF tests and the DOCX tests (which run these checks on LibreOffice's rendering of
our DOCX). Everything is in points with ``top`` measured downward from the top of the paper, as
pdfplumber reports it. Measure glyph boxes, not paragraph boxes (gbt9704.md §7b).
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

MM = 72 / 25.4
PAGE_W, PAGE_H = 595.28, 841.89
TEXT_LEFT, TEXT_TOP = 28 * MM, 37 * MM
TEXT_RIGHT, TEXT_BOTTOM = TEXT_LEFT + 156 * MM, TEXT_TOP + 225 * MM

CLOSING = set("。，、；：？！）》」』】〕”’")
OPENING = set("（《「『【〔“‘")

# Font family substrings per role, checked in this order ("FangSong" before "Song").
ROLE_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("xiaobiaosong", ("XiaoBiaoSong", "XBS", "TitleSerif", "Title Serif", "小标宋")),
    ("fangsong", ("Fang", "仿宋")),
    ("kaiti", ("Kai", "楷")),
    ("heiti", ("Hei", "黑体")),
    ("songti", ("Song", "Sun", "宋")),
)


def font_role(fontname: str) -> str | None:
    """The GB/T 9704 role of a PDF font name (subset prefix ignored)."""
    name = fontname.split("+", 1)[-1]
    for role, hints in ROLE_HINTS:
        if any(h.lower() in name.lower() for h in hints):
            return role
    return None


def is_red(color) -> bool:
    """Loose red test: RGB (R high, G and B low) or CMYK (M and Y high, C and K low)."""
    if color is None:
        return False
    c = tuple(color) if isinstance(color, (tuple, list)) else (color,)
    if len(c) == 3:
        return c[0] >= 0.7 and c[1] <= 0.35 and c[2] <= 0.35
    if len(c) == 4:
        return c[0] <= 0.2 and c[1] >= 0.7 and c[2] >= 0.7 and c[3] <= 0.2
    return False


def is_black(color) -> bool:
    if color is None:
        return True
    c = tuple(color) if isinstance(color, (tuple, list)) else (color,)
    if len(c) == 1:
        return c[0] <= 0.1
    if len(c) == 3:
        return max(c) <= 0.1
    if len(c) == 4:
        return c[3] >= 0.9 or max(c[:3]) <= 0.1 and c[3] >= 0.9
    return False


@dataclass
class TextLine:
    """Characters sharing a baseline (within 1.5 pt)."""

    chars: list[dict]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def top(self) -> float:
        return min(c["top"] for c in self.chars)

    @property
    def bottom(self) -> float:
        return max(c["bottom"] for c in self.chars)

    @property
    def x0(self) -> float:
        return min(c["x0"] for c in self.chars)

    @property
    def x1(self) -> float:
        return max(c["x1"] for c in self.chars)

    @property
    def size(self) -> float:
        return max(c["size"] for c in self.chars)

    @property
    def visible(self) -> list[dict]:
        return [c for c in self.chars if c["text"].strip()]

    def roles(self) -> set[str | None]:
        return {font_role(c["fontname"]) for c in self.visible}


@dataclass
class PageInfo:
    number: int  # 1-based
    chars: list[dict]
    lines: list[dict]  # horizontal/vertical strokes: pdfplumber lines plus thin rects
    width: float
    height: float

    def text_lines(self, *, inside_text_area: bool = True) -> list[TextLine]:
        """Lines of text; page numbers (below the text area) excluded when ``inside_text_area``."""
        chars = [c for c in self.chars if c["text"].strip()]
        if inside_text_area:
            chars = [c for c in chars if c["top"] < TEXT_BOTTOM]
        chars.sort(key=lambda c: (round(c["bottom"], 0), c["x0"]))
        out: list[list[dict]] = []
        for c in sorted(chars, key=lambda c: c["bottom"]):
            if out and abs(out[-1][-1]["bottom"] - c["bottom"]) <= 1.5:
                out[-1].append(c)
            else:
                out.append([c])
        return [TextLine(sorted(cs, key=lambda c: c["x0"])) for cs in out]

    def find(self, text: str) -> TextLine | None:
        for ln in self.text_lines(inside_text_area=False):
            if text in ln.text:
                return ln
        return None

    def page_number_chars(self) -> list[dict]:
        return [c for c in self.chars if c["top"] > TEXT_BOTTOM and c["text"].strip()]

    @property
    def page_number_text(self) -> str:
        return "".join(c["text"] for c in sorted(self.page_number_chars(), key=lambda c: c["x0"]))

    def red_chars(self) -> list[dict]:
        return [c for c in self.chars if is_red(c.get("non_stroking_color"))]

    def rules(self, red: bool | None = None, horizontal: bool = True) -> list[dict]:
        out = []
        for ln in self.lines:
            if horizontal and abs(ln["top"] - ln["bottom"]) > 3:
                continue
            if not horizontal and abs(ln["x1"] - ln["x0"]) > 3:
                continue
            colour = ln.get("stroking_color") if ln["kind"] == "line" else ln.get("non_stroking_color")
            if red is True and not is_red(colour):
                continue
            if red is False and is_red(colour):
                continue
            out.append(ln)
        return sorted(out, key=lambda r: r["top"])


def _strokes(page) -> list[dict]:
    out = []
    for ln in page.lines:
        d = dict(ln)
        d["kind"] = "line"
        d["thickness"] = ln.get("linewidth", 0)
        d["y"] = (ln["top"] + ln["bottom"]) / 2
        out.append(d)
    for r in page.rects:  # a rule drawn as a filled thin rectangle (LibreOffice does this)
        if min(r["width"], r["height"]) <= 3:
            d = dict(r)
            d["kind"] = "rect"
            d["thickness"] = min(r["width"], r["height"])
            d["y"] = (r["top"] + r["bottom"]) / 2
            out.append(d)
    return out


def read_pdf(data: bytes | str | Path) -> list[PageInfo]:
    src = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else str(data)
    pages = []
    with pdfplumber.open(src) as pdf:
        for n, page in enumerate(pdf.pages, 1):
            pages.append(PageInfo(n, list(page.chars), _strokes(page), float(page.width),
                                  float(page.height)))
    return pages


def metadata(data: bytes) -> dict:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return dict(pdf.metadata)


def _tool(args: list[str], data: bytes) -> str:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.pdf"
        p.write_bytes(data)
        return subprocess.run(args + [str(p)] + (["-"] if args[0] == "pdftotext" else []),
                              capture_output=True, text=True, check=True, timeout=60).stdout


def pdffonts(data: bytes) -> list[dict]:
    """Rows of ``pdffonts``: name, type, emb, sub, uni."""
    out = _tool(["pdffonts"], data)
    rows = []
    for line in out.splitlines()[2:]:
        m = re.match(r"(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        if m:
            rows.append({"name": m.group(1), "type": m.group(2), "encoding": m.group(3),
                         "emb": m.group(4) == "yes", "sub": m.group(5) == "yes",
                         "uni": m.group(6) == "yes"})
    return rows


def pdftotext(data: bytes) -> str:
    return _tool(["pdftotext", "-layout"], data)


def red_ink_bands(data: bytes, page: int = 1, dpi: int = 200) -> list[tuple[float, float]]:
    """Vertical extents (top, bottom) in points of the red ink on ``page``, from a raster
    (``pdftoppm -aa no``, red = R ≥ 200, G and B ≤ 80, as [PK]'s checker does). Measures where the
    glyphs and rules really land, independent of font metrics."""
    from PIL import Image, ImageChops

    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "x.pdf"
        src.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-aa", "no", "-aaVector", "no", "-f",
                        str(page), "-l", str(page), "-png", str(src), str(Path(d) / "p")],
                       check=True, capture_output=True, timeout=60)
        png = next(Path(d).glob("p*.png"))
        with Image.open(png) as im:
            r, g, b = im.convert("RGB").split()
            mask = ImageChops.multiply(
                ImageChops.multiply(r.point(lambda v: 255 if v >= 200 else 0),
                                    g.point(lambda v: 255 if v <= 80 else 0)),
                b.point(lambda v: 255 if v <= 80 else 0))
            _cols, row_hits = mask.getprojection()
            rows = [y for y, hit in enumerate(row_hits) if hit]
    bands: list[list[int]] = []
    for y in rows:
        if bands and y - bands[-1][1] <= 2:
            bands[-1][1] = y
        else:
            bands.append([y, y])
    scale = 72 / dpi
    return [(a * scale, (b + 1) * scale) for a, b in bands]
