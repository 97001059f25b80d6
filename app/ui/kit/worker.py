"""The one helper for background work (after Picard's ``run_task`` / Anki's ``CollectionOp``).

    handle = run_task(fn, *args, on_result=..., on_error=..., on_progress=..., parent=widget)

``fn(control, *args)`` runs on a ``QThreadPool`` thread. It may call
``control.progress(percent, text)`` and should call ``control.check()`` now and then, which raises
``Cancelled`` once ``handle.cancel()`` was called. The result (or the exception) comes back by
signal on the GUI thread: ``on_result(value)``, ``on_error(exc)``, ``on_cancelled()``.

Rules: ``fn`` never touches a widget, and it opens its OWN database session (services do that
already: pass a ``ServiceContext``, never a live ``Session`` or ORM object). A ``UserError`` from
``fn`` is an expected outcome for ``on_error`` to show; anything else is logged as a bug.

The receiver may go away: the handle is a Qt child of ``parent`` (the page or dialog that waits),
so when that widget is deleted before the work ends, the handle goes with it and the outcome is
dropped — nothing is called, nothing raises. The worker never touches the handle itself: it
emits on one relay object that lives as long as the program (``_Relay``), and the relay, on the
GUI thread, hands the outcome to the handle if it still exists. (Emitting on the handle from the
worker raced with the GUI thread deleting it: a page closed while its read was still out crashed
the process now and then — a segfault in the worker's ``emit``, seen in CI.) A callback may itself end its receiver's life (a
sign-in dialog accepted, the controller lets go of it, Python deletes it and the handle with it):
then the signals that would follow (``done``) are dropped too instead of raising
``RuntimeError: Signal source has been deleted`` (issue 17: every new account's first sign-in
showed 出错了). Whoever must know that a task ended without a receiver can use ``destroyed``.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from app import pacing
from app.errors import UserError, is_connection_lost
from app.ui.qt import (
    QCoreApplication,
    QEvent,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    QTimer,
    QWidget,
    Signal,
    Slot,
    qt_alive,
)

log = logging.getLogger(__name__)

#: The handles whose task has not settled yet, by key (GUI thread only): the relay finds a
#: result's handle here; a handle leaves when it settles or is deleted with its parent.
_running: dict[int, TaskHandle] = {}
#: Called (on the GUI thread) with the error whenever a task fails because the database
#: connection broke: the main window shows the connection state until it is back.
connection_listeners: list[Callable[[BaseException], None]] = []


class Cancelled(Exception):
    """Raised inside a task by ``control.check()`` after the user cancelled it."""


#: below the priority of the paints a shown page posts (``Qt.LowEventPriority``)
_AFTER_PAINTS = Qt.EventPriority.LowEventPriority.value - 1


#: How long jobs held for a window's first paint wait at most (a window shown and never painted)
FIRST_PAINT_WAIT_MS = 1000


#: The longest a worker waits at a checkpoint for one busy spell of the GUI thread to end (a spell
#: whose end never comes — its window deleted before it painted — only slows the work this much)
SPELL_MS = 300
#: How long a spell lasts after its release is delivered: the delayed layout of a view and its
#: paint (收文's first visit: 62 -> 31 ms median worst gap on PostgreSQL with it, 4 runs each)
SETTLE_MS = 25


class _Pacer:
    """The GUI thread's busy spells — a page built, a result applied, until the event posted
    behind the paints these cause is delivered (``held``) and ``SETTLE_MS`` more (a view's
    delayed layout and the paint after it come later still) — during which a worker waits at its
    next checkpoint (``app.pacing``: before each SQL statement) instead of taking the GIL in
    turns with the GUI thread. Installed on first use of the relay. The GUI thread itself never
    waits; no worker waits longer than ``SPELL_MS`` for a spell, nor at all while the GUI thread
    waits for the workers (``wait_for_all``). (Ending a spell at the event dispatcher's
    ``aboutToBlock`` was tried: Qt emits it at every turn of a loop that may wait, pending
    events or not, so it ended spells before their paints.)"""

    def __init__(self) -> None:
        self.gui = threading.get_ident()
        self.spells = 0  # GUI thread only
        self.until = 0.0  # time.monotonic() past which no worker waits for the current spell
        self.released = 0.0  # time.monotonic() when the last spell's release was delivered
        # set: no spell has begun since start-up or since the GUI thread last waited for the
        # workers (a checkpoint returns at once); cleared when a spell begins and left so — a
        # spell's end is read from ``spells`` and ``released`` — and what a waiting worker sleeps on
        self.free = threading.Event()
        self.free.set()
        self.waits = 0  # how often a worker waited (tests; benchmarks)
        self.gui_waiting = 0  # the GUI thread blocked on the workers (``wait_for_all``)

    def begin(self) -> None:  # GUI thread
        now = time.monotonic()
        if now > self.until:  # a spell whose end never came (its window went first) is over
            self.spells = 0
        self.spells += 1
        self.until = now + SPELL_MS / 1000
        self.free.clear()

    def end(self) -> None:  # GUI thread: the spell's release was delivered
        self.spells = max(0, self.spells - 1)
        if self.spells == 0:
            self.released = time.monotonic()

    def left(self, now: float) -> float:
        """Seconds the current spell still lasts at ``now`` (≤ 0: none)."""
        left = self.until - now
        if self.spells == 0:  # released: what it caused is painted by now, or nearly
            left = min(left, self.released + SETTLE_MS / 1000 - now)
        return left

    def __call__(self) -> None:  # any thread, at a checkpoint
        if self.free.is_set() or threading.get_ident() == self.gui:
            return
        waited = False
        while not self.gui_waiting:
            left = self.left(time.monotonic())
            if left <= 0:
                return
            if not waited:
                waited = True
                self.waits += 1
            self.free.wait(min(left, 0.05))


_pacer: list[_Pacer] = []


class _Release(QEvent):
    """Posted by ``held``: the jobs to start once the events ahead of it are delivered — and,
    when ``after_paint_of`` is a widget shown but not painted yet, once it is painted. Its
    delivery ends the GUI thread's busy spell (``_Pacer``)."""

    TYPE = QEvent.Type(QEvent.registerEventType())

    def __init__(self, jobs: list[tuple[QThreadPool | None, _Job]],
                 after_paint_of: QWidget | None = None) -> None:
        super().__init__(self.TYPE)
        self.jobs = jobs
        # weakly: a posted event must not keep a window alive, nor delete it when delivered
        self.widget = None if after_paint_of is None else weakref.ref(after_paint_of)


class _AfterPaints(QEvent):
    """Posted by ``after_paints``: a call to make once the events ahead of it are delivered."""

    TYPE = QEvent.Type(QEvent.registerEventType())

    def __init__(self, owner: QObject, fn: Callable[[], None]) -> None:
        super().__init__(self.TYPE)
        self.owner, self.fn = owner, fn


def after_paints(owner: QObject, fn: Callable[[], None]) -> None:
    """Call ``fn`` on the GUI thread once the events posted so far are delivered — the paints of
    what was just changed on a shown window among them (a zero timer fires *before* them) — and
    the timers and input due by then have had their turn; only if ``owner`` still exists then.
    What a result shows can so be painted in two frames, each a shorter stall than one frame of
    all of it: called straight from the delivery, ``fn`` ran in the same pass over the posted
    events as the paint, with no key, click or timer between them."""
    QCoreApplication.postEvent(_get_relay(), _AfterPaints(owner, fn), _AFTER_PAINTS)


class _FirstPaint(QObject):
    """Holds jobs until its parent widget's first paint (or ``FIRST_PAINT_WAIT_MS``), then
    releases them behind the events that paint posted. A child of the widget: gone with it, and
    its jobs too. It keeps no Python reference to the widget — dropping the last one inside the
    widget's own paint would delete the widget there."""

    def __init__(self, widget: QWidget, jobs: list[tuple[QThreadPool | None, _Job]]) -> None:
        super().__init__(widget)
        self._jobs: list[tuple[QThreadPool | None, _Job]] | None = jobs
        widget.installEventFilter(self)
        QTimer.singleShot(FIRST_PAINT_WAIT_MS, self, self._release)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self._release()
        return False

    def _release(self) -> None:
        if self._jobs is None:
            return
        jobs, self._jobs = self._jobs, None
        parent = self.parent()
        if parent is not None:
            parent.removeEventFilter(self)
        QCoreApplication.postEvent(_get_relay(), _Release(jobs), _AFTER_PAINTS)
        self.deleteLater()


class _Relay(QObject):
    """The one object the workers emit on (it is never deleted): ``(key, what, value)`` queued
    to the GUI thread, where ``_dispatch`` gives it to the handle registered under ``key`` — if
    that handle still exists."""

    arrived = Signal(int, str, object)

    def event(self, event: QEvent) -> bool:  # a held page's jobs, after its first paint
        if isinstance(event, _AfterPaints):
            owner, fn = event.owner, event.fn
            event.owner = event.fn = None  # type: ignore[assignment]
            if qt_alive(owner):  # a timer (not a posted call): after the dispatcher's next turn
                QTimer.singleShot(1, owner, fn)
            return True
        if isinstance(event, _Release):
            widget = event.widget() if event.widget is not None else None
            if widget is not None and qt_alive(widget) and widget.isVisible():
                # a window's first show: the events posted meanwhile come before its first
                # paint (offscreen and xcb alike), so wait for the paint itself
                _FirstPaint(widget, event.jobs)
            else:
                _pacer[0].end()
                _start(event.jobs)
            return True
        return super().event(event)

    @Slot(int, str, object)
    def dispatch(self, key: int, what: str, value: object) -> None:
        if what != "progress":  # (outcome, the task's call): the call is let go here
            value, call = value  # type: ignore[misc]
            try:
                _dispatch(key, what, value)
            finally:
                call.clear()
        else:
            _dispatch(key, what, value)


_relay: list[_Relay] = []
_keys = itertools.count(1)


def _get_relay() -> _Relay:
    """The relay, made on first use on the GUI thread (where ``run_task`` is called)."""
    if not _relay:
        relay = _Relay()  # lives on the GUI thread: the slot runs there, queued
        relay.arrived.connect(relay.dispatch, Qt.ConnectionType.QueuedConnection)
        _relay.append(relay)
        _pacer.append(_Pacer())
        pacing.install(_pacer[0])
    return _relay[0]


def _dispatch(key: int, what: str, value: object) -> None:
    handle = _running.get(key)
    if handle is None or not qt_alive(handle):
        _running.pop(key, None)
    elif what == "progress":
        percent, text = value  # type: ignore[misc]
        handle._on_progress(percent, text)
    elif what == "result":
        with held():  # reads the result starts (a list's first row's detail) follow its paint
            handle._on_result(value)
    else:
        handle._on_error(value)


class TaskControl:
    """What the background function sees: progress reporting and the cancel flag."""

    def __init__(self, handle: TaskHandle) -> None:
        self._key = handle.key
        self._relay = _get_relay()
        self._cancel = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, percent: int, text: str = "") -> None:
        self._relay.arrived.emit(self._key, "progress", (int(percent), text))


class TaskHandle(QObject):
    """Lives on the GUI thread; the worker emits its private signals, Qt queues them here."""

    progressed = Signal(int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    done = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = next(_keys)
        _running[self.key] = self
        self.control = TaskControl(self)
        self.finished = False
        # deleted with its parent before the work ended: no longer "running" (by key: a
        # connection holding the handle itself would keep a parentless handle alive forever)
        key = self.key
        self.destroyed.connect(lambda *_: _running.pop(key, None))

    def cancel(self) -> None:
        self.control._cancel.set()

    @property
    def alive(self) -> bool:
        """False once the handle (with the page or dialog it belongs to) has been deleted."""
        return qt_alive(self)

    def _on_progress(self, percent: int, text: str) -> None:
        self.progressed.emit(percent, text)

    def _on_result(self, value: object) -> None:
        if self.control.cancelled:
            self._settle(self.cancelled)
        else:
            self._settle(self.succeeded, value)

    def _on_error(self, exc: object) -> None:
        if isinstance(exc, BaseException) and is_connection_lost(exc):
            for listener in list(connection_listeners):
                listener(exc)
        if isinstance(exc, Cancelled):
            self._settle(self.cancelled)
        else:
            self._settle(self.failed, exc)

    def _settle(self, signal: Any, *args: object) -> None:
        """Emit the outcome, then ``done`` — each only while the handle still exists: a
        receiver's callback may close and delete the receiver, and the handle with it."""
        self._finish()
        if not self.alive:
            return
        signal.emit(*args)
        if self.alive:
            self.done.emit()
        else:
            log.debug("background task's receiver went away in its own callback")

    def _finish(self) -> None:
        self.finished = True
        _running.pop(self.key, None)


class _Job(QRunnable):
    def __init__(self, handle: TaskHandle, fn: Callable[..., Any], args: tuple, kwargs: dict):
        super().__init__()
        self.setAutoDelete(True)
        # the worker keeps what it needs, never the handle (the GUI thread may delete it)
        self._key, self._control, self._relay = handle.key, handle.control, _get_relay()
        self._fn, self._args, self._kwargs = fn, args, kwargs

    def run(self) -> None:
        # The function (often a lambda holding its page) goes back to the GUI thread with the
        # outcome and is let go there: were the worker to drop the last reference to a
        # parentless widget, Python would delete the widget on the worker thread ("Timers
        # cannot be stopped from another thread", or worse).
        call: list[Any] = [self._fn, self._args, self._kwargs]
        self._fn = self._args = self._kwargs = None  # type: ignore[assignment]
        try:
            value = call[0](self._control, *call[1], **call[2])
        except BaseException as exc:  # delivered to the GUI thread, never swallowed
            if not isinstance(exc, (Cancelled, UserError)):
                log.exception("background task failed")
            self._relay.arrived.emit(self._key, "error", (exc, call))
        else:
            self._relay.arrived.emit(self._key, "result", (value, call))


def run_task(
    fn: Callable[..., Any],
    *args: Any,
    on_result: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, str], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
    parent: QObject | None = None,
    pool: QThreadPool | None = None,
    **kwargs: Any,
) -> TaskHandle:
    """Start ``fn(control, *args, **kwargs)`` in the background (call from the GUI thread)."""
    handle = TaskHandle(parent)
    if on_result:
        handle.succeeded.connect(on_result)
    if on_error:
        handle.failed.connect(on_error)
    if on_progress:
        handle.progressed.connect(on_progress)
    if on_cancelled:
        handle.cancelled.connect(on_cancelled)
    job = _Job(handle, fn, args, kwargs)
    if _held:
        _held[-1].append((pool, job))
    else:
        (pool or QThreadPool.globalInstance()).start(job)
    return handle


#: Jobs started while the GUI thread builds and first paints something (``held``), per nesting.
_held: list[list[tuple[QThreadPool | None, _Job]]] = []


@contextmanager
def held(after_paint_of: QWidget | None = None) -> Iterator[None]:
    """Tasks started inside wait until the GUI thread is back in its event loop and has
    delivered the events posted meanwhile — the page's first paint among them (a low-priority
    event posted after them; a zero timer fired before the paint) — then start in their order.

    ``after_paint_of``: a window about to be shown for the first time. The events posted while it
    is built come *before* its first paint, so its jobs wait for that paint itself (when it is
    visible by then; a window built and not shown starts them at once). Without it the
    工作台's reads ran beside the main window's first frames: 70–130 ms without a tick.

    A page's first visit starts its reads while it builds its widgets; a worker thread running
    Python beside it takes the GIL in turns with the GUI thread, so building and first painting
    the page took twice its own time (``benchmarks/bench_stall.py``: 值班 138 ms wall for 74 ms
    of the GUI thread's CPU). Held, the page is built and painted alone and the reads run while
    the user looks at it. From the start of the outermost hold until its release is delivered,
    reads already running wait at their next SQL statement too (``_Pacer``)."""
    jobs: list[tuple[QThreadPool | None, _Job]] = []
    outermost = not _held
    if outermost:
        relay = _get_relay()
        _pacer[0].begin()  # workers wait at their checkpoints until the paints are delivered
    _held.append(jobs)
    try:
        yield
    finally:
        _held.pop()
        if not outermost:  # nested: the outer hold releases them
            _held[-1].extend(jobs)
        else:  # after the paints posted meanwhile (a zero timer came before them)
            QCoreApplication.postEvent(relay, _Release(jobs, after_paint_of), _AFTER_PAINTS)


def gui_busy() -> bool:
    """Whether the GUI thread is in a busy spell (a page built or a result applied, until its
    paints are delivered and ``SETTLE_MS`` more): idle work on the GUI thread waits for its end."""
    return bool(_pacer) and _pacer[0].left(time.monotonic()) > 0


def pacer_waits() -> int:
    """How often a worker has waited for a busy spell of the GUI thread (tests, benchmarks)."""
    return _pacer[0].waits if _pacer else 0


def _start(jobs: list[tuple[QThreadPool | None, _Job]]) -> None:
    for pool, job in jobs:
        (pool or QThreadPool.globalInstance()).start(job)


def wait_for_all(timeout_ms: int = 30_000) -> bool:
    """Block until the pool is idle (on quit, and in tests). Signals still need the event loop.
    The GUI thread waits for the workers meanwhile, so they do not wait for it (``_Pacer``): its
    busy spell could not end before they do."""
    pacer = _pacer[0] if _pacer else None
    if pacer is not None:
        pacer.gui_waiting += 1
        pacer.free.set()  # (wakes a worker waiting now)
    try:
        return QThreadPool.globalInstance().waitForDone(timeout_ms)
    finally:
        if pacer is not None:
            pacer.gui_waiting -= 1
