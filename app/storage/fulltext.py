"""The token index behind ``search_entries`` — one implementation per backend.

Tokens come from ``app.domain.textindex`` (CJK unigrams + bigrams, ASCII words).

**SQLite**: a contentless FTS5 table ``search_fts`` (unicode61 tokenizer, which splits our
space-separated tokens and keeps each CJK bigram whole) with six columns: units and bigrams of
title, extra (发文字号, sender, …) and body. A one-unit query term matches the unit columns; a
longer one is a phrase of consecutive bigrams in the bigram columns. The rowid packs
``entry_id << 8 | kind_code << 2 | classification`` so the clearance filter and the counts per
kind never leave the index. Contentless saves the text twice over; deleting a row re-derives its
tokens from ``search_entries`` (FTS5's 'delete' command needs the indexed values).

**PostgreSQL**: a ``tsvector`` column on ``search_entries`` built from a literal (lexeme:position
weight — no parser, so the server's locale cannot split CJK differently). Units and the bigram
starting at them share a position, so ``'值班' <-> '班续'`` is a substring test. Title A, extra B,
body D for ``ts_rank``. Beside it ``tsv_bucket`` = ``ARRAY[id >> BUCKET_SHIFT]``, and one GIN index
on ``(tsv, tsv_bucket)`` (revision 0010): the newest hits of a query are found block by block
(``pg_bucket_steps``), the block condition intersected with the match inside the index, so a
query that matches most documents reads only the rows of its newest blocks — never the whole
table, and never a positional ``tsv`` except to check a phrase (GIN re-checks ``<->``) or rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, bindparam, column, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TextualSelect

from app.domain.textindex import QueryTerm, field_tokens, positioned_lexemes
from app.storage.models.base import UTCDateTime

KIND_SHIFT = 2
#: bm25 weights of title_u, title_b, extra_u, extra_b, body_u, body_b.
FTS_WEIGHTS = (10.0, 10.0, 5.0, 5.0, 1.0, 1.0)
ID_SHIFT = 8
#: The kind code's bits once shifted down by KIND_SHIFT.
KIND_MASK = (1 << (ID_SHIFT - KIND_SHIFT)) - 1
#: PostgreSQL limits: a position ≤ 16383, at most 256 positions kept per lexeme.
PG_MAX_POS = 16383
PG_MAX_POSITIONS = 255
#: PostgreSQL: ids per ``tsv_bucket`` block, as a shift (revision 0010 fills it the same way).
BUCKET_SHIFT = 10
#: The first block step's width in blocks (see ``BucketSteps``).
BUCKET_FIRST_STEP = 2
#: The widest step taken without having seen a hit yet, and the widest step at all: hits can
#: turn dense from one block to the next, and a step reads every hit in its blocks.
BUCKET_MAX_BLIND = 8
BUCKET_MAX_STEP = 16


def pack_rowid(entry_id: int, kind_code: int, classification: int) -> int:
    return (entry_id << ID_SHIFT) | (kind_code << KIND_SHIFT) | classification


def is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True)
class IndexedText:
    title: str
    extra: str
    body: str


def _fts_values(doc: IndexedText) -> dict[str, str]:
    t, x, b = field_tokens(doc.title), field_tokens(doc.extra), field_tokens(doc.body)
    return {"tu": t.units, "tb": t.bigrams, "xu": x.units, "xb": x.bigrams,
            "bu": b.units, "bb": b.bigrams}


_FTS_COLS = "title_u, title_b, extra_u, extra_b, body_u, body_b"


def pg_write_sql() -> str:
    """PostgreSQL: set the tokens (``:v``) and the id block of entry ``:id`` (also used by the
    bulk generator)."""
    return ("UPDATE search_entries SET tsv = CAST(:v AS tsvector), "
            f"tsv_bucket = ARRAY[id >> {int(BUCKET_SHIFT)}] WHERE id = :id")


def pg_rewrite(session: Session, kind: str, record_id: int, values: dict[str, Any],
               doc: IndexedText) -> bool:
    """PostgreSQL: replace the entry of ``(kind, record_id)`` — its columns ``values`` and its
    tokens — in one statement. False when there is no such entry (the caller inserts it)."""
    row = session.execute(text(
        "UPDATE search_entries SET classification = :classification, title = :title, "
        "body = :body, extra = :extra, updated = :updated, tsv = CAST(:v AS tsvector), "
        f"tsv_bucket = ARRAY[id >> {int(BUCKET_SHIFT)}] "
        "WHERE kind = :kind AND record_id = :record_id RETURNING id"
    ).bindparams(bindparam("updated", type_=UTCDateTime())),  # (as the ORM would bind it)
        {**values, "v": tsvector_literal(doc), "kind": kind, "record_id": record_id}).first()
    return row is not None


def write(session: Session, entry_id: int, kind_code: int, classification: int,
          doc: IndexedText) -> None:
    """Add the tokens of a (new or just re-written) entry."""
    if is_pg(session):
        session.execute(text(pg_write_sql()), {"v": tsvector_literal(doc), "id": entry_id})
        return
    session.execute(
        text(f"INSERT INTO search_fts (rowid, {_FTS_COLS}) "
             "VALUES (:rowid, :tu, :tb, :xu, :xb, :bu, :bb)"),
        {"rowid": pack_rowid(entry_id, kind_code, classification), **_fts_values(doc)},
    )


def erase(session: Session, entry_id: int, kind_code: int, classification: int,
          doc: IndexedText) -> None:
    """Remove the tokens of an entry as it was indexed (``doc`` = the stored values)."""
    if is_pg(session):
        return  # the tsvector goes with its row
    session.execute(
        text(f"INSERT INTO search_fts (search_fts, rowid, {_FTS_COLS}) "
             "VALUES ('delete', :rowid, :tu, :tb, :xu, :xb, :bu, :bb)"),
        {"rowid": pack_rowid(entry_id, kind_code, classification), **_fts_values(doc)},
    )


def tsvector_literal(doc: IndexedText) -> str:
    positions: dict[str, list[str]] = {}
    pos = 1
    for field, weight in ((doc.title, "A"), (doc.extra, "B"), (doc.body, "")):
        lex, pos = positioned_lexemes(field, pos)
        pos += 1
        for word, ps in lex.items():
            kept = positions.setdefault(word, [])
            for p in ps:
                if len(kept) >= PG_MAX_POSITIONS or p > PG_MAX_POS:
                    break
                kept.append(f"{p}{weight}")
    # Lexemes are letters/digits only (textindex drops everything else): quoting is safe.
    return " ".join(f"'{w}':{','.join(ps)}" if ps else f"'{w}'" for w, ps in positions.items())


def _open_end(t: QueryTerm, prefix: bool) -> bool:
    """Whether ``t`` matches as a prefix: only with ``prefix`` and when it ends in an ASCII
    unit (``2026`` while the user is still typing ``20``…)."""
    return prefix and t.units[-1][-1].isascii()


def fts_match(terms: list[QueryTerm], *, prefix: bool = False) -> str:
    """The FTS5 MATCH expression: every term must match (tokens are letters/digits only).
    With ``prefix`` a term ending in an ASCII unit also matches longer ASCII words."""
    parts = []
    for t in terms:
        star = "*" if _open_end(t, prefix) else ""
        if t.is_unit:
            parts.append(f'{{title_u extra_u body_u}} : "{t.units[0]}"{star}')
        else:
            parts.append(f'{{title_b extra_b body_b}} : "{" ".join(t.grams)}"{star}')
    return " AND ".join(parts)


def fts_match_title(terms: list[QueryTerm]) -> str:
    """Like ``fts_match`` but every term must match inside the title."""
    return " AND ".join(
        f'title_u : "{t.units[0]}"' if t.is_unit else f'title_b : "{" ".join(t.grams)}"'
        for t in terms)


def pg_tsquery(terms: list[QueryTerm], *, prefix: bool = False) -> str:
    """The tsquery: every term, a multi-unit one as a phrase of consecutive bigrams (``prefix``
    as in ``fts_match``)."""
    parts = []
    for t in terms:
        grams = [f"'{g}'" for g in t.grams]
        if _open_end(t, prefix):
            grams[-1] += ":*"
        phrase = " <-> ".join(grams)
        parts.append(f"({phrase})" if len(grams) > 1 else phrase)
    return " & ".join(parts)


def pg_tsquery_any_order(terms: list[QueryTerm]) -> str:
    """Every gram of every term, in any order (``&``): what GIN answers from the index alone,
    without re-checking positions in the table. Equal to ``pg_tsquery`` for one-gram terms;
    for longer ones a superset that ``pg_tsquery`` then narrows to the real phrases."""
    return " & ".join(f"'{g}'" for t in terms for g in t.grams)


def pg_tsquery_rank(terms: list[QueryTerm]) -> str:
    """What ``ts_rank`` scores: any gram (``|``). ts_rank of a ``<->``/``&`` query measures how
    close the lexemes stand and lets three body phrases outrank one 发文字号 hit; of an ``|``
    query it sums each gram's occurrences by field weight: title ≫ extra > body, then more."""
    return " | ".join(f"'{g}'" for t in terms for g in t.grams)


def pg_has_phrase(terms: list[QueryTerm]) -> bool:
    return any(len(t.grams) > 1 for t in terms)


class BucketSteps:
    """The ``tsv_bucket`` blocks to search, newest first, one step at a time: each step is one
    index probe. Steps double (up to ``BUCKET_MAX_BLIND`` blocks) while they find nothing; once
    hits come, the next step is sized from their density to about what is still missing (at
    most twice the last step and ``BUCKET_MAX_STEP`` blocks), so a broad query does not read
    thousands of rows it will not keep, and a rare one needs one cheap probe per 16 blocks. ``below``: only blocks
    holding ids under it (paging past a window)."""

    def __init__(self, top_id: int, below: int | None = None) -> None:
        self.next_block = (top_id if below is None else min(top_id, below - 1)) >> BUCKET_SHIFT
        self.width = BUCKET_FIRST_STEP

    def take(self) -> list[int]:
        """The next step's blocks ([] when every block was searched)."""
        hi = self.next_block
        step = list(range(hi, max(-1, hi - self.width), -1))
        self.next_block = hi - len(step)
        return step

    def found(self, blocks: int, hits: int, missing: int) -> None:
        """Size the next step: ``hits`` in the last ``blocks``, ``missing`` still wanted."""
        if hits <= 0 or blocks <= 0:
            # nothing yet: widen, but not past BUCKET_MAX_BLIND blocks — the next step may be
            # where hits become dense (documents after a run of duty-log entries)
            self.width = min(self.width * 2, max(self.width, BUCKET_MAX_BLIND), BUCKET_MAX_STEP)
        else:
            wanted = -(-missing * blocks * 5 // (hits * 4))  # ceil(missing / density × 1.25)
            self.width = max(1, min(wanted, self.width * 2, BUCKET_MAX_STEP))



def record_ids(session: Session, kind: str, terms: list[QueryTerm], *,
               prefix: bool = False) -> TextualSelect:
    """A ``SELECT record_id`` of the entries of ``kind`` that contain every term (for a module's
    own list filter: ``Model.id.in_(record_ids(...))``). ``prefix`` as in ``fts_match``."""
    if is_pg(session):
        sql = ("SELECT record_id FROM search_entries WHERE kind = :ft_kind AND "
               "tsv @@ CAST(:ft_q AS tsquery)")
        params = {"ft_kind": kind, "ft_q": pg_tsquery(terms, prefix=prefix)}
    else:
        # "+id": read record_id from the (kind, record_id) index, which also holds the id,
        # instead of looking up each hit's wide row by its primary key
        sql = ("SELECT record_id FROM search_entries WHERE kind = :ft_kind AND +id IN ("
               f"SELECT rowid >> {ID_SHIFT} FROM search_fts WHERE search_fts MATCH :ft_q AND "
               f"((rowid >> {KIND_SHIFT}) & {KIND_MASK}) = "
               "(SELECT code FROM search_kinds WHERE name = :ft_kind))")
        params = {"ft_kind": kind, "ft_q": fts_match(terms, prefix=prefix)}
    return text(sql).bindparams(**params).columns(column("record_id", Integer))


def rebuild_sqlite(con, progress=None, batch: int = 2000) -> int:  # type: ignore[no-untyped-def]
    """SQLite: empty ``search_fts`` and index every ``search_entries`` row again, in id order, on
    the DB-API connection ``con`` (inside the caller's transaction). The rows are exactly what
    ``write`` puts there, so searches answer as before. ``progress(done, total)`` after each
    batch (it may raise to stop). Returns the number of entries indexed."""
    codes = dict(con.execute("SELECT name, code FROM search_kinds").fetchall())
    total = con.execute("SELECT count(*) FROM search_entries").fetchone()[0]
    con.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
    insert = (f"INSERT INTO search_fts (rowid, {_FTS_COLS}) "
              "VALUES (:rowid, :tu, :tb, :xu, :xb, :bu, :bb)")
    last, done = 0, 0
    while True:
        rows = con.execute(
            "SELECT id, kind, classification, title, extra, body FROM search_entries "
            "WHERE id > ? ORDER BY id LIMIT ?", (last, batch)).fetchall()
        if not rows:
            break
        con.executemany(insert, [
            {"rowid": pack_rowid(i, codes[kind], level),
             **_fts_values(IndexedText(title or "", extra or "", body or ""))}
            for i, kind, level, title, extra, body in rows])
        last = rows[-1][0]
        done += len(rows)
        if progress is not None:
            progress(done, total)
    return done
