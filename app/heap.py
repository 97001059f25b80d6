"""The GUI process's garbage-collector policy (issue 30), in one place.

* ``hold_collections()`` at the very start of the GUI (``app/__main__.py``, before the modules
  are imported): importing SQLAlchemy, the mapped models and the interface makes ≈ 130 000
  objects, and the cyclic collector walked them again and again meanwhile — 100–170 ms of a
  cold start's ≈ 750 ms of imports on this 2-core machine, for ≈ 500 objects of garbage.
* ``settle()`` once the main window is shown: what start-up made lives as long as the program,
  so it is moved to the permanent generation (``gc.freeze``, a few hundred garbage objects kept
  with it). ``freeze()`` again once the background imports are done.
* From then on the collector runs **on the GUI thread only** (``collect``, called by a timer of
  ``app.ui.collector``), never triggered by an allocation (after Anki's main window). A pass frees
  the Qt objects whose wrappers were in reference cycles — a list model and the callbacks of its
  reads, a dialog and its slots — and destroys them on the thread that runs it: triggered by a
  worker's allocation, a model was destroyed on the worker thread and the process crashed
  (seen in ``tests/ui/test_paging.py``, now and then, under load).

Frozen objects are left out of every later pass: a full collection, which holds the GIL,
walks only what was made since. At full scale, passes triggered
by a worker's read held the GUI thread 84–121 ms before (``benchmarks/bench_stall.py``).
The command line keeps Python's defaults: a long batch must collect its cycles.
"""

from __future__ import annotations

import gc


def hold_collections() -> None:
    """No cyclic collection until ``settle()`` (start-up only)."""
    gc.disable()


def freeze() -> None:
    """Leave every object alive now out of the collector's passes."""
    gc.freeze()


def settle() -> None:
    """Start-up is over: freeze what it made. Automatic collection stays off; the GUI thread
    collects (``collect``)."""
    gc.freeze()
    gc.disable()


def collect(generation: int) -> int:
    """One pass of the collector over ``generation`` and the younger ones, on the calling thread
    (the GUI thread's timer); the number of unreachable objects found."""
    return gc.collect(generation)
