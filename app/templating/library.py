"""Finding templates: a path, or the name of a shipped default in resources/templates, with
demo data in resources/demo/templates/<stem>.json; and rendering one to bytes in a format.

Shipped files are named by an ASCII stem (``notice.json``, ``form_roster.docx``) so they travel
through any archive tool; the Chinese name comes from the template itself and either is accepted
on the command line.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import paths
from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar
from app.errors import InputError
from app.templating.description import DescriptionTemplate
from app.templating.wordform import WordForm, docx_to_pdf, form_info
from app.textsafe import loads_json

AnyTemplate = DescriptionTemplate | WordForm
FORMATS = ("pdf", "docx", "json")


@dataclass(frozen=True)
class ShippedTemplate:
    stem: str
    name: str
    kind: str
    form: str  # "公文" (description) or "Word 表单"
    path: Path
    description: str


def demo_dir() -> Path:
    return paths.resource("demo", "templates")


def shipped_templates() -> list[ShippedTemplate]:
    out = []
    for path in sorted(paths.templates_dir().glob("*.json")):
        t = DescriptionTemplate.from_text(path.read_text(encoding="utf-8"), name=path.stem)
        out.append(ShippedTemplate(path.stem, t.name, t.kind, "公文", path, t.description))
    for path in sorted(paths.templates_dir().glob("*.docx")):
        # the core properties only: listing the forms does not import python-docx
        f = form_info(path.read_bytes(), name=path.stem)
        out.append(ShippedTemplate(path.stem, f.name, f.kind, "Word 表单", path, f.description))
    return out


def load_template(spec: str | Path) -> AnyTemplate:
    """A template from a file path (.json or .docx) or a shipped template's stem or name."""
    path = Path(spec)
    if path.is_file():
        return _load_path(path, with_demo=False)
    text = str(spec).strip()
    for item in shipped_templates():
        if text in (item.stem, item.name):
            return _load_path(item.path, with_demo=True)
    names = "、".join(t.name for t in shipped_templates())
    raise InputError(f"找不到模板“{text}”：既不是文件，也不是内置模板（内置：{names}）。")


def load_description_template(spec: str | Path) -> DescriptionTemplate:
    """``load_template`` for a caller that fills a description (JSON) template: a Word form is
    refused with a clear message (its ``render`` gives DOCX bytes, not a description)."""
    template = load_template(spec)
    if not isinstance(template, DescriptionTemplate):
        raise InputError(f"模板“{spec}”是 Word 表格模板，不是公文描述模板。")
    return template


def _load_path(path: Path, *, with_demo: bool) -> AnyTemplate:
    template: AnyTemplate
    if path.suffix.lower() == ".docx":
        template = WordForm.from_path(path)
    elif path.suffix.lower() == ".json":
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise InputError(f"无法读取模板 {path}：{exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise InputError(f"模板 {path} 不是 UTF-8 编码的文本。") from None
        template = DescriptionTemplate.from_text(text, name=path.stem)
    else:
        raise InputError(f"模板文件 {path} 的类型不认识：应为 .json（公文模板）或 .docx（Word 表单）。")
    if with_demo and template.sample is None:
        demo = demo_dir() / f"{path.stem}.json"
        if demo.is_file():
            template.sample = load_data(demo)
    return template


def load_data(path: str | Path) -> dict[str, Any]:
    """Record data for a template: a UTF-8 JSON object."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"找不到数据文件：{p}") from None
    except OSError as exc:
        raise InputError(f"无法读取数据文件 {p}：{exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"数据文件 {p} 不是 UTF-8 编码的文本。") from None
    obj = loads_json(text, f"数据文件 {p}")
    if not isinstance(obj, dict):
        raise InputError(f"数据文件 {p} 应为 JSON 对象（{{…}}）。")
    return obj


@dataclass(frozen=True)
class Rendered:
    data: bytes
    warnings: tuple[str, ...] = ()


def render_template(
    template: AnyTemplate,
    data: Mapping[str, Any],
    fmt: str,
    *,
    today: dt.date | None = None,
    calendar: HolidayCalendar = DEFAULT_CALENDAR,
) -> Rendered:
    """Fill a template and produce a file's bytes: ``pdf`` or ``docx`` (a 公文 template goes
    through the typesetting engine; a Word form is the filled .docx, converted by LibreOffice
    for PDF), or ``json`` (a 公文 template's filled description)."""
    if fmt not in FORMATS:
        raise InputError(f"不支持的输出格式“{fmt}”，应为 {'、'.join(FORMATS)} 之一。")
    if isinstance(template, WordForm):
        if fmt == "json":
            raise InputError("Word 表单只能输出 .docx 或 .pdf。")
        filled = template.render(data, today=today, calendar=calendar)
        return Rendered(filled if fmt == "docx" else docx_to_pdf(filled))
    description = template.render(data, today=today, calendar=calendar)
    if fmt == "json":
        return Rendered((json.dumps(description, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    from app.typeset import render

    result = render(description, fmt)
    return Rendered(result.data, tuple(result.warnings))
