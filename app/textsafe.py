"""Text and JSON that come from outside (files, forms, packages, templates): refuse or strip what
nothing downstream can hold, before it is stored or laid out.

* **Control characters** (C0 except tab/newline/carriage return, DEL, C1) and the non-characters
  U+FFFE/U+FFFF are not allowed in XML: a DOCX holding one cannot be written (python-docx/lxml
  raise ``ValueError``), and one stored in a title made that record's DOCX export fail for good.
* **Lone surrogates** (U+D800–U+DFFF, reachable through JSON ``\\ud800`` escapes) cannot be encoded
  as UTF-8: the PDF, the DOCX and the database's text all fail on them.
* **JSON** deeper than the interpreter's recursion limit raises ``RecursionError`` and an integer of
  more than 4,300 digits ``ValueError``; ``loads_json`` turns both into an ``InputError``.

Pure: no Qt, no database, no driver.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.errors import InputError

_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BAD_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")  # also \t \n \r
MAX_JSON_DEPTH = 64


def bad_char(text: str, *, single_line: bool = False) -> tuple[int, str] | None:
    """``(index, character)`` of the first character ``text`` may not hold, or None.
    ``single_line``: tab, newline and carriage return are refused too."""
    m = (_BAD_IN_LINE if single_line else _BAD).search(text)
    return (m.start(), m.group()) if m else None


def describe_char(ch: str) -> str:
    """``控制字符 U+0007`` / ``无效的 Unicode 代理字符 U+D800``."""
    kind = "无效的 Unicode 代理字符" if "\ud800" <= ch <= "\udfff" else (
        "非字符" if ch in "\ufffe\uffff" else "控制字符")
    return f"{kind} U+{ord(ch):04X}"


def check_text(text: str, field: str, *, single_line: bool = False) -> str:
    """``text`` unchanged, or an ``InputError`` naming ``field``, the character and where."""
    found = bad_char(text, single_line=single_line)
    if found is not None:
        pos, ch = found
        raise InputError(f"字段 {field} 第 {pos + 1} 个字符是{describe_char(ch)}，不能保存或排版，请删去。")
    return text


def clean_text(text: str, *, single_line: bool = False) -> str:
    """``text`` with the characters above removed (a vertical tab or form feed pasted from Word
    becomes a newline, or a space in a single line; in a single line a tab/newline becomes a
    space)."""
    if single_line:
        text = re.sub("[\t\n\r\x0b\x0c\x85\u2028\u2029]+", " ", text)
    else:
        text = re.sub("[\x0b\x0c\u2028\u2029]", "\n", text)
    return (_BAD_IN_LINE if single_line else _BAD).sub("", text)


def json_depth_problem(obj: Any, *, limit: int = MAX_JSON_DEPTH) -> str | None:
    """A Chinese sentence when ``obj`` nests lists/objects deeper than ``limit`` (iterative:
    works on any depth), else None."""
    todo: list[tuple[Any, int]] = [(obj, 1)]
    while todo:
        value, depth = todo.pop()
        if isinstance(value, (list, tuple, dict)):
            if depth > limit:
                return f"嵌套层数超过 {limit} 层"
            items = value.values() if isinstance(value, dict) else value
            todo.extend((v, depth + 1) for v in items)
    return None


def loads_json(text: str | bytes, what: str) -> Any:
    """``json.loads`` whose every failure is an ``InputError`` that starts with ``what``
    (``文件 x.json``): not JSON (line and column), nested too deep, a number too long."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}。") from None
    except RecursionError:
        raise InputError(f"{what} 嵌套层数过多（超过 {MAX_JSON_DEPTH} 层），不予处理。") from None
    except ValueError as exc:  # int_max_str_digits: "Exceeds the limit (4300 digits)"
        if "digits" in str(exc):
            raise InputError(f"{what} 中有位数过多的数字（超过 4300 位），不予处理。") from None
        raise InputError(f"{what} 不是有效的 JSON：{exc}") from None
    problem = json_depth_problem(obj)
    if problem:
        raise InputError(f"{what} {problem}，不予处理。")
    return obj


def clean_strings(value: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings) with ``clean_text`` applied to every
    string, keys included; other values unchanged. Iterative: any depth."""
    def fresh(v: Any) -> Any:
        if isinstance(v, str):
            return clean_text(v)
        if isinstance(v, dict):
            return {}
        if isinstance(v, (list, tuple)):
            return []
        return v

    root = fresh(value)
    todo: list[tuple[Any, Any]] = [(value, root)] if isinstance(value, (dict, list, tuple)) else []
    while todo:
        src, dst = todo.pop()
        if isinstance(src, dict):
            for k, v in src.items():
                dst[clean_text(k) if isinstance(k, str) else k] = new = fresh(v)
                if isinstance(v, (dict, list, tuple)):
                    todo.append((v, new))
        else:
            for v in src:
                new = fresh(v)
                dst.append(new)
                if isinstance(v, (dict, list, tuple)):
                    todo.append((v, new))
    return root
