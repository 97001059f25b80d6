"""Chinese numerals (小写汉字数字) as used in 公文: heading numbers (一、 （十二）), report names
(续报十一) and the dates clerks still type the 1999 way (二〇二四年七月一日).

Two readings exist and both are needed: *counting* numerals (十二, 二十一, 一百零五) and
*digit-by-digit* numerals for years (二〇二四, 二零二四). Only 0–9999 are supported; 公文 never
needs more and refusing is safer than guessing.
"""

from __future__ import annotations

DIGITS = "〇一二三四五六七八九"
_DIGIT_VALUE = {c: i for i, c in enumerate(DIGITS)} | {"零": 0, "两": 2}
_UNIT_VALUE = {"十": 10, "百": 100, "千": 1000}

#: Characters that may appear in a counting numeral (for regular expressions).
NUMERAL_CHARS = "〇零一二两三四五六七八九十百千"


def to_chinese(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五, 1010 → 一千零一十.

    The leading 一 of 十 is dropped only for 10–19 (十一, not 一十一), as in headings."""
    if not 0 <= n <= 9999:
        raise ValueError(f"out of range: {n}")
    if n == 0:
        return "零"
    parts: list[str] = []
    zero_pending = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, unit)
        if d:
            if zero_pending:
                parts.append("零")
                zero_pending = False
            parts.append(DIGITS[d] + name)
        elif parts:
            zero_pending = True
    text = "".join(parts)
    if text.startswith("一十"):
        text = text[1:]
    return text


def from_chinese(text: str) -> int | None:
    """Read a counting numeral (十一, 二十, 一百零五) or a digit string (二〇二四); None if the
    text is not a well-formed numeral."""
    if not text:
        return None
    if all(c in _DIGIT_VALUE for c in text):
        if len(text) == 1:
            return _DIGIT_VALUE[text]
        if len(text) >= 2 and text[0] not in "〇零":
            return int("".join(str(_DIGIT_VALUE[c]) for c in text))
        return None
    total = 0
    current: int | None = None
    last_unit = 10_000
    for c in text:
        if c in "零〇":
            if current is not None or last_unit == 10_000:
                return None
            continue
        if c in _DIGIT_VALUE:
            if current is not None:
                return None
            current = _DIGIT_VALUE[c]
        elif c in _UNIT_VALUE:
            unit = _UNIT_VALUE[c]
            if unit >= last_unit:
                return None
            if current is None:
                if c != "十" or total:
                    return None
                current = 1
            total += current * unit
            current = None
            last_unit = unit
        else:
            return None
    if current is not None:
        total += current
    return total


def digits_to_arabic(text: str) -> str | None:
    """Digit-by-digit reading for years: 二〇二四 → "2024"; None if a character is not a digit."""
    if not text or not all(c in _DIGIT_VALUE for c in text):
        return None
    return "".join(str(_DIGIT_VALUE[c]) for c in text)
