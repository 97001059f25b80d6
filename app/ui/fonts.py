"""A legible interface on a desk without any Chinese font.

Chinese Windows, UOS and Kylin ship Chinese UI fonts, but a bare Linux install (or the frozen
self-test, which hides every system font to prove the bundle needs none) may have no family that
covers Simplified Chinese: every label would be boxes. Then, and only then, the bundled 黑体
stand-in (the same file the typesetting engine falls back to) is registered with Qt and made the
application font. Desks with a Chinese font keep their own UI font and pay nothing.
"""

from __future__ import annotations

from app import paths
from app.ui.qt import (
    QApplication,
    QFont,
    QFontDatabase,
    QImage,
    QObject,
    QPainter,
    QTimer,
    Signal,
)

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


def common_hanzi() -> str:
    """The 3 755 characters of GB 2312's first level (常用字, the most used Chinese
    characters), in code order."""
    codes = bytes(b for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF)
                  if (hi, lo) < (0xD7, 0xFA) for b in (hi, lo))
    return codes.decode("gb2312")


class GlyphWarmer(QObject):
    """Rasterises the common characters into Qt's glyph cache, a slice per timer tick.

    Qt rasterises a glyph the first time it is drawn at a size and weight (≈ 75 µs each with the
    bundled 黑体 here): the first search's results, ≈ 400 characters never drawn before, held
    the GUI thread ≈ 110 ms painting them (``benchmarks/bench_stall.py``, issue 30). Drawn
    beforehand into a small image in slices of ``SLICE`` characters (≈ 2 ms each) while the
    window is idle, the glyphs are cached when a page or a search first shows them. The
    application font, regular and bold (hits' titles, headings); ``done`` when finished."""

    #: ≈ 2 ms a slice: a slice that falls in the same turn of the event loop as a page's paint
    #: adds to that paint's stall (80-character slices, ≈ 6–9 ms, did: bench_stall's list
    #: scrolling 2–5 s after start, when the warmer runs)
    SLICE = 24
    INTERVAL_MS = 8
    done = Signal()

    def __init__(self, parent: QObject | None = None, *, text: str | None = None) -> None:
        super().__init__(parent)
        font = QFont(QApplication.font())
        bold = QFont(font)
        bold.setBold(True)
        chars = text if text is not None else common_hanzi()
        self._work = [(f, chars[i:i + self.SLICE]) for f in (font, bold)
                      for i in range(0, len(chars), self.SLICE)]
        self._image = QImage(32, 32, QImage.Format.Format_ARGB32_Premultiplied)
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self._step)

    def start(self) -> None:
        self._timer.start()

    @property
    def remaining(self) -> int:
        return len(self._work)

    def _step(self) -> None:
        if not self._work:
            self._timer.stop()
            self.done.emit()
            return
        font, chars = self._work.pop(0)
        painter = QPainter(self._image)
        try:
            painter.setFont(font)
            painter.drawText(0, 24, chars)
        finally:
            painter.end()
