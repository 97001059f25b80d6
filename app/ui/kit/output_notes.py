"""What the GUI says after a print or export: where it went, which template made it, and the
paper path's typed warnings (a stand-in font is summarised, other warnings are listed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.domain.security import Clearance
from app.services import output

if TYPE_CHECKING:
    from app.services.output import OutputWarning

# the print path's names are read when a message is made, not at import: the kit comes with the
# main window, the print path (and the typesetting model under it) with the first print (issue 30)


def warnings_of(data: object) -> tuple[OutputWarning, ...]:
    """The typed warnings of an output (none for plain bytes)."""
    return tuple(getattr(data, "warnings", ()) or ())


def summary(warnings: tuple[OutputWarning, ...] | list[str]) -> str:
    """``2 种公文字体未安装，已用替代字体；…`` — fonts counted by kind, others listed."""
    notes = output.typed(warnings)
    fonts = [w for w in notes if w.kind is output.WarningKind.FONT_STAND_IN]
    others = [w.text.rstrip("。") for w in notes if w.kind is not output.WarningKind.FONT_STAND_IN]
    parts = [f"{len(fonts)} 种公文字体未安装，已用替代字体"] if fonts else []
    return "；".join(parts + others)


def saved_text(path: Path | str, data: object, verb: str = "已保存") -> str:
    """``已保存：…（模板：…）；份号 000001-000003（共 3 份，已登记）；注意：…``"""
    text = f"{verb}：{path}"
    template = getattr(data, "template", None)
    if template is not None:
        text += f"（模板：{template.label}）"
    numbers = tuple(getattr(data, "copy_nos", ()) or ())
    if numbers:  # a 秘密/机密 print's copies are in the 涉密文件登记簿
        registered = int(getattr(data, "classification", 0)) >= Clearance.SECRET
        text += (f"；份号 {output.copy_range(numbers)}（共 {len(numbers)} 份"
                 f"{'，已登记到涉密文件登记簿' if registered else ''}）")
    notes = summary(warnings_of(data))
    if notes:
        text += f"；注意：{notes}"
    return text
