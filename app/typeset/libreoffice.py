"""Convert a DOCX to PDF with LibreOffice (headless), with the bundled fonts standing in.

Used by the tests (to check how our DOCX lays out in a real word processor) and by the benchmark.
The DOCX names the official fonts (仿宋_GB2312, 方正小标宋简体 …). Most machines lack them, so we
give soffice a private fontconfig file: the bundled font folder plus ``<alias>`` rules that put the
bundled stand-in right after each official name. When the official font is installed it still
wins (fontconfig tries the names in order); otherwise the stand-in — the same face our PDF
backend embeds — is used, and ``font_substitutions()`` says so.

Each conversion uses its own LibreOffice profile (``-env:UserInstallation``) so parallel runs do
not fight over one profile lock, and a timeout so a hung soffice cannot block a test run. Several
documents convert in one soffice process (``convert_many_to_pdf``): LibreOffice's start is most
of a conversion's cost.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from app import paths
from app.errors import UserError
from app.typeset.notices import Notice, NoticeKind

# Official family names (as written into the DOCX) → bundled stand-in family (checked with fc-scan).
STAND_INS: dict[str, str] = {
    "方正小标宋简体": "GovDesk Title Serif",
    "方正小标宋_GBK": "GovDesk Title Serif",
    "仿宋_GB2312": "FandolFang",
    "仿宋": "FandolFang",
    "楷体_GB2312": "FandolKai",
    "楷体": "FandolKai",
    "黑体": "FandolHei",
    "宋体": "FandolSong",
}

DEFAULT_TIMEOUT = 120.0


class LibreOfficeMissing(UserError):
    """soffice is not installed (or not on PATH)."""


def find_soffice() -> str | None:
    """Path of the soffice executable, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def fontconfig_xml(fonts_dir: Path | None = None) -> str:
    """A fonts.conf that keeps the system configuration, adds the bundled fonts and maps the
    official names to the stand-ins."""
    fonts_dir = fonts_dir or paths.fonts_dir()
    rules = []
    for official, stand_in in STAND_INS.items():
        rules.append(
            f"  <alias binding=\"same\">\n    <family>{escape(official)}</family>\n"
            f"    <accept><family>{escape(stand_in)}</family></accept>\n  </alias>"
        )
    system = ""
    if Path("/etc/fonts/fonts.conf").exists():
        system = "  <include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>\n"
    return (
        "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\n"
        f"{system}  <dir>{escape(str(fonts_dir))}</dir>\n" + "\n".join(rules) + "\n</fontconfig>\n"
    )


def write_fontconfig(workdir: Path) -> Path:
    path = Path(workdir) / "fonts.conf"
    path.write_text(fontconfig_xml(), encoding="utf-8")
    return path


@functools.lru_cache(maxsize=1)
def _installed_families() -> frozenset[str]:
    """Family names fontconfig sees on this machine, without our bundled folder."""
    if not shutil.which("fc-list"):
        return frozenset()
    try:
        out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True,
                             timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    names: set[str] = set()
    for line in out.splitlines():
        names.update(part.strip() for part in line.split(","))
    return frozenset(names)


def font_substitutions(official_names: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """Chinese warnings, one per official font that LibreOffice will replace by a stand-in."""
    installed = _installed_families()
    names = official_names if official_names is not None else list(STAND_INS)
    out: list[str] = []
    for name in names:
        stand_in = STAND_INS.get(name)
        if stand_in and name not in installed:
            out.append(Notice(NoticeKind.CONVERTER_FONT, f"LibreOffice 转换：本机未安装“{name}”，已替代为随附字体“{stand_in}”。"))
    return out


def convert_to_pdf(docx_bytes: bytes, workdir: str | os.PathLike[str] | None = None, *,
                   timeout: float = DEFAULT_TIMEOUT, warnings: list[str] | None = None) -> bytes:
    """Convert DOCX bytes to PDF bytes with ``soffice --headless --convert-to pdf``.

    ``workdir`` holds the input, the output, the fontconfig file and the private profile; a
    temporary folder is used (and removed) when it is None. When ``warnings`` is a list, the
    stand-ins used for missing official fonts are appended to it (in Chinese).
    """
    return convert_many_to_pdf([docx_bytes], workdir, timeout=timeout, warnings=warnings)[0]


def convert_many_to_pdf(documents: Sequence[bytes],
                        workdir: str | os.PathLike[str] | None = None, *,
                        timeout: float | None = None,
                        warnings: list[str] | None = None) -> list[bytes]:
    """Convert several DOCX files (bytes) to PDF bytes, in order, with ONE soffice process
    (``soffice --convert-to pdf a.docx b.docx …``): starting LibreOffice with a new profile and
    setting up its fonts is most of what one conversion costs, and each document is laid out
    exactly as it is alone. ``timeout`` bounds the whole run (default: ``DEFAULT_TIMEOUT`` per
    document); ``workdir`` and ``warnings`` as in ``convert_to_pdf``."""
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeMissing("未找到 LibreOffice（soffice），无法把 DOCX 转换为 PDF。请先安装 LibreOffice。")
    if timeout is None:
        timeout = DEFAULT_TIMEOUT * max(1, len(documents))
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="govdesk-lo-") as tmp:
            return convert_many_to_pdf(documents, tmp, timeout=timeout, warnings=warnings)
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    names = ["document"] if len(documents) == 1 else [f"document{i}"
                                                      for i in range(len(documents))]
    sources = []
    for name, data in zip(names, documents, strict=True):
        src = work / f"{name}.docx"
        src.write_bytes(data)
        sources.append(str(src))
    out_dir = work / "out"
    out_dir.mkdir(exist_ok=True)
    profile = work / "lo-profile"
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(write_fontconfig(work))
    env["HOME"] = str(work)  # soffice writes caches under $HOME; keep them private too
    env.pop("SAL_USE_VCLPLUGIN", None)
    cmd = [
        soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
        "--nologo", "--nodefault", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out_dir),
        *sources,
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        raise UserError(f"LibreOffice 转换超时（超过 {timeout:.0f} 秒）。") from None
    except OSError as exc:
        raise LibreOfficeMissing(f"无法启动 LibreOffice：{exc}") from None
    pdfs = [out_dir / f"{name}.pdf" for name in names]
    if proc.returncode != 0 or not all(pdf.exists() for pdf in pdfs):
        detail = (proc.stderr or proc.stdout or "").strip().splitlines()
        tail = detail[-1] if detail else f"退出码 {proc.returncode}"
        raise UserError(f"LibreOffice 未能把 DOCX 转换为 PDF：{tail}")
    if warnings is not None:
        warnings.extend(font_substitutions())
    return [pdf.read_bytes() for pdf in pdfs]
