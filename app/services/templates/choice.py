"""The template of a print: the one the office set for that kind of record, else the shipped one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.services import output
from app.services.templates import library


@dataclass(frozen=True)
class ChosenTemplate:
    template: Any
    used: output.TemplateUsed
    warnings: tuple[output.OutputWarning, ...] = ()


def template_for(ctx: Any, kind: str, fmt: str | None = None) -> ChosenTemplate:
    """The template the office set for ``kind`` (a 文种 such as ``值班日报``), else the shipped
    one — the one way every print picks its template."""
    chosen = library.default_choice(ctx, kind, fmt)
    info = chosen.info
    return ChosenTemplate(chosen.template, output.TemplateUsed(info.ref, info.name, info.shipped),
                          output.typed(chosen.warnings))
