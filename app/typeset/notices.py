"""Typed warnings: what kind of thing happened, with the Chinese sentence the user reads.

A ``Notice`` *is* its Chinese text (a ``str``), so a renderer's list of warnings still prints,
joins and compares as text; code that decides something from a warning reads ``notice.kind``
instead of searching the text for a word (``"替代字体" in w`` broke whenever the wording changed).
Plain strings from older code count as ``NoticeKind.LAYOUT`` (see ``kind_of``).

Pure: no Qt, no database. ``app.services.output`` re-exports both names.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class NoticeKind(Enum):
    #: an official face (方正小标宋简体, 仿宋_GB2312, …) is not installed: a bundled one stood in
    FONT_STAND_IN = "font_stand_in"
    #: a character had no glyph in its face and another face drew it
    GLYPH_SUBSTITUTED = "glyph_substituted"
    #: a character has no glyph in any face (printed as a blank)
    GLYPH_MISSING = "glyph_missing"
    #: LibreOffice replaced an official font while converting a Word form
    CONVERTER_FONT = "converter_font"
    #: a deadline falls in a year without a holiday table (shown as 待定)
    DEADLINE_UNCERTAIN = "deadline_uncertain"
    #: printed although unfilled placeholders (×××, （…）) remain
    PLACEHOLDERS_LEFT = "placeholders_left"
    #: the office's template for the record kind could not be used: the shipped one was
    TEMPLATE_FALLBACK = "template_fallback"
    #: anything the layout engine says about the page (GB/T 9704 rule it could not keep, …)
    LAYOUT = "layout"


class Notice(str):
    """A warning: the Chinese text, with ``kind``."""

    kind: NoticeKind

    def __new__(cls, kind: NoticeKind, text: str) -> Notice:
        obj = super().__new__(cls, text)
        obj.kind = kind
        return obj

    @property
    def text(self) -> str:
        return str.__str__(self)

    def __reduce__(self) -> tuple[Any, ...]:  # pickles (worker threads) keep the kind
        return (Notice, (self.kind, self.text))


def kind_of(warning: str) -> NoticeKind:
    """The kind of a warning (a plain string is a layout remark)."""
    return warning.kind if isinstance(warning, Notice) else NoticeKind.LAYOUT
