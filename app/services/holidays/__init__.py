"""The office's holiday tables (国务院 notices, supplementary notices merged) and working-day
deadlines. Its public face: other areas, the UI and the command line import from here, never
from the modules inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.holidays.tables import (
        BANNER_FROM,
        MAX_FILE_BYTES,
        DayInfo,
        ImportPreview,
        ImportResult,
        YearInfo,
        add_workdays,
        calendar,
        deadline_uncertainty,
        export_year,
        import_notice,
        list_years,
        missing_next_year,
        parse,
        preview_notice,
        read_notice_file,
        receive_year,
        resolve,
        set_day,
        year_days,
    )

__getattr__, __dir__ = public_face(__name__, {
    "BANNER_FROM": "tables",
    "DayInfo": "tables",
    "ImportPreview": "tables",
    "ImportResult": "tables",
    "MAX_FILE_BYTES": "tables",
    "YearInfo": "tables",
    "add_workdays": "tables",
    "calendar": "tables",
    "deadline_uncertainty": "tables",
    "export_year": "tables",
    "receive_year": "tables",
    "import_notice": "tables",
    "list_years": "tables",
    "missing_next_year": "tables",
    "parse": "tables",
    "preview_notice": "tables",
    "read_notice_file": "tables",
    "resolve": "tables",
    "set_day": "tables",
    "year_days": "tables",
})
__all__ = ["BANNER_FROM", "DayInfo", "ImportPreview", "ImportResult", "MAX_FILE_BYTES", "YearInfo", "add_workdays", "calendar", "deadline_uncertainty", "export_year", "import_notice", "list_years", "missing_next_year", "parse", "preview_notice", "read_notice_file", "receive_year", "resolve", "set_day", "year_days"]
