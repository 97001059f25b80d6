"""Where background work may give way to the GUI thread (issue 30).

A read in a worker thread runs Python — SQLAlchemy turning rows into objects, the services'
rules — and Python runs one thread at a time (the GIL). While the GUI thread builds a page or
paints a result it calls into Python hundreds of times (each ``data()``, each virtual method of a
Python widget), and every call waits for the worker to let go of the GIL: a paint of 25 ms took
70–130 ms beside a read (``benchmarks/bench_stall.py``).

``checkpoint()`` is called where background work can pause without holding anything the GUI
thread needs: before each SQL statement (``app.storage.db``). It does nothing until the GUI
installs a pacer (``app.ui.kit.worker``), which, on a worker thread, waits while the GUI thread
is in one of its busy spells. The command line never installs one.
"""

from __future__ import annotations

from collections.abc import Callable

_pacer: list[Callable[[], None]] = []


def install(pacer: Callable[[], None] | None) -> Callable[[], None] | None:
    """``pacer()`` is called at every checkpoint from now on (on any thread; it must return at
    once on the thread that installed it and never wait unboundedly); None: no pacer. Returns the
    pacer it replaces."""
    previous = _pacer[0] if _pacer else None
    _pacer[:] = [] if pacer is None else [pacer]
    return previous


def checkpoint() -> None:
    """A point where background work may pause for the GUI thread (see the module docstring)."""
    if _pacer:
        _pacer[0]()
