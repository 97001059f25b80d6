"""The template of a print: the one the office set for that kind of record, else the shipped one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.services.output.result import OutputWarning, TemplateUsed, typed


@dataclass(frozen=True)
class ChosenTemplate:
    template: Any
    used: TemplateUsed
    warnings: tuple[OutputWarning, ...] = ()


def template_for(ctx: Any, kind: str, fmt: str | None = None) -> ChosenTemplate:
    """The template the office set for ``kind`` (a 文种 such as ``值班日报``), else the shipped
    one — the one way every print picks its template."""
    from app.services import templates

    chosen = templates.default_choice(ctx, kind, fmt)
    info = chosen.info
    return ChosenTemplate(chosen.template, TemplateUsed(info.ref, info.name, info.shipped),
                          typed(chosen.warnings))
