"""Font roles, resolution of the official GB/T 9704 fonts, bundled fallbacks, glyph coverage.

GB/T 9704 names 方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312 and 宋体. They are proprietary, so we use
them when the workstation has them (Windows Fonts folder, Linux/macOS font folders) and otherwise
the open stand-ins in resources/fonts. reportlab embeds only TrueType outlines, so a CFF font
(.otf / Noto CJK .ttc) is skipped even when its name matches.

Fonts are opened and registered with reportlab ONCE per process (``font_set()`` is cached):
batch printing 200 documents must not re-read 10 MB font files 200 times. A face is opened only
when a page first uses it (issue 30: a one-page 函 does not pay for 楷体), and what parsing a
TrueType file costs is kept between processes by ``fontcache`` (validated against the file).

A role's face is never "satisfied" by a face of another role: a Song face is not 仿宋. When the
role's face lacks a glyph, the next faces of the chain stand in for that one character only, and
the renderer is told (``FontSet.face_for`` returns the face, the caller records a warning).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont, TTFontFace

from app import paths
from app.typeset.notices import Notice, NoticeKind

ROLES = ("xiaobiaosong", "fangsong", "heiti", "kaiti", "songti")
ROLE_LABELS = {
    "xiaobiaosong": "小标宋",
    "fangsong": "仿宋",
    "heiti": "黑体",
    "kaiti": "楷体",
    "songti": "宋体",
}

# The name the DOCX backend writes for each role (what Word/WPS in a government office knows).
OFFICIAL_NAMES: dict[str, str] = {
    "xiaobiaosong": "方正小标宋简体",
    "fangsong": "仿宋_GB2312",
    "heiti": "黑体",
    "kaiti": "楷体_GB2312",
    "songti": "宋体",
}

# Acceptable installed faces per role, best first: (file names, case-insensitive; TTC subfont index).
# Name variants from gbt9704.md §8 and [PK] fonts.py. Only faces OF THE ROLE are listed.
OFFICIAL_FILES: dict[str, tuple[tuple[str, int], ...]] = {
    "xiaobiaosong": (
        ("FZXBSJW.TTF", 0),  # 方正小标宋简体 FZXiaoBiaoSong-B05S
        ("方正小标宋简体.ttf", 0),
        ("FZXiaoBiaoSong-B05S.ttf", 0),
        ("FZXBSK.TTF", 0),  # 方正小标宋_GBK FZXiaoBiaoSong-B05
        ("方正小标宋_GBK.ttf", 0),
        ("FZXiaoBiaoSong-B05.ttf", 0),
    ),
    "fangsong": (
        ("仿宋_GB2312.ttf", 0),
        ("FS_GB2312.ttf", 0),  # 中易 file name of 仿宋_GB2312
        ("FangSong_GB2312.ttf", 0),
        ("SIMFANG.TTF", 0),  # Windows 仿宋 FangSong (GBK)
        ("FZFSJW.TTF", 0),  # 方正仿宋简体 FZFangSong-Z02S
        ("FZFangSong-Z02S.ttf", 0),
        ("STFANGSO.TTF", 0),  # 华文仿宋 STFangsong
        ("STFangsong.ttf", 0),
    ),
    "heiti": (
        ("SIMHEI.TTF", 0),  # 黑体 SimHei
        ("FZHTJW.TTF", 0),  # 方正黑体简体 FZHei-B01S
        ("FZHei-B01S.ttf", 0),
        ("STHeiti.ttf", 0),
    ),
    "kaiti": (
        ("楷体_GB2312.ttf", 0),
        ("KAITI_GB2312.ttf", 0),  # 中易 file name of 楷体_GB2312
        ("SIMKAI.TTF", 0),  # Windows 楷体 KaiTi (GBK)
        ("FZKTJW.TTF", 0),  # 方正楷体简体 FZKai-Z03S
        ("FZKai-Z03S.ttf", 0),
        ("STKAITI.TTF", 0),  # 华文楷体 STKaiti
        ("STKaiti.ttf", 0),
    ),
    "songti": (
        ("SIMSUN.TTC", 0),  # 宋体 SimSun
        ("simsun.ttf", 0),
        ("FZSSJW.TTF", 0),  # 方正书宋简体
        ("STSONG.TTF", 0),
    ),
}

BUNDLED: dict[str, str] = {
    "xiaobiaosong": "GovDeskTitleSerif-Regular.ttf",
    "fangsong": "FandolFang-Regular.ttf",
    "heiti": "FandolHei-Regular.ttf",
    "kaiti": "FandolKai-Regular.ttf",
    "songti": "FandolSong-Regular.ttf",
}

# Where a character is missing from a role's face, try these roles' faces next (per character).
FALLBACK_ORDER: dict[str, tuple[str, ...]] = {
    "xiaobiaosong": ("songti", "heiti", "fangsong", "kaiti"),
    "fangsong": ("kaiti", "songti", "heiti", "xiaobiaosong"),
    "heiti": ("fangsong", "songti", "kaiti", "xiaobiaosong"),
    "kaiti": ("fangsong", "songti", "heiti", "xiaobiaosong"),
    "songti": ("fangsong", "heiti", "kaiti", "xiaobiaosong"),
}

# Set GOVDESK_SYSTEM_FONTS=0 to ignore installed fonts (reproducible output, tests).
SYSTEM_FONTS_ENV = "GOVDESK_SYSTEM_FONTS"
EXTRA_DIRS_ENV = "GOVDESK_FONT_DIRS"  # os.pathsep-separated extra folders to search first


@dataclass(frozen=True)
class Face:
    """One registered TrueType face."""

    role: str
    name: str  # reportlab registration name, unique per process
    family: str  # PostScript name from the file (what pdffonts shows)
    path: Path
    official: bool  # an official face of the role, not a stand-in
    font: TTFont = field(compare=False, repr=False)

    def has(self, ch: str) -> bool:
        return ord(ch) in self.font.face.charToGlyph

    def width(self, text: str, size: float) -> float:
        if len(text) == 1:  # the layout asks for single characters thousands of times
            key = (text, size)
            w = _WIDTHS.get(self.name, {}).get(key)
            if w is None:
                w = self.font.stringWidth(text, size)
                _WIDTHS.setdefault(self.name, {})[key] = w
            return w
        return self.font.stringWidth(text, size)


_WIDTHS: dict[str, dict[tuple[str, float], float]] = {}


def font_dirs() -> list[Path]:
    """Font folders of this workstation, most specific first."""
    dirs: list[Path] = []
    extra = os.environ.get(EXTRA_DIRS_ENV)
    if extra:
        dirs += [Path(p) for p in extra.split(os.pathsep) if p]
    home = Path.home()
    if sys.platform.startswith("win"):
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        dirs.append(windir / "Fonts")
        local = os.environ.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    elif sys.platform == "darwin":
        dirs += [home / "Library" / "Fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts")]
    else:
        dirs += [home / ".local" / "share" / "fonts", home / ".fonts",
                 Path("/usr/local/share/fonts"), Path("/usr/share/fonts")]
    return [d for d in dirs if d.is_dir()]


def _index_font_files(dirs: list[Path]) -> dict[str, Path]:
    """lower-case file name → path, over the font folders (recursive; first hit wins)."""
    index: dict[str, Path] = {}
    for d in dirs:
        for root, _subdirs, files in os.walk(d):
            for f in files:
                if f.lower().endswith((".ttf", ".ttc")):
                    index.setdefault(f.lower(), Path(root) / f)
    return index


def _load_ttfont(name: str, path: Path, sub: int) -> TTFont:
    """``TTFont(name, path, subfontIndex=sub)``, with the parse taken from the font cache when
    it was made from this very file (see fontcache), and stored there otherwise."""
    from app.typeset import fontcache

    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        data = fh.read()
    folder = fontcache.cache_dir()
    key = fontcache.file_key(path, sub, data, st)
    state = fontcache.read(folder, path, sub, key)
    if state is not None:
        try:
            return _ttfont_from_state(name, path, data, state)
        except (AttributeError, KeyError, TypeError, ValueError, ZeroDivisionError):
            pass  # an entry this reportlab cannot use: parse as if there were none
    font = TTFont(name, str(path), subfontIndex=sub)
    if font.face._ttf_data == data:  # the file did not change between our read and reportlab's
        fontcache.write(folder, path, sub, key, fontcache.face_state(font.face))
    return font


class _CachedFace(TTFontFace):
    """A reportlab face whose parse came from the font cache; the attributes only the parse
    uses (``fontcache.LAZY``) are decoded when first read."""

    def __getattr__(self, name: str):
        lazy: dict = self.__dict__.get("_lazy") or {}
        pending = lazy.get(name)
        if pending is None:
            raise AttributeError(name)
        value = pending.value()  # two threads may both decode it: the same value
        setattr(self, name, value)
        lazy.pop(name, None)
        return value


def _ttfont_from_state(name: str, path: Path, data: bytes, state: dict) -> TTFont:
    """The TTFont reportlab would build from ``path``, its parsed attributes given (what
    ``TTFont.__init__`` does, minus the parse; a test compares both attribute by attribute)."""
    from weakref import WeakKeyDictionary

    from reportlab import rl_config
    from reportlab.pdfbase import ttfonts

    from app.typeset import fontcache

    face = _CachedFace.__new__(_CachedFace)
    pdfmetrics.TypeFace.__init__(face, None)
    lazy = {k: v for k, v in state.items() if isinstance(v, fontcache.Lazy)}
    face.__dict__.update({k: v for k, v in state.items() if k not in lazy})
    face._lazy = lazy
    face._ttf_data = data
    face._pos = 0
    face.filename = str(path)
    units = state["unitsPerEm"]
    if units == 1000:
        face._pdfScale = lambda x: x
    else:
        mult = 1000 / units
        face._pdfScale = lambda x: x * mult
    font = TTFont.__new__(TTFont)
    font.fontName = name
    font.face = face
    font.encoding = ttfonts.TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch.fnmatch(name, g) for g in ttfonts.unShapedFontGlob)
    return font


def _open(role: str, path: Path, sub: int, official: bool) -> Face | None:
    # One registration name per file: two FontSets (tests, a changed font folder) never clobber
    # each other's faces in reportlab's process-wide registry.
    digest = hashlib.sha1(f"{path.resolve()}#{sub}".encode()).hexdigest()[:8]
    name = f"GovDesk-{role}-{'official' if official else 'fallback'}-{digest}"
    if name in _registered:
        return _registered[name]
    try:
        font = _load_ttfont(name, path, sub)
    except (TTFError, OSError, ValueError, KeyError):
        return None  # CFF outlines, broken file, unreadable: skip it
    pdfmetrics.registerFont(font)
    family = font.face.name.decode("latin-1") if isinstance(font.face.name, bytes) else str(font.face.name)
    face = Face(role, name, family, path, official, font)
    _registered[name] = face
    return face


_registered: dict[str, Face] = {}


class FontSet:
    """The faces of one process: per role the official face (if installed) and the bundled one.

    Which files are candidates is settled at once (a walk of the font folders); a role's face is
    opened the first time it is asked for (``face``, ``face_for``, ``stand_ins`` of that role)."""

    def __init__(self, use_system: bool = True) -> None:
        index = _index_font_files(font_dirs()) if use_system else {}
        # per role: the installed official files (best first), then the bundled stand-in
        self._candidates: dict[str, list[tuple[Path, int, bool]]] = {}
        for role in ROLES:
            found = [(index[fname.lower()], sub, True) for fname, sub in OFFICIAL_FILES[role]
                     if fname.lower() in index]
            self._candidates[role] = found + [(paths.fonts_dir() / BUNDLED[role], 0, False)]
        self._faces: dict[str, Face] = {}
        self._open_lock = threading.Lock()
        self._cache: dict[tuple[str, str], Face | None] = {}

    @property
    def primary(self) -> dict[str, Face]:
        """Every role's face (opens all of them)."""
        return {role: self.face(role) for role in ROLES}

    def loaded_roles(self) -> set[str]:
        """The roles whose face has been opened so far."""
        return set(self._faces)

    def face(self, role: str) -> Face:
        face = self._faces.get(role)
        if face is not None:
            return face
        with self._open_lock:
            face = self._faces.get(role)
            if face is None:
                for path, sub, official in self._candidates[role]:
                    face = _open(role, path, sub, official=official)
                    if face is not None:
                        break
                if face is None:  # pragma: no cover - the bundled files ship with the program
                    raise RuntimeError(f"缺少内置字体 {BUNDLED[role]}")
                self._faces[role] = face
        return face

    def _chain_roles(self, role: str) -> tuple[str, ...]:
        return (role, *FALLBACK_ORDER[role])

    def chain(self, role: str) -> list[Face]:
        return [self.face(r) for r in self._chain_roles(role)]

    def face_for(self, role: str, ch: str) -> Face | None:
        """The face that draws ``ch`` for ``role``: the role's face when it has the glyph, else
        the first face of the chain that has it; None when no face has it."""
        key = (role, ch)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = None
        for r in self._chain_roles(role):  # a fallback face is opened only when it is needed
            face = self.face(r)
            if face.has(ch):
                found = face
                break
        self._cache[key] = found
        return found

    def stand_ins(self, roles: set[str] | None = None) -> dict[str, Face]:
        """Roles (among ``roles``) whose face is a bundled stand-in, not an official font."""
        wanted = ROLES if roles is None else [r for r in ROLES if r in roles]
        return {r: f for r in wanted if not (f := self.face(r)).official}


def stand_in_warning(role: str, face: Face) -> str:
    return Notice(NoticeKind.FONT_STAND_IN, f"未找到{OFFICIAL_NAMES[role]}，已用替代字体 {face.family} 代替（{ROLE_LABELS[role]}）。")


def missing_glyph_warning(ch: str) -> str:
    return Notice(NoticeKind.GLYPH_MISSING, f"字符“{ch}”（U+{ord(ch):04X}）在所有字体中都没有字形。")


def substitute_glyph_warning(ch: str, role: str, face: Face) -> str:
    return Notice(NoticeKind.GLYPH_SUBSTITUTED,
                  f"字符“{ch}”在{ROLE_LABELS[role]}字体中没有字形，已用 {face.family} 代替。")


_lock = threading.Lock()
_font_set: FontSet | None = None


def font_set() -> FontSet:
    """The process-wide font set (opened and registered once)."""
    global _font_set
    if _font_set is None:
        with _lock:
            if _font_set is None:
                use_system = os.environ.get(SYSTEM_FONTS_ENV, "1") not in ("0", "false", "no")
                _font_set = FontSet(use_system=use_system)
    return _font_set
