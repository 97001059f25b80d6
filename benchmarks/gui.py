"""What the GUI benchmarks' child processes share: Qt started as ``run_gui`` starts it, and the
generated office opened for an administrator with 秘密 clearance."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any


def start_qt() -> tuple[Any, str]:
    """The ``QApplication`` with Qt's Chinese translations and, on a desk without a Chinese
    font, the bundled 黑体 as the interface font (as ``run_gui`` does); and which font that is."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app import heap

    heap.hold_collections()  # as app/__main__.py starts the GUI (app/heap.py)
    from app.ui.qt import QApplication

    qapp = QApplication([])
    from app.ui.application import install_translations
    from app.ui.fonts import ensure_chinese_ui_font

    install_translations(qapp)
    return qapp, ensure_chinese_ui_font(qapp) or "system"


def office_ctx(url: str) -> Any:
    """A ``ServiceContext`` on the office at ``url`` for the benchmarks' administrator."""
    from app.domain.security import Clearance, Role
    from app.services.context import Actor, ServiceContext
    from app.storage.migrate import open_database

    engine = open_database(url, Path(tempfile.mkdtemp()) / "backups")
    return ServiceContext(engine, Actor(None, "bench", Role.ADMIN, Clearance.SECRET, "测试"))


def installed_env() -> dict[str, str]:
    """The environment for a benchmark's child process: it starts from compiled bytecode, as an
    installed program does (a first run fills a cache of its own; PYTHONDONTWRITEBYTECODE would
    make every start compile the modules it imports again)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "govdesk-bench-pycache")
    return env
