"""The UI kit: the one way every page (and dialog) does the common things.

* ``MessageLine`` (``message_line``): the line where a page says what its last act did — done
  (green), refused or failed (red, in the service's words), or, while work runs, its progress
  with 取消.
* ``run_busy`` (``busy``): background work with that progress and 取消, in one call; the worker
  underneath is ``run_task`` (``worker``: ``TaskHandle``, ``Cancelled``, ``wait_for_all``).
* ``confirm``, ``ask_unsaved``, ``ask_text``, ``warn``, ``inform`` (``messages``): window-modal
  questions and notices opened with ``open()``, answered by callback — never a blocking
  ``QMessageBox``. Also ``describe(exc)``, the excepthook, and ``fatal``: the one blocking box,
  for start-up before the event loop runs. ``ask_print_anyway`` (``placeholder_confirm``): the
  print path's “仍要打印？”.
* ``ask_save_path``, ``ask_file``, ``file_dialog``, ``FileKind`` (``file_dialogs``): where to
  write or what to read, starting in the folder last used for that kind of file.
* ``FormRows`` (``forms``): labelled form rows laid out the same way everywhere.
* ``saved_text`` (``output_notes``): what the line says after a print or an export.
* ``add_lazy_tab``, ``tab_content``, ``index_of``, ``show_tab`` (``lazy_tabs``): tabs whose
  content is built the first time it is chosen, so a page's first visit builds what it shows.
* ``LatestRead`` (``reads``): what a page or tab shows, read in the worker — the newest answer
  only; an act's own synchronous refresh supersedes a read still under way.

Modules outside the kit import these names from ``app.ui.kit``; tests/ui/test_kit.py checks that
no module outside it opens a blocking dialog.
"""

from app.ui.kit.busy import run_busy
from app.ui.kit.copies import copies_box
from app.ui.kit.file_dialogs import (
    DOCX,
    PDF,
    PNG,
    XLSX,
    FileKind,
    ask_file,
    ask_save_path,
    file_dialog,
)
from app.ui.kit.forms import FormRows, label_text
from app.ui.kit.lazy_tabs import LazyTab, add_lazy_tab, index_of, show_tab, tab_content
from app.ui.kit.message_line import MessageLine
from app.ui.kit.messages import (
    CANCEL,
    DISCARD,
    SAVE,
    ask_text,
    ask_unsaved,
    confirm,
    describe,
    fatal,
    inform,
    install_excepthook,
    setup_logging,
    warn,
)
from app.ui.kit.output_notes import saved_text, summary, warnings_of
from app.ui.kit.placeholder_confirm import ask_print_anyway
from app.ui.kit.reads import LatestRead
from app.ui.kit.worker import (
    Cancelled,
    TaskControl,
    TaskHandle,
    after_paints,
    run_task,
    wait_for_all,
)

__all__ = [
    "CANCEL", "Cancelled", "DISCARD", "DOCX", "FileKind", "FormRows", "LatestRead", "LazyTab",
    "MessageLine", "PDF", "PNG", "SAVE", "TaskControl", "TaskHandle", "XLSX", "add_lazy_tab",
    "after_paints", "ask_file", "ask_print_anyway", "ask_save_path", "ask_text", "ask_unsaved",
    "confirm", "copies_box", "describe", "fatal", "file_dialog", "index_of", "inform",
    "install_excepthook", "label_text", "run_busy", "run_task", "saved_text", "setup_logging",
    "show_tab", "summary", "tab_content", "wait_for_all", "warn", "warnings_of",
]
