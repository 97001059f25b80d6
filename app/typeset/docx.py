"""DOCX backend: the same GB/T 9704 document as an editable Word file (python-docx).

The DOCX follows the PDF engine's own layout (``layout.layout``): the same title lines, mark
size, page-1 positions, page breaks and 版记 page, so that Word/LibreOffice put the glyphs where
our PDF does. How, and why (each checked by converting with LibreOffice in tests/typeset):

* **Exact line heights, not grid snapping.** Every paragraph has an *exact* line height of one
  grid pitch (28.95 pt, 579 twips) and ``snapToGrid`` off. Word and LibreOffice put the baseline
  of an exact-height line 80 % down the line whatever the font, so positions are arithmetic
  (``_baseline_in_line``). Grid snapping would round a 2号 title or a 36 pt mark up to two grid
  lines, differently in each program, and with a line grid on, LibreOffice 7.4 also shifts
  exact-height lines by ≈5 pt; so ``w:docGrid`` keeps ``linePitch="579"`` but no grid type.
* **28 characters per line by −0.25 pt tracking**, not ``docGrid type="linesAndChars"``:
  LibreOffice 7.4 lays a 16 pt glyph over *two* grid cells when ``charSpace`` makes a cell
  narrower than 16 pt (we measured 14 characters per line), while −0.25 pt character spacing
  gives 28 × 15.75 = 441 pt ≤ 442.2 pt in both programs ([PK] does the same).
* **The top margin is 37 mm minus the baseline offset** (33.80 mm), so the em box of the first
  line's glyphs starts at 37 mm as in our PDF (GB/T 33476.2 makes the same kind of correction).
  The bottom margin stays 35 mm: the page body ends at the text-area bottom (262 mm).
* **Page 1**: 份号/密级/紧急程度, 发文字号, 签发人 and the title are ordinary styled paragraphs
  whose ``space_before`` puts each baseline where the layout has it; the mark (single or joint)
  is a frame at its absolute position; the red separator and the letter's double lines are line
  drawings anchored to the page.
* **The body flows** (styles per element, headings by font not bold). Where the PDF starts a page
  early (a signature carrying lines along), the same paragraph gets ``pageBreakBefore``.
* **版记**: framed lines at the layout's positions plus rule drawings, so the last rule is on
  262 mm. On its own page it is a new section: after an unnumbered blank page (when the layout
  has one) without page numbers, right after the body with the body's numbered footers (GB/T
  9704 7.5 omits the number only on a blank page before the 版记 and on that 版记 page).

* **Tables** come from ``Layout.tables``: the PDF's column widths, and one DOCX row per band of
  the PDF (a row taller than a page is split there, under the repeated ``tblHeader`` row), each
  with its exact height. Latin letters and digits in cells get no tracking, as in the PDF.
* **Punctuation pairs** (``text.pair_squeezes``): the first mark of a squeezed pair is a run of
  its own with a negative spacing of half its advance.

Known LibreOffice-only differences (Word follows the XML): it ignores ``w:autoSpaceDN`` and adds
a quarter-em between Chinese and digits, and it maps ``w:overflowPunct`` inverted, so a line-end
comma may hang past the right edge where our PDF squeezes it. It also drops a negative character
spacing on the last character of a run, so the squeezed punctuation pairs keep their full width
there (a line holding several may wrap a character earlier than ours).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor
from reportlab.pdfbase import pdfmetrics

from app.typeset import geometry as g
from app.typeset.fonts import OFFICIAL_NAMES
from app.typeset.model import Layout, Rule, SealImage, SealMark, TextRun
from app.typeset.spec import Document, Paragraph, Table
from app.typeset.text import is_full_width, pair_squeezes

# ---- fonts and units ---------------------------------------------------------------------------
XBS = OFFICIAL_NAMES["xiaobiaosong"]
FANG = OFFICIAL_NAMES["fangsong"]
HEI = OFFICIAL_NAMES["heiti"]
KAI = OFFICIAL_NAMES["kaiti"]
SONG = OFFICIAL_NAMES["songti"]

P = g.LINE_PITCH
TRACKING = -0.25  # pt per character at 3号: 28 × 15.75 pt fits the 442.2 pt line
ADV = g.BODY_SIZE + TRACKING  # advance of one 3号 character
BASELINE_RATIO = 0.8  # Word/LibreOffice: baseline at 80 % of an exact line height
TOP_MARGIN = g.TEXT_TOP - (BASELINE_RATIO * P - g.ASCENT_RATIO * g.BODY_SIZE)  # 95.80 pt
BOTTOM_MARGIN = g.PAGE_HEIGHT - g.TEXT_BOTTOM  # 35 mm: the page body ends at 262 mm
RED_HEX = "FF0000"
EMU_PER_PT = 12700
FOOTER_LINE = 20.0  # exact height of the page-number line


def _tw(points: float) -> int:
    return round(points * 20)


def _units(text: str) -> float:
    """Width in characters: CJK and full-width forms 1, ASCII and half-width digits ½."""
    return sum(1.0 if is_full_width(ch) else 0.5 for ch in text)


def _baseline_in_line(top: float, height: float) -> float:
    return top + BASELINE_RATIO * height


# ---- style set-up --------------------------------------------------------------------------------
STYLE_DEFS: dict[str, dict] = {
    # name: font, size, colour, alignment, first-line indent in chars
    "公文正文": {"font": FANG, "size": 16, "align": "both", "indent": 2},
    "一级标题": {"font": HEI, "size": 16, "align": "both", "indent": 2},
    "二级标题": {"font": KAI, "size": 16, "align": "both", "indent": 2},
    "三级标题": {"font": FANG, "size": 16, "align": "both", "indent": 2},
    "四级标题": {"font": FANG, "size": 16, "align": "both", "indent": 2},
    "份号": {"font": FANG, "size": 16, "align": "left"},
    "密级": {"font": HEI, "size": 16, "align": "left"},
    "紧急程度": {"font": HEI, "size": 16, "align": "left"},
    "发文机关标志": {"font": XBS, "size": 36, "align": "center", "color": RED_HEX, "tracking": 0},
    "发文字号": {"font": FANG, "size": 16, "align": "center"},
    "签发人": {"font": FANG, "size": 16, "align": "left"},
    "标题": {"font": XBS, "size": 22, "align": "center"},
    "主送": {"font": FANG, "size": 16, "align": "left"},
    "附件说明": {"font": FANG, "size": 16, "align": "left"},
    "署名": {"font": FANG, "size": 16, "align": "left"},
    "成文日期": {"font": FANG, "size": 16, "align": "left"},
    "附注": {"font": FANG, "size": 16, "align": "left", "indent": 2},
    "附件标识": {"font": HEI, "size": 16, "align": "left"},
    "附件标题": {"font": XBS, "size": 22, "align": "center"},
    "表格": {"font": FANG, "size": 16, "align": "left"},
    "表头": {"font": FANG, "size": 16, "align": "center"},
    "抄送": {"font": FANG, "size": 14, "align": "left"},
    "印发": {"font": FANG, "size": 14, "align": "left"},
    "纪要名单": {"font": FANG, "size": 16, "align": "left"},
    "页码": {"font": SONG, "size": 14, "align": "right"},
}


def _set_fonts(rpr, font: str) -> None:
    """All four font slots get the official name: digits and punctuation stay in the role's
    face, as in our PDF (no Latin font for the digits of a 发文字号)."""
    rfonts = _child(rpr, "w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)
    rfonts.set(qn("w:hint"), "eastAsia")


# Schema order of the children we touch (Word rejects out-of-order elements).
_ORDER: dict[str, tuple[str, ...]] = {
    "pPr": ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl",
            "numPr", "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku",
            "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi",
            "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents",
            "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap",
            "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"),
    "rPr": ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
            "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish",
            "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight",
            "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang",
            "eastAsianLayout", "specVanish", "oMath"),
    "trPr": ("cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit",
             "trHeight", "tblHeader", "tblCellSpacing", "jc", "hidden"),
    "tblPr": ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
              "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
              "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription"),
    "tblBorders": ("top", "left", "start", "bottom", "right", "end", "insideH", "insideV"),
    "tblCellMar": ("top", "left", "start", "bottom", "right", "end"),
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(parent, tag: str, **attrs):
    """Get or add the child ``tag`` (e.g. "w:spacing") in schema order, then set ``attrs``."""
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        order = _ORDER.get(_local(parent.tag))
        name = tag.split(":", 1)[1]
        if order and name in order:
            later = set(order[order.index(name) + 1:])
            for existing in parent:
                if _local(existing.tag) in later:
                    existing.addprevious(el)
                    break
            else:
                parent.append(el)
        else:
            parent.append(el)
    for k, v in attrs.items():
        el.set(qn(k), str(v))
    return el


def _exact_line(pf, height: float = P) -> None:
    pf.line_spacing = Pt(height)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)


def _no_grid_no_widow(ppr) -> None:
    """Lines fill all 22 grid lines (no widow/orphan moves), punctuation never hangs outside the
    text area (GB/T 9704 wants it squeezed), no automatic space between Chinese and Latin text or
    digits (our PDF adds none), exact heights instead of grid snapping."""
    for tag in ("w:widowControl", "w:overflowPunct", "w:autoSpaceDE", "w:autoSpaceDN",
                "w:snapToGrid"):
        _child(ppr, tag, **{"w:val": "0"})


def _setup_styles(docx) -> None:
    styles = docx.styles
    normal = styles["Normal"]
    normal.font.size = Pt(16)
    _set_fonts(normal.element.get_or_add_rPr(), FANG)
    _exact_line(normal.paragraph_format)
    _no_grid_no_widow(normal.element.get_or_add_pPr())
    # docDefaults too: LibreOffice and Word read the base size there
    rpr_default = docx.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr_default, FANG)
    for tag in ("w:sz", "w:szCs"):
        _child(rpr_default, tag, **{"w:val": "32"})
    _child(rpr_default, "w:lang", **{"w:eastAsia": "zh-CN", "w:val": "zh-CN"})
    # LibreOffice reads autospace and hanging punctuation from the document defaults only
    defaults = docx.styles.element.find(qn("w:docDefaults"))
    ppr_default = defaults.find(qn("w:pPrDefault"))
    if ppr_default is None:
        ppr_default = OxmlElement("w:pPrDefault")
        defaults.append(ppr_default)
    _no_grid_no_widow(_child(ppr_default, "w:pPr"))
    from docx.enum.style import WD_STYLE_TYPE

    for name, spec in STYLE_DEFS.items():
        st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        st.quick_style = True
        st.font.size = Pt(spec["size"])
        st.font.bold = False
        rpr = st.element.get_or_add_rPr()
        _set_fonts(rpr, spec["font"])
        # −0.25 pt at 3号 (28 per line); proportionally for other sizes
        _child(rpr, "w:spacing", **{"w:val": _tw(spec.get("tracking", TRACKING * spec["size"] / 16))})
        if spec.get("color"):
            st.font.color.rgb = RGBColor.from_string(spec["color"])
        pf = st.paragraph_format
        _exact_line(pf)
        pf.alignment = {
            "both": WD_ALIGN_PARAGRAPH.JUSTIFY, "left": WD_ALIGN_PARAGRAPH.LEFT,
            "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
        }[spec["align"]]
        if spec.get("indent"):
            pf.first_line_indent = Pt(spec["indent"] * ADV)
        _no_grid_no_widow(st.element.get_or_add_pPr())


# ---- drawings ----------------------------------------------------------------------------------
_WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


def _hline(paragraph, x: float, y: float, length: float, weight: float, color: str, name: str,
           shape_id: int) -> None:
    """A horizontal line drawing anchored to the page: x, y (centre of the stroke) in points."""
    xml = (
        f'<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f'<w:drawing><wp:anchor xmlns:wp="{_WP}" distT="0" distB="0" distL="0" distR="0" '
        f'simplePos="0" relativeHeight="{shape_id}" behindDoc="0" locked="1" layoutInCell="1" '
        f'allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="page"><wp:posOffset>{int(x * EMU_PER_PT)}</wp:posOffset></wp:positionH>'
        f'<wp:positionV relativeFrom="page"><wp:posOffset>{int(y * EMU_PER_PT)}</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{int(length * EMU_PER_PT)}" cy="0"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:wrapNone/><wp:docPr id="{shape_id}" name="{name}"/><wp:cNvGraphicFramePr/>'
        f'<a:graphic xmlns:a="{_A}"><a:graphicData uri="{_WPS}">'
        f'<wps:wsp xmlns:wps="{_WPS}"><wps:cNvCnPr/><wps:spPr>'
        f'<a:xfrm><a:off x="0" y="0"/><a:ext cx="{int(length * EMU_PER_PT)}" cy="0"/></a:xfrm>'
        f'<a:prstGeom prst="line"><a:avLst/></a:prstGeom>'
        f'<a:ln w="{int(weight * EMU_PER_PT)}"><a:solidFill><a:srgbClr val="{color}"/></a:solidFill></a:ln>'
        f'</wps:spPr><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>'
    )
    paragraph._p.append(parse_xml(xml))


# ---- the builder --------------------------------------------------------------------------------
HEADER_ELEMENTS = {"copy_no", "secrecy", "urgency", "doc_no", "signer_label", "signer", "title"}
FRAMED_ELEMENTS = {"mark", "record"}
RULE_ELEMENTS = {"separator", "letter_rule", "record_rule"}
STYLE_OF = {
    "copy_no": "份号", "secrecy": "密级", "urgency": "紧急程度", "doc_no": "发文字号",
    "signer_label": "签发人", "signer": "签发人", "title": "标题", "mark": "发文机关标志",
    "record": "抄送",
}


@dataclass
class _Segment:
    """Runs of one element that follow each other on one baseline."""

    element: str
    x: float
    runs: list = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


def _line_groups(runs) -> list[tuple[float, list[_Segment]]]:
    """TextRuns → [(baseline, segments left to right)], top to bottom."""
    rows: list[tuple[float, list]] = []
    for r in sorted(runs, key=lambda r: (round(r.y, 1), r.x)):
        if rows and abs(rows[-1][0] - r.y) < 0.5:
            rows[-1][1].append(r)
        else:
            rows.append((r.y, [r]))
    out = []
    for y, rs in rows:
        segs: list[_Segment] = []
        for r in sorted(rs, key=lambda r: r.x):
            prev = segs[-1].runs[-1] if segs else None
            end = prev.x + _run_width(prev) if prev else 0
            if segs and segs[-1].element == r.element and (r.element == "mark" or r.x - end < 6):
                segs[-1].runs.append(r)
            else:
                segs.append(_Segment(r.element, r.x, [r]))
        out.append((y, segs))
    return out


def _seg_width(seg: _Segment) -> float:
    """Width of a segment from its runs' positions (a spread joint mark is wider than its
    characters)."""
    return max(r.x + _run_width(r) for r in seg.runs) - seg.x


def _run_width(r: TextRun) -> float:
    """The drawn width of a laid-out run, from its face's metrics (a run of Latin letters is not
    n half-characters wide: counting it so once split a long title line in two at a false gap)."""
    try:
        font = pdfmetrics.getFont(r.font)
    except KeyError:  # not registered in this process: estimate by character classes
        return _units(r.text) * (r.size + r.char_space) * r.hscale
    return (font.stringWidth(r.text, r.size) + r.char_space * len(r.text)) * r.hscale


@dataclass
class _Builder:
    doc: Document
    lay: Layout
    docx: DocxDocument = field(init=False)  # made by build()
    warnings: list[str] = field(default_factory=list)
    y: float = TOP_MARGIN  # flow cursor on page 1: top of the next line box
    shape_id: int = 100
    flow_paras: list = field(default_factory=list)
    pending_rules: list = field(default_factory=list)
    _started: bool = False
    _table_no: int = 0

    # -- low level
    def para(self, style: str, text: str = "", *, height: float = P):
        p = self.docx.add_paragraph(style=style)
        if text:
            self.run(p, text, size=STYLE_DEFS.get(style, {}).get("size", g.BODY_SIZE))
        if height != P:
            p.paragraph_format.line_spacing = Pt(height)
        return p

    def place(self, p, top: float, height: float = P) -> None:
        """Give ``p`` the space before that puts its line box top at ``top`` (page 1 only)."""
        gap = top - self.y
        p.paragraph_format.space_before = Pt(round(max(0.0, gap), 2))
        self.y = max(top, self.y) + height

    def place_baseline(self, p, baseline: float) -> None:
        self.place(p, baseline - BASELINE_RATIO * P)

    @staticmethod
    def shift(p, delta: float) -> None:
        """Lower the runs by ``delta`` pt (w:position, half points) to fine-tune a baseline."""
        half = round(-delta * 2)
        if half:
            for r in p.runs:
                _child(r._r.get_or_add_rPr(), "w:position", **{"w:val": half})

    def hline(self, p, rule) -> None:
        self.shape_id += 1
        colour = RED_HEX if rule.color == g.RED else "000000"
        name = {"separator": "红色分隔线", "letter_rule": "信函红色双线",
                "record_rule": "版记分隔线"}.get(rule.element, "分隔线")
        _hline(p, rule.x0, rule.y, rule.x1 - rule.x0, rule.thickness, colour, name, self.shape_id)

    def run(self, p, text: str, font: str | None = None, size: float = g.BODY_SIZE, *,
            plain_latin: bool = False):
        """Runs of ``text``; a punctuation mark whose neighbour squeezes it gets its own run with
        a negative spacing (as in the PDF: text.pair_squeezes). With ``plain_latin`` (table
        cells, which are not justified) Latin letters and digits get no tracking, as in the PDF,
        so that a cell wraps where ours does. Returns the last run."""
        r = None
        for chunk, squeezed in _pair_chunks(text, pair_squeezes(text)):
            pieces = _latin_chunks(chunk) if plain_latin and not squeezed else [(chunk, False)]
            for piece, latin in pieces:
                r = p.add_run(piece)
                if font:
                    _set_fonts(r._r.get_or_add_rPr(), font)
                if squeezed:
                    _child(r._r.get_or_add_rPr(), "w:spacing",
                           **{"w:val": _tw(_pair_spacing(size))})
                elif latin:
                    _child(r._r.get_or_add_rPr(), "w:spacing", **{"w:val": 0})
        return r if r is not None else p.add_run("")

    def replay_run(self, p, tr, *, spacing: float | None = None, pairs: set[int] | None = None):
        """Runs with the face, size, colour and scaling the PDF layout gave ``tr``; the
        characters at ``pairs`` (indices in ``tr.text``) squeezed as in the PDF."""
        for chunk, squeezed in _pair_chunks(tr.text, sorted(pairs or ())):
            r = p.add_run(chunk)
            rpr = r._r.get_or_add_rPr()
            _set_fonts(rpr, OFFICIAL_NAMES.get(tr.role, FANG))
            r.font.size = Pt(tr.size)
            if tr.color == g.RED:
                r.font.color.rgb = RGBColor.from_string(RED_HEX)
            if squeezed:
                _child(rpr, "w:spacing", **{"w:val": _tw(_pair_spacing(tr.size))})
            elif spacing is not None:
                _child(rpr, "w:spacing", **{"w:val": _tw(spacing)})
            if abs(tr.hscale - 1) > 0.005:
                _child(rpr, "w:w", **{"w:val": round(tr.hscale * 100)})

    def segments_into(self, p, segs: list[_Segment], *, centre: bool) -> None:
        """Fill ``p`` with segments: centred, or each at its x (left tabs). A last segment that
        the layout set flush right (within 2 characters of the right edge) gets a right tab at
        its end, so that text LibreOffice sets a little wider (it adds space between Chinese and
        digits) still ends where the PDF's does; a negative right indent keeps such one-line
        elements from wrapping."""
        pf = p.paragraph_format
        if centre:
            pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            pf.alignment = WD_ALIGN_PARAGRAPH.LEFT
            pf.first_line_indent = Pt(0)
            pf.left_indent = Pt(max(0.0, segs[0].x - g.TEXT_LEFT))
            pf.right_indent = Pt(-2 * ADV)
        for n, seg in enumerate(segs):
            if n and not centre:
                prev = segs[n - 1]
                end = seg.x + _seg_width(seg)
                if seg.x - (prev.x + _seg_width(prev)) > ADV / 2:  # a real gap: tab to its x
                    if n == len(segs) - 1 and g.TEXT_RIGHT - end < 2 * ADV + 1:
                        pf.tab_stops.add_tab_stop(Pt(end - g.TEXT_LEFT), WD_TAB_ALIGNMENT.RIGHT)
                    else:
                        pf.tab_stops.add_tab_stop(Pt(seg.x - g.TEXT_LEFT), WD_TAB_ALIGNMENT.LEFT)
                    self.run(p, "\t")
            spacing = None
            pairs: set[int] = set()
            if seg.element == "mark":
                spacing = _mark_spacing(seg)
            else:
                pairs = set(pair_squeezes(seg.text))
            offset = 0
            for tr in seg.runs:
                mine = {k - offset for k in pairs if offset <= k < offset + len(tr.text)}
                # the run's own spacing as laid out (Latin letters in a title have none, 汉字 the
                # grid's): the style's tracking would make a long Latin line narrower than ours
                own = tr.char_space if spacing is None and len(tr.text) > 1 else spacing
                self.replay_run(p, tr, spacing=own, pairs=mine)
                offset += len(tr.text)

    def frame_line(self, baseline: float, segs: list[_Segment], *, height: float, style: str):
        """A framed paragraph at an absolute position (wrap none: the flow is not disturbed)."""
        p = self.para(style, height=height)
        x0 = segs[0].x
        width = max(s.x + _seg_width(s) for s in segs) - x0 + 40
        self.shape_id += 1
        _frame(p, x0, baseline - BASELINE_RATIO * height, min(width, g.PAGE_WIDTH - x0),
               tag=self.shape_id)
        shifted = [_Segment(s.element, s.x - x0 + g.TEXT_LEFT, s.runs) for s in segs]
        self.segments_into(p, shifted, centre=False)
        p.paragraph_format.left_indent = Pt(0)
        return p

    # ---- page 1: the 版头 replayed from the layout -------------------------------------------
    def head(self) -> None:
        page = self.lay.pages[0]
        runs = [e for e in page.elements if isinstance(e, TextRun)]
        marks = [r for r in runs if r.element == "mark"]
        for y, segs in _line_groups(marks):
            size = max(r.size for s in segs for r in s.runs)
            self.frame_line(y, segs, height=size * 1.2, style="发文机关标志")
        first = None
        for y, segs in _line_groups([r for r in runs if r.element in HEADER_ELEMENTS]):
            els = {s.element for s in segs}
            style = STYLE_OF[segs[0].element if len(els) == 1 else "signer"]
            p = self.para(style)
            seg = segs[0]
            centre = (len(segs) == 1 and seg.element in ("title", "doc_no")
                      and abs(seg.x + _seg_width(seg) / 2 - (g.TEXT_LEFT + g.TEXT_WIDTH / 2)) < 6)
            self.segments_into(p, segs, centre=centre)
            self.place_baseline(p, y)
            first = first or p
        rules = [r for r in page.elements if isinstance(r, Rule) and r.element in RULE_ELEMENTS]
        if first is not None:
            for rule in rules:
                self.hline(first, rule)
        else:  # no head paragraph (命令 without 令号): the first body paragraph anchors them
            self.pending_rules = rules
        flow = [r for r in runs if r.element not in HEADER_ELEMENTS | FRAMED_ELEMENTS
                and r.element != "page_number"]
        if flow:
            top = min(flow, key=lambda r: (r.y, r.x))
            self.flow_start = top.y - ((g.BODY_SIZE - top.size) / 2 + g.ASCENT_RATIO * top.size) \
                + g.ASCENT_RATIO * g.BODY_SIZE  # baseline of a 16 pt glyph on that line
        else:
            self.flow_start = self.y + P + BASELINE_RATIO * P

    def first_flow(self, p, baseline: float | None = None) -> None:
        if self._started:
            return
        self._started = True
        self.place_baseline(p, self.flow_start if baseline is None else baseline)
        for rule in self.pending_rules:
            self.hline(p, rule)
        self.pending_rules = []

    # ---- 主体 ----------------------------------------------------------------------------------
    def flow_para(self, style: str):
        p = self.para(style)
        self.first_flow(p)
        self.flow_paras.append(p)
        return p

    def mirror_page_breaks(self) -> None:
        """Where the PDF layout starts a page early (a signature carrying lines along, a table
        kept whole), start the same paragraph on a new page here too."""
        skip = HEADER_ELEMENTS | FRAMED_ELEMENTS | {"page_number", "attachment_label",
                                                    "attachment_title", "table"}
        lines = []  # (page index, line index, text) of the layout's flow lines, in order
        for pg in self.lay.pages:
            runs = [e for e in pg.elements if isinstance(e, TextRun) and e.element not in skip]
            for y, segs in _line_groups(runs):
                size = segs[0].runs[0].size
                em_top = y - g.ASCENT_RATIO * size - (g.BODY_SIZE - size) / 2
                lines.append((pg.index, round((em_top - pg.origin) / P),
                              "".join(s.text for s in segs)))
        k = 0
        blanks: list = []  # empty paragraphs (blank lines) since the last matched one
        for p in self.flow_paras:
            text = "".join(r.text for r in p.runs).replace("\t", "").strip()
            if not text:
                blanks.append(p)
                continue
            probe = text[: min(6, len(text))]
            for j in range(k, len(lines)):
                if lines[j][2].startswith(probe):
                    self._align_page_start(p, blanks, lines, j)
                    k = j + 1
                    break
            blanks = []

    def _align_page_start(self, p, blanks: list, lines: list, j: int) -> None:
        """``p`` is the layout's line ``j``. If that line opens a page, make the DOCX open the
        page the same way: a forced break where the layout broke early, blank lines dropped
        where the layout skipped them at the top of a page, kept where it carried them along."""
        page, line, _t = lines[j]
        if j == 0 or page == 0:
            return
        prev_page, prev_line, _ = lines[j - 1]
        if prev_page != page - 1:
            return
        full = prev_line >= self.lay.pages[prev_page].nlines - 1
        if line == 0:
            if full:
                for b in blanks:  # the layout never starts a page with blank lines
                    b._p.getparent().remove(b._p)
            elif prev_line < self.lay.pages[prev_page].nlines - 2:
                p.paragraph_format.page_break_before = True
        elif len(blanks) >= line:  # blank lines carried to the new page with the text
            for b in blanks[: len(blanks) - line]:
                b._p.getparent().remove(b._p)
            blanks[len(blanks) - line].paragraph_format.page_break_before = True

    def blank(self, n: int = 1) -> None:
        for _ in range(n):
            self.flow_para("公文正文")

    def body_blocks(self, blocks) -> None:
        for b in blocks:
            if isinstance(b, Table):
                self.table(b)
            else:
                self.body_paragraph(b)

    def body_paragraph(self, b: Paragraph) -> None:
        style = {0: "公文正文", 1: "一级标题", 2: "二级标题", 3: "三级标题", 4: "四级标题"}[b.level]
        p = self.flow_para(style)
        text = b.text
        cut = text.find("。")
        if b.level in (1, 2) and 0 <= cut < len(text) - 1:
            # only the heading sentence takes the heading face; the rest is 仿宋 (as in the PDF)
            self.run(p, text[:cut + 1])
            self.run(p, text[cut + 1:], FANG)
        else:
            self.run(p, text)

    def table(self, t: Table) -> None:
        """A ruled table whose rows are whole grid lines, header row repeated on each page."""
        if not self._started:
            # a table cannot carry the page-1 offset itself: an empty paragraph on the blank
            # line above it (there is always one between the title or 令号 and the body) does
            carrier = self.para("公文正文")
            room = self.flow_start - BASELINE_RATIO * P - self.y  # to the first body line's top
            if room >= 1:
                carrier.paragraph_format.line_spacing = Pt(round(room, 2))
            self.first_flow(carrier, self.y + BASELINE_RATIO * P)
            self.y = self.flow_start - BASELINE_RATIO * P
        info = self.lay.tables[self._table_no] if self._table_no < len(self.lay.tables) else None
        self._table_no += 1
        cols = len(t.header) or len(t.rows[0])
        parts: list[tuple[bool, tuple[str, ...], int | None]]  # (header?, cells, lines)
        if info is None:  # cannot happen for a layout of this document; stay usable anyway
            rows = ([(True, tuple(t.header))] if t.header else []) + [(False, r) for r in t.rows]
            widths = [g.TEXT_WIDTH / cols] * cols
            parts = [(hdr, cells, None) for hdr, cells in rows]
        else:
            widths = info.widths
            # the header repeats by itself (w:tblHeader): only its first band is written; a row
            # the layout split over pages becomes one DOCX row per band, the same lines in each
            parts = [(p.header, p.cells, p.nlines) for n, p in enumerate(info.parts)
                     if not (p.header and n > 0)]
        tbl = self.docx.add_table(rows=0, cols=cols)
        tbl.style = self.docx.styles["Table Grid"]
        tbl.autofit = False
        _table_layout(tbl, widths)
        for header, cells, laid in parts:
            row = tbl.add_row()
            guess = max(_estimate_lines(c, 0, max(1, int((w - 8) / ADV)))
                        for c, w in zip(cells, widths, strict=False))
            lines = laid or guess
            row.height = Pt(lines * P)
            trpr = row._tr.get_or_add_trPr()
            _child(trpr, "w:cantSplit")
            # exact when the PDF layout told us the row's lines (borders then add nothing)
            row.height_rule = 2 if laid or lines == 1 else 1  # EXACTLY / AT_LEAST
            if header:
                _child(trpr, "w:tblHeader")
            for k, text in enumerate(cells):
                cell = row.cells[k]
                cell.width = Pt(widths[k])
                cp = cell.paragraphs[0]
                cp.style = self.docx.styles["表头" if header else "表格"]
                if text:
                    self.run(cp, text, plain_latin=True)

    def attachment_note(self) -> None:
        atts = self.doc.attachments
        if not atts:
            return
        self.blank(1)
        label = "附件："
        for n, a in enumerate(atts, 1):
            num = f"{n}．" if len(atts) > 1 else ""
            p = self.flow_para("附件说明")
            hang = (_units(label) + _units(num)) * ADV
            p.paragraph_format.left_indent = Pt(2 * ADV + hang)
            p.paragraph_format.first_line_indent = Pt(-hang if n == 1 else -_units(num) * ADV)
            self.run(p, (label if n == 1 else "") + num + a.name)

    def minutes_lists(self) -> None:
        """出席 / 请假 / 列席 / 主持 / 记录: 黑体 label, 仿宋 names, continuation after the colon.
        The lines break where the PDF layout broke them (it keeps each name whole), by explicit
        line breaks."""
        m = self.doc.minutes
        if not m:
            return
        entries = [("出席", "、".join(m.present)), ("请假", "、".join(m.absent)),
                   ("列席", "、".join(m.attending)), ("主持", m.host or ""), ("记录", m.recorder or "")]
        entries = [(k, v) for k, v in entries if v]
        if not entries:
            return
        laid: list[list[str]] = []  # per entry: its lines' texts, from the layout
        runs = [e for pg in self.lay.pages for e in pg.elements
                if isinstance(e, TextRun) and e.element in ("attendance", "attendance_label")]
        by_page: dict[int, list] = {}
        for pg in self.lay.pages:
            for e in pg.elements:
                if isinstance(e, TextRun) and e.element in ("attendance", "attendance_label"):
                    by_page.setdefault(pg.index, []).append(e)
        for _index, page_runs in sorted(by_page.items()):
            for _y, segs in _line_groups(page_runs):
                if segs[0].element == "attendance_label":
                    laid.append(["".join(s.text for s in segs[1:])])
                elif laid:
                    laid[-1].append("".join(s.text for s in segs))
        del runs
        self.blank(1)
        for n, (label, text) in enumerate(entries):
            p = self.flow_para("纪要名单")
            lab = label + "："
            p.paragraph_format.left_indent = Pt((2 + _units(lab)) * ADV)
            p.paragraph_format.first_line_indent = Pt(-_units(lab) * ADV)
            self.run(p, lab, HEI)
            lines = laid[n] if n < len(laid) and "".join(laid[n]) == text else [text]
            for k, line in enumerate(lines):
                r = self.run(p, line)
                if k < len(lines) - 1:
                    r.add_break()

    def signature(self) -> None:
        """署名 and 成文日期 at the x positions the PDF layout computed (7.3.5)."""
        d = self.doc
        if not d.issuers and not d.date_text:
            return
        runs = [e for pg in self.lay.pages for e in pg.elements
                if isinstance(e, TextRun) and e.element in ("issuer", "date")]
        if d.kind == "order":
            before = [2, 1]
        elif d.sealed:
            before = [g.SEAL_SPACE_LINES, 0]
        else:
            before = [1, 0]
        # the PDF carries the last lines of text along when the signature must go to a new page
        # (a signature never stands alone); keep-with-next and widow control do that here
        body = self.docx.element.body
        ends_with_text = len(body) > 1 and body[-2].tag == qn("w:p")  # body[-1]: the sectPr
        if self.docx.paragraphs and ends_with_text:  # not a paragraph before a final table
            last = self.docx.paragraphs[-1]
            last.paragraph_format.keep_with_next = True
            last.paragraph_format.widow_control = True
        self.blank(before[0])
        for p in self.docx.paragraphs[-before[0]:] if before[0] else []:
            p.paragraph_format.keep_with_next = True
        groups = _line_groups(runs)
        paras = []
        for _y, segs in groups:
            is_date = segs[0].element == "date"
            if is_date and d.kind == "order":
                self.blank(before[1])
            p = self.flow_para("成文日期" if is_date else "署名")
            self.segments_into(p, segs, centre=False)
            paras.append(p)
        for p in paras[:-1]:
            p.paragraph_format.keep_with_next = True
        marks = [e for pg in self.lay.pages for e in pg.elements if isinstance(e, SealMark)]
        if marks and paras:
            self.seal_into(paras[0], marks[0])

    def seal_into(self, p: Any, mark: SealMark) -> None:
        """The seal as a floating picture anchored in the 署名 paragraph, at the PDF's place on
        the page (in front of the text, no wrapping: a stamp over the 署名 and date)."""
        run = p.add_run()
        inline = run.add_picture(io.BytesIO(mark.image.data), width=_emu(mark.w),
                                 height=_emu(mark.h))._inline
        self.shape_id += 1
        anchor = parse_xml(
            f'<wp:anchor {nsdecls("wp")} distT="0" distB="0" distL="0" distR="0" simplePos="0" '
            f'relativeHeight="{251660000 + self.shape_id}" behindDoc="0" locked="1" '
            'layoutInCell="1" allowOverlap="1">'
            '<wp:simplePos x="0" y="0"/>'
            f'<wp:positionH relativeFrom="page"><wp:posOffset>{_emu(mark.x)}</wp:posOffset>'
            '</wp:positionH>'
            f'<wp:positionV relativeFrom="page"><wp:posOffset>{_emu(mark.y)}</wp:posOffset>'
            '</wp:positionV>'
            f'<wp:extent cx="{_emu(mark.w)}" cy="{_emu(mark.h)}"/>'
            '<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/></wp:anchor>')
        for child in list(inline):
            if child.tag in (qn("wp:docPr"), qn("wp:cNvGraphicFramePr"), qn("a:graphic")):
                anchor.append(child)
        anchor.find(qn("wp:docPr")).set("name", "印章")
        inline.getparent().replace(inline, anchor)

    def note(self) -> None:
        if not self.doc.note:
            return
        text = self.doc.note.strip()
        if not (text.startswith(("（", "(")) and text.endswith(("）", ")"))):
            text = f"（{text}）"
        self.run(self.flow_para("附注"), text)

    def attachment_pages(self) -> None:
        atts = self.doc.attachments
        titles = {}
        for pg in self.lay.pages:
            runs = [e for e in pg.elements if isinstance(e, TextRun) and e.element == "attachment_title"]
            if runs:
                titles[pg.index] = ["".join(s.text for s in segs) for _y, segs in _line_groups(runs)]
        title_lists = [titles[k] for k in sorted(titles)]
        k = 0
        for n, a in enumerate(atts, 1):
            if not a.body:
                continue  # only attachments with content get pages (as in the PDF)
            label = f"附件{n}" if len(atts) > 1 else "附件"
            p = self.para("附件标识", label)
            p.paragraph_format.page_break_before = True
            self.para("公文正文")
            lines = title_lists[k] if k < len(title_lists) else [a.name]
            k += 1
            for t in lines:
                tp = self.para("附件标题", t)
                self.shift(tp, g.baseline_on_line(0, g.SIZE_2HAO) - g.baseline_on_line(0))
            self.para("公文正文")
            self.body_blocks(a.body)

    # ---- 版记 ----------------------------------------------------------------------------------
    def record(self) -> None:
        pages = self.lay.pages
        where = [pg for pg in pages if any(isinstance(e, TextRun) and e.element == "record"
                                           for e in pg.elements)]
        if not where:
            return
        page = where[-1]
        own_page = page.role == "record"
        after_blank = own_page and page.index > 0 and pages[page.index - 1].role == "blank"
        if own_page:
            section = self.docx.add_section(WD_SECTION.NEW_PAGE)
            if after_blank:  # 7.5: the blank page and the 版记 page carry no page number
                for footer in (section.footer, section.even_page_footer,
                               section.first_page_footer):
                    footer.is_linked_to_previous = False
            # (a 版记 page right after the body keeps the body's numbered footers)
            if after_blank:
                self.para("公文正文")  # stands on the unnumbered blank page before the 版记
                anchor = self.para("公文正文")
                anchor.paragraph_format.page_break_before = True
            else:
                anchor = self.para("公文正文")
        else:
            anchor = self.docx.paragraphs[-1]
        for rule in page.elements:
            if isinstance(rule, Rule) and rule.element == "record_rule":
                self.hline(anchor, rule)
        runs = [e for e in page.elements if isinstance(e, TextRun) and e.element == "record"]
        groups = _line_groups(runs)
        if groups:
            # one frame holding every 版记 line (consecutive grid lines, exact pitch)
            x0 = g.TEXT_LEFT
            top = groups[0][0] - BASELINE_RATIO * P
            for k, (y, segs) in enumerate(groups):
                style = "印发" if k == len(groups) - 1 and len(segs) > 1 or segs[0].text.endswith("印发") else "抄送"
                p = self.para(style)
                if k == 0:
                    p.paragraph_format.space_before = Pt(0)
                else:
                    gap = y - groups[k - 1][0] - P
                    p.paragraph_format.space_before = Pt(round(max(0.0, gap), 2))
                _frame(p, x0, top, g.TEXT_WIDTH, tag=0)
                self.segments_into(p, segs, centre=False)

    # ---- page setup and footers ------------------------------------------------------------------
    def page_setup(self) -> None:
        s = self.docx.sections[0]
        s.page_width = Pt(g.PAGE_WIDTH)
        s.page_height = Pt(g.PAGE_HEIGHT)
        s.left_margin = Pt(g.MARGIN_LEFT)
        s.right_margin = Pt(g.PAGE_WIDTH - g.TEXT_RIGHT)
        s.top_margin = Pt(TOP_MARGIN)
        s.bottom_margin = Pt(BOTTOM_MARGIN)
        s.header_distance = Pt(g.mm(15))
        # footer line: exact FOOTER_LINE pt whose em box is centred 7 mm below the text area
        baseline = g.PAGE_NUMBER_CENTER_Y - g.PAGE_NUMBER_SIZE / 2 + g.ASCENT_RATIO * g.PAGE_NUMBER_SIZE
        bottom = baseline + (1 - BASELINE_RATIO) * FOOTER_LINE
        s.footer_distance = Pt(g.PAGE_HEIGHT - bottom)
        sect = s._sectPr
        for old in sect.findall(qn("w:docGrid")):
            sect.remove(old)
        # linePitch 579 records the 22-line pitch; no grid *type*: LibreOffice shifts exact-height
        # lines off their computed place when a line grid is on (measured ≈ 5 pt on each page)
        grid = OxmlElement("w:docGrid")
        grid.set(qn("w:linePitch"), str(g.LINE_PITCH_TWIPS))
        sect.append(grid)
        self.docx.settings.odd_and_even_pages_header_footer = True
        _page_number_footer(s.footer.paragraphs[0], odd=True)
        _page_number_footer(s.even_page_footer.paragraphs[0], odd=False)
        if self.doc.kind == "letter":  # 信函格式: no page number on page 1 (10.1)
            s.different_first_page_header_footer = True
            s.first_page_footer.is_linked_to_previous = False

    # ---- the document ---------------------------------------------------------------------------
    def build(self) -> None:
        d = self.doc
        self.docx = new_docx()
        self.page_setup()
        _setup_styles(self.docx)
        body = self.docx.element.body
        for p in list(body.findall(qn("w:p"))):  # the template's empty paragraph
            body.remove(p)
        self.head()
        if d.to:
            p = self.flow_para("主送")
            self.run(p, d.to)
        self.body_blocks(d.body)
        self.attachment_note()
        if d.kind == "minutes":
            self.minutes_lists()
        self.signature()
        self.note()
        self.attachment_pages()
        self.mirror_page_breaks()
        self.record()
        if self.pending_rules:
            self.first_flow(self.para("公文正文"))
        last = body[-2] if len(body) > 1 else None  # body[-1] is the final sectPr
        if last is not None and last.tag == qn("w:tbl"):
            self.para("公文正文")  # Word needs a paragraph after a final table


def _frame(p, x: float, top: float, width: float, *, tag: int) -> None:
    """Make ``p`` a frame at page position (x, top). Consecutive paragraphs with identical frame
    properties share one frame, so ``tag`` (added to the width in twips) keeps frames apart."""
    fp = OxmlElement("w:framePr")
    for k, v in {"w:w": _tw(width) + tag % 7, "w:hSpace": 0, "w:vSpace": 0, "w:wrap": "none",
                 "w:vAnchor": "page", "w:hAnchor": "page", "w:x": _tw(x), "w:y": _tw(top)}.items():
        fp.set(qn(k), str(v))
    p._p.get_or_add_pPr().find(qn("w:pStyle")).addnext(fp)


def _pair_chunks(text: str, squeeze: list[int]) -> list[tuple[str, bool]]:
    """Split ``text`` so that each character at an index in ``squeeze`` is a chunk of its own
    (flagged True)."""
    out: list[tuple[str, bool]] = []
    start = 0
    for k in squeeze:
        if k > start:
            out.append((text[start:k], False))
        out.append((text[k], True))
        start = k + 1
    if start < len(text):
        out.append((text[start:], False))
    return out


def _latin_chunks(text: str) -> list[tuple[str, bool]]:
    """Split ``text`` into runs of half-width (Latin, digits) and full-width characters."""
    out: list[tuple[str, bool]] = []
    for ch in text:
        latin = not is_full_width(ch)
        if out and out[-1][1] == latin:
            out[-1] = (out[-1][0] + ch, latin)
        else:
            out.append((ch, latin))
    return out


def _pair_spacing(size: float) -> float:
    """Character spacing that halves a full-width mark's advance at ``size`` (the style's
    tracking included): the squeeze of a punctuation pair."""
    tracking = TRACKING * size / g.BODY_SIZE
    return tracking - (size + tracking) / 2


def _mark_spacing(seg: _Segment) -> float | None:
    """Extra spacing between the mark's characters (spread joint names), from their x."""
    runs = seg.runs
    if len(runs) < 2:
        return None
    step = (runs[-1].x - runs[0].x) / (len(runs) - 1)
    size, hs = runs[0].size, runs[0].hscale
    extra = step - size * hs
    return extra if abs(extra) > 0.05 else 0.0


def _table_layout(tbl, widths: list[float]) -> None:
    tblpr = tbl._tbl.tblPr
    _child(tblpr, "w:tblW", **{"w:w": _tw(sum(widths)), "w:type": "dxa"})
    _child(tblpr, "w:tblLayout", **{"w:type": "fixed"})
    # the left border on the text-area edge, the text 4 pt inside it (as in the PDF)
    _child(tblpr, "w:tblInd", **{"w:w": 80, "w:type": "dxa"})
    borders = _child(tblpr, "w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        _child(borders, f"w:{side}", **{"w:val": "single", "w:sz": 6, "w:space": 0, "w:color": "000000"})
    mar = _child(tblpr, "w:tblCellMar")
    for side, v in (("top", 0), ("bottom", 0), ("left", 80), ("right", 80)):
        _child(mar, f"w:{side}", **{"w:w": v, "w:type": "dxa"})
    grid = tbl._tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths, strict=False):
        gc.set(qn("w:w"), str(_tw(w)))


def _page_number_footer(p, *, odd: bool) -> None:
    """`— PAGE —` in 4号 宋体; odd pages right, even pages left, one character in (7.5)."""
    pf = p.paragraph_format
    pf.line_spacing = Pt(FOOTER_LINE)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    if odd:
        pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        pf.right_indent = Pt(g.PAGE_NUMBER_INDENT)
    else:
        pf.alignment = WD_ALIGN_PARAGRAPH.LEFT
        pf.left_indent = Pt(g.PAGE_NUMBER_INDENT)
    _no_grid_no_widow(p._p.get_or_add_pPr())

    def run(text: str | None = None, fld: str | None = None, instr: str | None = None):
        r = p.add_run(text or "")
        rpr = r._r.get_or_add_rPr()
        _set_fonts(rpr, SONG)
        r.font.size = Pt(g.PAGE_NUMBER_SIZE)
        if fld:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), fld)
            r._r.append(el)
        if instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
            r._r.append(el)
        return r

    run(g.PAGE_NUMBER_DASH + " ")
    run(fld="begin")
    run(instr=" PAGE ")
    run(fld="separate")
    run("1")
    run(fld="end")
    run(" " + g.PAGE_NUMBER_DASH)


def _estimate_lines(text: str, first_indent_chars: float, capacity: int = g.CHARS_PER_LINE) -> int:
    """How many 28-character lines a paragraph takes (used only to find the 版记's page)."""
    total = first_indent_chars + _units(text)
    return max(1, math.ceil(total / capacity - 1e-9))


def _emu(points: float) -> int:
    return round(points * 12700)


def render_docx_document(doc: Document, seal: SealImage | None = None
                         ) -> tuple[bytes, list[str]]:
    """Build the DOCX for ``doc`` (with ``seal`` over a sealed signature); returns (bytes,
    warnings in Chinese)."""
    from app.typeset.layout import layout

    lay = layout(doc, seal=seal)  # the PDF layout decides pages, title lines, positions: both backends agree
    b = _Builder(doc, lay)
    b.build()
    buf = io.BytesIO()
    b.docx.core_properties.title = doc.title
    b.docx.core_properties.author = "GovDesk"
    b.docx.save(buf)
    return buf.getvalue(), list(lay.warnings) + b.warnings
