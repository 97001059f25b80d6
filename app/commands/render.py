"""``python -m app render IN.json -o OUT.pdf|OUT.docx``: print a description file.

The output format follows the suffix. Bad input exits 2 with one Chinese message naming the field
and writes nothing: the bytes are written through the paper path (``app.services.output.save``:
atomic, never half a file). Warnings (a stand-in font, a missing glyph) are the path's typed
warnings; they go to stderr as ``警告：…`` and do not fail the run.
A description with unfilled placeholders (×××, XX, （…）, __) is refused (exit 2) unless
``--allow-placeholders`` is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.errors import InputError

SUFFIXES = {".pdf": "pdf", ".docx": "docx"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="按 GB/T 9704-2012 排版公文描述文件，输出 PDF 或 DOCX")
    p.add_argument("input", help="公文描述文件（JSON）")
    p.add_argument("-o", "--output", required=True, help="输出文件，扩展名 .pdf 或 .docx")
    p.add_argument("--allow-placeholders", action="store_true",
                   help="文中有未填写的占位符（×××、XX、（…）、__ 等）时仍然输出（默认拒绝）")
    p.set_defaults(func=cmd_render)


def cmd_render(args: argparse.Namespace) -> int:
    from app.typeset import render
    from app.typeset.spec import load_description

    out = Path(args.output)
    fmt = SUFFIXES.get(out.suffix.lower())
    if fmt is None:
        raise InputError(f"输出文件“{out.name}”的扩展名应为 .pdf 或 .docx。")
    if not out.parent.is_dir() and str(out.parent):
        raise InputError(f"输出文件夹不存在：{out.parent}")
    doc = load_description(args.input)
    from app.domain.proofread import document_to_description
    from app.services import placeholders

    try:
        placeholders.check(document_to_description(doc), args.allow_placeholders)
    except placeholders.UnfilledPlaceholders as exc:
        raise InputError(exc.message.replace("请确认后再打印", "请加 --allow-placeholders")) from None
    from app.services import output

    result = render(doc, fmt)
    output.save(result.data, out)  # a full disk says so, and that nothing was written
    for w in output.typed(result.warnings):
        print(f"警告：{w.text}", file=sys.stderr)
    return 0
