"""Helpers for checking LibreOffice's rendering of our DOCX against GB/T 9704 and our own PDF.

Positions are compared by *baseline* (from the text matrix), never by pdfplumber's char box:
LibreOffice and reportlab write different ascent/descent values into the PDF font descriptors, so
the boxes of the same glyph differ by up to 0.9 mm between the two PDFs while the baselines agree.
The em box of a glyph of size s is taken as [baseline − 0.88 s, baseline + 0.12 s], the convention
of app/typeset/geometry.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from tests.typeset.pdfcheck import MM, PageInfo, TextLine

ASCENT = 0.88
CLOSING = set("。，、；：？！）》」』】〕”’")


def baseline(char: dict, page_height: float) -> float:
    """Baseline of a character, measured down from the top of the page (points)."""
    return page_height - char["matrix"][5]


@dataclass
class Line:
    text: str
    baseline: float
    size: float
    x0: float
    x1: float  # right edge of the last non-punctuation glyph
    chars: list[dict]

    @property
    def em_top(self) -> float:
        return self.baseline - ASCENT * self.size

    @property
    def em_bottom(self) -> float:
        return self.baseline + (1 - ASCENT) * self.size


def lines(page: PageInfo, *, inside_text_area: bool = True) -> list[Line]:
    out = []
    for tl in page.text_lines(inside_text_area=inside_text_area):
        vis = tl.visible
        if not vis:
            continue
        ink = [c for c in vis if c["text"] not in CLOSING] or vis
        out.append(Line(
            text="".join(c["text"] for c in vis),
            baseline=baseline(vis[0], page.height),
            size=max(c["size"] for c in vis),
            x0=min(c["x0"] for c in vis),
            x1=max(c["x1"] for c in ink),
            chars=vis,
        ))
    return out


def find(page: PageInfo, text: str) -> Line | None:
    for ln in lines(page, inside_text_area=False):
        if text in ln.text:
            return ln
    return None


def page_number_line(page: PageInfo) -> Line | None:
    below = [ln for ln in lines(page, inside_text_area=False) if ln.baseline > 262 * MM]
    return below[0] if below else None


def mm(points: float) -> float:
    return points / MM


def compare_lines(ours: list[PageInfo], lo: list[PageInfo], tol_mm: float = 1.5,
                  similarity: float = 0.8) -> list[str]:
    """Every text line of our PDF must have its counterpart in LibreOffice's rendering: same
    page, same number of lines, same baseline and left edge (within ``tol_mm``), and nearly the
    same text. "Nearly": LibreOffice adds a quarter-em between Chinese and digits (its DOCX import
    ignores w:autoSpaceDN), so after a number a line may break a character or two earlier than
    ours. Returns the differences (empty when they agree)."""
    problems = []
    if len(ours) != len(lo):
        problems.append(f"page count: ours {len(ours)}, LibreOffice {len(lo)}")
    for a, b in zip(ours, lo, strict=False):
        la = lines(a, inside_text_area=False)
        lb = lines(b, inside_text_area=False)
        if len(la) != len(lb):
            problems.append(f"page {a.number}: {len(la)} lines in ours, {len(lb)} in LibreOffice")
        for x, y in zip(la, lb, strict=False):
            if SequenceMatcher(None, x.text, y.text).ratio() < similarity:
                problems.append(f"page {a.number}: text {x.text[:12]!r} vs {y.text[:12]!r}")
            elif abs(mm(x.baseline - y.baseline)) > tol_mm or abs(mm(x.x0 - y.x0)) > tol_mm:
                problems.append(
                    f"page {a.number} {x.text[:12]!r}: Δy {mm(y.baseline - x.baseline):+.2f} mm, "
                    f"Δx {mm(y.x0 - x.x0):+.2f} mm")
    return problems


def rules(page: PageInfo, red: bool | None = None, min_length_mm: float = 100) -> list[dict]:
    return [r for r in page.rules(red=red) if mm(r["x1"] - r["x0"]) >= min_length_mm]


__all__ = ["Line", "TextLine", "baseline", "compare_lines", "find", "lines", "mm",
           "page_number_line", "rules"]
