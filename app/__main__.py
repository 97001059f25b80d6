"""``python -m app`` starts the GUI; ``python -m app COMMAND …`` runs the command line;
``python -m app --selftest`` checks an installation (temporary database, offscreen window)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _private_umask()
    if argv and argv[0] == "--selftest":
        from app.selftest import run_selftest

        return run_selftest(argv[1:])
    if argv and not argv[0].startswith("-psn"):  # macOS passes -psn_… to GUI apps
        from app.cli import main as cli_main

        return cli_main(argv)
    from app import heap

    heap.hold_collections()  # until the main window is shown (app/heap.py)
    from app.ui.application import run_gui

    code = run_gui()  # returns after the window closed, workers finished, the engine disposed
    _leave(code)
    return code


def _private_umask() -> None:
    """Files and folders the program creates (databases, backups, exports, logs) are readable by
    the desk's own account only: 0600/0700 (see ``app.fileperm``, which also narrows the files
    it knows of explicitly; on Windows the data folder's ACL does this)."""
    import os

    if hasattr(os, "umask"):
        os.umask(0o077)


def _leave(code: int) -> None:
    """End the GUI process without interpreter finalisation.

    PySide6 6.12 on Python 3.11 over-releases references to ``True``/``None``; after a long
    session the garbage collection at interpreter exit can then abort ("bool_dealloc") although
    everything was saved. By now the data is committed, settings are synced and logs are
    flushed below, so leave directly with the exit code.
    """
    import logging
    import os

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
