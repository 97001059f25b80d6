"""Font roles: official faces found on the workstation, TrueType only, bundled stand-ins,
per-character fallback and the warnings the user sees."""

from __future__ import annotations

import shutil

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen

from app import paths
from app.typeset import fonts as F
from app.typeset import render


def _cff_font(path):
    """A minimal CFF-outline OpenType font (what reportlab cannot embed)."""
    fb = FontBuilder(1000, isTTF=False)
    fb.setupGlyphOrder([".notdef", "uni4EFF"])
    fb.setupCharacterMap({0x4EFF: "uni4EFF"})
    pen = T2CharStringPen(500, None)
    pen.moveTo((0, 0)), pen.lineTo((0, 500)), pen.lineTo((500, 500)), pen.closePath()
    cs = pen.getCharString()
    fb.setupCFF("Fake-CFF", {"FullName": "Fake CFF"}, {".notdef": cs, "uni4EFF": cs}, {})
    fb.setupHorizontalMetrics({".notdef": (500, 0), "uni4EFF": (1000, 0)})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "Fake", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    fb.save(str(path))


def test_every_role_has_an_official_name_and_a_bundled_truetype_face():
    assert set(F.OFFICIAL_NAMES) == set(F.ROLES) == set(F.BUNDLED)
    assert F.OFFICIAL_NAMES["fangsong"] == "仿宋_GB2312"
    assert F.OFFICIAL_NAMES["xiaobiaosong"] == "方正小标宋简体"
    fs = F.FontSet(use_system=False)
    for role in F.ROLES:
        face = fs.face(role)
        assert not face.official
        assert face.path == paths.fonts_dir() / F.BUNDLED[role]
        assert face.has("中") and face.has("〔") and face.has("一")


def test_font_set_is_loaded_once_per_process():
    assert F.font_set() is F.font_set()


def test_no_role_is_satisfied_by_another_roles_face():
    # the candidates for 仿宋 are all 仿宋 faces: no Song, Hei or Kai file name is accepted
    files = {role: {n.lower() for n, _ in F.OFFICIAL_FILES[role]} for role in F.ROLES}
    for a in F.ROLES:
        for b in F.ROLES:
            assert a == b or not files[a] & files[b]
    assert all("fang" in n or "仿宋" in n or "fs" in n for n in files["fangsong"])
    assert "simsun.ttc" in files["songti"] and "simsun.ttc" not in files["fangsong"]


def test_installed_official_face_wins_and_cff_outlines_are_skipped(tmp_path, monkeypatch):
    # A TrueType file named like Windows' 楷体 (simkai.ttf) is taken as the official 楷体;
    # a CFF file named like 仿宋 (simfang.ttf) cannot be embedded, so the stand-in is used.
    shutil.copy(paths.fonts_dir() / "FandolKai-Regular.ttf", tmp_path / "simkai.ttf")
    _cff_font(tmp_path / "SIMFANG.TTF")
    monkeypatch.setenv(F.EXTRA_DIRS_ENV, str(tmp_path))
    fs = F.FontSet(use_system=True)
    assert fs.face("kaiti").official and fs.face("kaiti").path == tmp_path / "simkai.ttf"
    fang = fs.face("fangsong")
    assert fang.path.name == "FandolFang-Regular.ttf" and not fang.official
    assert "kaiti" not in fs.stand_ins() and "fangsong" in fs.stand_ins()


def test_missing_glyph_falls_back_per_character_and_is_reported():
    fs = F.font_set()
    fang, title = fs.face("fangsong"), fs.face("xiaobiaosong")
    # a GBK hanzi the 仿宋 face lacks but another face of the chain has
    rare = next(chr(cp) for cp in range(0x4E00, 0x9FA6)
                if not fang.has(chr(cp)) and any(f.has(chr(cp)) for f in fs.chain("fangsong")))
    assert fs.face_for("fangsong", rare) is not fang
    assert fs.face_for("fangsong", "中") is fang
    nowhere = "\U0002A6D6"  # CJK Extension B, in none of the bundled faces
    assert fs.face_for("fangsong", nowhere) is None
    result = render({"title": "测试", "body": f"正文{rare}和{nowhere}。"}, "pdf")
    assert any(rare in w and "没有字形" in w for w in result.warnings)
    assert any(nowhere in w and "所有字体" in w for w in result.warnings)
    assert title.has("标")


def test_stand_in_warning_names_the_official_font():
    fs = F.font_set()
    result = render({"title": "测试标题", "body": "正文。"}, "pdf")
    for role in ("fangsong", "xiaobiaosong"):
        face = fs.face(role)
        expected = F.stand_in_warning(role, face)
        assert (expected in result.warnings) == (not face.official)
    if not fs.face("fangsong").official:
        assert any("仿宋_GB2312" in w and "替代字体" in w for w in result.warnings)
