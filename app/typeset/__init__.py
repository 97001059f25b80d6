"""GB/T 9704-2012 typesetting engine: description → PDF or DOCX bytes.

A library: no Qt, no database. The CLI (``python -m app render``), the GUI preview and batch
printing all call ``render`` (or ``render_pdf`` / ``render_docx``). Fonts are opened once per
process (fonts.font_set), so rendering many documents in a row is fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.errors import InputError
from app.textsafe import clean_strings
from app.typeset.model import SealImage
from app.typeset.spec import Document, parse_description

FORMATS = ("pdf", "docx")


@dataclass(frozen=True)
class RenderResult:
    data: bytes
    warnings: list[str] = field(default_factory=list)


def _document(description: dict | Document) -> Document:
    """A ``Document`` to lay out. A dict comes from the program itself (a stored record, a
    filled template): control characters and lone surrogates, which no PDF or DOCX can hold,
    are dropped, so a record saved with one before input was checked still prints. Files at
    the door (``load_description``, ``python -m app render``) are refused instead, naming the
    field."""
    if isinstance(description, Document):
        return description
    return parse_description(clean_strings(description))


def _render_pdf(doc: Document, seal: SealImage | None = None) -> RenderResult:
    from app.typeset.layout import layout
    from app.typeset.pdf import render_layout

    lay = layout(doc, seal=seal)
    return RenderResult(render_layout(lay), lay.warnings)


def _render_docx(doc: Document, seal: SealImage | None = None) -> RenderResult:
    from app.typeset.docx import render_docx_document  # written by the DOCX backend

    data, warnings = render_docx_document(doc, seal)
    return RenderResult(data, list(warnings))


def render(description: dict[str, Any] | Document, fmt: str, *,
           seal: SealImage | None = None) -> RenderResult:
    """Render to ``fmt`` ("pdf" or "docx"); bad input raises ``InputError`` naming the field.
    ``seal`` (the office's seal image, from the print path for a signed document) is printed
    over the 署名 and date of a ``sealed`` description (GB/T 9704 7.3.5.1)."""
    doc = _document(description)
    if fmt == "pdf":
        return _render_pdf(doc, seal)
    if fmt == "docx":
        return _render_docx(doc, seal)
    raise InputError(f"不支持的输出格式“{fmt}”，应为 pdf 或 docx。")


def render_pdf(description: dict[str, Any] | Document) -> bytes:
    return render(description, "pdf").data


def render_docx(description: dict[str, Any] | Document) -> bytes:
    return render(description, "docx").data


__all__ = ["FORMATS", "RenderResult", "SealImage", "render", "render_docx", "render_pdf"]
