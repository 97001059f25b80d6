"""The interface stays legible on a desk without Chinese fonts (app/ui/fonts.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

NO_FONTS_PROBE = """
from app.ui.qt import QApplication, QFontInfo
from app.ui.fonts import ensure_chinese_ui_font, has_chinese_font
app = QApplication([])
before = has_chinese_font()
family = ensure_chinese_ui_font(app)
print(before, family, has_chinese_font(), QFontInfo(app.font()).family())
"""


def test_without_any_font_the_bundled_heiti_becomes_the_ui_font(tmp_path):
    conf = tmp_path / "fonts.conf"  # fontconfig with no font folder: Qt sees no font at all
    conf.write_text(f'<?xml version="1.0"?>\n<fontconfig><cachedir>{tmp_path}</cachedir>'
                    "</fontconfig>\n", encoding="utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(conf), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", NO_FONTS_PROBE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "FandolHei", "True", "FandolHei"]


def test_a_desk_with_a_chinese_font_keeps_its_ui_font(qapp):
    from app.ui.fonts import ensure_chinese_ui_font, has_chinese_font

    had = has_chinese_font()
    before = qapp.font().family()
    family = ensure_chinese_ui_font(qapp)
    if had:
        assert family is None and qapp.font().family() == before
    else:  # a machine without Chinese fonts: the bundled face stands in
        assert family == "FandolHei" and has_chinese_font()
