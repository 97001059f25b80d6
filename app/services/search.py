"""Full-text search over every module's records (公文, 收文, 纪要, 值班日志, 突发事件, …).

Modules keep the index current inside their own write transaction::

    search.index_record(s, "incoming", rec.id, rec.classification, rec.title, body, extra)
    search.remove_record(s, "incoming", rec.id)

and the UI asks ``search(ctx, "值班")``. Chinese works for one-, two- and longer queries (see
``app.domain.textindex`` for the tokens and ``app.storage.fulltext`` for the per-backend index).
The clearance filter is part of the index query, so a 机密 record never shows up for a 内部 user
— not as a hit, a snippet or a count.

Ranking: bm25 (SQLite) / ts_rank (PostgreSQL) with title ≫ extra (发文字号, sender) > body, newer
first on ties. A very broad query (more than ``RANK_LIMIT`` hits, e.g. a single common character)
is not worth scoring 100 000 rows: its hits come newest first (on SQLite title matches
ahead), and ``SearchResults.ranked`` says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.domain.security import Action
from app.domain.textindex import QueryTerm, Snippet, match_spans, parse_query, snippet
from app.errors import InputError
from app.services.context import ServiceContext
from app.storage import fulltext
from app.storage.fulltext import ID_SHIFT, KIND_SHIFT, IndexedText
from app.storage.models.base import utcnow
from app.storage.models.search import SearchEntry, SearchKind

#: Chinese names of the kinds, for result groups (modules may add theirs with ``KIND_LABELS[...]``).
KIND_LABELS: dict[str, str] = {
    "document": "公文",
    "incoming": "收文",
    "minutes": "会议纪要",
    "decision": "议定事项",
    "duty_log": "值班日志",
    "incident": "突发事件",
    "template": "模板",
}
#: Above this many hits, order by recency instead of computing a score for every hit.
RANK_LIMIT = 3000
MAX_QUERY_TERMS = 16
MAX_KIND_CODE = (1 << (ID_SHIFT - KIND_SHIFT)) - 1


@dataclass(frozen=True)
class SearchHit:
    kind: str
    record_id: int
    classification: int
    title: Snippet
    snippet: Snippet
    extra: str
    updated: datetime
    score: float

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    #: Visible hits per kind for the whole query (not just this page), kinds filter ignored.
    counts: dict[str, int] = field(default_factory=dict)
    #: Visible hits in the requested kinds.
    total: int = 0
    #: False when the query was so broad that hits are ordered by recency, not score.
    ranked: bool = True

    def grouped(self) -> dict[str, list[SearchHit]]:
        out: dict[str, list[SearchHit]] = {}
        for h in self.hits:
            out.setdefault(h.kind, []).append(h)
        return out


# --- writing (inside the caller's transaction) -------------------------------------------------


def _kind_code(session: Session, kind: str) -> int:
    if not kind or len(kind) > 32:
        raise InputError("检索类别名称无效。")
    code = session.scalar(select(SearchKind.code).where(SearchKind.name == kind))
    if code is not None:
        return code
    top = session.scalar(select(func.max(SearchKind.code))) or 0
    if top >= MAX_KIND_CODE:
        raise InputError("检索类别过多。")
    session.add(SearchKind(code=top + 1, name=kind))
    session.flush()
    return top + 1


def index_record(session: Session, kind: str, record_id: int, classification: int, title: str,
                 text: str, extra: str = "", *, updated: datetime | None = None) -> None:
    """Add or replace the index entry of record ``(kind, record_id)`` in ``session``'s
    transaction (call it where the record is written, so both commit or roll back together)."""
    if not 0 <= int(classification) <= 3:
        raise InputError("密级无效。")
    code = _kind_code(session, kind)
    entry = session.scalar(select(SearchEntry).where(
        SearchEntry.kind == kind, SearchEntry.record_id == record_id))
    if entry is not None:
        fulltext.erase(session, entry.id, code, entry.classification,
                       IndexedText(entry.title, entry.extra, entry.body))
    else:
        entry = SearchEntry(kind=kind, record_id=record_id)
        session.add(entry)
    entry.classification = int(classification)
    entry.title, entry.body, entry.extra = title or "", text or "", extra or ""
    entry.updated = updated or utcnow()
    session.flush()
    fulltext.write(session, entry.id, code, entry.classification,
                   IndexedText(entry.title, entry.extra, entry.body))


def remove_record(session: Session, kind: str, record_id: int) -> None:
    """Drop the index entry of ``(kind, record_id)`` if there is one."""
    entry = session.scalar(select(SearchEntry).where(
        SearchEntry.kind == kind, SearchEntry.record_id == record_id))
    if entry is None:
        return
    code = _kind_code(session, kind)
    fulltext.erase(session, entry.id, code, entry.classification,
                   IndexedText(entry.title, entry.extra, entry.body))
    session.delete(entry)
    session.flush()


# --- searching --------------------------------------------------------------------------------


def search(ctx: ServiceContext, query: str, kinds: Iterable[str] | None = None, limit: int = 50,
           offset: int = 0) -> SearchResults:
    """Hits for ``query`` the signed-in user may see, best first, with snippets."""
    actor = ctx.require(Action.VIEW)
    terms = parse_query(query or "")[:MAX_QUERY_TERMS]
    if not terms:
        return SearchResults(query)
    limit, offset = max(0, min(int(limit), 500)), max(0, int(offset))
    clearance = int(actor.clearance)
    wanted = None if kinds is None else sorted(set(kinds))
    with ctx.session() as s, s.begin():
        if fulltext.is_pg(s):
            counts, rows, ranked = _pg_query(s, terms, clearance, wanted, limit, offset)
        else:
            counts, rows, ranked = _sqlite_query(s, terms, clearance, wanted, limit, offset)
        hits = _hits(s, rows, terms, clearance)
    total = sum(n for k, n in counts.items() if wanted is None or k in wanted)
    return SearchResults(query, hits, counts, total, ranked)


def _sqlite_query(s: Session, terms: list[QueryTerm], clearance: int, wanted: list[str] | None,
                  limit: int, offset: int) -> tuple[dict[str, int], list[tuple[int, float]], bool]:
    names = {c: n for c, n in s.execute(select(SearchKind.code, SearchKind.name)).all()}
    match = fulltext.fts_match(terms)
    kind_expr = f"((rowid >> {KIND_SHIFT}) & {MAX_KIND_CODE})"
    flt = f"(rowid & 3) <= {clearance}"  # the clearance level is the rowid's low bits
    by_code = s.execute(text(
        f"SELECT {kind_expr} AS k, count(*) FROM search_fts "
        f"WHERE search_fts MATCH :q AND {flt} GROUP BY k"), {"q": match}).all()
    counts = {names.get(k, str(k)): n for k, n in by_code}
    if wanted is not None:
        codes = [c for c, n in names.items() if n in wanted] or [-1]
        flt += f" AND {kind_expr} IN ({','.join(str(int(c)) for c in codes)})"
    total = sum(n for k, n in counts.items() if wanted is None or k in wanted)
    if total <= RANK_LIMIT:
        weights = ", ".join(str(w) for w in fulltext.FTS_WEIGHTS)
        sql = (f"SELECT rowid, bm25(search_fts, {weights}) AS score FROM search_fts "
               f"WHERE search_fts MATCH :q AND {flt} ORDER BY score, rowid DESC "
               "LIMIT :l OFFSET :o")
        rows = [(r >> ID_SHIFT, -sc) for r, sc in s.execute(
            text(sql), {"q": match, "l": limit, "o": offset}).all()]
        return counts, rows, True
    # Broad query: title hits first, then the rest, newest first within each.
    newest = (f"SELECT rowid FROM search_fts WHERE search_fts MATCH :q AND {flt} "
              "ORDER BY rowid DESC LIMIT :l OFFSET :o")
    in_title = fulltext.fts_match_title(terms)
    title_n = s.execute(text(f"SELECT count(*) FROM search_fts WHERE search_fts MATCH :q "
                             f"AND {flt}"), {"q": in_title}).scalar_one()
    rows: list[tuple[int, float]] = []
    if offset < title_n:
        got = s.execute(text(newest), {"q": in_title, "l": limit, "o": offset}).scalars()
        rows += [(r >> ID_SHIFT, 1.0) for r in got]
    if len(rows) < limit:
        rest = s.execute(text(newest), {
            "q": f"({match}) NOT ({in_title})", "l": limit - len(rows),
            "o": max(0, offset - title_n)}).scalars()
        rows += [(r >> ID_SHIFT, 0.0) for r in rest]
    return counts, rows, False


def _pg_query(s: Session, terms: list[QueryTerm], clearance: int, wanted: list[str] | None,
              limit: int, offset: int) -> tuple[dict[str, int], list[tuple[int, float]], bool]:
    q = fulltext.pg_tsquery(terms)
    counts: dict[str, int] = dict(s.execute(text(
        "SELECT kind, count(*) FROM search_entries "
        "WHERE tsv @@ CAST(:q AS tsquery) AND classification <= :c GROUP BY kind"),
        {"q": q, "c": clearance}).all())
    where = "tsv @@ CAST(:q AS tsquery) AND classification <= :c"
    params: dict[str, object] = {"q": q, "c": clearance, "l": limit, "o": offset}
    if wanted is not None:
        where += " AND kind = ANY(:kinds)"
        params["kinds"] = wanted
    total = sum(n for k, n in counts.items() if wanted is None or k in wanted)
    if total <= RANK_LIMIT:
        sql = (f"SELECT id, ts_rank(tsv, CAST(:q AS tsquery)) AS score FROM search_entries "
               f"WHERE {where} ORDER BY score DESC, updated DESC, id DESC LIMIT :l OFFSET :o")
        return counts, [(i, float(sc)) for i, sc in s.execute(text(sql), params).all()], True
    # Broad query: newest first (the primary key index, stopping after one page).
    sql = f"SELECT id FROM search_entries WHERE {where} ORDER BY id DESC LIMIT :l OFFSET :o"
    return counts, [(i, 0.0) for i in s.execute(text(sql), params).scalars()], False


def _hits(s: Session, rows: list[tuple[int, float]], terms: list[QueryTerm],
          clearance: int) -> list[SearchHit]:
    if not rows:
        return []
    ids = [i for i, _ in rows]
    entries = {e.id: e for e in s.scalars(select(SearchEntry).where(
        SearchEntry.id.in_(ids), SearchEntry.classification <= clearance))}
    out = []
    for i, score in rows:
        e = entries.get(i)
        if e is None:
            continue
        # The excerpt comes from the body, or from the extra field when only that matched.
        body = e.body
        if not e.body.strip() or (e.extra and not match_spans(e.body, terms)
                                  and match_spans(e.extra, terms)):
            body = e.extra
        out.append(SearchHit(
            e.kind, e.record_id, e.classification, snippet(e.title, terms, width=200),
            snippet(body, terms), e.extra, e.updated, score))
    return out
