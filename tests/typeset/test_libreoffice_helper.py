"""The LibreOffice helper without running LibreOffice: fontconfig set-up, stand-in names,
the Chinese error when soffice is missing."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from app import paths
from app.typeset import libreoffice as lo


def test_fontconfig_maps_every_official_name_to_a_bundled_family():
    xml = lo.fontconfig_xml()
    assert f"<dir>{paths.fonts_dir()}</dir>" in xml
    for official, stand_in in lo.STAND_INS.items():
        assert f"<family>{official}</family>" in xml
        assert f"<accept><family>{stand_in}</family></accept>" in xml


@pytest.mark.skipif(shutil.which("fc-scan") is None, reason="fc-scan 未安装")
def test_stand_in_names_are_the_bundled_fonts_family_names():
    families: set[str] = set()
    for f in paths.fonts_dir().glob("*.ttf"):
        out = subprocess.run(["fc-scan", "--format", "%{family}\n", str(f)], capture_output=True,
                             text=True, check=True).stdout
        families.update(n.strip() for n in out.replace("\n", ",").split(",") if n.strip())
    assert set(lo.STAND_INS.values()) <= families


def test_missing_soffice_is_a_clear_chinese_error(monkeypatch, tmp_path):
    monkeypatch.setattr(lo, "find_soffice", lambda: None)
    with pytest.raises(lo.LibreOfficeMissing) as err:
        lo.convert_to_pdf(b"PK", tmp_path)
    assert "LibreOffice" in err.value.message and "未找到" in err.value.message
    assert not list(tmp_path.iterdir())  # nothing written


def test_substitution_warnings_name_the_missing_official_fonts(monkeypatch):
    monkeypatch.setattr(lo, "_installed_families", lambda: frozenset({"黑体"}))
    warnings = lo.font_substitutions(["仿宋_GB2312", "黑体"])
    assert len(warnings) == 1
    assert "仿宋_GB2312" in warnings[0] and "FandolFang" in warnings[0]
