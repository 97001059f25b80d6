"""公文校核: rule-based proofreading of a document description before 签发.

Input. The proofreader works on the *raw description* — the JSON object of shared/docspec.md as a
dict — not on the parsed ``app.typeset.spec.Document``. Reason: a clerk's draft may not parse (a
secrecy value ``秘密★1年``, a bad date) and those are exactly the drafts that need checking; and
fixes must land in the text the clerk typed, at the offsets the editor shows. A ``Document`` can be
passed too: it is converted with ``document_to_description`` first.

Findings. Each ``Finding`` names its rule id, severity, the field path (``title``, ``to``,
``doc_no``, ``body`` or ``body[3]`` when the body is a list, ``attachments[0]`` or
``attachments[0].name``, ``cc[1]``, ``note``, ``secrecy``, ``secrecy_term``), the offset and length
of the flagged text *within that field's string*, the body paragraph index (counted as
``parse_body`` counts blocks: non-empty lines, a table is one block) and a Chinese message. A
``fix`` replaces exactly that span; ``fix.safe`` says whether "fix all" may apply it without
asking (renumbering a heading or adding a request phrase is offered but never applied silently).

Severities. ``error``: violates GB/T 9704 / the 条例 and should block 签发 (the service decides);
``warning``: very likely wrong; ``info``: worth a look.

Decision — 密级 without 保密期限: a **warning**, not an error. Under the 国家秘密保密期限规定 a
secret marked without a term takes the default term (绝密 30 年, 机密 20 年, 秘密 10 年), so the
document is valid; the warning says which default applies. An office that requires an explicit
term sets ``Options(secrecy_term_required=True)`` and gets an error instead.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.domain import docnumber
from app.domain import proofread_text as pt
from app.domain.cnnum import from_chinese, to_chinese
from app.errors import InputError

# ---- public data --------------------------------------------------------------------------------
#: 文种 of the 党政机关公文处理工作条例 (第八条), longest first so that 命令 wins over 令.
GENRES = (
    "决议",
    "决定",
    "命令",
    "公报",
    "公告",
    "通告",
    "意见",
    "通知",
    "通报",
    "报告",
    "请示",
    "批复",
    "议案",
    "纪要",
    "函",
    "令",
)
SECRET_DEFAULT_YEARS = {"绝密": 30, "机密": 20, "秘密": 10}
REQUEST_PHRASE = "妥否，请批示。"
_REQUEST_RE = re.compile(
    r"(妥否|当否|可否|是否可行|是否妥当|以上请示)[，,]?\s*请(予)?(批示|批复|审批|审定|指示|批准|核准)"
    r"|请(予)?(批示|批复|审批|批准|核准)|特此请示"
)

SEVERITIES = ("error", "warning", "info")

RULES: dict[str, str] = {
    "punct.halfwidth": "中文语境中的半角标点",
    "punct.quotes": "中文语境中的半角引号",
    "punct.duplicated": "标点重复",
    "pair.unbalanced": "括号、引号、书名号不成对",
    "space.cjk": "汉字之间的空格",
    "digit.fullwidth": "全角数字",
    "word.duplicated": "字词重复",
    "date.format": "日期写法",
    "docno.brackets": "发文字号的括号",
    "docno.format": "发文字号的格式",
    "heading.sequence": "层次序号不连续",
    "heading.marker": "层次序号的标点",
    "attachment.mismatch": "附件说明与附件不一致",
    "attachment.name": "附件名称的写法",
    "to.colon": "主送机关后的冒号",
    "secrecy.term": "密级与保密期限",
    "title.genre": "标题中的文种",
    "title.punct": "标题末尾的标点",
    "request.ending": "请示的结束语",
    "report.request": "报告中夹带请示事项",
    "date.field": "成文日期、印发日期字段",
    "placeholder": "未填写的占位符",
    "signer.missing": "上行文的签发人",
}


@dataclass(frozen=True)
class Fix:
    replacement: str
    safe: bool = True


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    field: str
    offset: int
    length: int
    message: str
    text: str  # the flagged text, so a stale fix is detected rather than applied blindly
    paragraph: int | None = None
    fix: Fix | None = None

    @property
    def title(self) -> str:
        return RULES.get(self.rule, self.rule)


@dataclass(frozen=True)
class Options:
    """Office policy. ``genre`` (文种, e.g. 通知) is taken from the document's metadata when the
    caller knows it; otherwise it is read from the end of the title."""

    genre: str | None = None
    secrecy_term_required: bool = False
    disabled_rules: frozenset[str] = field(default_factory=frozenset)


def blocks_signing(findings: list[Finding]) -> bool:
    """Whether 签发 should be refused: any finding of severity ``error``. (The service may let a
    leader override; that decision and its audit record live there.)"""
    return any(f.severity == "error" for f in findings)


def summary(findings: list[Finding]) -> str:
    """``2 个错误，3 个警告，1 条提示`` — for the editor's status line."""
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    if not findings:
        return "未发现问题"
    parts = [
        f"{counts['error']} 个错误" if counts["error"] else "",
        f"{counts['warning']} 个警告" if counts["warning"] else "",
        f"{counts['info']} 条提示" if counts["info"] else "",
    ]
    return "，".join(p for p in parts if p)


# ---- text slots ---------------------------------------------------------------------------------
_LINE_RE = re.compile(r"[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")


@dataclass(frozen=True)
class _Para:
    field: str
    base: int  # offset of this paragraph within the field's string
    text: str
    paragraph: int | None  # body paragraph index


def _body_paragraphs(desc: Mapping[str, Any]) -> list[_Para]:
    body = desc.get("body")
    items: list[tuple[str, Any]]
    if isinstance(body, str):
        items = [("body", body)]
    elif isinstance(body, list):
        items = [(f"body[{i}]", item) for i, item in enumerate(body)]
    else:
        return []
    out: list[_Para] = []
    index = 0
    for path, item in items:
        if isinstance(item, str):
            for m in _LINE_RE.finditer(item):
                if m.group().strip():
                    out.append(_Para(path, m.start(), m.group(), index))
                    index += 1
        else:
            index += 1  # a table block
    return out


def _attachment_slots(desc: Mapping[str, Any]) -> list[_Para]:
    atts = desc.get("attachments")
    out: list[_Para] = []
    if isinstance(atts, list):
        for i, a in enumerate(atts):
            if isinstance(a, str):
                out.append(_Para(f"attachments[{i}]", 0, a, None))
            elif isinstance(a, dict) and isinstance(a.get("name"), str):
                out.append(_Para(f"attachments[{i}].name", 0, a["name"], None))
    return out


def _text_slots(desc: Mapping[str, Any]) -> list[_Para]:
    """Every piece of running Chinese text the punctuation and wording rules look at. Names
    (签发人, 署名, 纪要 attendance) are left out: spaces there pad two-character names."""
    slots: list[_Para] = []
    for key in ("title", "to"):
        if isinstance(desc.get(key), str):
            slots.append(_Para(key, 0, desc[key], None))
    slots += _body_paragraphs(desc)
    slots += _attachment_slots(desc)
    if isinstance(desc.get("note"), str):
        slots.append(_Para("note", 0, desc["note"], None))
    if isinstance(desc.get("cc"), list):
        slots += [
            _Para(f"cc[{i}]", 0, c, None) for i, c in enumerate(desc["cc"]) if isinstance(c, str)
        ]
    return slots


# ---- the proofreader ----------------------------------------------------------------------------
def proofread(
    description: Mapping[str, Any] | Any, options: Options | None = None
) -> list[Finding]:
    """All findings for a description (dict, or a ``Document``), in reading order."""
    desc = _as_dict(description)
    opts = options or Options()
    findings: list[Finding] = []

    def add(rule: str, severity: str, slot: _Para, hit: pt.Hit) -> None:
        if rule in opts.disabled_rules:
            return
        fix = Fix(hit.replacement, hit.safe) if hit.replacement is not None else None
        start = slot.base + hit.offset
        findings.append(
            Finding(
                rule,
                severity,
                slot.field,
                start,
                hit.length,
                hit.message,
                slot.text[hit.offset : hit.offset + hit.length],
                slot.paragraph,
                fix,
            )
        )

    text_rules = (
        ("punct.halfwidth", pt.halfwidth_punctuation),
        ("punct.quotes", pt.straight_quotes),
        ("punct.duplicated", pt.duplicated_punctuation),
        ("pair.unbalanced", pt.unbalanced_pairs),
        ("space.cjk", pt.cjk_spaces),
        ("digit.fullwidth", pt.fullwidth_digits),
        ("word.duplicated", pt.duplicated_words),
        ("date.format", pt.dates),
    )
    for slot in _text_slots(desc):
        for rule, func in text_rules:
            for hit in func(slot.text):
                add(rule, hit.severity, slot, hit)
        for offset, length, diag in docnumber.find_doc_numbers(slot.text):
            if not diag.ok:
                # Point at the part from the bracket on: where the 机关代字 starts in running
                # text is a guess, the bracket and number are not.
                span = slot.text[offset : offset + length]
                cut = next(
                    i for i, c in enumerate(span) if c in docnumber.OPEN + docnumber.WRONG_OPEN
                )
                fix = diag.suggestion[cut:] if diag.suggestion else None
                codes = {p.code for p in diag.problems}
                rule = "docno.brackets" if "brackets" in codes else "docno.format"
                msg = "引用的发文字号有误：" + "；".join(p.message for p in diag.problems)
                add(rule, "warning", slot, pt.Hit(offset + cut, length - cut, msg, fix))

    for rule, severity, slot, hit in _structural(desc, opts):
        add(rule, severity, slot, hit)
    order = {
        name: i
        for i, name in enumerate(
            (
                "secrecy",
                "secrecy_term",
                "doc_no",
                "title",
                "to",
                "body",
                "attachments",
                "note",
                "cc",
            )
        )
    }

    def key(f: Finding) -> tuple:
        head = f.field.split("[")[0].split(".")[0]
        return (
            order.get(head, 99),
            f.paragraph if f.paragraph is not None else -1,
            f.field,
            f.offset,
            f.rule,
        )

    return sorted(findings, key=key)


def _structural(desc: Mapping[str, Any], opts: Options) -> Iterator[tuple[str, str, _Para, pt.Hit]]:
    yield from _doc_no_rules(desc)
    yield from _date_field_rules(desc)
    yield from _secrecy_rules(desc, opts)
    genre = _genre(desc, opts)
    yield from _title_rules(desc, opts, genre)
    yield from _to_rules(desc)
    paras = _body_paragraphs(desc)
    yield from _heading_rules(paras)
    yield from _attachment_rules(desc, paras)
    yield from _request_rules(desc, paras, genre)
    yield from _signer_rules(desc, genre)
    yield from _placeholder_rules(desc)


_LOOSE_DATE = re.compile(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*")


def _date_field_rules(desc: Mapping[str, Any]) -> Iterator[tuple[str, str, _Para, pt.Hit]]:
    """``date`` and ``print_date`` are ISO ``YYYY-MM-DD`` in the description (the renderer prints
    them as 2024年7月1日). Other spellings a clerk types — 2024-7-1, 2024/7/1, 2024年7月1日,
    二〇二四年七月一日 — get a safe fix to the ISO form; a date that does not exist gets none.
    印发日期 before 成文日期 is a warning."""
    parsed: dict[str, dt.date] = {}
    for key, label in (("date", "成文日期"), ("print_date", "印发日期")):
        value = desc.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        slot = _Para(key, 0, value, None)
        text = value.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        for hit in pt.dates(text):  # Chinese numerals → Arabic first
            if hit.replacement is not None:
                text = text[: hit.offset] + hit.replacement + text[hit.offset + hit.length :]
        m = _LOOSE_DATE.fullmatch(text)
        day = None
        if m:
            try:
                day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                day = None
        if day is None:
            msg = f"{label}“{value}”无法识别或不存在，应为 YYYY-MM-DD，如 2024-07-01"
            yield "date.field", "error", slot, pt.Hit(0, len(value), msg)
            continue
        parsed[key] = day
        if value != day.isoformat():
            msg = f"{label}应写作 {day.isoformat()}（打印为“{day.year}年{day.month}月{day.day}日”）"
            yield "date.field", "warning", slot, pt.Hit(0, len(value), msg, day.isoformat())
    if "date" in parsed and "print_date" in parsed and parsed["print_date"] < parsed["date"]:
        value = desc["print_date"]
        yield (
            "date.field",
            "warning",
            _Para("print_date", 0, value, None),
            pt.Hit(0, len(value), "印发日期早于成文日期"),
        )


def _doc_no_rules(desc: Mapping[str, Any]) -> Iterator[tuple[str, str, _Para, pt.Hit]]:
    value = desc.get("doc_no")
    if not isinstance(value, str) or not value.strip():
        return
    diag = docnumber.diagnose_doc_no(value)
    if diag.ok:
        return
    slot = _Para("doc_no", 0, value, None)
    codes = {p.code for p in diag.problems}
    rule = "docno.brackets" if "brackets" in codes else "docno.format"
    msg = "发文字号应为“机关代字〔年份〕序号号”：" + "；".join(p.message for p in diag.problems)
    yield rule, "error", slot, pt.Hit(0, len(value), msg, diag.suggestion)


_TERM_RE = re.compile(r"(?P<n>[0-9]+)(?P<unit>年|个月)|长期")


def _secrecy_rules(
    desc: Mapping[str, Any], opts: Options
) -> Iterator[tuple[str, str, _Para, pt.Hit]]:
    level = desc.get("secrecy")
    term = desc.get("secrecy_term")
    level = level.strip() if isinstance(level, str) and level.strip() else None
    term_s = term if isinstance(term, str) and term.strip() else None
    if level is not None and level not in SECRET_DEFAULT_YEARS:
        raw_level: str = desc["secrecy"]
        slot = _Para("secrecy", 0, raw_level, None)
        m = re.fullmatch(r"\s*(绝密|机密|秘密)\s*[★☆*]\s*(.*)", level)
        hint = f"；保密期限“{m.group(2)}”请填在保密期限一栏" if m and m.group(2) else ""
        yield (
            "secrecy.term",
            "error",
            slot,
            pt.Hit(0, len(raw_level), f"密级应为绝密、机密或秘密，不能是“{level}”{hint}"),
        )
        return
    if level is None:
        if term_s:
            yield (
                "secrecy.term",
                "error",
                _Para("secrecy_term", 0, term_s, None),
                pt.Hit(0, len(term_s), "标注了保密期限，但没有标注密级"),
            )
        return
    if term_s is None:
        years = SECRET_DEFAULT_YEARS[level]
        severity = "error" if opts.secrecy_term_required else "warning"
        msg = f"{level}件未标注保密期限" + (
            "（本单位要求必须标注）"
            if opts.secrecy_term_required
            else f"，将按默认保密期限（{level}{years}年）执行"
        )
        yield (
            "secrecy.term",
            severity,
            _Para("secrecy_term", 0, term if isinstance(term, str) else "", None),
            pt.Hit(0, 0, msg),
        )
        return
    slot = _Para("secrecy_term", 0, term_s, None)
    normal = term_s.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    cm = re.fullmatch(r"([一二两三四五六七八九十]+)(年|个月)", normal)
    if cm and from_chinese(cm.group(1)):
        normal = f"{from_chinese(cm.group(1))}{cm.group(2)}"
    m = _TERM_RE.fullmatch(normal)
    if not m:
        yield (
            "secrecy.term",
            "error",
            slot,
            pt.Hit(0, len(term_s), f"保密期限“{term_s}”写法不对，应如“1年”“6个月”或“长期”"),
        )
        return
    if normal != term_s:
        why = (
            "保密期限前后不应有空格"
            if normal == term_s.strip()
            else "保密期限中的数字应使用半角阿拉伯数字（GB/T 9704 7.2.2）"
        )
        yield "secrecy.term", "warning", slot, pt.Hit(0, len(term_s), why, normal)
    if m.group("n"):
        months = int(m.group("n")) * (12 if m.group("unit") == "年" else 1)
        if months == 0 or months > SECRET_DEFAULT_YEARS[level] * 12:
            yield (
                "secrecy.term",
                "error",
                slot,
                pt.Hit(
                    0,
                    len(term_s),
                    f"{level}件的保密期限应在 1 个月至 {SECRET_DEFAULT_YEARS[level]} 年之间",
                ),
            )


def _genre(desc: Mapping[str, Any], opts: Options) -> str | None:
    if opts.genre:
        return opts.genre
    title = desc.get("title")
    if isinstance(title, str):
        g = genre_of_title(title)
        if g:
            return g
    return "纪要" if desc.get("kind") == "minutes" else None


def genre_of_title(title: str) -> str | None:
    """The 文种 a title ends with (关于…的通知 → 通知), ignoring trailing punctuation."""
    t = title.strip().rstrip("。.，,；;：:！!？?")
    for g in GENRES:
        if t.endswith(g):
            return g
    return None


def _title_rules(desc: Mapping[str, Any], opts: Options, genre: str | None):
    title = desc.get("title")
    if not isinstance(title, str) or not title.strip():
        return
    slot = _Para("title", 0, title, None)
    stripped = title.rstrip()
    tail = re.search(r"[。.，,；;：:！!]+$", stripped)
    if tail:
        yield (
            "title.punct",
            "error",
            slot,
            pt.Hit(tail.start(), len(title) - tail.start(), "标题末尾不加标点", ""),
        )
    core = title.strip().rstrip("。.，,；;：:！!？?")
    if core.endswith("请示报告"):
        yield (
            "title.genre",
            "error",
            slot,
            pt.Hit(title.rfind("请示报告"), 4, "请示与报告是两个文种，不能合用“请示报告”"),
        )
    elif opts.genre:
        if not core.endswith(opts.genre):
            yield (
                "title.genre",
                "error",
                slot,
                pt.Hit(0, len(title), f"标题应以文种“{opts.genre}”结尾，如“关于……的{opts.genre}”"),
            )
    elif genre is None:
        yield (
            "title.genre",
            "warning",
            slot,
            pt.Hit(
                0,
                len(title),
                "标题未以文种结尾（通知、通报、请示、报告、函、意见、决定、批复、纪要等）",
            ),
        )


def _to_rules(desc: Mapping[str, Any]):
    to = desc.get("to")
    if not isinstance(to, str) or not to.strip():
        return
    slot = _Para("to", 0, to, None)
    stripped = to.rstrip()
    if stripped.endswith("："):
        return
    tail = re.search(r"[:，,。.；;、\s]+$", to)
    start = tail.start() if tail else len(to)
    yield (
        "to.colon",
        "error",
        slot,
        pt.Hit(start, len(to) - start, "主送机关末尾应使用全角冒号“：”", "："),
    )


_HEADING = (
    (1, re.compile(r"^(\s*)([一二三四五六七八九十百零〇]+)(、|[.．，,：:]\s*)")),
    (2, re.compile(r"^(\s*)[（(]([一二三四五六七八九十百零〇]+)[）)](、?)")),
    (3, re.compile(r"^(\s*)([0-9０-９]+)([.．](?![0-9０-９])|、)")),
    (4, re.compile(r"^(\s*)[（(]([0-9０-９]+)[）)](、?)")),
)
_LEVEL_FORM = {1: "{}、", 2: "（{}）", 3: "{}.", 4: "（{}）"}
_LEVEL_MARK = {1: "、", 2: "", 3: ".", 4: ""}


def _heading_rules(paras: list[_Para]):
    """Numbers count up per level and restart under each higher heading (一、 → （一）（二） →
    二、 → （一）…). A skipped or repeated number is reported with the expected one; the offered
    fix renumbers that heading only and is not "safe" (later references may use the old number).
    Wrong marks (一. 1、 （一）、) get a safe fix."""
    counters = {1: 0, 2: 0, 3: 0, 4: 0}
    for p in paras:
        for level, pattern in _HEADING:
            m = pattern.match(p.text)
            if not m:
                continue
            raw = m.group(2)
            n = (
                int(raw.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
                if level in (3, 4)
                else from_chinese(raw)
            )
            if n is None:
                break
            expected = counters[level] + 1
            if n != expected:
                numeral = to_chinese(expected) if level in (1, 2) else str(expected)
                yield (
                    "heading.sequence",
                    "warning",
                    p,
                    pt.Hit(
                        m.start(2),
                        len(raw),
                        f"第{level}层序号不连续：此处应为“{_LEVEL_FORM[level].format(numeral)}”",
                        numeral,
                        safe=False,
                    ),
                )
            counters[level] = n
            for deeper in range(level + 1, 5):
                counters[deeper] = 0
            mark = m.group(3)
            if mark != _LEVEL_MARK[level]:
                want = _LEVEL_FORM[level].format(raw)
                yield (
                    "heading.marker",
                    "warning",
                    p,
                    pt.Hit(m.start(3), len(mark), f"层次序号应写作“{want}”", _LEVEL_MARK[level]),
                )
            break


_ATT_LINE = re.compile(r"^\s*附\s*件\s*[：:]\s*(.*)$")
_ATT_NUM = re.compile(
    r"^\s*(?:附件\s*)?[0-9０-９]+\s*[.．、：:]\s*|^\s*附件\s*(?:[0-9０-９]+\s*[：:]?|[：:])\s*"
)
_ATT_REF = re.compile(r"附件\s*([0-9]+)")


def _attachment_rules(desc: Mapping[str, Any], paras: list[_Para]):
    names: list[str] = []
    for slot in _attachment_slots(desc):
        names.append(slot.text.strip())
        num = _ATT_NUM.match(slot.text)
        if num and num.end() < len(slot.text):
            yield (
                "attachment.name",
                "warning",
                slot,
                pt.Hit(0, num.end(), "附件名称前不写序号或“附件”，附件说明的序号由系统编排", ""),
            )
        tail = re.search(r"[。.，,；;、：:]+\s*$", slot.text)
        if tail:
            yield (
                "attachment.name",
                "warning",
                slot,
                pt.Hit(tail.start(), len(slot.text) - tail.start(), "附件名称后不加标点符号", ""),
            )
    clean = [_ATT_NUM.sub("", n, count=1).rstrip("。.，,；;、：: ") for n in names]
    # an 附件说明 typed into the body (附件：1.… 2.…, possibly over several lines)
    typed: list[str] = []
    typed_at: _Para | None = None
    for i, p in enumerate(paras):
        m = _ATT_LINE.match(p.text)
        if m:
            typed_at = p
            rest = [m.group(1)] + [q.text for q in paras[i + 1 :]]
            for item in rest:
                item = item.strip()
                if not item:
                    continue
                if typed and not re.match(r"^[0-9０-９]+\s*[.．、]", item):
                    break
                typed.append(re.sub(r"^[0-9０-９]+\s*[.．、]\s*", "", item).rstrip("。.，,；; "))
            break
    if typed_at is not None:
        if [t for t in typed] != clean:
            listed = "、".join(clean) if clean else "（无）"
            yield (
                "attachment.mismatch",
                "error",
                typed_at,
                pt.Hit(
                    0, len(typed_at.text), f"正文中的附件说明与附件清单不一致；附件清单为：{listed}"
                ),
            )
        else:
            yield (
                "attachment.mismatch",
                "warning",
                typed_at,
                pt.Hit(
                    0,
                    len(typed_at.text),
                    "附件说明由系统根据附件清单自动编排，正文中再写会重复打印",
                ),
            )
    for p in paras:
        if p is typed_at:
            continue
        for m in _ATT_REF.finditer(p.text):
            n = int(m.group(1))
            if n < 1 or n > len(clean):
                yield (
                    "attachment.mismatch",
                    "error",
                    p,
                    pt.Hit(
                        m.start(), len(m.group()), f"正文提到“附件{n}”，但只有 {len(clean)} 个附件"
                    ),
                )
        if not clean and re.search(r"(见|详见|附)附件|附件[:：]?$", p.text):
            m = re.search("附件", p.text)
            assert m
            yield (
                "attachment.mismatch",
                "warning",
                p,
                pt.Hit(m.start(), 2, "正文提到附件，但附件清单为空"),
            )


def _request_rules(desc: Mapping[str, Any], paras: list[_Para], genre: str | None):
    """A 请示 ends by asking for instructions (妥否，请批示。); a 报告 must not ask for any
    (条例 第十五条: 不得在报告等非请示性公文中夹带请示事项)."""
    if genre == "报告":
        for p in paras:
            m = _REQUEST_RE.search(p.text)
            if m:
                yield (
                    "report.request",
                    "warning",
                    p,
                    pt.Hit(
                        m.start(),
                        len(m.group()),
                        "报告中不得夹带请示事项（需要批示的事项应另行请示）",
                    ),
                )
        return
    if genre != "请示":
        return
    last = paras[-1] if paras else None
    if last is not None and _REQUEST_RE.search(last.text):
        return
    message = f"请示应以请求批示的结束语收尾，如“{REQUEST_PHRASE}”"
    body = desc.get("body")
    # Offer to append the phrase as a new last paragraph when the body ends with text.
    field_path, field_text = None, None
    if isinstance(body, str):
        field_path, field_text = "body", body
    elif isinstance(body, list) and body and isinstance(body[-1], str):
        field_path, field_text = f"body[{len(body) - 1}]", body[-1]
    if field_path is not None and field_text is not None:
        sep = "" if not field_text.strip() or field_text.endswith("\n") else "\n"
        slot = _Para(field_path, 0, field_text, last.paragraph if last else None)
        yield (
            "request.ending",
            "error",
            slot,
            pt.Hit(len(field_text), 0, message, sep + REQUEST_PHRASE, safe=False),
        )
    else:
        slot = _Para(last.field if last else "body", 0, "", last.paragraph if last else None)
        yield "request.ending", "error", slot, pt.Hit(0, 0, message)


def _signer_rules(desc: Mapping[str, Any], genre: str | None):
    """上行文 (请示、报告) 标注签发人 (GB/T 9704 7.2.6). A warning, not an error: 签发 fills in the
    signing leader's name when the field is empty."""
    if genre not in ("请示", "报告"):
        return
    signers = desc.get("signers")
    names = [signers] if isinstance(signers, str) else signers if isinstance(signers, list) else []
    if any(isinstance(n, str) and n.strip() for n in names):
        return
    slot = _Para("signers", 0, "", None)
    yield ("signer.missing", "warning", slot,
           pt.Hit(0, 0, f"{genre}是上行文，应标注签发人；未填写时，签发时填入签发领导的姓名"))


#: Unfilled placeholders of drafts and templates: ×××, XX, （…）, __, （单位名称）, （值班电话）…
PLACEHOLDER_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:[×Ｘｘ]{2,}|[Xx]{2,}|[×Ｘｘ]+[Xx]+[×Ｘｘ]*)(?![A-Za-z0-9])"
    r"|_{2,}|＿{2,}|□{2,}"
    r"|[（(]\s*(?:…+|⋯+|\.{3,}|。{3,})\s*[）)]"
    r"|（(?:单位|机关|部门|值班|联系|发文|报告)?(?:名称|电话|姓名|人名|地址)）"
    r"|（(?:待签发|待核实|待定|待补|待填|待填写|未排|待接班)）"
    r"|（请填写[^（）\n]{0,12}）"
    r"|（[^（）\n]{0,12}待核实）"
)


def find_placeholders(text: str) -> list[tuple[int, int]]:
    """(offset, length) of every unfilled placeholder in ``text`` (URLs are left alone)."""
    if not isinstance(text, str):
        return []
    spans = pt.protected_spans(text)
    return [(m.start(), m.end() - m.start()) for m in PLACEHOLDER_RE.finditer(text)
            if not any(a <= m.start() < b for a, b in spans)]


def _placeholder_slots(desc: Mapping[str, Any]) -> list[_Para]:
    """Every string that reaches paper: the running text plus 发文字号, names, marks, table cells."""
    slots = list(_text_slots(desc))
    for key in ("doc_no", "printer", "secrecy", "urgency"):
        if isinstance(desc.get(key), str):
            slots.append(_Para(key, 0, desc[key], None))
    for key in ("issuer", "signers", "issuer_mark"):
        value = desc.get(key)
        if isinstance(value, str):
            slots.append(_Para(key, 0, value, None))
        elif isinstance(value, list):
            slots += [_Para(f"{key}[{i}]", 0, v, None) for i, v in enumerate(value)
                      if isinstance(v, str)]
    body = desc.get("body")
    items = body if isinstance(body, list) else []
    index = 0
    for i, item in enumerate(items):
        if isinstance(item, str):
            index += sum(1 for m in _LINE_RE.finditer(item) if m.group().strip())
        elif isinstance(item, dict):
            table = item.get("table")
            if not isinstance(table, dict):
                table = {}
            rows = [table.get("header") or []] + list(table.get("rows") or [])
            for row in rows:
                for cell in row if isinstance(row, list) else []:
                    if isinstance(cell, str):
                        slots.append(_Para(f"body[{i}]", 0, cell, index))
            index += 1
    minutes = desc.get("minutes")
    if isinstance(minutes, dict):
        for key, value in minutes.items():
            values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            slots += [_Para(f"minutes.{key}", 0, v, None) for v in values if isinstance(v, str)]
    return slots


def _placeholder_rules(desc: Mapping[str, Any]):
    for slot in _placeholder_slots(desc):
        for offset, length in find_placeholders(slot.text):
            found = slot.text[offset:offset + length]
            yield ("placeholder", "error", slot,
                   pt.Hit(offset, length, f"“{found}”是未填写的占位符，请填写实际内容或删去"))


def placeholders(description: Mapping[str, Any] | Any) -> list[str]:
    """The unfilled placeholders of a description as ``field：text`` lines (for the print path,
    which refuses to print them unless the user says so)."""
    desc = _as_dict(description)
    out = []
    for slot in _placeholder_slots(desc):
        for offset, length in find_placeholders(slot.text):
            out.append(slot.text[offset:offset + length])
    return out


# ---- fixes --------------------------------------------------------------------------------------
_PATH_RE = re.compile(r"^(?P<key>[a-z_]+)(?:\[(?P<index>\d+)\])?(?:\.(?P<sub>[a-z_]+))?$")


def _locate(desc: dict, path: str) -> tuple[Any, Any]:
    """(container, key) holding the string at ``path``."""
    m = _PATH_RE.match(path)
    if not m:
        raise InputError(f"无法定位字段 {path}。")
    container: Any = desc
    key: Any = m["key"]
    if m["index"] is not None:
        container, key = container.get(key), int(m["index"])
        if not isinstance(container, list) or key >= len(container):
            raise InputError(f"字段 {path} 已不存在，请重新校核。")
    if m["sub"] is not None:
        container, key = container[key], m["sub"]
        if not isinstance(container, dict):
            raise InputError(f"字段 {path} 已不存在，请重新校核。")
    return container, key


def apply_fix(description: Mapping[str, Any], finding: Finding) -> dict[str, Any]:
    """A copy of ``description`` with the finding's fix applied. The flagged text must still be
    where the finding says; otherwise (the text changed since checking) an ``InputError`` asks
    for a new check instead of corrupting the text."""
    if finding.fix is None:
        raise InputError(f"“{finding.title}”这一项没有可自动修改的方案，请手工修改。")
    desc = copy.deepcopy(_as_dict(description))
    container, key = _locate(desc, finding.field)
    value = container.get(key) if isinstance(container, dict) else container[key]
    if value is None and finding.offset == 0 and finding.length == 0:
        value = ""
    if (
        not isinstance(value, str)
        or value[finding.offset : finding.offset + finding.length] != finding.text
    ):
        raise InputError("文本在校核后已被修改，请重新校核后再修改。")
    container[key] = (
        value[: finding.offset] + finding.fix.replacement + value[finding.offset + finding.length :]
    )
    return desc


def apply_all_safe_fixes(
    description: Mapping[str, Any], options: Options | None = None, *, max_passes: int = 5
) -> tuple[dict[str, Any], list[Finding]]:
    """Apply every safe fix; returns the new description and the findings that were fixed.

    Fixes are applied right-to-left within each field so earlier offsets stay valid; overlapping
    ones wait for the next pass, which re-checks the text (a fix can reveal another slip, e.g.
    ``的 的 的``). Stops when no safe fix is left or after ``max_passes``."""
    desc = copy.deepcopy(_as_dict(description))
    applied: list[Finding] = []
    for _ in range(max_passes):
        pending = [f for f in proofread(desc, options) if f.fix is not None and f.fix.safe]
        if not pending:
            break
        by_field: dict[str, list[Finding]] = {}
        for f in pending:
            by_field.setdefault(f.field, []).append(f)
        for items in by_field.values():
            limit = None
            for f in sorted(items, key=lambda f: (f.offset, f.length), reverse=True):
                if limit is not None and f.offset + f.length > limit:
                    continue
                if limit is not None and f.length == 0 and f.offset == limit:
                    continue
                desc = apply_fix(desc, f)
                applied.append(f)
                limit = f.offset
    return desc, applied


# ---- Document → description ---------------------------------------------------------------------
def _as_dict(description: Any) -> dict[str, Any]:
    if isinstance(description, Mapping):
        return dict(description)
    if hasattr(description, "body") and hasattr(description, "title"):
        return document_to_description(description)
    raise InputError("校核的对象应为公文描述（JSON 对象）。")


def document_to_description(doc: Any) -> dict[str, Any]:
    """The description dict of a parsed ``app.typeset.spec.Document`` (body as a list: one string
    per paragraph, tables as table blocks), so parsed documents can be proofread too. The
    document converts itself (``Document.as_description``): the domain does not import typeset."""
    return dict(doc.as_description())
