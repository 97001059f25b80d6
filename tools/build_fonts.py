#!/usr/bin/env python3
"""Build the bundled fallback fonts in resources/fonts from Debian's font packages.

reportlab embeds only TrueType-outline fonts, and the open CJK faces closest to the official
ones ship as CFF (PostScript) outlines. This script converts them to TrueType (cubic → quadratic
with fontTools' Cu2QuPen), subsets the large ones, and writes them with their licences.

Sources (Debian 12 packages):
  texlive-lang-chinese  .../fonts/opentype/public/fandol/Fandol{Fang,Kai,Hei,Song}-Regular.otf
                        (GPL v3 with the font exception; Fandol team)
  fonts-noto-cjk        NotoSerifCJK-Bold.ttc, SC face (SIL OFL 1.1; Adobe/Google) → title face

Run once on a build machine; the outputs are committed, so users and CI never run this:
    python3 tools/build_fonts.py --fandol DIR --noto /usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

OUT = Path(__file__).resolve().parent.parent / "resources" / "fonts"


def otf_to_ttf(font: TTFont, max_err: float = 1.0) -> None:
    """Replace the CFF outlines of ``font`` with TrueType glyf outlines, in place."""
    assert "CFF " in font, "not a CFF font"
    order = font.getGlyphOrder()
    glyphset = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphset)
        glyphset[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    for tag in ("VORG", "CFF2"):
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones",):
        setattr(maxp, attr, 1)
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.compile(font)
    post = font["post"]
    post.formatType = 3.0
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\000\001\000\000"


def gbk_text() -> str:
    """Every character of GBK (GB2312 plus the rest), ASCII, and the marks official documents use."""
    chars = set()
    for b1 in range(0x81, 0xFF):
        for b2 in range(0x40, 0xFF):
            try:
                chars.add(bytes([b1, b2]).decode("gbk"))
            except UnicodeDecodeError:
                pass
    chars.update(chr(c) for c in range(0x20, 0x7F))
    chars.update("〔〕★☆×—–…·「」『』〈〉《》【】、。，；：？！“”‘’（）－～￥％＋＝")
    return "".join(sorted(chars))


def rename(font: TTFont, family: str, full: str, ps: str) -> None:
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 3, 4, 6, 16, 17, 21, 22):
            name.removeNames(nameID=rec.nameID)
    for plat, enc, lang in ((3, 1, 0x409), (1, 0, 0)):
        name.setName(family, 1, plat, enc, lang)
        name.setName("Regular", 2, plat, enc, lang)
        name.setName(f"{ps};GovDesk build", 3, plat, enc, lang)
        name.setName(full, 4, plat, enc, lang)
        name.setName(ps, 6, plat, enc, lang)


def build_fandol(src: Path, style: str) -> Path:
    font = TTFont(src / f"Fandol{style}-Regular.otf")
    otf_to_ttf(font)
    out = OUT / f"Fandol{style}-Regular.ttf"
    font.save(out)
    return out


def build_title(noto: Path) -> Path:
    coll = TTCollection(noto)
    face = next(f for f in coll.fonts if "SC" in f["name"].getDebugName(1))
    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    sub = subset.Subsetter(opts)
    sub.populate(text=gbk_text())
    sub.subset(face)
    otf_to_ttf(face)
    rename(face, "GovDesk Title Serif", "GovDesk Title Serif", "GovDeskTitleSerif-Regular")
    out = OUT / "GovDeskTitleSerif-Regular.ttf"
    face.save(out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fandol", type=Path, required=True, help="folder with Fandol*.otf")
    ap.add_argument("--noto", type=Path, required=True, help="NotoSerifCJK-Bold.ttc")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for style in ("Fang", "Kai", "Hei", "Song"):
        t = time.perf_counter()
        out = build_fandol(args.fandol, style)
        print(f"{out.name}: {out.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    out = build_title(args.noto)
    print(f"{out.name}: {out.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
