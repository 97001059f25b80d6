"""What the GUI benchmarks' child processes share: Qt started as ``run_gui`` starts it, and the
generated office opened for an administrator with 秘密 clearance."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tempfile
import time
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


#: The children's bytecode cache (``installed_env``), read into the file cache too
PYCACHE = Path(tempfile.gettempdir()) / "govdesk-bench-pycache"


def installed_env() -> dict[str, str]:
    """The environment for a benchmark's child process: it starts from compiled bytecode, as an
    installed program does (the frozen bundle carries it). The cache is a folder of its own
    (``PYTHONPYCACHEPREFIX``), filled here before the first child starts — the program, the
    benchmarks, the installed packages and the standard library — so that no run of a benchmark
    measures compiling (bench_stall's first run used to: a 114 ms gap in ``_write_atomic``
    when the 模板 page's modules were first imported). PYTHONDONTWRITEBYTECODE would make every
    start compile the modules it imports again."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    _compile_bytecode(env)
    return env


_compiled: set[str] = set()


def _compile_bytecode(env: dict[str, str]) -> None:
    """``compileall`` into ``env``'s cache, once per process: the program and the benchmarks
    each time (only changed files are compiled again: < 1 s), the installed packages and the
    standard library when the stamp in the cache does not match them (≈ 25 s on a 2-core
    machine, the first time)."""
    prefix = env["PYTHONPYCACHEPREFIX"]
    if prefix in _compiled:
        return
    root = Path(__file__).resolve().parent.parent
    paths = [str(root / "app"), str(root / "benchmarks")]
    purelib, stdlib = (sysconfig.get_paths()[k] for k in ("purelib", "stdlib"))
    stamp = Path(prefix) / "govdesk-bench-compiled"
    stamped = f"{sys.version}|{purelib}|{os.stat(purelib).st_mtime_ns}"
    fresh = not stamp.exists() or stamp.read_text(encoding="utf-8") != stamped
    if fresh:
        paths += [purelib, stdlib]
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j0",
                    "-x", r"[/\\](test|tests|idlelib|lib2to3|tkinter|turtledemo)[/\\]", *paths],
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    if fresh:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(stamped, encoding="utf-8")
        print(f"（字节码已编译到 {prefix}，用时 {time.perf_counter() - t:.0f} 秒）",
              file=sys.stderr, flush=True)
    _compiled.add(prefix)


def warm_page_cache(url: str | None = None) -> float:
    """Read the files a GUI child uses into the operating system's file cache; returns seconds.

    The benchmarks measure a desk whose program files are in the file cache (a new process, not
    a cold disk). On the test VMs the host evicts file pages nobody has touched for about a
    minute (a DAMON ``pageout`` scheme: unmapped file pages, age ≥ 12 × 5 s), so a child
    started after a pause read its bytecode, Qt's libraries and the database from the virtual
    disk: the first visit of a page waited 230–590 ms in ``get_data`` with 30 ms of CPU, or
    for the GIL while a background import loaded an extension module from the disk. Read before
    each child: the bytecode cache, the installed packages, the standard library's extension
    modules, the program's resources and, for SQLite, the database file (≈ 1.5 s when they are
    cached already, 10 s after an eviction)."""
    paths = sysconfig.get_paths()
    roots = [PYCACHE,
             Path(__file__).resolve().parent.parent / "resources",
             Path(paths["purelib"]), Path(paths["platstdlib"]) / "lib-dynload"]
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            files += (p for p in root.rglob("*") if p.is_file())
    if url and url.startswith("sqlite:///"):
        db = Path(url.removeprefix("sqlite:///"))
        files += [p for p in (db, Path(f"{db}-wal")) if p.is_file()]
    t = time.perf_counter()
    buf = bytearray(1 << 20)
    for path in files:
        try:
            with open(path, "rb", buffering=0) as f:
                while f.readinto(buf):
                    pass
        except OSError:
            continue
    return time.perf_counter() - t
