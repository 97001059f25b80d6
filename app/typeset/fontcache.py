"""What parsing a TrueType file costs, kept between processes (issue 30).

reportlab parses a whole CJK font when it opens it (names, metrics, the cmap of 10 000–40 000
characters, the advance of every glyph, the glyph offsets): 150–550 ms per face, paid again by
every ``python -m app render``. The result of that parse — the face's attributes, not the glyph
outlines — is stored in ``<data folder>/cache/fonts/`` and used instead of parsing when it is
valid for the very file being opened:

* the key records the font file's size, mtime and the SHA-256 of its bytes (read anyway: the
  outlines are subset from them when a PDF is written), its path and subfont index, the reportlab
  version and the reportlab settings the parse depends on, the byte order and this format;
* the entry's body carries its own SHA-256 (a torn or damaged file is a miss, never a wrong font);
* it is written to a temporary file in the same folder and renamed over the old one (atomic);
* a parse is only stored when decoding what would be written gives back exactly the parsed
  attributes; anything unexpected (a new attribute type in a later reportlab) means no cache.

The format is data only (a JSON header and typed arrays), never pickle: a cache file cannot run
code. A cache that cannot be read or written (read-only data folder) costs only the parse.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from array import array
from itertools import accumulate
from pathlib import Path
from typing import Any

from app.atomicfile import atomic_write

FORMAT = 1
MAGIC = b"GOVDESK-FONT-METRICS\n"
# Attributes of a parsed face that are not cached: the file's bytes (read from the file itself),
# the read position, the scaling function (rebuilt from unitsPerEm), the file name (the caller's).
EXCLUDED = ("_ttf_data", "_pos", "_pdfScale", "filename", "_lazy")
# Attributes only the parse itself uses (reportlab reads glyphToChar nowhere else): decoded on
# first access, not when the face is opened.
LAZY = frozenset({"glyphToChar"})
_ARRAY_MIN = 16  # shorter int lists stay in the JSON header


class Unsupported(Exception):
    """A value this format does not store (the parse is then simply not cached)."""


def cache_dir() -> Path | None:
    """``<data folder>/cache/fonts`` (not created here), or None when there is no data folder."""
    from app.config import data_dir

    try:
        return data_dir(create=False) / "cache" / "fonts"
    except (OSError, RuntimeError, KeyError):  # pragma: no cover - no home folder: just parse
        return None


def file_key(path: Path, sub: int, data: bytes, st: os.stat_result) -> dict[str, Any]:
    """What a cache entry must have been made from to be used for this file."""
    import reportlab
    from reportlab import rl_config

    return {
        "format": FORMAT,
        "path": str(path.resolve()),
        "subfont": sub,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "sha256": hashlib.sha256(data).hexdigest(),
        "reportlab": reportlab.Version,
        "rl_config": [repr(getattr(rl_config, "allowTTFSubsetting", None)),
                      repr(getattr(rl_config, "autoGenerateTTFMissingTTFName", None))],
        "byteorder": sys.byteorder,
    }


def entry_path(folder: Path, path: Path, sub: int) -> Path:
    name = hashlib.sha256(f"{path.resolve()}#{sub}".encode()).hexdigest()[:24]
    return folder / f"{name}.metrics"


# ---- encoding -----------------------------------------------------------------------------------
def _is_int(v: Any) -> bool:
    return type(v) is int and -(2**63) <= v < 2**63


def _add(arrays: list[array], code: str, values) -> int:
    arrays.append(array(code, values))
    return len(arrays) - 1


def _encode(v: Any, arrays: list[array]) -> Any:
    from reportlab.pdfbase.ttfonts import TTFNameBytes

    if v is None or type(v) in (bool, str, int):
        return v
    if type(v) is float:
        return {"F": v.hex()}  # exact, and inf/nan safe
    if type(v) is TTFNameBytes:
        ustr = getattr(v, "ustr", None)
        if not isinstance(ustr, str) or ustr.encode("utf8") != bytes(v):
            raise Unsupported("name bytes")
        return {"N": ustr}
    if type(v) is bytes:
        return {"B": v.hex()}
    if type(v) is tuple:
        return {"T": [_encode(x, arrays) for x in v]}
    if type(v) is list:
        if len(v) >= _ARRAY_MIN and all(_is_int(x) for x in v):
            return {"Ai": _add(arrays, "q", v)}
        if len(v) >= _ARRAY_MIN and all(type(x) is tuple and len(x) == 2 and _is_int(x[0])
                                        and _is_int(x[1]) for x in v):
            return {"Ap": _add(arrays, "q", (n for pair in v for n in pair))}
        return {"L": [_encode(x, arrays) for x in v]}
    if type(v) is dict:
        keys = list(v)
        if all(type(k) is str for k in keys):
            return {"D": {k: _encode(x, arrays) for k, x in v.items()}}
        if not all(_is_int(k) for k in keys):
            raise Unsupported("dict keys")
        values = list(v.values())
        kidx = _add(arrays, "q", keys)
        if all(_is_int(x) for x in values):
            return {"Di": [kidx, _add(arrays, "q", values)]}
        if all(type(x) is float for x in values):
            return {"Df": [kidx, _add(arrays, "d", values)]}
        if all(type(x) is list and all(_is_int(n) for n in x) for x in values):
            counts = _add(arrays, "q", (len(x) for x in values))
            flat = _add(arrays, "q", (n for x in values for n in x))
            return {"Dl": [kidx, counts, flat]}
        return {"Dk": [kidx, [_encode(x, arrays) for x in values]]}
    raise Unsupported(type(v).__name__)


def _decode(node: Any, arrays: list[array]) -> Any:
    from reportlab.pdfbase.ttfonts import TTFNameBytes

    if node is None or type(node) in (bool, str, int):
        return node
    if type(node) is not dict or len(node) != 1:
        raise ValueError("bad node")
    (tag, val), = node.items()
    if tag == "F":
        return float.fromhex(val)
    if tag == "N":
        return TTFNameBytes(val.encode("utf8"), "utf8")
    if tag == "B":
        return bytes.fromhex(val)
    if tag == "T":
        return tuple(_decode(x, arrays) for x in val)
    if tag == "L":
        return [_decode(x, arrays) for x in val]
    if tag == "Ai":
        return arrays[val].tolist()
    if tag == "Ap":
        flat = iter(arrays[val].tolist())
        return list(zip(flat, flat, strict=False))
    if tag == "D":
        return {k: _decode(x, arrays) for k, x in val.items()}
    if tag in ("Di", "Df"):
        return dict(zip(arrays[val[0]].tolist(), arrays[val[1]].tolist(), strict=False))
    if tag == "Dl":
        keys, counts, flat = (arrays[i].tolist() for i in val)
        ends = list(accumulate(counts))
        return dict(zip(keys, [flat[e - n:e] for n, e in zip(counts, ends, strict=True)], strict=False))
    if tag == "Dk":
        return dict(zip(arrays[val[0]].tolist(), (_decode(x, arrays) for x in val[1]), strict=False))
    raise ValueError(f"bad tag {tag}")


def face_state(face: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(face).items() if k not in EXCLUDED}


def dumps(key: dict[str, Any], state: dict[str, Any]) -> bytes:
    """The bytes of a cache entry (raises Unsupported for a value the format does not store)."""
    arrays: list[array] = []
    nodes = {k: _encode(v, arrays) for k, v in state.items()}
    blob = b"".join(a.tobytes() for a in arrays)
    header = {"key": key, "state": nodes, "arrays": [[a.typecode, len(a)] for a in arrays],
              "blob_sha256": hashlib.sha256(blob).hexdigest()}
    head = json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    body_sha = hashlib.sha256(head + b"\n" + blob).hexdigest().encode("ascii")
    return MAGIC + body_sha + b"\n" + head + b"\n" + blob


class Lazy:
    """A stored attribute not decoded yet (``value()`` decodes it)."""

    __slots__ = ("_arrays", "_node")

    def __init__(self, node: Any, arrays: list[array]) -> None:
        self._node, self._arrays = node, arrays

    def value(self) -> Any:
        return _decode(self._node, self._arrays)


def loads(raw: bytes, key: dict[str, Any], *, lazy: bool = False) -> dict[str, Any] | None:
    """The face state stored in ``raw`` if it was made for ``key`` and is intact, else None.
    With ``lazy`` the attributes of ``LAZY`` come as ``Lazy`` values."""
    try:
        if not raw.startswith(MAGIC):
            return None
        rest = raw[len(MAGIC):]
        body_sha, body = rest[:64], rest[65:]
        if rest[64:65] != b"\n" or hashlib.sha256(body).hexdigest().encode("ascii") != body_sha:
            return None
        nl = body.index(b"\n")
        header = json.loads(body[:nl].decode("ascii"))
        if header.get("key") != key:
            return None
        blob = memoryview(body)[nl + 1:]
        arrays: list[array] = []
        pos = 0
        for code, count in header["arrays"]:
            if code not in ("q", "d") or type(count) is not int or count < 0:
                return None
            a = array(code)
            end = pos + count * a.itemsize
            if end > len(blob):
                return None
            a.frombytes(blob[pos:end])
            arrays.append(a)
            pos = end
        if pos != len(blob):
            return None
        return {k: Lazy(v, arrays) if lazy and k in LAZY else _decode(v, arrays)
                for k, v in header["state"].items()}
    except (ValueError, KeyError, TypeError, IndexError, UnicodeError, OverflowError):
        return None


def read(folder: Path | None, path: Path, sub: int, key: dict[str, Any]) -> dict[str, Any] | None:
    if folder is None:
        return None
    try:
        raw = entry_path(folder, path, sub).read_bytes()
    except OSError:
        return None
    return loads(raw, key, lazy=True)


def write(folder: Path | None, path: Path, sub: int, key: dict[str, Any],
          state: dict[str, Any]) -> bool:
    """Store ``state`` for the file (atomically); False when it is not stored."""
    if folder is None:
        return False
    try:
        raw = dumps(key, state)
    except Unsupported:
        return False
    if loads(raw, key) != state:  # never store what would not come back exactly
        return False
    target = entry_path(folder, path, sub)
    try:
        atomic_write(target, raw)
    except OSError:
        return False
    return True
