"""The 密级 marks of a print that is not a 公文: on every page, centred in the header and the
footer, and on the first page at the top left (with the 份号 when the copy has one).

A 公文 carries its 密级和保密期限 and 份号 where GB/T 9704 puts them (the layout engine draws
them); every other print — 纪要 annexes, 值班日报, 信息专报, the duty calendar, the audit log —
gets these marks as an overlay on the finished pages, so no renderer can forget them. Like the
watermark, an overlay stamped over the pages (``overlay.stamp``): the page content is not touched.

A DOCX export of such a record (editable, so no watermark) gets them in its headers and footers
(``mark_docx``): the label at the top left of every page's header — the first page's top-left
mark, 三号黑体 like a 公文's 密级 — and centred in every page's footer, above the page number.
The body is not touched, so the layout on the line grid stays as typeset.

Pure: no database, no Qt. The caller (``app.services.output``) decides the label.
"""

from __future__ import annotations

import io

from pypdf import PdfWriter
from pypdf.generic import IndirectObject
from reportlab.pdfgen import canvas

from app.typeset import overlay
from app.typeset.fonts import font_set
from app.typeset.geometry import mm

#: header and footer: 黑体 五号; first page: 黑体 三号 (the size of a 公文's 密级)
EDGE_SIZE = 10.5
FIRST_SIZE = 16.0
HEADER_BASELINE = mm(9)  # from the top edge
FOOTER_BASELINE = mm(6)  # from the bottom edge
FIRST_BASELINE = mm(20)  # from the top edge
FIRST_LEFT = mm(28)  # the 订口: where a 公文's 份号 and 密级 start


def _overlay(width: float, height: float, label: str, first: str | None) -> bytes:
    face = font_set().face("heiti")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height), invariant=1)
    c.setFont(face.name, EDGE_SIZE)
    c.drawCentredString(width / 2, height - HEADER_BASELINE, label)
    c.drawCentredString(width / 2, FOOTER_BASELINE, label)
    if first:
        c.setFont(face.name, FIRST_SIZE)
        c.drawString(FIRST_LEFT, height - FIRST_BASELINE, first)
    c.showPage()
    c.save()
    return buf.getvalue()


def mark_pdf(pdf: bytes, label: str, *, first_page: str | None = None,
             copy_starts: tuple[int, ...] = (0,)) -> bytes:
    """``pdf`` with ``label`` (e.g. ``秘密``) in the header and footer of every page and
    ``first_page`` (default: ``label``) at the top left of each copy's first page (page indexes
    in ``copy_starts``)."""
    if not label:
        return pdf
    first_text = first_page or label
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    stamps: dict[tuple[float, float, bool], IndirectObject] = {}
    starts = set(copy_starts)
    for i, page in enumerate(writer.pages):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        key = (round(w, 2), round(h, 2), i in starts)
        if key not in stamps:
            stamps[key] = overlay.form(writer, _overlay(w, h, label,
                                                        first_text if i in starts else None))
        overlay.stamp(writer, page, stamps[key], list(stamps).index(key))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def mark_docx(docx: bytes, label: str) -> bytes:
    """``docx`` with ``label`` at the top left of every page's header and centred in every
    page's footer (odd, even and first-page variants, every section that has its own)."""
    if not label:
        return docx
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    from app.typeset.docx import HEI, _set_fonts

    doc = Document(io.BytesIO(docx))
    odd_even = bool(doc.settings.odd_and_even_pages_header_footer)

    def stamp(paragraph, size: float, align) -> None:
        fmt = paragraph.paragraph_format
        fmt.alignment = align
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing = Pt(size)  # exactly one line of the mark: the footer stays below the
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY  # body, above the page number
        run = paragraph.add_run(label)
        _set_fonts(run._r.get_or_add_rPr(), HEI)
        run.font.size = Pt(size)

    for n, section in enumerate(doc.sections):
        pairs = [(section.header, section.footer)]
        if odd_even:
            pairs.append((section.even_page_header, section.even_page_footer))
        if section.different_first_page_header_footer:
            pairs.append((section.first_page_header, section.first_page_footer))
        for header, footer in pairs:
            if n == 0 or not header.is_linked_to_previous:  # (linked: the previous one's)
                first = header.paragraphs[0] if header.paragraphs else None
                target = first if first is not None and not first.text else header.add_paragraph()
                if target is not first and first is not None:
                    first._p.addprevious(target._p)  # the mark stands first, at the top
                stamp(target, FIRST_SIZE, WD_ALIGN_PARAGRAPH.LEFT)
            if n == 0 or not footer.is_linked_to_previous:
                existing = footer.paragraphs[0] if footer.paragraphs else None
                line = footer.add_paragraph()
                if existing is not None:
                    existing._p.addprevious(line._p)  # above the page number
                stamp(line, EDGE_SIZE, WD_ALIGN_PARAGRAPH.CENTER)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
