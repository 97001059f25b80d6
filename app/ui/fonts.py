"""A legible interface on a desk without any Chinese font.

Chinese Windows, UOS and Kylin ship Chinese UI fonts, but a bare Linux install (or the frozen
self-test, which hides every system font to prove the bundle needs none) may have no family that
covers Simplified Chinese: every label would be boxes. Then, and only then, the bundled 黑体
stand-in (the same file the typesetting engine falls back to) is registered with Qt and made the
application font. Desks with a Chinese font keep their own UI font and pay nothing.
"""

from __future__ import annotations

from app import paths
from app.ui.qt import QApplication, QFont, QFontDatabase

UI_FALLBACK_FILE = "FandolHei-Regular.ttf"


def has_chinese_font() -> bool:
    return bool(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))


def ensure_chinese_ui_font(app: QApplication) -> str | None:
    """Make sure Qt can draw Chinese; return the bundled family if it had to be installed."""
    if has_chinese_font():
        return None
    font_id = QFontDatabase.addApplicationFont(str(paths.fonts_dir() / UI_FALLBACK_FILE))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        return None
    font = QFont(app.font())
    font.setFamilies([families[0]])
    app.setFont(font)
    return families[0]
