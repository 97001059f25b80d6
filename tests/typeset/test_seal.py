"""The office's seal image on a sealed document (GB/T 9704 7.3.5.1), geometry read back from the
PDF: upright, centred on the 署名 and 成文日期 (the date right-indented 4 characters), pressing on
both with them below its centre, its top within 1 line of the body; the DOCX floats the same
picture at the same place. No seal on an unsealed description, nor under a joint signature."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pdfplumber
from lxml import etree

from app.typeset import SealImage, render
from tests.services.documents_helpers import notice
from tests.typeset.pdfcheck import MM, TEXT_LEFT, TEXT_RIGHT, read_pdf

SEAL_PNG = Path(__file__).resolve().parents[1] / "fixtures" / "seal" / "seal.png"
ADV = 156 * MM / 28
PITCH = 28.95
SEAL = SealImage(SEAL_PNG.read_bytes(), 400, 400)


def _images(pdf: bytes) -> list[dict]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [dict(im, page=n) for n, p in enumerate(doc.pages) for im in p.images]


def test_the_seal_presses_on_the_signature_and_date_per_gbt9704():
    pdf = render(notice(), "pdf", seal=SEAL).data
    (im,) = _images(pdf)
    page = read_pdf(pdf)[im["page"]]
    (issuer,) = [ln for ln in page.text_lines() if ln.text == "临江市人民政府办公室"]  # 署名
    date = page.find("2026年1月20日")
    assert abs(date.x1 - (TEXT_RIGHT - 4 * ADV)) < 0.5  # 成文日期 right-indented 4 characters
    # 42 mm, upright (square box), centred on the 署名/date column, inside the text area
    assert abs(im["width"] - 42 * MM) < 0.5 and abs(im["height"] - 42 * MM) < 0.5
    centre_x = (im["x0"] + im["x1"]) / 2
    assert abs(centre_x - (date.x0 + date.x1) / 2) < 0.5
    assert abs(centre_x - (issuer.x0 + issuer.x1) / 2) < 0.5
    assert TEXT_LEFT <= im["x0"] and im["x1"] <= TEXT_RIGHT
    # pressing on both (each overlaps the seal over the narrower one's full width and its full
    # height), the two below the seal's centre
    for line in (issuer, date):
        overlap = min(im["x1"], line.x1) - max(im["x0"], line.x0)
        assert overlap >= min(im["width"], line.x1 - line.x0) - 0.5
        assert im["top"] < line.top and line.bottom < im["bottom"]
    assert (im["top"] + im["bottom"]) / 2 < issuer.top
    # its top within 1 line of the body's last line
    body_end = max(ln.bottom for ln in page.text_lines() if ln.bottom < issuer.top - 1)
    assert 0 < im["top"] - body_end <= PITCH


def test_no_seal_without_the_sealed_layout_or_under_a_joint_signature():
    assert _images(render(notice(sealed=False), "pdf", seal=SEAL).data) == []
    joint = notice(issuer=["临江市人民政府办公室", "临江市应急管理局"])
    assert _images(render(joint, "pdf", seal=SEAL).data) == []
    assert _images(render(notice(), "pdf").data) == []  # sealed layout, no image: hand stamping


def test_the_docx_floats_the_same_seal_at_the_same_place():
    pdf = render(notice(), "pdf", seal=SEAL).data
    (im,) = _images(pdf)
    data = render(notice(), "docx", seal=SEAL).data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = etree.fromstring(z.read("word/document.xml"))
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert [z.read(n) for n in media] == [SEAL.data]
    ns = {"wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
          "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    (anchor,) = [a for a in xml.findall(".//wp:anchor", ns)
                 if a.find("wp:docPr", ns).get("name") == "印章"]
    x = int(anchor.find("wp:positionH/wp:posOffset", ns).text) / 12700
    y = int(anchor.find("wp:positionV/wp:posOffset", ns).text) / 12700
    assert abs(x - im["x0"]) < 0.1 and abs(y - im["top"]) < 0.1
    assert anchor.find("wp:positionH", ns).get("relativeFrom") == "page"
    assert anchor.get("behindDoc") == "0" and anchor.find("wp:wrapNone", ns) is not None
    # anchored in the 署名 paragraph
    para = anchor.getparent()
    while para.tag != f"{{{ns['w']}}}p":
        para = para.getparent()
    assert "临江市人民政府办公室" in "".join(para.itertext())
