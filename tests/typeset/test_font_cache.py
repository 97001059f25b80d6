"""Fonts are opened when a page uses them and reportlab's parse of a TrueType file is cached
between processes (issue 30) — never at the cost of a wrong font or a changed page.

``tests/fixtures/typeset/demo_geometry.json`` holds every character box and rule of the demo
PDFs as rendered by the code before this change (bundled fonts): the geometry must not move.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pdfplumber
from reportlab.pdfbase.ttfonts import TTFont

from app import paths
from app.typeset import fontcache
from app.typeset import fonts as F
from app.typeset.layout import layout
from app.typeset.pdf import render_layout
from app.typeset.spec import parse_description

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "typeset" / "demo_geometry.json"
DEMOS = ("letter", "minutes", "notice", "order", "request")


def demo(name: str) -> dict:
    return json.loads(paths.resource("demo", f"{name}.json").read_text("utf-8"))


def geometry(data: bytes) -> list:
    """Every character (text, font, size, box) and rule of each page, as pdfplumber reads it."""
    out = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            chars = [[c["text"], c["fontname"].split("+", 1)[-1], round(c["size"], 3),
                      round(c["x0"], 3), round(c["top"], 3), round(c["x1"], 3),
                      round(c["bottom"], 3)] for c in page.chars]
            lines = [[round(ln["x0"], 3), round(ln["top"], 3), round(ln["x1"], 3),
                      round(ln["bottom"], 3), round(ln["linewidth"], 3)] for ln in page.lines]
            out.append({"chars": chars, "lines": lines})
    return out


def test_demo_geometry_is_unchanged():
    expected = json.loads(FIXTURE.read_text("utf-8"))
    fonts = F.FontSet(use_system=False)
    for name in DEMOS:
        data = render_layout(layout(parse_description(demo(name)), fonts))
        got = geometry(data)
        assert len(got) == len(expected[name]["pages"]), name
        for page, (g, e) in enumerate(zip(got, expected[name]["pages"], strict=True)):
            assert g["lines"] == e["lines"], (name, page)
            assert g["chars"] == e["chars"], (name, page)


# Render every demo in a fresh process and print each PDF's SHA-256.
RENDER_ALL = """
import hashlib, json, sys
from app.typeset.fonts import FontSet
from app.typeset.layout import layout
from app.typeset.pdf import render_layout
from app.typeset.spec import parse_description
from app import paths
fonts = FontSet(use_system=False)
out = {}
for name in sys.argv[1:]:
    d = json.loads(paths.resource("demo", name + ".json").read_text("utf-8"))
    out[name] = hashlib.sha256(render_layout(layout(parse_description(d), fonts))).hexdigest()
print(json.dumps({"pdf": out, "loaded": sorted(fonts.loaded_roles())}))
"""


def _render_in_process(data_dir: Path, names=DEMOS) -> dict:
    env = dict(os.environ, GOVDESK_DATA_DIR=str(data_dir))
    proc = subprocess.run([sys.executable, "-c", RENDER_ALL, *names], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_cached_fonts_give_the_same_pdf_bytes_as_parsed_ones(tmp_path):
    data_dir = tmp_path / "data"
    fonts = F.FontSet(use_system=False)
    here = {n: hashlib.sha256(render_layout(layout(parse_description(demo(n)), fonts))).hexdigest()
            for n in DEMOS}
    first = _render_in_process(data_dir)  # parses and writes the cache
    entries = sorted((data_dir / "cache" / "fonts").glob("*.metrics"))
    assert len(entries) == len(F.ROLES)
    before = {p: p.stat().st_mtime_ns for p in entries}
    second = _render_in_process(data_dir)  # reads the cache
    assert {p: p.stat().st_mtime_ns for p in entries} == before  # used, not rewritten
    assert first["pdf"] == second["pdf"] == here


def test_a_one_page_letter_opens_only_the_faces_it_uses(tmp_path):
    report = _render_in_process(tmp_path / "data", ["letter"])
    assert "kaiti" not in report["loaded"]
    assert "fangsong" in report["loaded"] and "xiaobiaosong" in report["loaded"]
    fs = F.FontSet(use_system=False)
    assert fs.loaded_roles() == set()
    fs.face_for("fangsong", "中")
    assert fs.loaded_roles() == {"fangsong"}
    # a character the 仿宋 face lacks opens the next faces of its chain, in order, only then
    probe = F.FontSet(use_system=False)
    fang = probe.face("fangsong")
    rare = next(chr(cp) for cp in range(0x4E00, 0x9FA6) if not fang.has(chr(cp))
                and any(f.has(chr(cp)) for f in probe.chain("fangsong")))
    found = fs.face_for("fangsong", rare)
    chain = ("fangsong", *F.FALLBACK_ORDER["fangsong"])
    assert found is not None and found.role != "fangsong"
    assert fs.loaded_roles() == set(chain[: chain.index(found.role) + 1])


def _deep_equal(a, b) -> bool:
    """Equal and of the same types all the way down (1 is not 1.0, bytes are not names)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bytes) and hasattr(a, "ustr"):
        return a == b and a.ustr == b.ustr
    return a == b


def test_a_face_from_the_cache_is_the_face_reportlab_parses(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(tmp_path / "data"))
    for fname in ("FandolFang-Regular.ttf", "GovDeskTitleSerif-Regular.ttf"):
        path = paths.fonts_dir() / fname
        parsed = F._load_ttfont("T-parsed", path, 0)  # cache miss: parses and stores
        assert fontcache.entry_path(fontcache.cache_dir(), path, 0).exists()
        cached = F._load_ttfont("T-cached", path, 0)
        fresh = TTFont("T-fresh", str(path))
        assert isinstance(cached.face, F._CachedFace) and not isinstance(parsed.face, F._CachedFace)
        assert set(vars(cached)) == set(vars(fresh))
        assert cached.shapable == fresh.shapable and cached._asciiReadable == fresh._asciiReadable
        assert cached.face.glyphToChar == fresh.face.glyphToChar  # the lazy attribute
        # all but the scaling function (compared below) and the read cursor (every read of
        # reportlab's seeks first; the parse leaves it wherever it stopped)
        skip = ("_pdfScale", "_lazy", "_pos")
        want = {k: v for k, v in vars(fresh.face).items() if k not in skip}
        got = {k: v for k, v in vars(cached.face).items() if k not in skip}
        assert set(got) == set(want)
        for key, value in want.items():
            assert _deep_equal(got[key], value), key
        assert cached.face._pdfScale(500) == fresh.face._pdfScale(500)
        assert cached.stringWidth("公文值守台 GovDesk", 16) == fresh.stringWidth("公文值守台 GovDesk", 16)


def _hmtx_advance(path: Path, ch: str) -> tuple[int, int]:
    """(file offset, advance) of ``ch``'s glyph in the hmtx table."""
    face = TTFont("probe", str(path)).face
    glyph = face.charToGlyph[ord(ch)]
    offset = face.table["hmtx"]["offset"] + 4 * glyph
    return offset, int.from_bytes(face._ttf_data[offset:offset + 2], "big")


def test_a_changed_font_file_with_the_same_size_and_mtime_is_parsed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(tmp_path / "data"))
    font = tmp_path / "fonts" / "simkai.ttf"
    font.parent.mkdir()
    shutil.copy(paths.fonts_dir() / "FandolKai-Regular.ttf", font)
    before = F._load_ttfont("K1", font, 0)
    assert before.face.charWidths[ord("中")] == 1000
    # narrow 中 in place: same size, mtime put back — only the content differs
    st = font.stat()
    offset, advance = _hmtx_advance(font, "中")
    with open(font, "r+b") as fh:
        fh.seek(offset)
        fh.write((advance // 2).to_bytes(2, "big"))
    os.utime(font, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert font.stat().st_size == st.st_size and font.stat().st_mtime_ns == st.st_mtime_ns
    after = F._load_ttfont("K2", font, 0)
    assert not isinstance(after.face, F._CachedFace)  # the entry did not match: parsed
    assert after.face.charWidths[ord("中")] == advance // 2
    again = F._load_ttfont("K3", font, 0)  # and the new parse is what is cached now
    assert isinstance(again.face, F._CachedFace)
    assert again.face.charWidths[ord("中")] == advance // 2


def test_a_damaged_or_foreign_cache_entry_is_never_used(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(tmp_path / "data"))
    fang, hei = paths.fonts_dir() / "FandolFang-Regular.ttf", paths.fonts_dir() / "FandolHei-Regular.ttf"
    F._load_ttfont("D1", fang, 0)
    F._load_ttfont("D2", hei, 0)
    folder = fontcache.cache_dir()
    fang_entry, hei_entry = fontcache.entry_path(folder, fang, 0), fontcache.entry_path(folder, hei, 0)
    raw = fang_entry.read_bytes()
    # torn write: half the entry
    fang_entry.write_bytes(raw[: len(raw) // 2])
    font = F._load_ttfont("D3", fang, 0)
    assert not isinstance(font.face, F._CachedFace) and font.face.name == b"FandolFang-Regular"
    assert fang_entry.read_bytes() == raw  # rewritten whole
    # one flipped bit in the arrays
    bad = bytearray(raw)
    bad[-100] ^= 1
    fang_entry.write_bytes(bytes(bad))
    assert not isinstance(F._load_ttfont("D4", fang, 0).face, F._CachedFace)
    # another font's entry put in its place
    shutil.copy(hei_entry, fang_entry)
    font = F._load_ttfont("D5", fang, 0)
    assert not isinstance(font.face, F._CachedFace) and font.face.name == b"FandolFang-Regular"
    # no temporary files left behind
    assert sorted(p.name for p in folder.iterdir()) == sorted([fang_entry.name, hei_entry.name])


def test_fonts_load_when_the_cache_cannot_be_written(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(blocker / "data"))  # under a file: no folder
    font = F._load_ttfont("W1", paths.fonts_dir() / "FandolSong-Regular.ttf", 0)
    assert font.face.charToGlyph[ord("中")]
    assert not (blocker / "data").exists()


def test_the_cache_format_holds_no_code():
    # data only: a JSON header and typed arrays; loading never unpickles
    src = (ROOT / "app" / "typeset" / "fontcache.py").read_text("utf-8")
    assert "import pickle" not in src and "marshal" not in src
    raw = fontcache.dumps({"k": 1}, {"a": 1, "b": [1.5, b"x"], "c": {i: i for i in range(40)}})
    assert fontcache.loads(raw, {"k": 1}) == {"a": 1, "b": [1.5, b"x"], "c": {i: i for i in range(40)}}
    assert fontcache.loads(raw, {"k": 2}) is None
