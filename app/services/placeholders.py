"""The print path's last check: no unfilled placeholder (×××, XX, （…）, __, （值班电话）…) reaches
paper unless the user said so.

Every print and export of a 公文-shaped description (公文, 值班安排通知, 信息专报, 纪要) calls
``check(description, allow)`` before rendering. Without ``allow`` a description holding a
placeholder is refused with ``UnfilledPlaceholders`` (an ``InputError``: CLI exit code 2), whose
message lists what is unfilled; the GUI catches it and asks “仍要打印？”, the CLI takes
``--allow-placeholders``. The detection itself is the 校核 rule ``placeholder``
(``app.domain.proofread.placeholders``), so 校核 and the print path agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.errors import InputError


class UnfilledPlaceholders(InputError):
    """The document still holds placeholders; ``found`` lists them (each once, in order)."""

    def __init__(self, found: list[str]) -> None:
        self.found = list(dict.fromkeys(found))
        shown = "、".join(f"“{f}”" for f in self.found[:6]) + ("等" if len(self.found) > 6 else "")
        super().__init__(f"文中还有未填写的占位符：{shown}。请先填写实际内容；"
                         "确需照此打印的，请确认后再打印。")


def check(description: Mapping[str, Any], allow: bool = False) -> None:
    """Refuse a description with unfilled placeholders unless ``allow``."""
    if allow:
        return
    # imported here: the 校核 rules (regexes compiled at import) are not needed until a print,
    # and pages that can print (值班, 突发事件) import this module when they open
    from app.domain.proofread import placeholders

    found = placeholders(description)
    if found:
        raise UnfilledPlaceholders(found)
