"""reportlab backend: ``Layout`` → PDF bytes.

Every face is a registered TrueType font, which reportlab embeds as a subset; text is real text
(ToUnicode maps are written), so copying and searching work. Metadata: the title, producer
"GovDesk", and in /Subject and /Keywords which stand-in fonts replaced the official ones.
"""

from __future__ import annotations

import io

from reportlab.pdfgen import canvas

from app import __version__
from app.typeset import geometry as g
from app.typeset.fonts import OFFICIAL_NAMES
from app.typeset.model import Layout, Rule, TextRun, VRule


def _stand_in_text(layout: Layout) -> str:
    if not layout.stand_ins:
        return "字体：全部为标准字体"
    parts = [f"{OFFICIAL_NAMES[r]}→{fam}" for r, fam in sorted(layout.stand_ins.items())]
    return "替代字体：" + "；".join(parts)


def render_layout(layout: Layout) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(g.PAGE_WIDTH, g.PAGE_HEIGHT), pageCompression=1,
                      invariant=1)
    c.setTitle(layout.title)
    c.setProducer(f"GovDesk {__version__}")
    c.setCreator("GovDesk 公文值守台")
    c.setSubject(_stand_in_text(layout))
    c.setKeywords(", ".join(f"standin:{r}={fam}" for r, fam in sorted(layout.stand_ins.items())))
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
                text.setTextOrigin(el.x, H - el.y)
                text.textOut(el.text)
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
        c.showPage()
    c.save()
    return buf.getvalue()
