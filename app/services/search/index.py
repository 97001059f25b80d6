"""Full-text search over every module's records (公文, 收文, 纪要, 值班日志, 突发事件, …).

Modules keep the index current inside their own write transaction::

    search.index_record(s, "incoming", rec.id, rec.classification, rec.title, body, extra)
    search.remove_record(s, "incoming", rec.id)

and the UI asks ``search(ctx, "值班")``. Chinese works for one-, two- and longer queries (see
``app.domain.textindex`` for the tokens and ``app.storage.fulltext`` for the per-backend index).
The clearance filter is part of the index query, so a 机密 record never shows up for a 内部 user
— not as a hit, a snippet or a count.

Ranking: bm25 (SQLite; ``textindex.ranker`` over the stored text for phrase queries, see
``_sqlite_query``) / ``ts_rank`` (PostgreSQL), all with title ≫ extra (发文字号, sender) > body,
more occurrences higher, newer first on ties. A very broad query (more than ``RANK_LIMIT`` visible hits, e.g. one common
character) is not worth scoring and counting 100 000 rows on every keystroke: on SQLite its hits are
ranked among the newest ``RANK_LIMIT`` matches (then older ones, newest first) and its counts are
those of that window — the same on PostgreSQL. ``SearchResults.ranked`` is False then
and the counts are lower bounds (``counts_exact`` is False).

Counts (issue 30: a broad phrase showed the newest 1 000 hits' kinds and no 公文 group at all):
``count_hits(ctx, query)`` counts every visible hit per kind — on SQLite one pass over the
index (``GROUP BY`` the kind bits of the rowid, 10–40 ms for the broadest query of a 100 000-公文
office), on PostgreSQL each kind up to ``COUNT_CAP`` (a phrase is re-checked row by row there).
A count past the cap is given as the cap and its kind listed in ``HitCounts.capped``: the UI
shows "至少 N", never a wrong number. The search window stays what the user waits for while
typing; the UI asks for the counts afterwards, in the background, only when the window was full.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from app.domain.security import Action
from app.domain.textindex import QueryTerm, Snippet, parse_query, ranker, snippet
from app.errors import InputError
from app.services import need_to_know
from app.services.context import ServiceContext, retry_read
from app.storage import fulltext
from app.storage.fulltext import ID_SHIFT, KIND_SHIFT, IndexedText
from app.storage.models import SearchEntry, SearchKind, utcnow

#: Chinese names of the kinds, for result groups (modules may add theirs with ``KIND_LABELS[...]``).
KIND_LABELS: dict[str, str] = {
    "document": "公文",
    "incoming": "收文",
    "minutes": "会议纪要",
    "meeting": "会议纪要",  # what the minutes service indexes its meetings as
    "decision": "议定事项",
    "duty_log": "值班日志",
    "incident": "突发事件",
    "template": "模板",
}
#: A query with more visible hits than this is "broad" (see the module docstring).
RANK_LIMIT = 1000
#: ``count_hits`` on PostgreSQL counts each kind up to this (past it: "至少 N").
COUNT_CAP = 1000
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
    #: Visible hits in the requested kinds (a lower bound when not ``ranked``).
    total: int = 0
    #: False for a broad query (more than RANK_LIMIT hits): only the newest RANK_LIMIT hits were
    #: scored and ``counts``/``total`` are lower bounds.
    ranked: bool = True

    @property
    def counts_exact(self) -> bool:
        """Whether ``counts`` and ``total`` are exact (else lower bounds: ask ``count_hits``)."""
        return self.ranked

    def grouped(self) -> dict[str, list[SearchHit]]:
        out: dict[str, list[SearchHit]] = {}
        for h in self.hits:
            out.setdefault(h.kind, []).append(h)
        return out


@dataclass(frozen=True)
class HitCounts:
    """Visible hits per kind of a whole query (``count_hits``); a kind in ``capped`` has at
    least its count (it was counted up to a cap)."""

    query: str
    counts: dict[str, int] = field(default_factory=dict)
    capped: frozenset[str] = frozenset()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def exact(self) -> bool:
        return not self.capped

    def label(self, kind: str) -> str:
        """``123`` or ``至少 1000``."""
        n = self.counts.get(kind, 0)
        return f"至少 {n}" if kind in self.capped else str(n)

    def total_label(self) -> str:
        return f"至少 {self.total}" if self.capped else str(self.total)


# --- writing (inside the caller's transaction) -------------------------------------------------


def _kind_code(session: Session, kind: str) -> int:
    cache: dict[str, int] = session.info.setdefault("search_kind_codes", {})
    if kind in cache:
        return cache[kind]
    if not kind or len(kind) > 32:
        raise InputError("检索类别名称无效。")
    code = session.scalar(select(SearchKind.code).where(SearchKind.name == kind))
    if code is None:
        top = session.scalar(select(func.max(SearchKind.code))) or 0
        if top >= MAX_KIND_CODE:
            raise InputError("检索类别过多。")
        code = top + 1
        session.execute(insert(SearchKind).values(code=code, name=kind))
        return code  # not cached: the insert could still roll back
    cache[kind] = code
    return code


def _stored(session: Session, kind: str, record_id: int):
    return session.execute(
        select(SearchEntry.id, SearchEntry.classification, SearchEntry.title, SearchEntry.body,
               SearchEntry.extra)
        .where(SearchEntry.kind == kind, SearchEntry.record_id == record_id)).first()


def index_record(session: Session, kind: str, record_id: int, classification: int, title: str,
                 text: str, extra: str = "", *, updated: datetime | None = None) -> None:
    """Add or replace the index entry of record ``(kind, record_id)`` in ``session``'s
    transaction (call it where the record is written, so both commit or roll back together)."""
    level = int(classification)
    if not 0 <= level <= 3:
        raise InputError("密级无效。")
    values: dict[str, Any] = {"classification": level, "title": title or "", "body": text or "",
              "extra": extra or "", "updated": updated or utcnow()}
    indexed = IndexedText(values["title"], values["extra"], values["body"])
    pg = fulltext.is_pg(session)
    if pg and fulltext.pg_rewrite(session, kind, record_id, values, indexed):
        return  # (PostgreSQL, an entry there already: its kind is registered, tokens rewritten)
    code = _kind_code(session, kind)
    old = None if pg else _stored(session, kind, record_id)  # (PostgreSQL: none, seen above)
    if old is not None:
        fulltext.erase(session, old.id, code, old.classification,
                       IndexedText(old.title, old.extra, old.body))
        session.execute(update(SearchEntry).where(SearchEntry.id == old.id).values(**values))
        entry_id = old.id
    else:
        added = cast(CursorResult, session.execute(insert(SearchEntry).values(
            kind=kind, record_id=record_id, **values)))
        assert added.inserted_primary_key is not None  # a one-row INSERT always has its key
        entry_id = added.inserted_primary_key[0]
    fulltext.write(session, entry_id, code, level, indexed)


def remove_record(session: Session, kind: str, record_id: int) -> None:
    """Drop the index entry of ``(kind, record_id)`` if there is one."""
    old = _stored(session, kind, record_id)
    if old is None:
        return
    fulltext.erase(session, old.id, _kind_code(session, kind), old.classification,
                   IndexedText(old.title, old.extra, old.body))
    session.execute(delete(SearchEntry).where(SearchEntry.id == old.id))


# --- searching --------------------------------------------------------------------------------


@retry_read
def search(ctx: ServiceContext, query: str, kinds: Iterable[str] | None = None, limit: int = 50,
           offset: int = 0) -> SearchResults:
    """Hits for ``query`` the signed-in user may see, best first, with snippets."""
    actor = ctx.may(Action.VIEW)
    terms = parse_query(query or "")[:MAX_QUERY_TERMS]
    if not terms:
        ctx.require(Action.VIEW)  # nothing to read: the account is checked on its own
        return SearchResults(query)
    limit, offset = max(0, min(int(limit), 500)), max(0, int(offset))
    clearance = int(actor.clearance)
    wanted = None if kinds is None else sorted(set(kinds))
    with ctx.reading() as s:
        ctx.require(Action.VIEW, s)
        # 知悉范围: entries about records outside the actor's scope leave the index query itself
        hidden = need_to_know.hidden_search_entries(s, actor)
        if fulltext.is_pg(s):
            counts, rows, ranked, total = _pg_query(s, terms, clearance, wanted, limit, offset,
                                                    hidden)
        else:
            counts, rows, ranked, total = _sqlite_query(s, terms, clearance, wanted, limit,
                                                        offset, hidden)
        hits = _hits(s, rows, terms, clearance)
    return SearchResults(query, hits, counts, total, ranked)


def count_hits(ctx: ServiceContext, query: str, cap: int | None = None) -> HitCounts:
    """Every hit of ``query`` the signed-in user may see, counted per kind (see the module
    docstring): exact on SQLite unless ``cap`` is given, each kind up to ``cap`` (default
    ``COUNT_CAP``) on PostgreSQL. Kinds without hits are left out."""
    actor = ctx.require(Action.VIEW)
    terms = parse_query(query or "")[:MAX_QUERY_TERMS]
    if not terms:
        return HitCounts(query)
    clearance = int(actor.clearance)
    with ctx.reading() as s:
        # 知悉范围: records outside the actor's scope are not counted either
        hidden = need_to_know.hidden_search_entries(s, actor)
        if fulltext.is_pg(s):
            limit = COUNT_CAP if cap is None else max(1, int(cap))
            counts: dict[str, int] = {}
            probe = text(
                "SELECT count(*) FROM (SELECT 1 FROM search_entries WHERE kind = :k AND "
                "classification <= :c AND tsv @@ CAST(:q AS tsquery)"
                + (" AND NOT (id = ANY(:hidden))" if hidden else "") + " LIMIT :n) AS hits")
            for kind in s.scalars(select(SearchKind.name).order_by(SearchKind.code)).all():
                params: dict[str, Any] = {"k": kind, "c": clearance, "n": limit + 1,
                                          "q": fulltext.pg_tsquery(terms)}
                if hidden:
                    params["hidden"] = list(hidden)
                n = int(s.scalar(probe, params) or 0)
                if n:
                    counts[kind] = n
        else:
            limit = cap  # type: ignore[assignment]  # None: exact counts (SQLite)
            names = {c: n for c, n in s.execute(select(SearchKind.code, SearchKind.name)).all()}
            flt = "(rowid & 3) <= :c" + need_to_know.fts_filter(s, hidden, ID_SHIFT)
            got = s.execute(text(
                f"SELECT (rowid >> {KIND_SHIFT}) & {MAX_KIND_CODE} AS k, count(*) "
                f"FROM search_fts WHERE search_fts MATCH :q AND {flt} GROUP BY k"),
                {"q": fulltext.fts_match(terms), "c": clearance}).all()
            counts = {names.get(k, "?"): int(n) for k, n in got}
    capped = frozenset(k for k, n in counts.items() if limit is not None and n > limit)
    if limit is not None:
        counts = {k: min(n, limit) for k, n in counts.items()}
    return HitCounts(query, counts, capped)


def _sqlite_query(s: Session, terms: list[QueryTerm], clearance: int, wanted: list[str] | None,
                  limit: int, offset: int, hidden: list[int] = ()  # type: ignore[assignment]
                  ) -> tuple[dict[str, int], list[tuple[int, float]], bool, int]:
    names = {c: n for c, n in s.execute(select(SearchKind.code, SearchKind.name)).all()}
    match = fulltext.fts_match(terms)
    flt = f"(rowid & 3) <= {clearance}"  # the clearance level is the rowid's low bits
    flt += need_to_know.fts_filter(s, hidden, ID_SHIFT)  # 知悉范围 (need_to_know.py)
    newest_sql = ("SELECT rowid FROM search_fts WHERE search_fts MATCH :q AND {flt} "
                  "ORDER BY rowid DESC LIMIT :l")
    # The newest RANK_LIMIT + 1 visible hits: exact counts when that is all of them.
    window = s.execute(text(newest_sql.format(flt=flt)),
                       {"q": match, "l": RANK_LIMIT + 1}).scalars().all()
    counts: dict[str, int] = {}
    for rowid in window[:RANK_LIMIT]:
        name = names.get((rowid >> KIND_SHIFT) & MAX_KIND_CODE, "?")
        counts[name] = counts.get(name, 0) + 1
    ranked = len(window) <= RANK_LIMIT
    if wanted is not None:
        codes = [c for c, n in names.items() if n in wanted] or [-1]
        flt += (f" AND ((rowid >> {KIND_SHIFT}) & {MAX_KIND_CODE}) IN "
                f"({','.join(str(int(c)) for c in codes)})")
        if not ranked:
            window = s.execute(text(newest_sql.format(flt=flt)),
                               {"q": match, "l": RANK_LIMIT + 1}).scalars().all()
    # Score the hits in the window (all hits, or for a broad query the newest RANK_LIMIT).
    # bm25 first counts every row of the whole index matching each term (its IDF): cheap for a
    # token, but a phrase has to be matched position by position in all of them (~60 ms for one
    # in 100 000 documents). Phrase queries are therefore scored from the window's stored text
    # (textindex.ranker: the same order of title ≫ extra > body > more occurrences > newer).
    floor = window[min(len(window), RANK_LIMIT) - 1] if window else 0
    rows: list[tuple[int, float]] = []
    if offset < RANK_LIMIT and any(len(t.grams) > 1 for t in terms):
        keep = None if wanted is None else {c for c, n in names.items() if n in wanted}
        ids = [r >> ID_SHIFT for r in window[:RANK_LIMIT]
               if keep is None or ((r >> KIND_SHIFT) & MAX_KIND_CODE) in keep]
        rows = _ranked(s, ids, terms)[offset:offset + min(limit, RANK_LIMIT - offset)]
    elif offset < RANK_LIMIT:
        weights = ", ".join(str(w) for w in fulltext.FTS_WEIGHTS)
        got = s.execute(text(
            f"SELECT rowid, bm25(search_fts, {weights}) AS score FROM search_fts "
            f"WHERE search_fts MATCH :q AND {flt} AND rowid >= :floor "
            "ORDER BY score, rowid DESC LIMIT :l OFFSET :o"),
            {"q": match, "floor": floor, "l": min(limit, RANK_LIMIT - offset), "o": offset})
        rows = [(r >> ID_SHIFT, -sc) for r, sc in got.all()]
    if len(window) > RANK_LIMIT and len(rows) < limit:
        # Paging past the window of a broad query: older hits, newest first.
        got = s.execute(text(
            f"SELECT rowid FROM search_fts WHERE search_fts MATCH :q AND {flt} "
            "AND rowid < :floor ORDER BY rowid DESC LIMIT :l OFFSET :o"),
            {"q": match, "floor": floor, "l": limit - len(rows),
             "o": max(0, offset - RANK_LIMIT)})
        rows += [(r >> ID_SHIFT, 0.0) for r in got.scalars()]
    total = min(len(window), RANK_LIMIT) if wanted is not None and not ranked else sum(
        n for k, n in counts.items() if wanted is None or k in wanted)
    return counts, rows, ranked, total


def _ranked(s: Session, ids: list[int], terms: list[QueryTerm]) -> list[tuple[int, float]]:
    """``(id, score)`` of entries ``ids``, best first, newest first on ties."""
    scored = []
    score = ranker(terms)
    conn = s.connection()
    for start in range(0, len(ids), 500):
        # plain DB-API rows (ORM rows cost ~10 µs each); the ids are integers from the index
        part = ",".join(str(int(i)) for i in ids[start:start + 500])
        got = conn.exec_driver_sql(
            f"SELECT id, title, extra, body FROM search_entries WHERE id IN ({part})")
        scored += [(i, score(t, x, b)) for i, t, x, b in got.fetchall()]
    scored.sort(key=lambda r: (-r[1], -r[0]))
    return scored


def _pg_query(s: Session, terms: list[QueryTerm], clearance: int, wanted: list[str] | None,
              limit: int, offset: int, hidden: list[int] = ()  # type: ignore[assignment]
              ) -> tuple[dict[str, int], list[tuple[int, float]], bool, int]:
    """Same semantics as ``_sqlite_query``: a window of the newest RANK_LIMIT + 1 hits gives the
    counts and bounds the scoring. The window is found block by block (``_pg_newest``) and
    scored with ``ts_rank`` in the same statement, so no row outside it is ever read."""
    where = "tsv @@ CAST({q} AS tsquery) AND classification <= :c"
    params: dict[str, object] = {"q": fulltext.pg_tsquery(terms), "c": clearance,
                                 "qa": fulltext.pg_tsquery_any_order(terms),
                                 "qr": fulltext.pg_tsquery_rank(terms)}
    if hidden:  # 知悉范围 (need_to_know.py)
        where += " AND NOT (id = ANY(:hidden))"
        params["hidden"] = list(hidden)
    phrase = fulltext.pg_has_phrase(terms)
    top = s.scalar(text("SELECT max(id) FROM search_entries")) or 0
    # A sequential scan would test (and de-TOAST) the tsvector of every row: the block steps
    # are always cheaper, but a broad term's statistics could tempt the planner.
    s.execute(text("SET LOCAL enable_seqscan = off"))
    window = _pg_newest(s, where, params, RANK_LIMIT + 1, top, phrase=phrase, rank=True)
    counts: dict[str, int] = {}
    for _id, kind, _score in window[:RANK_LIMIT]:
        counts[kind] = counts.get(kind, 0) + 1
    ranked = len(window) <= RANK_LIMIT
    if wanted is not None:
        if ranked:
            window = [w for w in window if w[1] in wanted]
        else:
            where += " AND kind = ANY(:kinds)"
            params["kinds"] = wanted
            window = _pg_newest(s, where, params, RANK_LIMIT + 1, top, phrase=phrase, rank=True)
    scored = window[:RANK_LIMIT]
    rows: list[tuple[int, float]] = []
    if offset < RANK_LIMIT:
        best = sorted(scored, key=lambda w: (-w[2], -w[0]))
        rows = [(i, float(sc)) for i, _k, sc in best[offset:offset + min(limit, RANK_LIMIT - offset)]]
    if len(window) > RANK_LIMIT and len(rows) < limit:
        # Paging past the window of a broad query: older hits, newest first.
        skip = max(0, offset - RANK_LIMIT)
        older = _pg_newest(s, where, params, skip + limit - len(rows), top, phrase=phrase,
                           below=scored[-1][0])
        rows += [(i, 0.0) for i, _k, _sc in older[skip:]]
    total = min(len(window), RANK_LIMIT) if wanted is not None and not ranked else sum(
        n for k, n in counts.items() if wanted is None or k in wanted)
    return counts, rows, ranked, total


def _pg_newest(s: Session, where: str, params: dict[str, object], n: int, top_id: int, *,
               phrase: bool, below: int | None = None,
               rank: bool = False) -> list[tuple[int, str, float]]:
    """Up to ``n`` hits ``(id, kind, ts_rank or 0)`` newest first (ids under ``below``), searched
    in steps of ``tsv_bucket`` blocks: the GIN index intersects the terms with the blocks, so
    only the rows of the blocks searched are read, and no positional ``tsv`` is de-TOASTed to
    find them. A phrase is then checked (``tsv @@ q``) on the newest candidates only, in
    batches, until ``n`` are confirmed; the rank is computed for the rows kept."""
    score = "ts_rank(tsv, CAST(:qr AS tsquery))" if rank else "0.0"
    older = "" if below is None else " AND id < :below"
    # Candidates: every gram present (the whole match when there is no phrase), newest first.
    inner = (f"SELECT id, kind, tsv FROM search_entries WHERE {where.format(q=':qa')}"
             f" AND tsv_bucket && CAST(:blocks AS integer[]){older} OFFSET 0")
    if phrase:
        find = text(f"SELECT id FROM ({inner}) AS m ORDER BY id DESC")
        check = text(f"SELECT id, kind, {score} FROM search_entries WHERE id = ANY(:ids)"
                     " AND tsv @@ CAST(:q AS tsquery) ORDER BY id DESC")
    else:
        find = text(f"SELECT id, kind, {score} FROM (SELECT id, kind, tsv FROM ({inner}) AS m"
                    " ORDER BY id DESC LIMIT :n) AS w ORDER BY id DESC")
    out: list[tuple[int, str, float]] = []
    steps = fulltext.BucketSteps(top_id, below)
    while len(out) < n and (blocks := steps.take()):
        bind = {**params, "blocks": blocks, "n": n - len(out)}
        if below is not None:
            bind["below"] = below
        if not phrase:
            got = [(i, k, float(sc)) for i, k, sc in s.execute(find, bind).all()]
            hits = len(got)
            out += got
        else:
            cands = list(s.execute(find, bind).scalars())
            hits, at = len(cands), 0
            while at < len(cands) and len(out) < n:
                batch = cands[at:at + max(n - len(out), 64)]
                at += len(batch)
                confirmed = s.execute(check, {**params, "ids": batch}).all()
                out += [(i, k, float(sc)) for i, k, sc in confirmed[:n - len(out)]]
        steps.found(len(blocks), hits, n - len(out))
    return out


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
        excerpt = snippet(e.body, terms)
        if not excerpt.spans and e.extra:
            from_extra = snippet(e.extra, terms)
            if from_extra.spans or not e.body.strip():
                excerpt = from_extra
        out.append(SearchHit(
            e.kind, e.record_id, e.classification, snippet(e.title, terms, width=200),
            excerpt, e.extra, e.updated, score))
    return out
