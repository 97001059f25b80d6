"""The one paper path: every print and export of a record ends here.

``finish`` takes the rendered bytes of one record and

1. marks the 密级 — for a PDF that is not a 公文 (whose layout already carries 密级和保密期限
   and 份号 where GB/T 9704 puts them), on every page's header and footer and at the top left
   of each copy's first page (``app.typeset.marks``); a DOCX in its headers (top left) and
   footers (``marks.mark_docx``); XLSX workbooks are marked while they are built
   (``xlsx.mark_workbook`` / ``xlsx.marked_sheet``);
2. watermarks a classified PDF with the user, the time and the 份号;
3. prints ``copies`` copies of each record named in ``series`` and, for a 秘密/机密 print, takes
   their 份号 from each record's series in the 涉密文件登记簿 (``app.services.output.paper``) and
   registers them, in the audit's transaction — any kind of record, not only 公文 (whose layout
   prints its 份号 itself: ``document_output``);
4. records in the audit who produced what, in which format, how many copies and which 份号;
5. returns an ``Output``: the bytes with the template used and the typed warnings.

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
from app.errors import InputError, UserError, storage_problem
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
#: the most copies one print makes
MAX_COPIES = 500


@dataclass(frozen=True)
class Series:
    """One record in a print, and its 份号 series in the 涉密文件登记簿: ``object_type`` and
    ``object_id`` name the record (``meeting`` 3, ``incident_report`` 8, ``duty_daily``
    20260302); a kind of print with no record of its own (the audit log, the register) uses id 0
    — one series for the kind. ``pages``: how many pages of the rendered PDF are this record's
    (0: all the rest). ``title`` goes into the register (default: the output's title).
    ``within``: for a series that is not itself a record with a 知悉范围 (a 值班日报), the
    records it prints — ``(kind, id)`` of a kind that may carry one; its copies then go only to
    a recipient inside each of their scopes (``need_to_know.recipient_problem``)."""

    object_type: str
    object_id: int
    title: str = ""
    pages: int = 0
    within: tuple[tuple[str, int], ...] = ()


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
           copy_nos: Sequence[str | None] = (),
           gbt9704_marked: bool = False, watermark: Watermark | None = DEFAULT_WATERMARK,
           watermark_per_copy: Sequence[bytes] | None = None, detail: dict[str, Any] | None = None,
           at: dt.datetime | None = None,
           register: Callable[[Session], object] | None = None,
           series: Sequence[Series] = ()) -> Output:
    """Mark, watermark and audit one rendered output (see the module text).

    ``series`` (a PDF print): the records the PDF holds, in order; the output is ``copies``
    copies of each, each copy's first page marked with its own 份号 when the print is 秘密 or
    机密 (the numbers taken from the record's series and registered with the audit record), and
    each copy watermarked with its 份号.

    ``copy_nos``: the 份号 the caller printed itself (a 公文). ``gbt9704_marked``: the layout
    already printed the 密级 (a 公文), so no header/footer marks are added. ``watermark_per_copy``, when given, are the copies'
    PDFs already watermarked by the caller (the 公文 path watermarks copy by copy).
    ``register(session)`` runs in the audit's transaction (the 涉密文件登记簿 takes the copies'
    份号 there: registered and audited together, or neither)."""
    now = at or ctx.now()
    label = level_label(classification)
    numbers = [n for n in copy_nos if n]
    marked = False
    watermarked = False
    registrar = register
    per_series: dict[str, str] = {}
    if fmt == "pdf" and series:
        data, by_series, take = _print_copies(
            ctx, actor, data, series, copies, classification, title, now,
            label=label if not gbt9704_marked else "", watermark=watermark)
        numbers = [n for nos in by_series for n in nos]
        if len(series) > 1:
            per_series = {f"{one.object_type}:{one.object_id}": copy_range(nos)
                          for one, nos in zip(series, by_series, strict=True)}
        marked = bool(label)
        watermarked = bool(watermark is not None and watermark.applies(classification))
        registrar = _then(take, register)
    elif fmt == "pdf":
        from app.typeset.marks import mark_pdf
        from app.typeset.watermark import watermark_pdf

        if label and not gbt9704_marked:
            data = mark_pdf(data, label, first_page=(f"{label}  第{numbers[0]}份"
                                                     if len(numbers) == 1 else label))
            marked = True
        elif label:
            marked = True
        if watermark_per_copy is not None:
            watermarked = bool(watermark and watermark.applies(classification))
        elif watermark is not None and watermark.applies(classification):
            data = watermark_pdf(data, watermark.lines(actor.label, now,
                                                       numbers[0] if len(numbers) == 1 else None))
            watermarked = True
    elif fmt == "docx":  # editable: marked in its headers and footers, not watermarked
        if label and not gbt9704_marked:
            from app.typeset.marks import mark_docx

            data = mark_docx(data, label)
        marked = bool(label)
    elif fmt == "xlsx":
        marked = bool(label)  # marked while built (xlsx.mark_workbook / xlsx.marked_sheet)
    used_template = template.ref if template else ""
    record = {"kind": kind, "title": title, "format": fmt, "copies": copies,
              "copy_nos": numbers, "copy_range": copy_range(numbers),
              "classification": int(classification), "marked": marked,
              "watermark": watermarked}
    if used_template:
        record["template"] = used_template
    if per_series:
        record["copy_ranges"] = per_series
    record.update(detail or {})
    with ctx.session() as s, s.begin():
        if registrar is not None:
            registrar(s)
        audit.append(s, actor, action, object_type, object_id, record, at=now)
    return Output(data, kind=kind, fmt=fmt, classification=classification, template=template,
                  warnings=warnings, copies=copies, copy_nos=numbers, title=title)


def _print_copies(ctx: ServiceContext, actor: Actor, data: bytes, series: Sequence[Series],
                  copies: int, classification: int, title: str, now: dt.datetime, *,
                  label: str, watermark: Watermark | None
                  ) -> tuple[bytes, list[list[str]], Callable[[Session], None]]:
    """``copies`` copies of each record of ``series`` in ``data``, each copy marked (``label``,
    with its 份号 on its first page) and watermarked (with its 份号); the 份号 printed; and the
    step that registers them (run in the audit's transaction). A 公开/内部 print gets no 份号."""
    import io

    from pypdf import PdfReader, PdfWriter

    from app.services.output import paper
    from app.typeset.marks import mark_pdf
    from app.typeset.watermark import concatenate, watermark_pdf

    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise InputError(f"打印份数应为 1 至 {MAX_COPIES} 份。")
    reader = PdfReader(io.BytesIO(data))
    total, parts, page = len(reader.pages), [], 0
    for i, one in enumerate(series):
        end = total if one.pages <= 0 or i == len(series) - 1 else min(total, page + one.pages)
        if end <= page:
            raise ValueError(f"no pages left for {one}")
        if (page, end) == (0, total):
            parts.append(data)
        else:
            writer = PdfWriter()
            for p in range(page, end):
                writer.add_page(reader.pages[p])
            buf = io.BytesIO()
            writer.write(buf)
            parts.append(buf.getvalue())
        page = end
    starts: dict[int, int] = {}
    if paper.registered(classification):  # 秘密/机密: each copy's 份号 from its record's series
        with ctx.session() as s, s.begin():
            starts = {i: paper.next_copy_no(s, one.object_type, one.object_id)
                      for i, one in enumerate(series)}
        if any(start + copies - 1 > 999999 for start in starts.values()):
            raise InputError("份号应在 1 至 999999 之间。")
    wm = watermark if watermark is not None and watermark.applies(classification) else None
    units: list[bytes] = []
    numbers: list[list[str]] = []
    for i, part in enumerate(parts):
        numbers.append([])
        for k in range(copies):
            number = f"{starts[i] + k:06d}" if i in starts else None
            unit = part
            if label:
                unit = mark_pdf(unit, label, first_page=f"{label}  第{number}份" if number else label)
            if wm is not None:
                unit = watermark_pdf(unit, wm.lines(actor.label, now, number))
            units.append(unit)
            if number:
                numbers[-1].append(number)

    def take(s: Session) -> None:
        for i, first in starts.items():
            one = series[i]
            paper.take_copy_nos(s, actor, object_type=one.object_type, object_id=one.object_id,
                                title=one.title or title, classification=classification,
                                copies=copies, at=now, first=first, within=one.within)

    return (concatenate(units) if len(units) > 1 else units[0]), numbers, take


def _then(first: Callable[[Session], object],
          second: Callable[[Session], object] | None) -> Callable[[Session], object]:
    def both(s: Session) -> object:
        first(s)
        return second(s) if second is not None else None

    return both


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
