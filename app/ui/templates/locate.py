"""Where a ``TemplateProblem`` sits in the template file's text (pure Python, no Qt).

Problems name a docspec field (``title``, ``body[2]``, ``minutes.present``) and a line inside
that field's string, because that is what the clerk thinks in. The editor shows the whole JSON
file, where a multi-line body is ONE JSON line with ``\\n`` escapes. ``locate`` maps the problem
to a character offset: the field's value in the file, then the start of the n-th line inside the
string (counting ``\\n`` escapes), so clicking a problem puts the cursor on the right spot.

Why a small scanner instead of ``json``: the standard parser gives no positions.
"""

from __future__ import annotations

import re
from typing import Any

from app.services.templates import META_FIELDS

Path = tuple[str | int, ...]
_WS = " \t\r\n"
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class _Scan:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.spans: dict[Path, tuple[int, int]] = {}

    def ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in _WS:
            self.i += 1

    def value(self, path: Path) -> None:
        self.ws()
        start = self.i
        if self.i >= len(self.text):
            raise ValueError("end")
        c = self.text[self.i]
        if c == "{":
            self.i += 1
            self.ws()
            if self.text[self.i:self.i + 1] == "}":
                self.i += 1
            else:
                while True:
                    self.ws()
                    key = self.string()
                    self.ws()
                    if self.text[self.i:self.i + 1] != ":":
                        raise ValueError(":")
                    self.i += 1
                    self.value((*path, key))
                    self.ws()
                    c = self.text[self.i:self.i + 1]
                    self.i += 1
                    if c == "}":
                        break
                    if c != ",":
                        raise ValueError(",")
        elif c == "[":
            self.i += 1
            self.ws()
            if self.text[self.i:self.i + 1] == "]":
                self.i += 1
            else:
                n = 0
                while True:
                    self.value((*path, n))
                    n += 1
                    self.ws()
                    c = self.text[self.i:self.i + 1]
                    self.i += 1
                    if c == "]":
                        break
                    if c != ",":
                        raise ValueError(",")
        elif c == '"':
            self.string()
        else:
            m = re.compile(r"-?[\w.+-]+").match(self.text, self.i)
            if not m:
                raise ValueError("value")
            self.i = m.end()
        self.spans[path] = (start, self.i)

    def string(self) -> str:
        if self.text[self.i:self.i + 1] != '"':
            raise ValueError('"')
        j = self.i + 1
        out = []
        while j < len(self.text):
            c = self.text[j]
            if c == "\\":
                out.append(self.text[j:j + 2])
                j += 2
                continue
            if c == '"':
                break
            out.append(c)
            j += 1
        self.i = j + 1
        raw = "".join(out)
        try:
            import json

            return str(json.loads(f'"{raw}"'))
        except ValueError:
            return raw


def value_spans(text: str) -> dict[Path, tuple[int, int]]:
    """Offsets ``(start, end)`` of every value in a JSON text, by path; ``{}`` when the text is
    not valid JSON up to the end (the problems then name file lines themselves)."""
    scan = _Scan(text)
    try:
        scan.value(())
    except (ValueError, IndexError):
        return scan.spans
    return scan.spans


def parse_field(field: str) -> Path:
    out: list[str | int] = []
    for name, index in _PATH_PART.findall(field):
        out.append(int(index) if index else name)
    return tuple(out)


def line_offset(text: str, line: int) -> int:
    """Offset of the start of line ``line`` (1-based) of ``text``."""
    pos = 0
    for _ in range(max(line, 1) - 1):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return len(text)
        pos = nxt + 1
    return pos


def _string_line(text: str, start: int, end: int, line: int) -> int:
    """Offset in ``text`` of line ``line`` inside the JSON string token ``text[start:end]``."""
    if line <= 1:
        return start + 1
    seen = 1
    j = start + 1
    while j < end - 1:
        if text[j] == "\\":
            if text[j + 1:j + 2] == "n":
                seen += 1
                if seen == line:
                    return j + 2
            j += 2
            continue
        j += 1
    return start + 1


def locate(text: str, field: str, line: int | None) -> int:
    """The offset in the template file ``text`` where the problem at ``field``/``line`` is."""
    if field in ("", "（文件）"):
        return line_offset(text, line or 1)
    spans = value_spans(text)
    path = parse_field(field)
    if not path:
        return 0
    if path[0] not in META_FIELDS or path[0] == "document":
        path = ("document", *path) if path[0] != "document" else path
    # the longest prefix of the path that exists (a directive's inner key may be named loosely)
    while path and path not in spans:
        path = path[:-1]
    if not path:
        return 0
    start, end = spans[path]
    target: Any = text[start:start + 1]
    if target == '"':
        return _string_line(text, start, end, line or 1)
    # an object or list: the first string inside it (a directive's expression)
    inner = [span for p, span in spans.items() if p[:len(path)] == path and len(p) > len(path)
             and text[span[0]:span[0] + 1] == '"']
    if inner:
        s, e = min(inner)
        return _string_line(text, s, e, line or 1)
    return start
