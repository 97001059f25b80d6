"""Watermarks and copy assembly on rendered PDFs (for printing and exporting classified 公文).

Why an overlay on the finished PDF instead of a hook in the layout: the watermark says who
printed which copy when — facts of the *print job*, not of the document — so the engine stays a
pure description → bytes function and the same rendered pages are reused for every copy. The
overlay is drawn with reportlab (the 黑体 face of ``fonts.font_set()``) once per page size and
stamped over every page as a Form XObject (``overlay.stamp``: the page's content is not parsed).

Pure: no database, no Qt. The caller (``app.services.documents.printing``) decides the text.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from pypdf import PdfReader, PdfWriter
from pypdf.generic import IndirectObject
from reportlab.lib.colors import Color
from reportlab.pdfgen import canvas

from app.typeset import overlay
from app.typeset.fonts import font_set

#: light grey, mostly transparent: readable on the page, never hiding the text under it
_INK = Color(0.45, 0.45, 0.45, alpha=0.22)


def _overlay_page(width: float, height: float, lines: Sequence[str], size: float) -> bytes:
    face = font_set().face("heiti")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height), invariant=1)
    c.setFillColor(_INK)
    c.setFont(face.name, size)
    step_y = size * (len(lines) + 2.5) * 1.4
    step_x = max(face.width(line, size) for line in lines) + size * 4
    c.saveState()
    c.translate(width / 2, height / 2)
    c.rotate(30)
    reach = math.hypot(width, height) / 2 + step_x
    y = -reach
    row = 0
    while y <= reach:
        x = -reach + (step_x / 2 if row % 2 else 0)
        while x <= reach:
            for i, line in enumerate(lines):
                c.drawString(x, y - i * size * 1.4, line)
            x += step_x
        y += step_y
        row += 1
    c.restoreState()
    c.showPage()
    c.save()
    return buf.getvalue()


def watermark_pdf(pdf: bytes, lines: Sequence[str], *, size: float = 16) -> bytes:
    """``pdf`` with ``lines`` (e.g. user, time, copy number) tiled diagonally over every page."""
    lines = [line for line in lines if line]
    if not lines:
        return pdf
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    stamps: dict[tuple[float, float], IndirectObject] = {}
    for page in writer.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        key = (round(w, 2), round(h, 2))
        if key not in stamps:
            stamps[key] = overlay.form(writer, _overlay_page(w, h, lines, size))
        overlay.stamp(writer, page, stamps[key], list(stamps).index(key))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def concatenate(pdfs: Sequence[bytes], *, duplex: bool = False) -> bytes:
    """One PDF of several copies. With ``duplex`` every copy starts on a front side: a copy with
    an odd number of pages is followed by a blank page, so copies never share a sheet.

    The copies share their resources: each copy embeds the same font subsets (and the same
    watermark overlay fonts), so identical objects are merged (pypdf's
    ``compress_identical_objects``) — three copies cost little more than one (see
    benchmarks/README.md, 份数与文件大小)."""
    writer = PdfWriter()
    for data in pdfs:
        reader = PdfReader(io.BytesIO(data))
        for page in reader.pages:
            writer.add_page(page)
        if duplex and len(reader.pages) % 2 == 1:
            last = reader.pages[-1]
            writer.add_blank_page(float(last.mediabox.width), float(last.mediabox.height))
    if len(pdfs) > 1:
        writer.compress_identical_objects()  # duplicates and orphans (the defaults, pypdf ≥ 4.3)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
