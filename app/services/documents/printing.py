"""公文 output: preview, print and export (PDF / DOCX / JSON), audited, watermarked, 份号 per copy.

* ``render_preview(description)`` — the editor's live preview of unsaved text; no audit (nothing
  leaves the screen), no database.
* ``print_pdf(ctx, doc_id, copies=…, first_copy_no=…, duplex=…, watermark=…)`` — one PDF holding
  every copy: each copy is rendered with its own 份号 (printed as 6 digits in the top-left corner,
  GB/T 9704 7.2.1) and, for a classified document, a watermark naming the user, the time and the
  copy. Audited as ``doc.print`` with the copy numbers once the pages exist. A 秘密/机密
  document's 份号 always come from its series in the 涉密文件登记簿 (``app.services.output.paper``):
  the next ones after the last printed unless ``first_copy_no`` says otherwise; each copy is
  registered in the same transaction as the audit record.
* ``export_file(ctx, doc_id, fmt, watermark=…)`` — PDF, DOCX or JSON bytes, audited as
  ``doc.export``. DOCX is editable, so it carries no watermark (the audit record is the trace).

The watermark policy is the caller's ``Watermark`` (the print dialog keeps the user's choice).
Both end on the one paper path (``app.services.output.finish``): the audit record (who, copies,
份号 range), the typed warnings and the ``Output`` returned come from there.

The seal (``seal=``): a ``sealed`` description of a document that is 签发 (signed, issued or
archived) is printed and exported (PDF, DOCX) with the office's seal image when one is stored
(``app.services.documents.seal``), each use audited as ``doc.seal`` (the document, 用途, the copies and
their 份号). ``seal=None`` does that when it can and prints a draft (or a joint document) with
the seal's room only; ``seal=True`` insists and is refused when it cannot (not signed, joint, no
image stored); ``seal=False`` never prints the image.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from app.domain.security import Action
from app.errors import InputError, UserError
from app.services import output, placeholders
from app.services.context import ServiceContext
from app.services.documents import seal as office_seal
from app.services.documents.drafts import _load
from app.services.output import DEFAULT_WATERMARK, Output, Watermark, finish
from app.storage.models import OfficeSeal
from app.typeset import RenderResult, SealImage, render
from app.typeset.watermark import concatenate, watermark_pdf

EXPORT_FORMATS = ("pdf", "docx", "json")
MAX_COPIES = 500


def render_preview(description: dict[str, Any]) -> RenderResult:
    """The PDF of an unsaved description (the editor's preview)."""
    return render(description, "pdf")


def _copy_text(n: int) -> str:
    if not 1 <= n <= 999999:
        raise InputError("份号应在 1 至 999999 之间。")
    return f"{n:06d}"


def _applies(wm: Watermark | None, classification: int) -> bool:
    return bool(wm and wm.applies(classification))


def _seal_for(s: Any, doc: Any, desc: dict[str, Any], wanted: bool | None
              ) -> tuple[SealImage | None, str]:
    """(the seal image to print, its digest) for ``doc``, or (None, "") — see the module text."""
    if wanted is False or not desc.get("sealed"):
        if wanted:
            raise UserError("公文未设置“加盖印章”，不能加盖印章。")
        return None, ""
    if wanted is None:  # only when it can: signed, one organ, an image stored
        issuers = desc.get("issuer") or []
        joint = isinstance(issuers, list) and len([i for i in issuers if str(i).strip()]) > 1
        if doc.status not in office_seal.SIGNED or joint or s.get(OfficeSeal, 1) is None:
            return None, ""
    data, digest = office_seal.image_for_document(s, doc, desc)
    row = s.get(OfficeSeal, 1)
    return SealImage(data, row.width, row.height), digest


def print_pdf(ctx: ServiceContext, doc_id: int, *, copies: int = 1,
              first_copy_no: int | None = None, duplex: bool = False,
              watermark: Watermark | None = DEFAULT_WATERMARK, allow_placeholders: bool = False,
              seal: bool | None = None) -> Output:
    """All copies of a document as one PDF, ready for the printer. With ``first_copy_no`` each
    copy gets its own 份号 (n, n+1, …); without it the stored 份号 (if any) is printed. Unfilled
    placeholders (×××, （…）) are refused unless ``allow_placeholders``. ``seal``: see the module
    text."""
    actor = ctx.require(Action.PRINT)
    if not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise InputError(f"打印份数应为 1 至 {MAX_COPIES} 份。")
    now = ctx.now()
    with ctx.session() as s, s.begin():
        doc = _load(s, actor, doc_id)
        desc, level, title = dict(doc.description), doc.classification, doc.title
        placeholders.check(desc, allow_placeholders)
        image, digest = _seal_for(s, doc, desc, seal)
        doc_row = (doc.id, doc.title, doc.doc_no)
    take_copies: Callable[[Any], object] | None = None
    if output.registered(level):  # 秘密/机密: every copy's 份号 comes from the register
        with ctx.session() as s, s.begin():
            start = (first_copy_no if first_copy_no is not None
                     else output.next_copy_no(s, "document", doc_id))
        first_copy_no = start
        _copy_text(start + copies - 1)

        def take(s: Any) -> object:  # in the audit's transaction
            return output.take_copy_nos(s, actor, object_type="document", object_id=doc_id,
                                       title=title, classification=level, copies=copies,
                                       at=now, first=start)

        take_copies = take
    numbers = ([_copy_text(first_copy_no + i) for i in range(copies)]
               if first_copy_no is not None else [None] * copies)
    pdfs: list[bytes] = []
    plain: bytes | None = None
    warnings: list[str] = []
    for number in numbers:
        if number is None:
            if plain is None:
                result = render(desc, "pdf", seal=image)
                plain = result.data
                warnings += result.warnings
            data = plain
        else:
            result = render({**desc, "copy_no": number}, "pdf", seal=image)
            data = result.data
            warnings += result.warnings
        if _applies(watermark, level):
            assert watermark is not None
            data = watermark_pdf(data, watermark.lines(actor.label, now, number))
        pdfs.append(data)
    out = concatenate(pdfs, duplex=duplex)
    # audited once the pages exist (a failed render prints nothing and records nothing)
    copy_nos = [n for n in numbers if n]

    def register(s: Any) -> object:  # the register's 份号 and the seal's use, with the audit
        taken = take_copies(s) if take_copies is not None else None
        if image is not None:
            office_seal.record_use(s, actor, doc_row, digest, "打印", copy_nos, copies, now)
        return taken

    return finish(ctx, actor, kind="document", fmt="pdf", data=out, action="doc.print",
                  object_type="document", object_id=doc_id, classification=level, title=title,
                  warnings=warnings, copies=copies, copy_nos=copy_nos,
                  gbt9704_marked=True, watermark=watermark, watermark_per_copy=pdfs,
                  detail={"duplex": duplex}, at=now, register=register)


def export_file(ctx: ServiceContext, doc_id: int, fmt: str, *,
                watermark: Watermark | None = DEFAULT_WATERMARK,
                allow_placeholders: bool = False, seal: bool | None = None) -> Output:
    """The document as ``fmt`` (pdf, docx, json) — audited as an export. A PDF or DOCX with
    unfilled placeholders is refused unless ``allow_placeholders`` (JSON is the editable text)."""
    actor = ctx.require(Action.EXPORT)
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"不支持的导出格式“{fmt}”，应为 {'、'.join(EXPORT_FORMATS)}。")
    now = ctx.now()
    with ctx.session() as s, s.begin():
        doc = _load(s, actor, doc_id)
        desc, level, title = dict(doc.description), doc.classification, doc.title
        if fmt != "json":
            placeholders.check(desc, allow_placeholders)
        image, digest = _seal_for(s, doc, desc, seal if fmt != "json" else False)
        doc_row = (doc.id, doc.title, doc.doc_no)
    warnings: list[str] = []
    if fmt == "json":
        data = (json.dumps(desc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    else:
        result = render(desc, fmt, seal=image)
        data, warnings = result.data, list(result.warnings)
    copy_no = desc.get("copy_no")
    copy_nos = [str(copy_no)] if copy_no else []

    def register(s: Any) -> object:  # the seal's use, audited with the export
        if image is not None:
            office_seal.record_use(s, actor, doc_row, digest, f"导出{fmt.upper()}", copy_nos, 1,
                                   now)
        return None

    return finish(ctx, actor, kind="document", fmt=fmt, data=data, action="doc.export",
                  object_type="document", object_id=doc_id, classification=level, title=title,
                  warnings=warnings, copy_nos=copy_nos, gbt9704_marked=True,
                  watermark=watermark, at=now, register=register)
