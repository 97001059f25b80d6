"""The document description format (公文描述文件, shared/docspec.md): parse and validate.

``parse_description(obj)`` turns the parsed JSON object into a frozen ``Document``; every problem
is an ``InputError`` whose Chinese message names the field. The renderer lays out what it is
given (no punctuation normalising here: that is the proofreading feature's job).

Extension beyond docspec.md (a superset; every docspec document is accepted as is): an entry of
``attachments`` may be an object ``{"name": "…", "body": <body>}`` whose body is printed on the
attachment's own pages (GB/T 9704 7.3.7).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import InputError
from app.textsafe import bad_char, describe_char, json_depth_problem, loads_json

KINDS = ("document", "letter", "minutes", "order")
KIND_NAMES = {"document": "文件格式", "letter": "信函格式", "minutes": "纪要格式", "order": "命令格式"}
SECRECY_LEVELS = ("绝密", "机密", "秘密")
URGENCIES = ("特急", "加急")

FIELDS = (
    "kind", "copy_no", "secrecy", "secrecy_term", "urgency", "issuer_mark", "doc_no", "signers",
    "title", "to", "body", "attachments", "issuer", "date", "sealed", "note", "cc", "printer",
    "print_date", "minutes",
)
MINUTES_FIELDS = ("present", "absent", "attending", "host", "recorder")

# Bounds on a description (bad input never runs unbounded): a 2号 title line holds 22 characters,
# GB/T 9704 titles are a few lines; an attachment's name is set like a title.
MAX_TITLE = 200
MAX_DESCRIPTION_BYTES = 16 * 1024 * 1024
MAX_CELL_DIGITS = 60  # a table cell given as a number

# Heading levels recognised by their numbering (GB/T 9704 7.3.3): 一、 （一） 1. （1）
_CN_NUM = "一二三四五六七八九十百零〇"
HEADING_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^[{_CN_NUM}]+、")),
    (2, re.compile(rf"^[（(][{_CN_NUM}]+[）)]")),
    (3, re.compile(r"^[0-9０-９]+[.．](?![0-9０-９])")),
    (4, re.compile(r"^[（(][0-9０-９]+[）)]")),
)


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of running text. ``level`` 0 is body text, 1–4 the heading levels
    一、（一）1.（1）."""

    text: str
    level: int = 0


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Paragraph | Table


@dataclass(frozen=True)
class Attachment:
    name: str
    body: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Minutes:
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    attending: tuple[str, ...] = ()
    host: str | None = None
    recorder: str | None = None


@dataclass(frozen=True)
class Document:
    title: str
    body: tuple[Block, ...]
    kind: str = "document"
    copy_no: str | None = None
    secrecy: str | None = None
    secrecy_term: str | None = None
    urgency: str | None = None
    issuer_marks: tuple[str, ...] = ()
    doc_no: str | None = None
    signers: tuple[str, ...] = ()
    to: str | None = None
    attachments: tuple[Attachment, ...] = ()
    issuers: tuple[str, ...] = ()
    date: dt.date | None = None
    sealed: bool = False
    note: str | None = None
    cc: tuple[str, ...] = ()
    printer: str | None = None
    print_date: dt.date | None = None
    minutes: Minutes | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_description(self) -> dict[str, Any]:
        """This document as a description dict (``to_description``)."""
        return to_description(self)

    # ---- printed forms -------------------------------------------------------------------
    @property
    def copy_no_text(self) -> str | None:
        """份号 as printed: 6 digits, zero-padded (GB/T 9704 7.2.1)."""
        return self.copy_no.zfill(6) if self.copy_no else None

    @property
    def secrecy_text(self) -> str | None:
        """密级和保密期限 as printed, e.g. ``秘密★1年``; a bare level when no term is given."""
        if not self.secrecy:
            return None
        return f"{self.secrecy}★{self.secrecy_term}" if self.secrecy_term else self.secrecy

    @property
    def date_text(self) -> str | None:
        return format_date(self.date) if self.date else None

    @property
    def print_date_text(self) -> str | None:
        return f"{format_date(self.print_date)}印发" if self.print_date else None

    @property
    def is_upward(self) -> bool:
        """An upward document (上行文) names its 签发人; the 发文字号 then moves left."""
        return bool(self.signers)


def format_date(day: dt.date) -> str:
    """GB/T 9704 7.3.5.4: Arabic digits, full year, no zero padding — ``2012年7月1日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def heading_level(text: str) -> int:
    stripped = text.lstrip()
    for level, pattern in HEADING_PATTERNS:
        if pattern.match(stripped):
            return level
    return 0


# ---- parsing ----------------------------------------------------------------------------------
def _printable(key: Any) -> str:
    """A key for a message: control characters and lone surrogates shown as U+XXXX."""
    text = str(key)[:40]
    while (found := bad_char(text, single_line=True)) is not None:
        text = text[:found[0]] + f"U+{ord(found[1]):04X}" + text[found[0] + 1:]
    return text


def _type_name(value: Any) -> str:
    return {
        str: "字符串", bool: "布尔值", int: "整数", float: "数字", list: "列表", dict: "对象",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _string(obj: dict, key: str, *, required: bool = False, label: str | None = None) -> str | None:
    name = label or key
    if key not in obj or obj[key] is None:
        if required:
            raise InputError(f"缺少必填字段 {name}。")
        return None
    value = obj[key]
    if not isinstance(value, str):
        raise InputError(f"字段 {name} 应为字符串，实际是{_type_name(value)}。")
    if required and not value.strip():
        raise InputError(f"字段 {name} 不能为空。")
    return value if value.strip() else None


def _string_list(obj: dict, key: str, *, label: str | None = None, allow_str: bool = False) -> tuple[str, ...]:
    name = label or key
    if key not in obj or obj[key] is None:
        return ()
    value = obj[key]
    if allow_str and isinstance(value, str):
        return (value,) if value.strip() else ()
    if not isinstance(value, list):
        expected = "字符串或字符串列表" if allow_str else "字符串列表"
        raise InputError(f"字段 {name} 应为{expected}，实际是{_type_name(value)}。")
    out = []
    for i, item in enumerate(value, 1):
        if not isinstance(item, str):
            raise InputError(f"字段 {name} 的第 {i} 项应为字符串，实际是{_type_name(item)}。")
        if item.strip():
            out.append(item)
    return tuple(out)


def _date(obj: dict, key: str) -> dt.date | None:
    text = _string(obj, key)
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise InputError(f"字段 {key} 的日期“{text}”格式不对，应为 YYYY-MM-DD，例如 2024-07-01。")
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"字段 {key} 的日期“{text}”不存在。") from None


def _choice(obj: dict, key: str, choices: tuple[str, ...]) -> str | None:
    text = _string(obj, key)
    if text is None:
        return None
    if text.strip() not in choices:
        raise InputError(f"字段 {key} 的值“{text}”无效，应为 {'、'.join(choices)} 之一。")
    return text.strip()


def parse_body(value: Any, *, label: str = "body") -> tuple[Block, ...]:
    """A body: a string (one paragraph per line) or a list of strings and table blocks."""
    blocks: list[Block] = []
    if isinstance(value, str):
        items: list[Any] = [value]
    elif isinstance(value, list):
        items = value
    else:
        raise InputError(f"字段 {label} 应为字符串或列表，实际是{_type_name(value)}。")
    for i, item in enumerate(items, 1):
        if isinstance(item, str):
            for line in item.splitlines():
                text = line.strip()
                if text:
                    blocks.append(Paragraph(text, heading_level(text)))
        elif isinstance(item, dict):
            if set(item) != {"table"}:
                unknown = "、".join(sorted(set(item) - {"table"})) or "（空对象）"
                raise InputError(f"字段 {label} 的第 {i} 项只能是字符串或 {{\"table\": …}}，不认识：{unknown}。")
            blocks.append(_parse_table(item["table"], f"{label} 第 {i} 项的 table"))
        else:
            raise InputError(f"字段 {label} 的第 {i} 项应为字符串或表格对象，实际是{_type_name(item)}。")
    return tuple(blocks)


def _parse_table(value: Any, label: str) -> Table:
    if not isinstance(value, dict):
        raise InputError(f"{label} 应为对象，含 header 和 rows。")
    unknown = set(value) - {"header", "rows"}
    if unknown:
        raise InputError(f"{label} 中有未知字段：{'、'.join(sorted(unknown))}。")
    header = value.get("header", [])
    rows = value.get("rows", [])
    if not isinstance(header, list) or not all(isinstance(h, str) for h in header):
        raise InputError(f"{label} 的 header 应为字符串列表。")
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise InputError(f"{label} 的 rows 应为由列表组成的列表。")
    width = len(header) or (len(rows[0]) if rows else 0)
    if width == 0:
        raise InputError(f"{label} 没有列。")
    parsed_rows = []
    for n, row in enumerate(rows, 1):
        if not all(isinstance(c, (str, int, float)) and not isinstance(c, bool) for c in row):
            raise InputError(f"{label} 第 {n} 行的单元格应为字符串或数字。")
        if len(row) != width:
            raise InputError(f"{label} 第 {n} 行有 {len(row)} 列，表头有 {width} 列。")
        for c in row:
            if isinstance(c, int) and c.bit_length() > MAX_CELL_DIGITS * 3.33:
                raise InputError(f"{label} 第 {n} 行的数字位数过多（超过 {MAX_CELL_DIGITS} 位）。")
        parsed_rows.append(tuple(str(c) for c in row))
    return Table(tuple(header), tuple(parsed_rows))


def _parse_attachments(value: Any) -> tuple[Attachment, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InputError(f"字段 attachments 应为字符串列表，实际是{_type_name(value)}。")
    out = []
    for i, item in enumerate(value, 1):
        if isinstance(item, str):
            if item.strip():
                _check_title_length(item.strip(), f"attachments 第 {i} 项（附件名）")
                out.append(Attachment(item.strip()))
        elif isinstance(item, dict):
            unknown = set(item) - {"name", "body"}
            if unknown:
                raise InputError(f"字段 attachments 第 {i} 项中有未知字段：{'、'.join(sorted(unknown))}。")
            name = _string(item, "name", required=True, label=f"attachments 第 {i} 项的 name")
            _check_title_length(name, f"attachments 第 {i} 项的 name（附件名）")  # type: ignore[arg-type]
            body = parse_body(item.get("body", []), label=f"attachments 第 {i} 项的 body")
            out.append(Attachment(name.strip(), body))  # type: ignore[union-attr]
        else:
            raise InputError(f"字段 attachments 的第 {i} 项应为字符串，实际是{_type_name(item)}。")
    return tuple(out)


def _parse_minutes(value: Any) -> Minutes | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError(f"字段 minutes 应为对象，实际是{_type_name(value)}。")
    unknown = set(value) - set(MINUTES_FIELDS)
    if unknown:
        raise InputError(f"字段 minutes 中有未知字段：{'、'.join(sorted(unknown))}。")
    return Minutes(
        present=_string_list(value, "present", label="minutes.present"),
        absent=_string_list(value, "absent", label="minutes.absent"),
        attending=_string_list(value, "attending", label="minutes.attending"),
        host=_string(value, "host", label="minutes.host"),
        recorder=_string(value, "recorder", label="minutes.recorder"),
    )


def _check_title_length(text: str, label: str) -> None:
    if len(text) > MAX_TITLE:
        raise InputError(f"字段 {label}有 {len(text)} 个字符，超过上限 {MAX_TITLE}：标题应简明，请缩短。")


def _check_strings(obj: dict) -> None:
    """Every string of the description, at any depth (iteratively), is free of control
    characters and lone surrogates; the error names the field (``body 第 3 项``)."""
    todo: list[tuple[Any, str]] = [(v, str(k)) for k, v in obj.items()]
    while todo:
        value, label = todo.pop()
        if isinstance(value, str):
            found = bad_char(value)
            if found is not None:
                pos, ch = found
                raise InputError(f"字段 {label} 第 {pos + 1} 个字符是{describe_char(ch)}，不能排版，请删去。")
        elif isinstance(value, list):
            todo.extend((v, f"{label} 第 {i} 项") for i, v in enumerate(value, 1))
        elif isinstance(value, dict):
            todo.extend((v, f"{label}.{k}") for k, v in value.items())


def parse_description(obj: Any) -> Document:
    """Validate a description (the parsed JSON object) and return a ``Document``."""
    if not isinstance(obj, dict):
        raise InputError(f"公文描述应为 JSON 对象，实际是{_type_name(obj)}。")
    unknown = [k for k in obj if k not in FIELDS]
    if unknown:
        raise InputError(f"未知字段：{'、'.join(_printable(k) for k in unknown)}。")
    for key in FIELDS:
        problem = json_depth_problem(obj.get(key), limit=8)
        if problem:
            raise InputError(f"字段 {key} {problem}。")
    _check_strings(obj)
    kind = _choice(obj, "kind", KINDS) or "document"
    copy_no = _string(obj, "copy_no")
    if copy_no is not None:
        copy_no = copy_no.strip()
        if not re.fullmatch(r"[0-9]{1,6}", copy_no):
            raise InputError(f"字段 copy_no（份号）应为 1 至 6 位数字，实际是“{copy_no}”。")
    secrecy = _choice(obj, "secrecy", SECRECY_LEVELS)
    secrecy_term = _string(obj, "secrecy_term")
    if secrecy_term and not secrecy:
        raise InputError("字段 secrecy_term（保密期限）需要同时给出 secrecy（密级）。")
    if "body" not in obj:
        raise InputError("缺少必填字段 body。")
    sealed = obj.get("sealed", False)
    if sealed is None:
        sealed = False
    if not isinstance(sealed, bool):
        raise InputError(f"字段 sealed 应为 true 或 false，实际是{_type_name(sealed)}。")
    title = _string(obj, "title", required=True)
    assert title is not None
    _check_title_length(title.strip(), "title（标题）")
    return Document(
        kind=kind,
        copy_no=copy_no,
        secrecy=secrecy,
        secrecy_term=secrecy_term.strip() if secrecy_term else None,
        urgency=_choice(obj, "urgency", URGENCIES),
        issuer_marks=_string_list(obj, "issuer_mark", allow_str=True),
        doc_no=_string(obj, "doc_no"),
        signers=_string_list(obj, "signers"),
        title=title.strip(),
        to=_string(obj, "to"),
        body=parse_body(obj["body"]),
        attachments=_parse_attachments(obj.get("attachments")),
        issuers=_string_list(obj, "issuer", allow_str=True),
        date=_date(obj, "date"),
        sealed=sealed,
        note=_string(obj, "note"),
        cc=_string_list(obj, "cc"),
        printer=_string(obj, "printer"),
        print_date=_date(obj, "print_date"),
        minutes=_parse_minutes(obj.get("minutes")),
    )


def load_description(path: str | Path) -> Document:
    """Read and validate a description file; unreadable or invalid JSON is an ``InputError``."""
    p = Path(path)
    try:
        if p.is_file() and p.stat().st_size > MAX_DESCRIPTION_BYTES:
            raise InputError(f"文件 {p} 过大（超过 {MAX_DESCRIPTION_BYTES // 1024 // 1024} MB），不是公文描述文件。")
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"找不到文件：{p}") from None
    except OSError as exc:
        raise InputError(f"无法读取文件 {p}：{exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"文件 {p} 不是 UTF-8 编码的文本。") from None
    return parse_description(loads_json(text, f"文件 {p}"))


def to_description(doc: Document) -> dict[str, Any]:
    """The description dict of a parsed ``app.typeset.spec.Document`` (body as a list: one string
    per paragraph, tables as table blocks), so parsed documents can be proofread too."""
    def body(blocks: tuple) -> list[Any]:
        out: list[Any] = []
        for b in blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            elif isinstance(b, Table):
                out.append({"table": {"header": list(b.header), "rows": [list(r) for r in b.rows]}})
        return out

    d: dict[str, Any] = {"kind": doc.kind, "title": doc.title, "body": body(doc.body)}
    for key in ("copy_no", "secrecy", "secrecy_term", "urgency", "doc_no", "to", "note", "printer"):
        if getattr(doc, key) is not None:
            d[key] = getattr(doc, key)
    if doc.issuer_marks:
        d["issuer_mark"] = list(doc.issuer_marks)
    if doc.signers:
        d["signers"] = list(doc.signers)
    if doc.attachments:
        d["attachments"] = [
            a.name if not a.body else {"name": a.name, "body": body(a.body)}
            for a in doc.attachments
        ]
    if doc.issuers:
        d["issuer"] = list(doc.issuers)
    if doc.cc:
        d["cc"] = list(doc.cc)
    for key in ("date", "print_date"):
        if getattr(doc, key) is not None:
            d[key] = getattr(doc, key).isoformat()
    if doc.sealed:
        d["sealed"] = True
    return d
