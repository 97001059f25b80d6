"""What the GUI says after a print or export: where it went, which template made it, and the
paper path's typed warnings (a stand-in font is summarised, other warnings are listed)."""

from __future__ import annotations

from pathlib import Path

from app.services.output import OutputWarning, WarningKind, typed


def warnings_of(data: object) -> tuple[OutputWarning, ...]:
    """The typed warnings of an output (none for plain bytes)."""
    return tuple(getattr(data, "warnings", ()) or ())


def summary(warnings: tuple[OutputWarning, ...] | list[str]) -> str:
    """``2 种公文字体未安装，已用替代字体；…`` — fonts counted by kind, others listed."""
    notes = typed(warnings)
    fonts = [w for w in notes if w.kind is WarningKind.FONT_STAND_IN]
    others = [w.text.rstrip("。") for w in notes if w.kind is not WarningKind.FONT_STAND_IN]
    parts = [f"{len(fonts)} 种公文字体未安装，已用替代字体"] if fonts else []
    return "；".join(parts + others)


def saved_text(path: Path | str, data: object, verb: str = "已保存") -> str:
    """``已保存：…（模板：…）；警告：…``"""
    text = f"{verb}：{path}"
    template = getattr(data, "template", None)
    if template is not None:
        text += f"（模板：{template.label}）"
    notes = summary(warnings_of(data))
    if notes:
        text += f"；注意：{notes}"
    return text
