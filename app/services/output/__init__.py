"""The one paper path: every printed or exported record passes through here.

template → render → 密级 marks → watermark → 份号 → atomic write → audit, the same way for 公文,
纪要, 值班安排 and 值班日报, 首报/续报/终报 (信息专报), 督办台账 and statistics, rosters, audit
prints and XLSX exports. Each record's own module renders its pages; this package

* picks the template the office set for the kind of record (``template_for``: the office's
  default, else the shipped one) and says which was used (``Output.template``);
* marks the classification (``finish``: header, footer and first page of a PDF that is not a
  公文; ``xlsx.mark_workbook`` / ``xlsx.marked_sheet``: first row and sheet name);
* watermarks classified PDFs with user, time and 份号;
* prints N copies of a record (``finish(…, copies=N, series=[Series(…)])``) and, at 秘密/机密,
  gives each its 份号 from the record's series in the 涉密文件登记簿 and registers it — for
  every kind of record, 公文 or not;
* records in the audit who produced what, how many copies, which 份号 range;
* returns an ``Output`` (the bytes, with typed ``OutputWarning`` s) and writes it with
  ``save`` — the one place outputs reach the disk, atomically (``app.atomicfile``).

``RECORD_KINDS`` lists every kind of record that leaves the desk on paper or as a file; the
test tests/test_one_paper_path.py prints each one and reads the marks back. File-to-file tools
that hold no record (``python -m app render``, ``roster solve``, the incident rule table export)
write through ``save`` too: atomically, with their typed warnings on stderr.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.services.output.path import (
    DEFAULT_WATERMARK,
    MAX_COPIES,
    Series,
    Watermark,
    copy_range,
    finish,
    save,
)
from app.services.output.result import (
    Output,
    OutputWarning,
    TemplateUsed,
    WarningKind,
    level_label,
    typed,
)
from app.services.output.xlsx import (
    mark_workbook,
    marked_sheet,
    start_sheet,
    text_as_text,
    workbook_bytes,
)

#: every kind of record that is printed or exported (kind → what it is). The audit records the
#: kind; tests/test_one_paper_path.py produces each at 秘密 and reads the marks back.
RECORD_KINDS: dict[str, str] = {
    "document": "公文",
    "minutes": "会议纪要",
    "duty_notice": "值班安排通知",
    "duty_calendar": "值班表（月历）",
    "duty_roster_xlsx": "值班表（XLSX）",
    "duty_daily": "值班日报",
    "duty_handover": "交接班记录",
    "incident_report": "突发事件信息报告（首报/续报/终报）",
    "incident_statistics": "突发事件统计（XLSX）",
    "supervision_xlsx": "督办台账（XLSX）",
    "audit_print": "审计日志（打印）",
    "audit_xlsx": "审计日志（XLSX）",
    "audit_review": "审计审阅报告",
    "paper_register": "涉密文件登记簿",
}


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


def print_document(ctx: Any, doc_id: int, **options: Any) -> Output:
    """A 公文's copies as one PDF (``document_output.print_pdf``)."""
    from app.services import document_output

    return document_output.print_pdf(ctx, doc_id, **options)


def export_document(ctx: Any, doc_id: int, fmt: str, **options: Any) -> Output:
    """A 公文 as PDF, DOCX or JSON (``document_output.export_file``)."""
    from app.services import document_output

    return document_output.export_file(ctx, doc_id, fmt, **options)


__all__ = [
    "DEFAULT_WATERMARK", "MAX_COPIES", "RECORD_KINDS", "ChosenTemplate", "Output",
    "OutputWarning", "Series", "TemplateUsed", "WarningKind", "Watermark", "copy_range", "export_document", "finish",
    "level_label", "mark_workbook", "marked_sheet", "print_document", "save", "start_sheet",
    "template_for", "text_as_text", "typed", "workbook_bytes",
]
