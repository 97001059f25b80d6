"""The classification (密级) of what an audit event touches.

Every event records it in ``audit_events.classification`` (covered by the event's hash, so it
cannot be lowered without breaking the chain), and every view of the log — the viewer, its XLSX
export and its PDF print — masks the events above the reader's clearance (``app.services.
audit_log``). ``append`` fills it on its own from what the event names, so no caller can forget:

* the object itself (``object_type``/``object_id``) when it is a classified record — a 公文, a
  收文, a 会议, a 突发事件 or its report, a 值班日志 entry, a 值班表 or a 交接班 — or hangs off
  one (a 议定事项 is its meeting's, a 交接事项 its log entry's);
* records the detail names (``{"incident": 7}``, ``{"meeting": 3}``, ``{"document_id": 5}``) and a
  ``classification`` the detail states;
* a level the caller passes (``audit.append(…, classification=…)``), e.g. the 机密 document whose
  发文字号 a 作废 event names while its object is the number series.

The highest of these counts. The viewer also looks the objects up again when it reads old events
written before the column existed (``levels``), so they are masked too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.storage.models import (
    Decision,
    Document,
    DutyHandover,
    DutyLogEntry,
    DutyOpenItem,
    DutyRoster,
    Incident,
    IncidentReport,
    IncomingDoc,
    Meeting,
)

#: object_type → the classified table whose ``classification`` the event inherits.
CLASSIFIED: dict[str, type[Any]] = {
    "document": Document,
    "incoming": IncomingDoc,
    "incident": Incident,
    "incident_report": IncidentReport,
    "meeting": Meeting,
    "duty_log": DutyLogEntry,
    "duty_roster": DutyRoster,
    "duty_handover": DutyHandover,
}
#: object_type → (its table, the column naming the classified parent, the parent's object_type).
CHILDREN: dict[str, tuple[type[Any], str, str]] = {
    "decision": (Decision, "meeting_id", "meeting"),
    "duty_open_item": (DutyOpenItem, "log_id", "duty_log"),
}
#: detail keys that name a classified record → its object_type.
DETAIL_REFS: dict[str, str] = {
    "incident": "incident",
    "incident_id": "incident",
    "meeting": "meeting",
    "meeting_id": "meeting",
    "document": "document",
    "document_id": "document",
    "doc_id": "document",
    "incoming": "incoming",
    "incoming_id": "incoming",
}


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def event_refs(object_type: str, object_id: object, detail: Mapping[str, Any] | None
          ) -> list[tuple[str, int]]:
    refs = []
    oid = _int(object_id)
    if oid is not None and (object_type in CLASSIFIED or object_type in CHILDREN):
        refs.append((object_type, oid))
    if isinstance(detail, Mapping):
        for key, kind in DETAIL_REFS.items():
            rid = _int(detail.get(key))
            if rid is not None:
                refs.append((kind, rid))
    return refs


def _stated(detail: Mapping[str, Any] | None) -> int:
    if isinstance(detail, Mapping):
        level = _int(detail.get("classification"))
        if level is not None and 0 <= level <= 3:
            return level
    return 0


def by_parent(session: Session, refs: Iterable[tuple[str, int]],
              children: Mapping[str, tuple[Any, str, str]]
              ) -> tuple[dict[str, set[int]], dict[tuple[str, int], tuple[str, int]]]:
    """``refs`` grouped by kind, each child (a kind in ``children``: model, parent column,
    parent kind) replaced by its parent: (the ids wanted per kind, child → parent)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, rid in refs:
        wanted[kind].add(int(rid))
    parent_of: dict[tuple[str, int], tuple[str, int]] = {}
    for kind, (model, column, parent) in children.items():  # children name their parent
        ids = wanted.pop(kind, set())
        if ids:
            for rid, pid in session.execute(select(model.id, getattr(model, column))
                                            .where(model.id.in_(sorted(ids)))):
                if pid is not None:
                    parent_of[(kind, rid)] = (parent, pid)
                    wanted[parent].add(pid)
    return wanted, parent_of


def _lookup(session: Session, refs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The current level of each referenced record (batched per table; missing records: 0)."""
    wanted, parent_of = by_parent(session, refs, CHILDREN)
    found: dict[tuple[str, int], int] = {}
    for kind, ids in wanted.items():
        model = CLASSIFIED[kind]
        ids_list = sorted(ids)
        for i in range(0, len(ids_list), 500):
            for rid, level in session.execute(select(model.id, model.classification)
                                              .where(model.id.in_(ids_list[i:i + 500]))):
                found[(kind, rid)] = int(level)
    for child, owner in parent_of.items():
        found[child] = found.get(owner, 0)
    return found


def level_of(session: Session, object_type: str, object_id: object,
             detail: Mapping[str, Any] | None, given: int | None = None) -> int:
    """The level an event about ``object_type``/``object_id`` with ``detail`` records (see the
    module docstring); read inside the appending transaction."""
    refs = event_refs(object_type, object_id, detail)
    levels = [_stated(detail), int(given or 0)]
    if refs:
        known = {r: lv for r in refs if (lv := _in_session(session, r)) is not None}
        missing = [r for r in refs if r not in known]
        if missing:
            with session.no_autoflush:
                known |= _lookup(session, missing)
        levels.extend(known.get(r, 0) for r in refs)
    return max(0, min(3, max(levels)))


def _held(session: Session, model: type[Any], rid: int, column: str) -> Any:
    """``column`` of the ``model`` row ``rid`` as the database has it now, if this session holds
    that row already (loaded or flushed in this transaction, the column loaded and not changed
    since the last flush), else None: no statement is sent."""
    obj = session.identity_map.get(identity_key(model, rid))
    if obj is None or obj in session.deleted or column not in obj.__dict__:
        return None
    if column in inspect(obj).committed_state:  # changed in memory, not flushed yet
        return None
    return obj.__dict__[column]


def _in_session(session: Session, ref: tuple[str, int]) -> int | None:
    """The level of ``ref`` from the row this session already holds (the record the event is
    about was usually just loaded or written by the act): what ``_lookup`` would read, without
    the round trip. None: not held, look it up."""
    kind, rid = ref
    if kind in CLASSIFIED:
        level = _held(session, CLASSIFIED[kind], rid, "classification")
        return None if level is None else int(level)
    model, column, parent = CHILDREN[kind]
    pid = _held(session, model, rid, column)
    return None if pid is None else _in_session(session, (parent, int(pid)))


def levels(session: Session, events: Iterable[Any], details: Mapping[int, Any]) -> dict[int, int]:
    """For the viewer: ``seq`` → the level to mask each of ``events`` (audit rows) by: the level
    it recorded, or higher when the record it names (or its detail states) is classified higher
    now — events written before the column existed recorded none."""
    events = list(events)
    refs_of = {e.seq: event_refs(e.object_type, e.object_id, details.get(e.seq)) for e in events}
    found = _lookup(session, [r for refs in refs_of.values() for r in refs])
    return {e.seq: max([int(getattr(e, "classification", 0) or 0), _stated(details.get(e.seq))]
                       + [found.get(r, 0) for r in refs_of[e.seq]])
            for e in events}
