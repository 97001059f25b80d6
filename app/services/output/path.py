"""The one paper path: every print and export of a record ends here.

``finish`` takes the rendered bytes of one record and

1. marks the 密级 — for a PDF that is not a 公文 (whose layout already carries 密级和保密期限
   and 份号 where GB/T 9704 puts them), on every page's header and footer and at the top left
   of each copy's first page (``app.typeset.marks``); XLSX workbooks are marked while they are
   built (``xlsx.mark_workbook`` / ``xlsx.marked_sheet``);
2. watermarks a classified PDF with the user, the time and the 份号;
3. records in the audit who produced what, in which format, how many copies and which 份号;
4. returns an ``Output``: the bytes with the template used and the typed warnings.

``save(output, path)`` writes it atomically (``app.atomicfile``; 0600 for a classified record).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.atomicfile import atomic_write
from app.errors import UserError, storage_problem
from app.services import audit
from app.services.context import Actor, ServiceContext
from app.services.output.result import Output, OutputWarning, TemplateUsed, level_label

# (the overlay drawing — reportlab, pypdf — is imported when a PDF is finished: the GUI's first
# pages import this package without loading the typesetting stack)


@dataclass(frozen=True)
class Watermark:
    """What the watermark on a classified record's pages shows."""

    enabled: bool = True
    user: bool = True
    time: bool = True
    copy_no: bool = True
    #: also watermark 公开 records (default: only classified ones, level ≥ 内部)
    all_documents: bool = False

    def lines(self, user: str, at: dt.datetime, copy_no: str | None) -> list[str]:
        out = []
        if self.user:
            out.append(user)
        if self.time:
            out.append(at.astimezone().strftime("%Y-%m-%d %H:%M"))
        if self.copy_no and copy_no:
            out.append(f"第 {copy_no} 份")
        return out

    def applies(self, classification: int) -> bool:
        return bool(self.enabled and (classification > 0 or self.all_documents))


DEFAULT_WATERMARK = Watermark()


def copy_range(copy_nos: Sequence[str]) -> str:
    """``000001-000003`` (or the one number; empty without 份号)."""
    nos = [n for n in copy_nos if n]
    if not nos:
        return ""
    return nos[0] if len(nos) == 1 else f"{nos[0]}-{nos[-1]}"


def finish(ctx: ServiceContext, actor: Actor, *, kind: str, fmt: str, data: bytes,
           action: str, object_type: str, object_id: object = "", classification: int = 0,
           title: str = "", template: TemplateUsed | None = None,
           warnings: Iterable[str | OutputWarning] = (), copies: int = 1,
           copy_nos: Sequence[str | None] = (), copy_pages: Sequence[int] = (),
           gbt9704_marked: bool = False, watermark: Watermark | None = DEFAULT_WATERMARK,
           watermark_per_copy: Sequence[bytes] | None = None, detail: dict[str, Any] | None = None,
           at: dt.datetime | None = None,
           register: Callable[[Session], object] | None = None) -> Output:
    """Mark, watermark and audit one rendered output (see the module text).

    ``copy_pages`` gives the first page index of each copy in a PDF of several copies (default:
    one copy from page 0). ``gbt9704_marked``: the layout already printed the 密级 (a 公文), so
    no header/footer marks are added. ``watermark_per_copy``, when given, are the copies'
    PDFs already watermarked by the caller (the 公文 path watermarks copy by copy).
    ``register(session)`` runs in the audit's transaction (the 涉密文件登记簿 takes the copies'
    份号 there: registered and audited together, or neither)."""
    now = at or ctx.now()
    label = level_label(classification)
    numbers = [n for n in copy_nos if n]
    marked = False
    watermarked = False
    if fmt == "pdf":
        from app.typeset.marks import mark_pdf
        from app.typeset.watermark import watermark_pdf

        if label and not gbt9704_marked:
            starts = tuple(copy_pages) or (0,)
            firsts = [f"{label}  第{n}份" if n else label for n in (list(copy_nos) or [None])]
            if len(set(firsts)) <= 1:
                data = mark_pdf(data, label, first_page=firsts[0], copy_starts=starts)
            else:  # each copy's first page names its own 份号
                data = _mark_copies(data, label, firsts, starts)
            marked = True
        elif label:
            marked = True
        if watermark_per_copy is not None:
            watermarked = bool(watermark and watermark.applies(classification))
        elif watermark is not None and watermark.applies(classification):
            data = watermark_pdf(data, watermark.lines(actor.label, now,
                                                       numbers[0] if len(numbers) == 1 else None))
            watermarked = True
    elif fmt == "xlsx":
        marked = bool(label)  # marked while built (xlsx.mark_workbook / xlsx.marked_sheet)
    used_template = template.ref if template else ""
    record = {"kind": kind, "title": title, "format": fmt, "copies": copies,
              "copy_nos": numbers, "copy_range": copy_range(numbers),
              "classification": int(classification), "marked": marked,
              "watermark": watermarked}
    if used_template:
        record["template"] = used_template
    record.update(detail or {})
    with ctx.session() as s, s.begin():
        if register is not None:
            register(s)
        audit.append(s, actor, action, object_type, object_id, record, at=now)
    return Output(data, kind=kind, fmt=fmt, classification=classification, template=template,
                  warnings=warnings, copies=copies, copy_nos=numbers, title=title)


def _mark_copies(data: bytes, label: str, firsts: list[str], starts: Sequence[int]) -> bytes:
    """Mark a PDF of several copies, each copy's first page with its own 份号."""
    import io

    from pypdf import PdfReader, PdfWriter

    from app.typeset.marks import mark_pdf

    reader = PdfReader(io.BytesIO(data))
    total = len(reader.pages)
    bounds = [*starts, total]
    parts = []
    for i, first in enumerate(firsts):
        writer = PdfWriter()
        for p in range(bounds[i], bounds[i + 1]):
            writer.add_page(reader.pages[p])
        buf = io.BytesIO()
        writer.write(buf)
        parts.append(mark_pdf(buf.getvalue(), label, first_page=first))
    from app.typeset.watermark import concatenate

    return concatenate(parts)


def save(output: bytes, path: str | Path, *, private: bool | None = None) -> Path:
    """Write an output atomically; a classified one (or ``private=True``: the audit log) stays
    private to its owner (0600). A write that fails says so in Chinese and leaves nothing
    behind."""
    target = Path(path)
    if private is None:
        private = int(getattr(output, "classification", 0)) > 0
    try:
        return atomic_write(target, bytes(output), private=private)
    except OSError as exc:
        raise storage_problem(exc) or UserError(
            f"无法写入文件 {target}：{exc.strerror or exc}") from None
