"""发文字号 series in the database: take, reserve, void, and the register of each series.

The bookkeeping rules are ``app.domain.docnumber``'s; this module adds the concurrency. To take a
number the transaction first locks the series row — ``SELECT … FOR UPDATE`` on PostgreSQL; on
SQLite every transaction already begins with ``BEGIN IMMEDIATE`` (app.storage.db), which
serialises writers — then reads the series' entries, lets the domain choose the next number and
inserts it. Two desks numbering at the same moment therefore queue on the lock; if anything ever
got past it, the UNIQUE (prefix, year, seq) constraint refuses the duplicate and the whole
transaction (the 签发 included) rolls back rather than record a number twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain import docnumber as dn
from app.domain.security import Action, can_see, require_clearance
from app.errors import ConflictError, InputError
from app.services import audit, need_to_know
from app.services.context import Actor, ServiceContext
from app.services.people import Names
from app.storage.models import DocNoEntry, DocNoSeries


@dataclass(frozen=True)
class SeriesInfo:
    prefix: str
    year: int
    last_seq: int


def lock_series(s: Session, prefix: str, year: int) -> DocNoSeries:
    """The series row of (prefix, year), created if new, locked until the transaction ends."""
    prefix = dn.validate_prefix(prefix)
    stmt = (select(DocNoSeries).where(DocNoSeries.prefix == prefix, DocNoSeries.year == year)
            .with_for_update())
    row = s.execute(stmt).scalar_one_or_none()
    if row is None:
        try:
            with s.begin_nested():
                s.add(DocNoSeries(prefix=prefix, year=year, last_seq=0))
        except IntegrityError:  # another desk created it a moment ago: wait for its lock
            pass
        row = s.execute(stmt).scalar_one()
    return row


def _entries(s: Session, series: DocNoSeries) -> list[dn.SeriesEntry]:
    rows = s.execute(select(DocNoEntry).where(DocNoEntry.series_id == series.id)).scalars()
    return [_to_domain(r) for r in rows]


def _to_domain(r: DocNoEntry) -> dn.SeriesEntry:
    return dn.SeriesEntry(r.prefix, r.year, r.seq, dn.EntryState(r.state), r.at, r.by, r.reason,
                          str(r.document_id) if r.document_id is not None else None)


def _insert(s: Session, series: DocNoSeries, e: dn.SeriesEntry) -> None:
    s.add(DocNoEntry(series_id=series.id, prefix=e.prefix, year=e.year, seq=e.seq,
                     state=e.state.value, reason=e.reason,
                     document_id=int(e.document_id) if e.document_id else None, by=e.by, at=e.at))
    series.last_seq = max(series.last_seq, e.seq)
    try:
        s.flush()
    except IntegrityError:  # pragma: no cover - the lock makes this unreachable; the constraint
        raise ConflictError(f"发文字号 {e.text} 已被占用，请重试。") from None


def _update(s: Session, series: DocNoSeries, e: dn.SeriesEntry) -> None:
    row = s.execute(select(DocNoEntry).where(DocNoEntry.series_id == series.id,
                                             DocNoEntry.seq == e.seq)).scalar_one()
    row.state, row.reason, row.by, row.at = e.state.value, e.reason, e.by, e.at
    row.document_id = int(e.document_id) if e.document_id else None
    s.flush()


def take_number(s: Session, actor: Actor, prefix: str, year: int, document_id: int,
                at: dt.datetime, reserved_seq: int | None = None) -> dn.SeriesEntry:
    """Inside the caller's transaction (签发): the next number of the series, or the reserved
    number ``reserved_seq``, issued to ``document_id``."""
    series = lock_series(s, prefix, year)
    entries = _entries(s, series)
    if reserved_seq is None:
        e = dn.take_next(entries, series.prefix, year, document_id=str(document_id),
                         by=actor.username, at=at)
        _insert(s, series, e)
    else:
        e = dn.use_reserved(entries, series.prefix, year, reserved_seq,
                            document_id=str(document_id), by=actor.username, at=at)
        _update(s, series, e)
    return e


def reserve_numbers(ctx: ServiceContext, prefix: str, year: int, count: int,
                    reason: str) -> list[str]:
    """Reserve the next ``count`` numbers with a reason (预留); returns their texts."""
    actor = ctx.require(Action.ISSUE)
    with ctx.session() as s, s.begin():
        series = lock_series(s, prefix, year)
        made = dn.reserve(_entries(s, series), series.prefix, year, count=count, reason=reason,
                          by=actor.username, at=ctx.now())
        for e in made:
            _insert(s, series, e)
        audit.append(s, actor, "docno.reserve", "docno_series", series.id,
                     {"numbers": [e.text for e in made], "reason": made[0].reason}, at=ctx.now())
    return [e.text for e in made]


def void_number(ctx: ServiceContext, prefix: str, year: int, seq: int, reason: str) -> str:
    """Void a reserved or issued number (作废) with a reason; it is never issued again. A
    document that held it loses its 发文字号 (it keeps the entry's record of which it was)."""
    actor = ctx.require(Action.ISSUE)
    from app.storage.models import Document  # local: documents import this module

    with ctx.session() as s, s.begin():
        series = lock_series(s, prefix, year)
        e = dn.void(_entries(s, series), series.prefix, year, seq, reason=reason,
                    by=actor.username, at=ctx.now())
        doc = s.get(Document, int(e.document_id)) if e.document_id else None
        if doc is not None:  # the number belongs to a document: it takes that document's clearance
            require_clearance(actor.clearance, doc.classification)
            need_to_know.require(s, actor, "document", doc.id)
        _update(s, series, e)
        if doc is not None:
            if doc.status in ("issued", "archived"):
                raise InputError(f"{e.text} 所属公文已印发，不能作废其发文字号。")
            if doc.doc_no == e.text:
                doc.doc_no = ""
                desc = dict(doc.description)
                desc.pop("doc_no", None)
                doc.description = desc
        audit.append(s, actor, "docno.void", "docno_series", series.id,
                     {"number": e.text, "reason": e.reason}, at=ctx.now(),
                     classification=doc.classification if doc is not None else None)
    return e.text


def list_series(ctx: ServiceContext) -> list[SeriesInfo]:
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        rows = s.execute(select(DocNoSeries).order_by(DocNoSeries.year.desc(),
                                                      DocNoSeries.prefix)).scalars()
        return [SeriesInfo(r.prefix, r.year, r.last_seq) for r in rows]


def series_register(ctx: ServiceContext, prefix: str, year: int) -> dn.SeriesRegister:
    """Every number from 1 to the highest with its state and reason; gaps show as 缺号. A number
    held by a document above the reader's clearance is listed (the series has no holes to
    explain) without naming the document. The 经办人 (``by``) is the person's name; the entries
    keep the login."""
    from app.storage.models import Document  # local: documents import this module

    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        rows = list(s.execute(select(DocNoEntry).where(DocNoEntry.prefix == prefix,
                                                       DocNoEntry.year == year)).scalars())
        doc_ids = {r.document_id for r in rows if r.document_id is not None}
        levels = dict(s.execute(select(Document.id, Document.classification)
                                .where(Document.id.in_(doc_ids))).all()) if doc_ids else {}
        hidden = {rid for _kind, rid in need_to_know.hidden_refs(
            s, actor, [("document", int(i)) for i in doc_ids])} if doc_ids else set()
        who = Names(s)
        entries = [replace(e, by=who.name(e.by)) for e in map(_to_domain, rows)]
    entries = [e if not e.document_id or (
        can_see(actor.clearance, levels.get(int(e.document_id), 0))
        and int(e.document_id) not in hidden)  # 知悉范围: as if above the clearance
        else replace(e, document_id=None) for e in entries]
    return dn.register(entries, prefix, year)
