"""The 密级 marks of a print that is not a 公文: on every page, centred in the header and the
footer, and on the first page at the top left (with the 份号 when the copy has one).

A 公文 carries its 密级和保密期限 and 份号 where GB/T 9704 puts them (the layout engine draws
them); every other print — 纪要 annexes, 值班日报, 信息专报, the duty calendar, the audit log —
gets these marks as an overlay on the finished pages, so no renderer can forget them. Like the
watermark, an overlay merged under pypdf: the page content is not touched.

Pure: no database, no Qt. The caller (``app.services.output``) decides the label.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

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
    stamps: dict[tuple[float, float, bool], object] = {}
    starts = set(copy_starts)
    for i, page in enumerate(writer.pages):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        key = (round(w, 2), round(h, 2), i in starts)
        if key not in stamps:
            stamps[key] = PdfReader(io.BytesIO(
                _overlay(w, h, label, first_text if i in starts else None))).pages[0]
        page.merge_page(stamps[key])  # type: ignore[arg-type]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
