"""Chinese-aware tokens for the full-text index — pure functions, no database.

Why not a word segmenter: 公文 vocabulary (机关代字, 人名, 地名, new terms) defeats dictionaries,
and users type fragments. Why not FTS5's trigram tokenizer alone: it finds nothing under three
characters, and 值班, 续报, 批示 are exactly what people type. So the index stores, per field,

* **units** — every CJK character on its own, every run of ASCII letters/digits as one unit
  (``2026``, ``gb``), after NFKC (full-width ``２０２６`` → ``2026``) and lower-casing;
* **bigrams** — each pair of neighbouring units inside a run (punctuation and spaces end a run).

A one-unit query matches a unit; a longer query matches the *consecutive* bigrams of its run (a
phrase: 值班续报 → 值班 班续 续报), which is exactly "contains this substring" for any length ≥ 2.
Each backend stores these its own way (see ``app.storage.fulltext``); this module only says what
the tokens are and how to highlight matches in the original text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

#: A run of units: the text between two separators (punctuation, spaces).
Run = list[str]


def _norm_char(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).lower()


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


#: Longer ASCII runs (hashes, base64) are cut, the same way in the index and in queries (keeps
#: PostgreSQL's 2 KB lexeme limit far away).
MAX_UNIT = 40
_PIECES = re.compile(r"[a-z0-9]+|[^\W_]|[\W_]+")


def runs(text: str) -> list[Run]:
    """Split ``text`` into runs of units (see the module docstring)."""
    out: list[Run] = []
    cur: Run = []
    for piece in _PIECES.findall(unicodedata.normalize("NFKC", text).lower()):
        if piece[0].isalnum():
            cur.append(piece[:MAX_UNIT])
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def bigrams(run: Run) -> list[str]:
    return [run[i] + run[i + 1] for i in range(len(run) - 1)]


@dataclass(frozen=True)
class FieldTokens:
    """The two token streams of one field, space-separated (FTS5 unicode61 splits on spaces)."""

    units: str
    bigrams: str


def field_tokens(text: str) -> FieldTokens:
    rs = runs(text)
    return FieldTokens(
        " ".join(u for r in rs for u in r),
        " ".join(b for r in rs for b in bigrams(r)),
    )


def positioned_lexemes(text: str, start: int = 1) -> tuple[dict[str, list[int]], int]:
    """Lexeme → positions for one field, for PostgreSQL's tsvector: a unit and the bigram that
    starts at it share the unit's position, so ``a <-> b`` over bigrams is a substring test; runs
    are one position apart so a phrase never spans punctuation. Returns the next free position."""
    lex: dict[str, list[int]] = {}
    pos = start
    for r in runs(text):
        for i, unit in enumerate(r):
            lex.setdefault(unit, []).append(pos)
            if i + 1 < len(r):
                lex.setdefault(unit + r[i + 1], []).append(pos)
            pos += 1
        pos += 1
    return lex, pos


@dataclass(frozen=True)
class QueryTerm:
    """One run of the query: a single unit, or a phrase of consecutive bigrams."""

    units: tuple[str, ...]

    @property
    def is_unit(self) -> bool:
        return len(self.units) == 1

    @property
    def grams(self) -> list[str]:
        return list(self.units) if self.is_unit else bigrams(list(self.units))

    @property
    def text(self) -> str:
        return "".join(self.units)


def parse_query(query: str) -> list[QueryTerm]:
    """The runs of ``query`` (all must match), duplicates dropped, order kept."""
    seen: set[tuple[str, ...]] = set()
    out: list[QueryTerm] = []
    for r in runs(query):
        key = tuple(r)
        if key not in seen:
            seen.add(key)
            out.append(QueryTerm(key))
    return out


# --- ranking -----------------------------------------------------------------------------------

#: Field weights of ``rank_score``: title ≫ extra (发文字号, sender) > body, as PostgreSQL's
#: ``ts_rank`` weighs A/B/D — one title hit outweighs any number of extra or body hits.
RANK_WEIGHTS = (1.0, 0.4, 0.1)
#: ``_DECAY[n]`` = 1 + 1/4 + … + 1/n²: each further occurrence counts less (bounded by π²/6).
_DECAY = [0.0]
for _j in range(1, 65):
    _DECAY.append(_DECAY[-1] + 1 / (_j * _j))


def _cjk_only(term: QueryTerm) -> bool:
    return not any(_is_ascii_alnum(u[0]) for u in term.units)


def occurrences(text: str, term: QueryTerm) -> int:
    """How often ``term`` occurs in ``text`` (as the highlighter finds it)."""
    if _cjk_only(term):
        # No word boundaries to check, and NFKC/lower-casing leave CJK characters be
        # (compatibility forms aside, which only lower a rank): one C-speed count.
        return text.count(term.text)
    return len(_term_spans(text, [term]))


def ranker(terms: list[QueryTerm]) -> Callable[[str, str, str], float]:
    """``score(title, extra, body)`` for a query: per term, title/extra/body occurrences weighted
    by ``RANK_WEIGHTS`` with diminishing returns. Ranks the window of a SQLite search (FTS5's
    bm25 would first count every row matching each term in the whole index — ~60 ms for a phrase
    in 100 000 documents — only to weigh rare terms, pointless for a window of 1 000 hits)."""
    plain = [t.text for t in terms if _cjk_only(t)]
    other = [t for t in terms if not _cjk_only(t)]
    decay, weights = _DECAY, RANK_WEIGHTS

    def score(title: str, extra: str, body: str) -> float:
        total = 0.0
        for weight, field in zip(weights, (title, extra, body), strict=True):
            if field:
                for needle in plain:
                    total += weight * decay[min(field.count(needle), 64)]
                for term in other:
                    total += weight * decay[min(len(_term_spans(field, [term])), 64)]
        return total

    return score


def rank_score(title: str, extra: str, body: str, terms: list[QueryTerm]) -> float:
    """``ranker(terms)(title, extra, body)`` for one hit."""
    return ranker(terms)(title, extra, body)


# --- highlighting ------------------------------------------------------------------------------


_HAS_FULLWIDTH = re.compile("[\uff10-\uff5a]")
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF5B) if chr(c - 0xFEE0).isalnum()}


def _normalised_with_map(text: str) -> tuple[str, list[int] | None]:
    """``text`` normalised like the index (NFKC, lower case, separators kept) plus, for each
    normalised character, the index of the original character it came from (None when that is
    the identity — the usual case, which costs one C call instead of a Python loop)."""
    # Fast path: full NFKC would also fold the full-width punctuation of every Chinese sentence
    # (a Python-speed loop per character to keep offsets); letters and digits — all a query
    # term can contain besides CJK — only need their full-width forms folded, one for one.
    norm = (text.translate(_FULLWIDTH_ALNUM) if _HAS_FULLWIDTH.search(text) else text).lower()
    if len(norm) == len(text):
        return norm, None
    chars: list[str] = []
    origin: list[int] = []
    for i, raw in enumerate(text):
        for ch in _norm_char(raw):
            chars.append(ch)
            origin.append(i)
    return "".join(chars), origin


def _term_spans(text: str, terms: list[QueryTerm]) -> list[tuple[int, int, int]]:
    """``(start, end, term index)`` of every occurrence, in original offsets, sorted."""
    norm, origin = _normalised_with_map(text)
    out: list[tuple[int, int, int]] = []
    for k, term in enumerate(terms):
        needle = term.text
        if not needle:
            continue
        at = norm.find(needle)
        while at >= 0:
            end = at + len(needle)
            if _word_bounded(norm, at, end, term):
                out.append((at, end, k) if origin is None
                           else (origin[at], origin[end - 1] + 1, k))
            at = norm.find(needle, at + 1)
    out.sort()
    return out


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def match_spans(text: str, terms: list[QueryTerm]) -> list[tuple[int, int]]:
    """Non-overlapping ``(start, end)`` spans of ``text`` (original offsets) where a query term
    occurs, sorted. A term matches its units written together (ASCII units are whole-word)."""
    return _merge([(s, e) for s, e, _k in _term_spans(text, terms)])


def _word_bounded(norm: str, start: int, end: int, term: QueryTerm) -> bool:
    # An ASCII unit at either edge must not continue into more letters/digits (``gb`` ≠ ``gbt``).
    if _is_ascii_alnum(term.units[0][0]) and start > 0 and _is_ascii_alnum(norm[start - 1]):
        return False
    last = term.units[-1]
    return not (_is_ascii_alnum(last[-1]) and end < len(norm) and _is_ascii_alnum(norm[end]))


@dataclass(frozen=True)
class Snippet:
    """A short excerpt and the spans (offsets into ``text``) to highlight."""

    text: str
    spans: tuple[tuple[int, int], ...]
    clipped_start: bool = False
    clipped_end: bool = False

    def html(self, tag: str = "b") -> str:
        """Escaped HTML with matches wrapped in ``<tag>`` (for Qt rich text labels)."""
        from html import escape

        out: list[str] = ["…" if self.clipped_start else ""]
        pos = 0
        for s, e in self.spans:
            out.append(escape(self.text[pos:s]))
            out.append(f"<{tag}>{escape(self.text[s:e])}</{tag}>")
            pos = e
        out.append(escape(self.text[pos:]))
        out.append("…" if self.clipped_end else "")
        return "".join(out)

    def marked(self, left: str = "【", right: str = "】") -> str:
        """Plain text with matches bracketed (for the CLI)."""
        out, pos = [], 0
        for s, e in self.spans:
            out += [self.text[pos:s], left, self.text[s:e], right]
            pos = e
        out.append(self.text[pos:])
        return ("…" if self.clipped_start else "") + "".join(out) + (
            "…" if self.clipped_end else "")


def snippet(text: str, terms: list[QueryTerm], width: int = 80) -> Snippet:
    """An excerpt of about ``width`` characters around the densest cluster of matches (the
    window that covers the most distinct terms, earliest first); the start of the text when
    nothing matches. Line breaks become spaces."""
    flat = " ".join(text.split())
    found = _term_spans(flat, terms)
    if not found:
        return Snippet(flat[:width], (), False, len(flat) > width)
    best_start, best_score = found[0][0], -1
    for i, (s, _e, _k) in enumerate(found):
        score = len({k for s2, e2, k in found[i:] if e2 <= s + width})
        if score > best_score:
            best_start, best_score = s, score
        if best_score == len(terms):
            break
    start = max(0, best_start - width // 4)
    end = min(len(flat), start + width)
    start = max(0, end - width)
    inside = tuple((max(s, start) - start, min(e, end) - start)
                   for s, e in _merge([(s, e) for s, e, _k in found]) if s < end and e > start)
    return Snippet(flat[start:end], inside, start > 0, end < len(flat))
