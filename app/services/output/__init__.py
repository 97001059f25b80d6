"""The one paper path: every printed or exported record passes through here.

template → render → 密级 marks → watermark → 份号 → atomic write → audit, the same way for 公文,
纪要, 值班安排 and 值班日报, 首报/续报/终报 (信息专报), 督办台账 and statistics, rosters, audit
prints and XLSX exports. Each record's own module renders its pages; this package

* uses the template the office set for the kind of record (``templates.template_for``: the
  office's default, else the shipped one) and says which was used (``Output.template``);
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

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.output.paper import (
        CopyInfo,
        confirm_destroy,
        issue,
        list_copies,
        list_due,
        next_copy_no,
        print_register,
        registered,
        request_destroy,
        return_copy,
        take_copy_nos,
    )
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

__getattr__, __dir__ = public_face(__name__, {
    "CopyInfo": "paper",
    "DEFAULT_WATERMARK": "path",
    "MAX_COPIES": "path",
    "Output": "result",
    "OutputWarning": "result",
    "TemplateUsed": "result",
    "WarningKind": "result",
    "Watermark": "path",
    "confirm_destroy": "paper",
    "copy_range": "path",
    "finish": "path",
    "issue": "paper",
    "level_label": "result",
    "list_copies": "paper",
    "list_due": "paper",
    "mark_workbook": "xlsx",
    "marked_sheet": "xlsx",
    "next_copy_no": "paper",
    "print_register": "paper",
    "registered": "paper",
    "request_destroy": "paper",
    "return_copy": "paper",
    "save": "path",
    "Series": "path",
    "start_sheet": "xlsx",
    "take_copy_nos": "paper",
    "text_as_text": "xlsx",
    "typed": "result",
    "workbook_bytes": "xlsx",
})
__all__ = ["CopyInfo", "DEFAULT_WATERMARK", "MAX_COPIES", "Output", "OutputWarning", "RECORD_KINDS", "TemplateUsed", "WarningKind", "Watermark", "confirm_destroy", "copy_range", "finish", "issue", "level_label", "list_copies", "list_due", "mark_workbook", "marked_sheet", "next_copy_no", "print_register", "registered", "request_destroy", "return_copy", "save", "Series", "start_sheet", "take_copy_nos", "text_as_text", "typed", "workbook_bytes"]
