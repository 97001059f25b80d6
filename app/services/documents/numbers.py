"""发文字号 series in the database: take, reserve, void, and the register of each series.

The bookkeeping rules are ``app.domain.docnumber``'s; this module adds the concurrency, and keeps
every step O(1) whatever the size of the series (issue 32):

* **The next number is kept in the series row**: ``docno_series.last_seq`` is the highest number
  ever recorded (issued, reserved or void), so the next one is ``last_seq + 1``. Taking numbers
  is one ``UPDATE docno_series SET last_seq = last_seq + n … RETURNING`` — on PostgreSQL that
  statement locks the row until the transaction ends, on SQLite the writer already holds the
  database lock — followed by the INSERT of the new entries. Revision 0018 set ``last_seq`` from
  the entries of existing databases.
* **Entries are looked up by key**, never by reading the series: a reserved or voided number by
  (prefix, year, seq), the number a document already holds by ``document_id``.
* **签发 holds the series lock for the shortest time** (``claim_number``): the number is taken in
  its own tiny transaction (bump + INSERT of a 预留 entry “签发取号中” + COMMIT), *after* the
  document was checked and proofread and *before* its 签发 transaction, which turns the entry
  into 已用 by key (``confirm_claim``) together with the document, the index and the audit
  record. Nothing else happens while the series row is locked. If the 签发 then fails, the
  number is voided with the reason (``release_claim``); if even that cannot be written (the
  connection is gone) it stays 预留 with the reason “签发取号中”. Either way every number from 1
  to the highest is accounted for — never twice, never skipped silently.

The UNIQUE (prefix, year, seq) constraint remains the last line of defence: if anything ever got
past the lock, the duplicate is refused and the transaction rolls back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain import docnumber as dn
from app.domain.security import Action, can_see
from app.errors import ConflictError, InputError
from app.services import audit, need_to_know
from app.services.context import Actor, ServiceContext, retry_read
from app.services.people import Names
from app.storage.models import DocNoEntry, DocNoSeries

#: The reason a number carries between its claim and the 签发 that uses it (or forever, if the
#: desk lost its connection before it could void it).
CLAIM_REASON = "签发取号中（公文 {document_id}）"
#: The reason a claimed number is voided with when its 签发 did not commit.
RELEASE_REASON = "签发未完成，此号作废：{why}"


@dataclass(frozen=True)
class SeriesInfo:
    prefix: str
    year: int
    last_seq: int


def _ensure_series(s: Session, prefix: str, year: int) -> None:
    """Create the series row of (prefix, year) if it does not exist yet (no lock taken)."""
    found = s.execute(select(DocNoSeries.id).where(DocNoSeries.prefix == prefix,
                                                   DocNoSeries.year == year)).first()
    if found is None:
        try:
            with s.begin_nested():
                s.add(DocNoSeries(prefix=prefix, year=year, last_seq=0))
        except IntegrityError:  # another desk created it a moment ago
            pass


def advance_series(s: Session, prefix: str, year: int, count: int = 1) -> tuple[int, int]:
    """Move the series' next number on by ``count`` in one statement (which locks the row until
    the transaction ends); return (series id, the first of the ``count`` numbers). O(1)."""
    prefix = dn.validate_prefix(prefix)
    bump = (update(DocNoSeries)
            .where(DocNoSeries.prefix == prefix, DocNoSeries.year == year)
            .values(last_seq=DocNoSeries.last_seq + count)
            .returning(DocNoSeries.id, DocNoSeries.last_seq)
            .execution_options(synchronize_session=False))
    row = s.execute(bump).first()
    if row is None:  # the first number of a new series: make its row, then move it on
        _ensure_series(s, prefix, year)
        row = s.execute(bump).one()
    return int(row.id), int(row.last_seq) - count + 1


def lock_series(s: Session, prefix: str, year: int) -> DocNoSeries:
    """The series row of (prefix, year), created if new, locked until the transaction ends."""
    prefix = dn.validate_prefix(prefix)
    _ensure_series(s, prefix, year)
    return s.execute(select(DocNoSeries).where(DocNoSeries.prefix == prefix,
                                               DocNoSeries.year == year)
                     .with_for_update()).scalar_one()


def _entry_row(s: Session, prefix: str, year: int, seq: int, *,
               lock: bool = False) -> DocNoEntry | None:
    stmt = select(DocNoEntry).where(DocNoEntry.prefix == prefix, DocNoEntry.year == year,
                                    DocNoEntry.seq == seq)
    if lock:
        stmt = stmt.with_for_update()
    return s.execute(stmt).scalar_one_or_none()


def _held_by(s: Session, prefix: str, year: int, document_id: int) -> list[dn.SeriesEntry]:
    """The numbers of (prefix, year) issued to ``document_id`` (by the document_id index)."""
    rows = s.execute(select(DocNoEntry).where(
        DocNoEntry.document_id == document_id, DocNoEntry.prefix == prefix,
        DocNoEntry.year == year, DocNoEntry.state == dn.EntryState.ISSUED.value)).scalars()
    return [_to_domain(r) for r in rows]


def _around(s: Session, prefix: str, year: int, seq: int, *, lock: bool = False,
            document_id: int | None = None) -> list[dn.SeriesEntry]:
    """What the domain rules need to judge number ``seq``: its entry (if any) and the numbers
    of the series the document already holds — looked up by key, not the whole series."""
    row = _entry_row(s, prefix, year, seq, lock=lock)
    found = [_to_domain(row)] if row is not None else []
    if document_id is not None:
        found += [e for e in _held_by(s, prefix, year, document_id) if e.seq != seq]
    return found


def _to_domain(r: DocNoEntry) -> dn.SeriesEntry:
    return dn.SeriesEntry(r.prefix, r.year, r.seq, dn.EntryState(r.state), r.at, r.by, r.reason,
                          str(r.document_id) if r.document_id is not None else None)


def _insert(s: Session, series_id: int, e: dn.SeriesEntry) -> None:
    s.add(DocNoEntry(series_id=series_id, prefix=e.prefix, year=e.year, seq=e.seq,
                     state=e.state.value, reason=e.reason,
                     document_id=int(e.document_id) if e.document_id else None, by=e.by, at=e.at))
    try:
        s.flush()
    except IntegrityError:  # pragma: no cover - the lock makes this unreachable; the constraint
        raise ConflictError(f"发文字号 {e.text} 已被占用，请重试。") from None


def _update(s: Session, e: dn.SeriesEntry, row: DocNoEntry | None = None) -> None:
    """Write ``e`` over its entry (``row``, when the caller holds it already)."""
    row = row if row is not None else _entry_row(s, e.prefix, e.year, e.seq)
    assert row is not None
    row.state, row.reason, row.by, row.at = e.state.value, e.reason, e.by, e.at
    row.document_id = int(e.document_id) if e.document_id else None
    s.flush()


def _series_id(s: Session, prefix: str, year: int) -> int:
    return int(s.execute(select(DocNoSeries.id).where(DocNoSeries.prefix == prefix,
                                                      DocNoSeries.year == year)).scalar_one())


def _refuse_second(held: list[dn.SeriesEntry]) -> None:
    if held:
        raise InputError(f"该公文已编号为 {held[0].text}，不能重复取号。")


def take_number(s: Session, actor: Actor, prefix: str, year: int, document_id: int,
                at: dt.datetime, reserved_seq: int | None = None) -> dn.SeriesEntry:
    """Inside the caller's transaction: the next number of the series, or the reserved number
    ``reserved_seq``, issued to ``document_id``. The series row stays locked until the caller
    commits: 签发 uses ``claim_number`` instead, so that its own work is not done under it."""
    p = dn.validate_prefix(prefix)
    if reserved_seq is not None:  # a reserved number: its entry is locked by key, not the series
        e = dn.use_reserved(_around(s, p, year, reserved_seq, lock=True, document_id=document_id),
                            p, year, reserved_seq, document_id=str(document_id),
                            by=actor.username, at=at)
        _update(s, e)
        return e
    _refuse_second(_held_by(s, p, year, document_id))
    dn.format_doc_no(p, year, 1)  # the year is valid before the series moves
    series_id, seq = advance_series(s, p, year)
    e = dn.SeriesEntry(p, year, seq, dn.EntryState.ISSUED, at, actor.username, None,
                       str(document_id))
    _insert(s, series_id, e)
    return e


def claim_number(engine: Engine, actor: Actor, prefix: str, year: int, document_id: int,
                 at: dt.datetime) -> dn.SeriesEntry:
    """Take the next number of the series for ``document_id`` in a transaction of its own (the
    series row is locked for one UPDATE, one INSERT and the COMMIT): the entry is 预留 with the
    reason ``CLAIM_REASON`` until ``confirm_claim`` issues it in the 签发 transaction, or
    ``release_claim`` voids it when that did not commit."""
    p = dn.validate_prefix(prefix)
    dn.format_doc_no(p, year, 1)
    with Session(engine) as s, s.begin():
        _refuse_second(_held_by(s, p, year, document_id))
        series_id, seq = advance_series(s, p, year)  # ← the series row is locked from here …
        e = dn.SeriesEntry(p, year, seq, dn.EntryState.RESERVED, at, actor.username,
                           CLAIM_REASON.format(document_id=document_id), None)
        _insert(s, series_id, e)
    return e  # … to the commit just made


def confirm_claim(s: Session, claim: dn.SeriesEntry, document_id: int, by: str,
                  at: dt.datetime) -> dn.SeriesEntry:
    """In the 签发 transaction: issue the claimed number to ``document_id`` (its entry locked
    by key). Refused if the claim was voided or changed meanwhile."""
    row = _entry_row(s, claim.prefix, claim.year, claim.seq, lock=True)
    if row is None or row.state != dn.EntryState.RESERVED.value or row.reason != claim.reason:
        raise ConflictError(f"发文字号 {claim.text} 已被他人作废或改动，请重新签发。")
    e = replace(claim, state=dn.EntryState.ISSUED, reason=None, document_id=str(document_id),
                by=by, at=at)
    _update(s, e, row)
    return e


def release_claim(ctx: ServiceContext, actor: Actor, claim: dn.SeriesEntry, why: str) -> bool:
    """Void a claimed number whose 签发 did not commit, with the reason (audited). Never raises:
    when it cannot be written the entry stays 预留 with its claim reason — recorded, not a gap.
    True when voided."""
    try:
        reason = RELEASE_REASON.format(why=why)[:255]
        with ctx.session() as s, s.begin():
            row = _entry_row(s, claim.prefix, claim.year, claim.seq, lock=True)
            if row is None or row.state != dn.EntryState.RESERVED.value or (
                    row.reason != claim.reason):
                return False
            row.state, row.reason, row.at = dn.EntryState.VOID.value, reason, ctx.now()
            audit.append(s, actor, "docno.void", "docno_series", row.series_id,
                         {"number": claim.text, "reason": reason}, at=ctx.now())
        return True
    except Exception:  # noqa: BLE001 - the 签发's own error is what the user must see
        return False


def reserve_numbers(ctx: ServiceContext, prefix: str, year: int, count: int,
                    reason: str) -> list[str]:
    """Reserve the next ``count`` numbers with a reason (预留); returns their texts."""
    actor = ctx.require(Action.ISSUE)
    p = dn.validate_prefix(prefix)
    # the domain checks count and reason (numbered from 1 here, moved to the series' next below)
    made = dn.reserve([], p, year, count=count, reason=reason, by=actor.username, at=ctx.now())
    with ctx.session() as s, s.begin():
        series_id, first = advance_series(s, p, year, len(made))
        made = [replace(e, seq=first + i) for i, e in enumerate(made)]
        for e in made:
            _insert(s, series_id, e)
        audit.append(s, actor, "docno.reserve", "docno_series", series_id,
                     {"numbers": [e.text for e in made], "reason": made[0].reason}, at=ctx.now())
    return [e.text for e in made]


def void_number(ctx: ServiceContext, prefix: str, year: int, seq: int, reason: str) -> str:
    """Void a reserved or issued number (作废) with a reason; it is never issued again. A
    document that held it loses its 发文字号 (it keeps the entry's record of which it was)."""
    actor = ctx.require(Action.ISSUE)
    from app.storage.models import Document  # local: documents import this module

    p = dn.validate_prefix(prefix)
    with ctx.session() as s, s.begin():
        e = dn.void(_around(s, p, year, seq, lock=True), p, year, seq, reason=reason,
                    by=actor.username, at=ctx.now())
        doc = s.get(Document, int(e.document_id)) if e.document_id else None
        if doc is not None:  # the number belongs to a document: it takes that document's clearance
            audit.require_clearance(actor, doc.classification, "document", doc.id)
            need_to_know.require(s, actor, "document", doc.id)
        _update(s, e)
        if doc is not None:
            if doc.status in ("issued", "archived"):
                raise InputError(f"{e.text} 所属公文已印发，不能作废其发文字号。")
            if doc.doc_no == e.text:
                doc.doc_no = ""
                desc = dict(doc.description)
                desc.pop("doc_no", None)
                doc.description = desc
        audit.append(s, actor, "docno.void", "docno_series", _series_id(s, p, year),
                     {"number": e.text, "reason": e.reason}, at=ctx.now(),
                     classification=doc.classification if doc is not None else None)
    return e.text


@retry_read
def list_series(ctx: ServiceContext) -> list[SeriesInfo]:
    ctx.require(Action.VIEW)
    with ctx.reading() as s:
        rows = s.execute(select(DocNoSeries).order_by(DocNoSeries.year.desc(),
                                                      DocNoSeries.prefix)).scalars()
        return [SeriesInfo(r.prefix, r.year, r.last_seq) for r in rows]


@retry_read
def series_register(ctx: ServiceContext, prefix: str, year: int) -> dn.SeriesRegister:
    """Every number from 1 to the highest with its state and reason; gaps show as 缺号. A number
    held by a document above the reader's clearance is listed (the series has no holes to
    explain) without naming the document. The 经办人 (``by``) is the person's name; the entries
    keep the login."""
    from app.storage.models import Document  # local: documents import this module

    actor = ctx.require(Action.VIEW)
    with ctx.reading() as s:
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
