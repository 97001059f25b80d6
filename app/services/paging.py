"""Keyset paging ("seek"): the next page of a sorted list is read from where the previous one
ended, not by counting rows from the top.

``OFFSET n`` makes the database walk and throw away ``n`` rows, so a page deep in a list of
100 000 costs time linear in its position. A list sorted on ``(key, id)`` can instead ask for the
rows *after* the last row it has (``key < k OR (key = k AND id < i)`` when descending) — an index
range scan that costs the same on page 1 and page 500. The lazy list models (``app.ui.lazy_table``)
pass a ``Seek`` built from a page they hold beside the one they want; a page with no neighbour
loaded (a jump of the scroll bar) is still read by offset.

``window(stmt, keys, descending, offset=…, limit=…, seek=…)`` orders ``stmt`` and limits it
either way; the caller flips the rows when it says ``reversed`` (a page *before* a held one is
read in the opposite order, nearest row first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, literal, or_
from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True)
class Seek:
    """The sort key (the sort columns' values, then the id) of the row next to the page wanted:
    ``after`` True — the page starts right after that row; False — it ends right before it."""

    key: tuple[Any, ...]
    after: bool = True

    @property
    def usable(self) -> bool:
        return bool(self.key) and all(v is not None for v in self.key)


def _beyond(keys: Sequence[Any], values: Sequence[Any],
            forward_desc: bool) -> ColumnElement[bool]:
    """Rows strictly beyond ``values`` in the order ``keys`` desc (``forward_desc``) or asc —
    written as ``k1 <= v1 AND (k1 < v1 OR (…))`` so the leading column is a plain range an index
    serves on SQLite and PostgreSQL alike (row values are not used by every planner)."""
    col, value = keys[0], literal(values[0], keys[0].type)
    strict = col < value if forward_desc else col > value
    if len(keys) == 1:
        return strict
    loose = col <= value if forward_desc else col >= value
    return and_(loose, or_(strict, _beyond(keys[1:], values[1:], forward_desc)))


def window(stmt: Select, keys: Sequence[Any], descending: bool, *,
           offset: int = 0, limit: int = 100, seek: Seek | None = None) -> tuple[Select, bool]:
    """``stmt`` ordered by ``keys`` (the last one unique, the id) and cut to one page: after or
    before ``seek`` when it is given and usable, else at ``offset``. Returns the statement and
    whether its rows come in reverse list order (the caller flips them)."""
    limit = max(0, limit)
    if seek is None or not seek.usable or len(seek.key) != len(keys):
        order = [k.desc() if descending else k.asc() for k in keys]
        return stmt.order_by(*order).offset(max(0, offset)).limit(limit), False
    backwards = not seek.after
    desc = descending != backwards
    order = [k.desc() if desc else k.asc() for k in keys]
    stmt = stmt.where(_beyond(keys, seek.key, desc)).order_by(*order).limit(limit)
    return stmt, backwards


def ahead_of(keys: Sequence[Any], key: Sequence[Any],
             descending: bool) -> ColumnElement[bool]:
    """Rows that come before the row with sort key ``key`` in the list ordered by ``keys``: a
    ``COUNT`` with it is that row's position (to show a record, load its page and select it)."""
    return _beyond(keys, key, not descending)
