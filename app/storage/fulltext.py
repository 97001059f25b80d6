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
weight — no parser, so the server's locale cannot split CJK differently) and a GIN index. Units and
the bigram starting at them share a position, so ``'值班' <-> '班续'`` is a substring test. Title
A, extra B, body D for ``ts_rank``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.textindex import QueryTerm, field_tokens, positioned_lexemes

KIND_SHIFT = 2
ID_SHIFT = 8
#: bm25 weights of title_u, title_b, extra_u, extra_b, body_u, body_b.
FTS_WEIGHTS = (10.0, 10.0, 5.0, 5.0, 1.0, 1.0)
#: PostgreSQL limits: a position ≤ 16383, at most 256 positions kept per lexeme.
PG_MAX_POS = 16383
PG_MAX_POSITIONS = 255


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


def write(session: Session, entry_id: int, kind_code: int, classification: int,
          doc: IndexedText) -> None:
    """Add the tokens of a (new or just re-written) entry."""
    if is_pg(session):
        session.execute(text("UPDATE search_entries SET tsv = CAST(:v AS tsvector) WHERE id = :id"),
                        {"v": tsvector_literal(doc), "id": entry_id})
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


def fts_match(terms: list[QueryTerm]) -> str:
    """The FTS5 MATCH expression: every term must match (tokens are letters/digits only)."""
    parts = []
    for t in terms:
        if t.is_unit:
            parts.append(f'{{title_u extra_u body_u}} : "{t.units[0]}"')
        else:
            parts.append(f'{{title_b extra_b body_b}} : "{" ".join(t.grams)}"')
    return " AND ".join(parts)


def fts_match_title(terms: list[QueryTerm]) -> str:
    """Like ``fts_match`` but every term must match inside the title."""
    return " AND ".join(
        f'title_u : "{t.units[0]}"' if t.is_unit else f'title_b : "{" ".join(t.grams)}"'
        for t in terms)


def pg_tsquery(terms: list[QueryTerm]) -> str:
    parts = []
    for t in terms:
        grams = t.grams
        phrase = " <-> ".join(f"'{g}'" for g in grams)
        parts.append(f"({phrase})" if len(grams) > 1 else phrase)
    return " & ".join(parts)
