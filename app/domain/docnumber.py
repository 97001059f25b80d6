"""发文字号: parsing, formatting and the bookkeeping of a numbering series.

Format (GB/T 9704-2012 7.2.5): 机关代字 + 〔YYYY〕 + sequence + 号, e.g. ``国办发〔2012〕14号`` —
六角括号 U+3014/U+3015 (not 【】 [] () （） ［］ ﹝﹞), the full year, no 第, no leading zeros.

Series. Each 机关代字 has its own series, restarting at 1 every year, so a series is the pair
(机关代字, year). The promise to the user is *never twice, never skipped silently*: every number
from 1 to the highest one is accounted for by exactly one entry — issued (已用), reserved (预留,
with a reason) or void (作废, with a reason). A number that has no entry is a gap and the register
shows it as an anomaly.

The bookkeeping here is pure: functions take the list of existing entries (typically every row of
the series, read inside the service's transaction after locking the series) and return the new or
changed entries to write. Concurrency is the service's job: lock the series (``SELECT … FOR
UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), call ``take_next`` and insert the result
under a unique constraint on (prefix, year, seq). Entries of other series in the list are ignored,
so passing more rows than needed is harmless.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from app.errors import InputError

OPEN, CLOSE = "〔", "〕"

#: Brackets clerks type instead of 〔〕 (the fullwidth/halfwidth/small/lenticular look-alikes).
WRONG_OPEN = "【[(（［﹝〖｛{"
WRONG_CLOSE = "】])）］﹞〗｝}"

_STRICT = re.compile(r"(?P<prefix>[^\s〔〕]+?)〔(?P<year>[0-9]{4})〕(?P<seq>[1-9][0-9]*)号")
_LENIENT = re.compile(
    rf"^\s*(?P<prefix>[^\s{re.escape(OPEN + CLOSE + WRONG_OPEN + WRONG_CLOSE)}]+?)\s*"
    rf"(?P<open>[{re.escape(OPEN + WRONG_OPEN)}])\s*(?P<year>[0-9０-９]{{2,4}})\s*"
    rf"(?P<close>[{re.escape(CLOSE + WRONG_CLOSE)}])\s*(?P<di>第)?\s*(?P<seq>[0-9０-９]+)\s*"
    r"(?P<hao>号)?\s*$"
)
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True, order=True)
class DocNumber:
    """A parsed 发文字号."""

    prefix: str  # 机关代字, e.g. 国办发
    year: int
    seq: int

    @property
    def text(self) -> str:
        return format_doc_no(self.prefix, self.year, self.seq)

    def __str__(self) -> str:
        return self.text


def validate_prefix(prefix: str) -> str:
    """A 机关代字 is a non-empty run without spaces or brackets (e.g. 国办发, ×政办函)."""
    p = prefix.strip() if isinstance(prefix, str) else ""
    if not p:
        raise InputError("机关代字不能为空。")
    bad = [c for c in p if c.isspace() or c in OPEN + CLOSE + WRONG_OPEN + WRONG_CLOSE]
    if bad:
        raise InputError(f"机关代字“{p}”中不能含有空格或括号。")
    return p


def format_doc_no(prefix: str, year: int, seq: int) -> str:
    """``format_doc_no("国办发", 2012, 14)`` → ``国办发〔2012〕14号``."""
    p = validate_prefix(prefix)
    if not 1000 <= year <= 9999:
        raise InputError(f"年份 {year} 应为四位数。")
    if seq < 1:
        raise InputError(f"发文序号应从 1 开始，实际是 {seq}。")
    return f"{p}{OPEN}{year}{CLOSE}{seq}号"


def parse_doc_no(text: str) -> DocNumber:
    """Strict parse of a well-formed 发文字号; anything else is an ``InputError`` that says what
    is wrong (see ``diagnose_doc_no``)."""
    if not isinstance(text, str):
        raise InputError("发文字号应为文字。")
    m = _STRICT.fullmatch(text.strip())
    if m:
        return DocNumber(m["prefix"], int(m["year"]), int(m["seq"]))
    problems = diagnose_doc_no(text).problems
    detail = "；".join(p.message for p in problems) or "格式不对"
    raise InputError(
        f"发文字号“{text}”无效：{detail}。应为“机关代字〔年份〕序号号”，例如 国办发〔2024〕12号。"
    )


@dataclass(frozen=True)
class DocNoProblem:
    # brackets | leading-zero | di | missing-hao | short-year | zero | fullwidth-digit | spaces
    # | unrecognised
    code: str
    message: str


@dataclass(frozen=True)
class DocNoDiagnosis:
    """What is wrong with a 发文字号 as typed, and the corrected text when the intent is clear."""

    text: str
    problems: tuple[DocNoProblem, ...]
    suggestion: str | None  # the corrected form; None when nothing can be safely guessed

    @property
    def ok(self) -> bool:
        return not self.problems


def diagnose_doc_no(text: str) -> DocNoDiagnosis:
    """Check a typed 发文字号 against 机关代字〔YYYY〕N号.

    Fixable (a suggestion is given): wrong brackets, leading zeros, 第, missing 号, full-width
    digits, spaces. Not fixable: a two-digit year (which century is a guess), a text that does not
    look like a 发文字号 at all."""
    if _STRICT.fullmatch(text):
        return DocNoDiagnosis(text, (), None)
    m = _LENIENT.match(text)
    if not m:
        return DocNoDiagnosis(
            text, (DocNoProblem("unrecognised", "不符合“机关代字〔年份〕序号号”的格式"),), None
        )
    problems: list[DocNoProblem] = []
    if m["open"] != OPEN or m["close"] != CLOSE:
        problems.append(
            DocNoProblem("brackets", f"年份应使用六角括号〔〕，不应使用{m['open']}{m['close']}")
        )
    raw_year, raw_seq = m["year"], m["seq"]
    if (raw_year + raw_seq).translate(_FULLWIDTH_DIGITS) != raw_year + raw_seq:
        problems.append(DocNoProblem("fullwidth-digit", "数字应使用半角阿拉伯数字"))
    year = raw_year.translate(_FULLWIDTH_DIGITS)
    seq = raw_seq.translate(_FULLWIDTH_DIGITS)
    if len(year) != 4:
        problems.append(DocNoProblem("short-year", "年份应写全四位数字"))
    if m["di"]:
        problems.append(DocNoProblem("di", "序号前不加“第”字"))
    if len(seq) > 1 and seq.startswith("0"):
        problems.append(DocNoProblem("leading-zero", "序号不编虚位（不加前导零）"))
    if int(seq) == 0:
        problems.append(DocNoProblem("zero", "序号应从 1 开始"))
    if not m["hao"]:
        problems.append(DocNoProblem("missing-hao", "序号后应加“号”字"))
    core = f"{m['prefix']}{m['open']}{raw_year}{m['close']}{m['di'] or ''}{raw_seq}{m['hao'] or ''}"
    if core != text:
        problems.append(DocNoProblem("spaces", "发文字号中不应有空格"))
    fixable = len(year) == 4 and int(seq) > 0
    suggestion = f"{m['prefix']}{OPEN}{year}{CLOSE}{int(seq)}号" if fixable else None
    return DocNoDiagnosis(text, tuple(problems), suggestion)


def find_doc_numbers(text: str) -> list[tuple[int, int, DocNoDiagnosis]]:
    """Spans (offset, length, diagnosis) of things that look like 发文字号 inside running text
    (``见《…》（国办发[2012]14号）``), well-formed or not. Where the 机关代字 starts in running
    text is a guess (up to 12 CJK characters back), so only the bracket/number part is reliable.
    Used by the proofreader to skip them for punctuation rules and to check their brackets."""
    pattern = re.compile(
        rf"[\u4e00-\u9fff×Ｘ]{{1,12}}[{re.escape(OPEN + WRONG_OPEN)}]\s*[0-9０-９]{{4}}\s*"
        rf"[{re.escape(CLOSE + WRONG_CLOSE)}]\s*第?\s*[0-9０-９]+\s*号"
    )
    out = []
    for m in pattern.finditer(text):
        out.append((m.start(), m.end() - m.start(), diagnose_doc_no(m.group())))
    return out


# ---- series bookkeeping -----------------------------------------------------------------------
class EntryState(StrEnum):
    ISSUED = "issued"
    RESERVED = "reserved"
    VOID = "void"

    @property
    def label(self) -> str:
        return {"issued": "已用", "reserved": "预留", "void": "作废"}[self.value]


@dataclass(frozen=True)
class SeriesEntry:
    """One number of a series and what happened to it. ``reason`` is required for reserved and
    void numbers; ``document_id`` names the document an issued number belongs to (a voided number
    keeps the document it had, for the record)."""

    prefix: str
    year: int
    seq: int
    state: EntryState
    at: dt.datetime
    by: str
    reason: str | None = None
    document_id: str | None = None

    @property
    def number(self) -> DocNumber:
        return DocNumber(self.prefix, self.year, self.seq)

    @property
    def text(self) -> str:
        return self.number.text


def _series(entries: Iterable[SeriesEntry], prefix: str, year: int) -> dict[int, SeriesEntry]:
    out: dict[int, SeriesEntry] = {}
    for e in entries:
        if e.prefix == prefix and e.year == year:
            if e.seq in out:
                raise InputError(f"发文字号 {e.text} 在记录中出现了两次，编号台账已损坏。")
            out[e.seq] = e
    return out


def _require_reason(reason: str | None, what: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise InputError(f"{what}必须填写原因。")
    return reason.strip()


def next_seq(entries: Iterable[SeriesEntry], prefix: str, year: int) -> int:
    """The number ``take_next`` would give: one past the highest number ever recorded in the
    series, whatever its state — a voided or reserved number is never handed out again."""
    series = _series(entries, validate_prefix(prefix), year)
    return max(series, default=0) + 1


def take_next(
    entries: Iterable[SeriesEntry],
    prefix: str,
    year: int,
    *,
    document_id: str,
    by: str,
    at: dt.datetime,
) -> SeriesEntry:
    """Issue the next number of the series to ``document_id`` (at 签发). Returns the entry to
    insert. A document that already holds an issued number in this series gets an error: a
    document is numbered once."""
    p = validate_prefix(prefix)
    series = _series(entries, p, year)
    for e in series.values():
        if e.state is EntryState.ISSUED and e.document_id == document_id:
            raise InputError(f"该公文已编号为 {e.text}，不能重复取号。")
    seq = max(series, default=0) + 1
    format_doc_no(p, year, seq)  # validates year
    return SeriesEntry(p, year, seq, EntryState.ISSUED, at, by, None, document_id)


def reserve(
    entries: Iterable[SeriesEntry],
    prefix: str,
    year: int,
    *,
    count: int = 1,
    reason: str,
    by: str,
    at: dt.datetime,
) -> list[SeriesEntry]:
    """Reserve the next ``count`` consecutive numbers (预留), e.g. for a document signed on paper
    while the system was down. Returns the entries to insert."""
    why = _require_reason(reason, "预留发文字号")
    if not isinstance(count, int) or not 1 <= count <= 100:
        raise InputError("一次预留的数量应为 1 至 100 个。")
    p = validate_prefix(prefix)
    first = next_seq(entries, p, year)
    format_doc_no(p, year, first)
    return [SeriesEntry(p, year, first + i, EntryState.RESERVED, at, by, why) for i in range(count)]


def _entry(entries: Iterable[SeriesEntry], prefix: str, year: int, seq: int) -> SeriesEntry:
    p = validate_prefix(prefix)
    found = _series(entries, p, year).get(seq)
    if found is None:
        raise InputError(f"发文字号 {format_doc_no(p, year, seq)} 尚未取用或预留。")
    return found


def use_reserved(
    entries: Iterable[SeriesEntry],
    prefix: str,
    year: int,
    seq: int,
    *,
    document_id: str,
    by: str,
    at: dt.datetime,
) -> SeriesEntry:
    """Give a reserved number to a document. Returns the updated entry (same key). The reason
    for the reservation is kept."""
    entries = list(entries)
    e = _entry(entries, prefix, year, seq)
    if e.state is not EntryState.RESERVED:
        raise InputError(f"发文字号 {e.text} 状态为“{e.state.label}”，不是预留号。")
    for other in _series(entries, e.prefix, year).values():
        if other.state is EntryState.ISSUED and other.document_id == document_id:
            raise InputError(f"该公文已编号为 {other.text}，不能再使用预留号。")
    return replace(e, state=EntryState.ISSUED, document_id=document_id, by=by, at=at)


def void(
    entries: Iterable[SeriesEntry],
    prefix: str,
    year: int,
    seq: int,
    *,
    reason: str,
    by: str,
    at: dt.datetime,
) -> SeriesEntry:
    """Void an issued or reserved number (作废) with a reason. The number stays in the series —
    it is never issued again — and the register shows why it is unused."""
    why = _require_reason(reason, "作废发文字号")
    e = _entry(entries, prefix, year, seq)
    if e.state is EntryState.VOID:
        raise InputError(f"发文字号 {e.text} 已作废。")
    return replace(e, state=EntryState.VOID, reason=why, by=by, at=at)


def merge(entries: Iterable[SeriesEntry], changed: Iterable[SeriesEntry]) -> list[SeriesEntry]:
    """The list of entries after inserting or updating ``changed`` (same key replaces). Handy for
    tests and for callers that keep the series in memory."""
    by_key = {(e.prefix, e.year, e.seq): e for e in entries}
    for e in changed:
        by_key[(e.prefix, e.year, e.seq)] = e
    return sorted(by_key.values(), key=lambda e: (e.prefix, e.year, e.seq))


@dataclass(frozen=True)
class RegisterRow:
    seq: int
    text: str
    state: str  # issued | reserved | void | gap
    label: str  # 已用 | 预留 | 作废 | 缺号
    reason: str | None
    document_id: str | None
    by: str | None
    at: dt.datetime | None

    @property
    def is_anomaly(self) -> bool:
        """A number with no record at all: skipped silently, which the series must never do."""
        return self.state == "gap"


@dataclass(frozen=True)
class SeriesRegister:
    """The register (台账) of one series: a row for every number from 1 to the highest."""

    prefix: str
    year: int
    rows: tuple[RegisterRow, ...]

    @property
    def gaps(self) -> tuple[RegisterRow, ...]:
        """Numbers not used for a document (reserved, void or missing), with their reasons."""
        return tuple(r for r in self.rows if r.state != "issued")

    @property
    def anomalies(self) -> tuple[RegisterRow, ...]:
        return tuple(r for r in self.rows if r.is_anomaly)

    def counts(self) -> dict[str, int]:
        out = {"issued": 0, "reserved": 0, "void": 0, "gap": 0}
        for r in self.rows:
            out[r.state] += 1
        return out


def register(entries: Iterable[SeriesEntry], prefix: str, year: int) -> SeriesRegister:
    """Build the register of (prefix, year)."""
    p = validate_prefix(prefix)
    series = _series(entries, p, year)
    rows = []
    for seq in range(1, max(series, default=0) + 1):
        text = format_doc_no(p, year, seq)
        e = series.get(seq)
        if e is None:
            rows.append(
                RegisterRow(seq, text, "gap", "缺号", "无任何记录（跳号）", None, None, None)
            )
        else:
            rows.append(
                RegisterRow(
                    seq, text, e.state.value, e.state.label, e.reason, e.document_id, e.by, e.at
                )
            )
    return SeriesRegister(p, year, tuple(rows))


def series_keys(entries: Iterable[SeriesEntry]) -> list[tuple[str, int]]:
    """All (机关代字, year) pairs present, sorted — the list of registers to show."""
    return sorted({(e.prefix, e.year) for e in entries})
