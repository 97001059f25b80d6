"""reportlab backend: ``Layout`` → PDF bytes.

Every face is a registered TrueType font, which reportlab embeds as a subset; text is real text
(ToUnicode maps are written), so copying and searching work. Metadata: the title, producer
"GovDesk", and in /Subject and /Keywords which stand-in fonts replaced the official ones.
Output is invariant (fixed dates and /ID): the same description always gives the same bytes, so
a printed copy can be identified by its hash.
"""

from __future__ import annotations

import io

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from app import __version__
from app.typeset import geometry as g
from app.typeset.fonts import OFFICIAL_NAMES
from app.typeset.model import Layout, Rule, SealMark, TextRun, VRule


def _stand_in_text(layout: Layout) -> str:
    if not layout.stand_ins:
        return "字体：全部为标准字体"
    parts = [f"{OFFICIAL_NAMES[r]}→{fam}" for r, fam in sorted(layout.stand_ins.items())]
    return "替代字体：" + "；".join(parts)


def _draw_run(c: canvas.Canvas, text, el: TextRun, H: float) -> None:
    """Draw a run, starting a new positioned string at every TrueType subset change.

    reportlab splits a string into 256-glyph font subsets, one Tj each. By the PDF spec the
    character spacing (Tc) follows every glyph, but some readers (pdfminer/pdfplumber) drop it
    after the last glyph of each Tj; positioning each chunk explicitly makes every reader agree.
    """
    if not el.char_space:
        text.setTextOrigin(el.x, H - el.y)
        text.textOut(el.text)
        return
    font = pdfmetrics.getFont(el.font)
    x = el.x
    pos = 0
    for _subset, chunk in font.splitString(el.text, c._doc):
        part = el.text[pos:pos + len(chunk)]
        pos += len(chunk)
        text.setTextOrigin(x, H - el.y)
        text.textOut(part)
        x += (font.stringWidth(part, el.size) + el.char_space * len(part)) * el.hscale


def render_layout(layout: Layout) -> bytes:
    buf = io.BytesIO()
    first = next((el for p in layout.pages for el in p.elements if isinstance(el, TextRun)), None)
    # The canvas preamble selects an initial font; make it ours, or Helvetica (unembedded) appears.
    initial = {"initialFontName": first.font, "initialFontSize": first.size} if first else {}
    c = canvas.Canvas(buf, pagesize=(g.PAGE_WIDTH, g.PAGE_HEIGHT), pageCompression=1,
                      invariant=1, **initial)
    c.setTitle(layout.title)
    c.setProducer(f"GovDesk {__version__}")
    c.setCreator("GovDesk 公文值守台")
    c.setSubject(_stand_in_text(layout))
    c.setKeywords(", ".join(f"standin:{r}={fam}" for r, fam in sorted(layout.stand_ins.items())))
    c.setAuthor("GovDesk")
    H = g.PAGE_HEIGHT
    for page in layout.pages:
        text = c.beginText()
        state: tuple | None = None
        for el in page.elements:
            if isinstance(el, TextRun):
                key = (el.font, el.size, el.color, el.char_space, el.hscale)
                if state != key:
                    if state is None or state[0:2] != key[0:2]:
                        text.setFont(el.font, el.size)
                    if state is None or state[2] != el.color:
                        text.setFillColorRGB(*el.color)
                    if state is None or state[3] != el.char_space:
                        text.setCharSpace(el.char_space)
                    if state is None or state[4] != el.hscale:
                        text.setHorizScale(el.hscale * 100)
                    state = key
                _draw_run(c, text, el, H)
        c.drawText(text)
        for el in page.elements:
            if isinstance(el, Rule):
                c.setStrokeColorRGB(*el.color)
                c.setLineWidth(el.thickness)
                c.line(el.x0, H - el.y, el.x1, H - el.y)
            elif isinstance(el, VRule):
                c.setStrokeColorRGB(*el.color)
                c.setLineWidth(el.thickness)
                c.line(el.x, H - el.y0, el.x, H - el.y1)
        for el in page.elements:  # the seal last: its ink lies over the 署名 and date
            if isinstance(el, SealMark):
                from reportlab.lib.utils import ImageReader

                c.drawImage(ImageReader(io.BytesIO(el.image.data)), el.x, H - el.y - el.h,
                            el.w, el.h, mask="auto")
        c.showPage()
    c.save()
    return buf.getvalue()
