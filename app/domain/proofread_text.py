"""Text-level 校核 rules: each function looks at one paragraph of Chinese text and returns
``Hit``s — (offset, length, message, replacement, safe) — relative to that paragraph. The
proofreader (``app.domain.proofread``) decides which fields each rule runs on and turns hits into
findings with their field and paragraph.

What counts as "Chinese context": a CJK ideograph or a full-width punctuation mark next to the
mark in question. Spans that must not be touched — URLs, e-mail addresses and 发文字号 (which have
their own rules) — are "protected"; the punctuation rules skip them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain import docnumber
from app.domain.cnnum import from_chinese

IDEO = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = (
    "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
    "\u2018\u2019\u201c\u201d\u2014\u2026"
)
_IDEO_RE = re.compile(f"[{IDEO}]")
_CJK_RE = re.compile(f"[{IDEO}{CJK_PUNCT}]")
_URL_RE = re.compile(
    rf"(?:(?:https?|ftp)://|www\.)[^\s{IDEO}{CJK_PUNCT}]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII
)


@dataclass(frozen=True)
class Hit:
    offset: int
    length: int
    message: str
    replacement: str | None = None  # None: no fix offered
    safe: bool = True  # applied by "fix all"; unsafe fixes need the user's click
    severity: str = "warning"


def protected_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _URL_RE.finditer(text)]
    spans += [(o, o + n) for o, n, _ in docnumber.find_doc_numbers(text)]
    return spans


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def is_ideo(ch: str) -> bool:
    return bool(ch) and bool(_IDEO_RE.match(ch))


def is_cjk(ch: str) -> bool:
    return bool(ch) and bool(_CJK_RE.match(ch))


# ---- half-width punctuation -------------------------------------------------------------------
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}


def halfwidth_punctuation(text: str) -> list[Hit]:
    """, : ; ? ! ( ) in Chinese context → full-width. Not between two digits (1,000 / 8:30), not
    in URLs, e-mail addresses or 发文字号, not between Latin words (Word,Excel). A parenthesis pair
    is converted as a pair: when its content has Chinese, when Chinese precedes it, or when it
    opens the paragraph (the (1) heading mark)."""
    spans = protected_spans(text)
    hits: list[Hit] = []
    # parentheses: pair them first
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    lone: list[int] = []
    for i, ch in enumerate(text):
        if ch not in "()" or _inside(i, spans):
            continue
        if ch == "(":
            stack.append(i)
        elif ch == ")":
            if stack:
                pairs.append((stack.pop(), i))
            else:
                lone.append(i)
    lone += stack
    for a, b in pairs:
        before = text[a - 1] if a else ""
        after = text[b + 1] if b + 1 < len(text) else ""
        # f(x)函数 keeps its half-width brackets: Latin before, no Chinese inside.
        if (
            _IDEO_RE.search(text[a + 1 : b])
            or is_cjk(before)
            or (not text[:a].strip() and is_cjk(after))
        ):
            for pos, full in ((a, "（"), (b, "）")):
                hits.append(Hit(pos, 1, f"中文语境中应使用全角括号“{full}”", full))
    for pos in lone:
        if is_cjk(text[pos - 1] if pos else "") or is_cjk(text[pos + 1 : pos + 2]):
            full = _HALF_TO_FULL[text[pos]]
            hits.append(Hit(pos, 1, f"中文语境中应使用全角括号“{full}”", full))
    for m in re.finditer(r"[ \t]*([,:;?!])[ \t]*", text):
        pos = m.start(1)
        if _inside(pos, spans):
            continue
        prev = text[:pos].rstrip(" \t")[-1:]
        nxt = text[pos + 1 :].lstrip(" \t")[:1]
        if prev.isdigit() and nxt.isdigit():
            continue
        if not (is_cjk(prev) or is_ideo(nxt)):
            continue
        full = _HALF_TO_FULL[m.group(1)]
        # Eat the spaces around it (a full-width mark carries its own spacing) unless the
        # neighbour is Latin, where the space separates words.
        start = m.start() if is_cjk(prev) else pos
        end = m.end() if (is_ideo(nxt) or not nxt) else pos + 1
        hits.append(Hit(start, end - start, f"中文语境中应使用全角标点“{full}”", full))
    # a full stop typed as "." after Chinese (工作.下一步), not 1. / Word. / 3.5
    for m in re.finditer(r"\.(?![.0-9])", text):
        pos = m.start()
        prev = text[pos - 1 : pos]
        nxt = text[pos + 1 :].lstrip(" \t")[:1]
        if (
            _inside(pos, spans)
            or not is_ideo(prev)
            or not (is_ideo(nxt) or not nxt or nxt in "“”‘’")
        ):
            continue
        if re.fullmatch(r"\s*[一二三四五六七八九十百]+", text[:pos]):
            continue  # 一.总体要求: a heading mark, fixed to 一、 by the heading rule
        end = pos + 1 + (len(text[pos + 1 :]) - len(text[pos + 1 :].lstrip(" \t")) if nxt else 0)
        hits.append(Hit(pos, end - pos, "中文语境中应使用句号“。”", "。"))
    return hits


def straight_quotes(text: str) -> list[Hit]:
    """ASCII double quotes in Chinese text → “ ”. Fixed only when they pair up (even count)."""
    spans = protected_spans(text)
    pos = [i for i, ch in enumerate(text) if ch == '"' and not _inside(i, spans)]
    if not pos or not any(
        is_cjk(text[max(p - 1, 0) : p]) or is_cjk(text[p + 1 : p + 2]) for p in pos
    ):
        return []
    if len(pos) % 2:
        return [Hit(p, 1, "中文引号应使用“”，且此处引号不成对", None) for p in pos]
    return [
        Hit(p, 1, "中文语境中应使用全角引号", "“" if k % 2 == 0 else "”") for k, p in enumerate(pos)
    ]


# ---- spaces, digits, duplicates -----------------------------------------------------------------
_SPACE_RE = re.compile(f"(?<=[{IDEO}{CJK_PUNCT}])[ \t\u3000\u00a0]+(?=[{IDEO}{CJK_PUNCT}])")


def cjk_spaces(text: str) -> list[Hit]:
    """A space between two Chinese characters (or punctuation) is a typing slip: 汉字之间不空格."""
    return [
        Hit(m.start(), len(m.group()), "汉字之间不应有空格", "") for m in _SPACE_RE.finditer(text)
    ]


_FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def fullwidth_digits(text: str) -> list[Hit]:
    """Numbers in 公文 use half-width Arabic digits (GB/T 15835)."""
    return [
        Hit(m.start(), len(m.group()), "数字应使用半角阿拉伯数字", m.group().translate(_FW_DIGITS))
        for m in re.finditer("[０-９]+", text)
    ]


# 的的 / 了了 (also with a space between). Legitimate sequences are excluded by context:
# 目的的、标的的、众矢之的的 (a word ending in 的, then 的), 的的确确, 为了了解, 不了了之.
_DUP_CHARS = "的了"
_DUP_OK_BEFORE = {"的": ("目", "标", "之", "有"), "了": ()}
_DUP_OK_AFTER = {"的": ("确",), "了": ("解", "结", "之", "然", "如")}


def duplicated_words(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in re.finditer(rf"([{_DUP_CHARS}])([ \t\u3000]*)\1", text):
        ch = m.group(1)
        before = text[m.start() - 1 : m.start()]
        after = text[m.end() : m.end() + 1]
        if before in _DUP_OK_BEFORE[ch] or after in _DUP_OK_AFTER[ch]:
            continue
        hits.append(Hit(m.start() + 1, m.end() - m.start() - 1, f"“{ch}”字重复", ""))
    # a repeated word of 2–4 characters (我们我们, 工作工作): likely a slip, but 研究研究 can
    # be meant, so the fix needs a click
    for m in re.finditer(rf"([{IDEO}]{{2,4}})[ \t\u3000]*\1", text):
        word = m.group(1)
        if len(set(word)) == 1 or (len(word) == 2 and word[0] == "一"):
            continue  # 哈哈哈哈, 一个一个 / 一步一步
        hits.append(
            Hit(
                m.start() + len(word),
                m.end() - m.start() - len(word),
                f"词语“{word}”重复",
                "",
                safe=False,
            )
        )
    return hits


def duplicated_punctuation(text: str) -> list[Hit]:
    return [
        Hit(m.start() + 1, len(m.group()) - 1, f"标点“{m.group(1)}”重复", "")
        for m in re.finditer(r"([，。、；：？！])\1+", text)
    ]


# ---- paired marks --------------------------------------------------------------------------------
_OPENERS = {
    "(": "round",
    "（": "round",
    "[": "square",
    "［": "square",
    "【": "lent",
    "〔": "hex",
    "《": "book",
    "〈": "angle",
    "“": "dq",
    "‘": "sq",
    "「": "corner",
}
_CLOSERS = {
    ")": "round",
    "）": "round",
    "]": "square",
    "］": "square",
    "】": "lent",
    "〕": "hex",
    "》": "book",
    "〉": "angle",
    "”": "dq",
    "’": "sq",
    "」": "corner",
}


def unbalanced_pairs(text: str) -> list[Hit]:
    """Brackets, 书名号 and quotes that do not pair up within the paragraph. (A quotation running
    over several paragraphs opens each and closes only the last, GB/T 15834 4.1.3.3; the message
    says so.) No automatic fix: where the missing mark belongs is a guess."""
    spans = protected_spans(text)
    stack: list[tuple[int, str]] = []
    hits: list[Hit] = []
    for i, ch in enumerate(text):
        if (ch not in _OPENERS and ch not in _CLOSERS) or _inside(i, spans):
            continue
        if ch in _OPENERS:
            stack.append((i, _OPENERS[ch]))
        elif ch in _CLOSERS:
            fam = _CLOSERS[ch]
            if stack and stack[-1][1] == fam:
                stack.pop()
            elif any(f == fam for _, f in stack):
                while stack[-1][1] != fam:
                    j, _ = stack.pop()
                    hits.append(Hit(j, 1, f"“{text[j]}”没有对应的后半部分", None))
                stack.pop()
            elif fam == "sq" and i and text[i - 1].isascii() and text[i - 1].isalpha():
                continue  # an apostrophe typed as ’ (it's)
            else:
                hits.append(Hit(i, 1, f"“{ch}”没有对应的前半部分", None))
    for j, fam in stack:
        extra = "（跨段引文除外：各段开头用前引号，仅末段用后引号）" if fam == "dq" else ""
        hits.append(Hit(j, 1, f"“{text[j]}”没有对应的后半部分{extra}", None))
    return sorted(hits, key=lambda h: h.offset)


# ---- dates in the text ---------------------------------------------------------------------------
_CN_DIGIT = "〇零○Ｏ一二三四五六七八九"
_CN_COUNT = "一二三四五六七八九十"
_CN_DIGIT_VALUE = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0} | {
    c: i for i, c in enumerate("一二三四五六七八九", 1)
}
_CN_DATE = re.compile(
    rf"([{_CN_DIGIT}]{{4}})年([{_CN_COUNT}]{{1,3}})月(?:([{_CN_COUNT}]{{1,3}})日)?"
)
_PADDED_DATE = re.compile(r"(?<![0-9])(?:([0-9]{4})年)?([0-9]{1,2})月(?:([0-9]{1,2})日)?")


def _valid(month: int | None, day: int | None) -> bool:
    return month is not None and 1 <= month <= 12 and (day is None or 1 <= day <= 31)


def dates(text: str) -> list[Hit]:
    """Dates are written in Arabic digits without zero padding: 2024年7月1日 (GB/T 9704 7.3.5.4,
    GB/T 15835). Catches 二〇二四年七月一日 and 2024年07月01日."""
    hits: list[Hit] = []
    for m in _CN_DATE.finditer(text):
        year = "".join(str(_CN_DIGIT_VALUE[c]) for c in m.group(1))
        year = "" if year.startswith("0") else year
        month = from_chinese(m.group(2))
        day = from_chinese(m.group(3)) if m.group(3) else None
        fix = None
        if year and _valid(month, day):
            fix = f"{year}年{month}月" + (f"{day}日" if day is not None else "")
        hits.append(Hit(m.start(), len(m.group()), "日期应使用阿拉伯数字，如“2024年7月1日”", fix))
    for m in _PADDED_DATE.finditer(text):
        month_s, day_s = m.group(2), m.group(3)
        if not (month_s.startswith("0") or (day_s or "").startswith("0")):
            continue
        month, day = int(month_s), int(day_s) if day_s else None
        fix = None
        if _valid(month, day):
            fix = (
                (f"{m.group(1)}年" if m.group(1) else "")
                + f"{month}月"
                + (f"{day}日" if day is not None else "")
            )
        hits.append(Hit(m.start(), len(m.group()), "日期中的月、日不编虚位（不加前导零）", fix))
    return hits
