"""Word-form templates: an office's fixed forms (值班表, 突发事件信息报告表, 交接班记录表) kept as
.docx files with Jinja2 placeholders, filled with docxtpl in the same sandbox as 公文 templates.

A form's metadata travels inside the .docx, in its core properties: ``title`` is the form's name,
``category`` its kind, ``comments`` a one-line description (keep ``{{``/``{%`` out of these:
docxtpl renders title and comments too). Table rows repeat with ``{%tr for r in rows %}`` …
``{%tr endfor %}`` in rows of their own.

Problems name the part (``正文``, ``页眉``, ``页脚``) and, as the line, the paragraph number in
that part counted in document order (paragraphs inside table cells included), with the
paragraph's text, so the clerk can find it in Word.

docxtpl (with python-docx and lxml: ≈ 100 modules, ~15 MB of a desk's memory) is imported when a
form is first opened, checked or filled — not to list the forms: ``form_info`` reads a form's
name, kind and description from its core properties with the standard library (issue 30).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from jinja2 import TemplateSyntaxError, meta

from app.domain.workdays import DEFAULT_CALENDAR, HolidayCalendar
from app.errors import InputError
from app.templating.sandbox import (
    RENDER_ERRORS,
    TemplateFailed,
    TemplateProblem,
    describe_error,
    make_environment,
    render_budget,
    template_line,
)

FORM_KINDS = ("值班表", "突发事件信息报告表", "交接班记录")
MAX_PART_BYTES = 32 * 1024 * 1024  # one XML part of a form, uncompressed
MAX_FORM_BYTES = 128 * 1024 * 1024  # the whole form, uncompressed


def _xml_problem(exc: BaseException) -> str:
    """A Chinese sentence for an lxml error in a form."""
    text = str(exc)
    if "amplification" in text or "entity" in text.lower():
        return f"Word 表单的 XML 含有实体声明或实体引用，出于安全考虑不予使用（{text[:120]}）。"
    return f"Word 表单的 XML 有误，Word 可能也打不开它：{text[:160]}"


def _inspect(data: bytes, label: str) -> None:
    """Refuse a package before any XML parser sees it: members too large once unpacked (a zip
    bomb), or a DOCTYPE/ENTITY declaration (an entity bomb; Word never writes one)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if sum(i.file_size for i in infos) > MAX_FORM_BYTES:
                raise InputError(f"“{label}”解压后超过 {MAX_FORM_BYTES // 1024 // 1024} MB，不是正常的 Word 表单。")
            for info in infos:
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                if info.file_size > MAX_PART_BYTES:
                    raise InputError(f"“{label}”的 {info.filename} 过大，不是正常的 Word 表单。")
                with z.open(info) as fh:
                    head = fh.read(MAX_PART_BYTES + 1)
                if len(head) > MAX_PART_BYTES:
                    raise InputError(f"“{label}”的 {info.filename} 过大，不是正常的 Word 表单。")
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise InputError(
                        f"“{label}”的 {info.filename} 含有 DOCTYPE 或实体声明（可能是“实体炸弹”），"
                        "出于安全考虑不予使用。")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError, zlib.error) as exc:
        raise InputError(f"“{label}”不是有效的 .docx 文件：{exc}") from None


class _FormProblem(Exception):
    def __init__(self, problem: TemplateProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _part_label(part: Any) -> str:
    name = str(getattr(part, "partname", "") or "")
    if "header" in name:
        return "页眉"
    if "footer" in name:
        return "页脚"
    if "footnote" in name:
        return "脚注"
    return "正文"


def _paragraph_text(xml_line: str) -> str:
    text = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml_line)) or re.sub(r"<[^>]+>", "", xml_line)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
    return text if len(text) <= 40 else text[:39] + "…"


if TYPE_CHECKING:
    from docxtpl import DocxTemplate


@functools.cache
def _safe_docx_template() -> type[DocxTemplate]:
    """docxtpl's ``DocxTemplate``, with errors turned into a ``TemplateProblem`` that names the
    paragraph (the class is made with the first form used: docxtpl is imported then)."""
    from docxtpl import DocxTemplate

    class _SafeDocxTemplate(DocxTemplate):
        def render_xml_part(self, src_xml, part, context, jinja_env=None):  # type: ignore[no-untyped-def]
            try:
                return super().render_xml_part(src_xml, part, context, jinja_env)
            except RENDER_ERRORS as exc:
                raise _FormProblem(_locate(exc, src_xml, _part_label(part))) from None

    return _SafeDocxTemplate


def _lxml_error() -> type[Exception]:
    from lxml import etree

    return etree.LxmlError


_CORE = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CORE_REL = ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
             "core-properties")


@dataclass(frozen=True)
class FormInfo:
    """What the template list shows of a form: from its core properties."""

    name: str
    kind: str
    description: str


def form_info(data: bytes, *, name: str = "") -> FormInfo:
    """A form's name (``title``), kind (``category``) and description (``comments``) from its
    ``docProps/core.xml``, as ``WordForm.from_bytes`` reads them through python-docx — without
    importing python-docx (the template list shows every shipped form). The package is inspected
    first (``_inspect``: no DOCTYPE or entity declaration reaches the parser)."""
    label = name or "Word 表单"
    _inspect(data, label)
    # a package without core properties gets python-docx's default ones, titled "Word Document"
    title, category, comments = "Word Document", "", ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            rels = ElementTree.fromstring(z.read("_rels/.rels"))
            targets = [r.get("Target", "") for r in rels.iter(f"{_RELS}Relationship")
                       if r.get("Type") == _CORE_REL]
            core = z.read(targets[0].lstrip("/")) if targets else b""
        if core:
            root = ElementTree.fromstring(core)
            title = root.findtext(f"{_DC}title") or ""
            category = root.findtext(f"{_CORE}category") or ""
            comments = root.findtext(f"{_DC}description") or ""
    except (zipfile.BadZipFile, zlib.error, ElementTree.ParseError, KeyError, ValueError) as exc:
        raise InputError(f"“{label}”不是有效的 .docx 文件：{exc}") from None
    return FormInfo(name=title.strip() or name or "Word 表单", kind=category.strip() or "表单",
                    description=comments.strip())


def _locate(exc: BaseException, src_xml: str, label: str) -> TemplateProblem:
    # docxtpl puts every <w:p on a line of its own before compiling, so template line n is the
    # (n-1)th paragraph of the part.
    lines = re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml).splitlines()
    line = exc.lineno if isinstance(exc, TemplateSyntaxError) and exc.lineno else template_line(exc)
    message = describe_error(exc)
    if line is None or not 1 <= line <= len(lines):
        return TemplateProblem(label, None, message)
    snippet = _paragraph_text(lines[line - 1])
    if snippet:
        message += f"（该段内容：“{snippet}”）"
    return TemplateProblem(label, max(line - 1, 1), message)


@dataclass
class WordForm:
    """A .docx form with placeholders. ``render`` returns the filled .docx as bytes."""

    name: str
    kind: str
    data: bytes
    description: str = ""
    sample: dict[str, Any] | None = None

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str = "") -> WordForm:
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise InputError(f"“{name or 'Word 表单'}”不是 .docx 文件。")
        _inspect(data, name or "Word 表单")
        from docx.opc.exceptions import PackageNotFoundError
        from docxtpl import DocxTemplate

        try:
            doc = DocxTemplate(io.BytesIO(data)).get_docx()
        except _lxml_error() as exc:
            raise InputError(f"“{name or 'Word 表单'}”：{_xml_problem(exc)}") from None
        except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
            raise InputError(f"“{name or 'Word 表单'}”不是有效的 .docx 文件：{exc}") from None
        props = doc.core_properties
        return cls(
            name=(props.title or "").strip() or name or "Word 表单",
            kind=(props.category or "").strip() or "表单",
            data=data,
            description=(props.comments or "").strip(),
        )

    @classmethod
    def from_path(cls, path: str | Path) -> WordForm:
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise InputError(f"无法读取 Word 表单 {p}：{exc.strerror or exc}") from None
        return cls.from_bytes(data, name=p.stem)

    def placeholders(self) -> list[str]:
        """Top-level data names the form reads (for the placeholder picker)."""
        env = make_environment()
        try:
            _inspect(self.data, self.name)
            tpl = _safe_docx_template()(io.BytesIO(self.data))
            names = tpl.get_undeclared_template_variables(jinja_env=env)
        except (TemplateSyntaxError, InputError, _lxml_error(), ValueError, KeyError):
            return []
        return sorted(set(names) - set(env.globals))

    def render(
        self,
        data: Mapping[str, Any],
        *,
        today: dt.date | None = None,
        calendar: HolidayCalendar = DEFAULT_CALENDAR,
    ) -> bytes:
        """The filled .docx. Any problem raises ``TemplateFailed`` (an ``InputError``)."""
        problem = self._try_render(data, today=today, calendar=calendar)
        if isinstance(problem, TemplateProblem):
            raise TemplateFailed(self.name, [problem])
        return problem

    def check(
        self,
        sample: Mapping[str, Any] | None = None,
        *,
        today: dt.date | None = None,
        calendar: HolidayCalendar = DEFAULT_CALENDAR,
    ) -> list[TemplateProblem]:
        """Unknown placeholders (names the sample lacks) and the first render error."""
        if sample is not None and not isinstance(sample, Mapping):
            return [TemplateProblem("", None, "示例数据应为 JSON 对象。")]
        data = dict(self.sample or {}) if sample is None else dict(sample)
        env = make_environment(calendar=calendar, today=today)
        problems: list[TemplateProblem] = []
        try:
            _inspect(self.data, self.name)
            tpl = _safe_docx_template()(io.BytesIO(self.data))
            tpl.init_docx()
            parts = [("正文", tpl.patch_xml(tpl.get_xml()))]
            for uri, label in ((tpl.HEADER_URI, "页眉"), (tpl.FOOTER_URI, "页脚")):
                for _, part in tpl.get_headers_footers(uri):
                    parts.append((label, tpl.patch_xml(tpl.get_part_xml(part))))
        except InputError as exc:
            return [TemplateProblem("文档结构", None, exc.message)]
        except _lxml_error() as exc:
            return [TemplateProblem("文档结构", None, _xml_problem(exc))]
        for label, xml in parts:
            try:
                ast = env.parse(re.sub(r"<w:p([ >])", r"\n<w:p\1", xml))
            except TemplateSyntaxError as exc:
                problems.append(_locate(exc, xml, label))
                continue
            for name in sorted(meta.find_undeclared_variables(ast) - set(data) - set(env.globals)):
                problems.append(TemplateProblem(label, None, f"未知的占位符“{name}”：数据中没有这一项。"))
        if problems:
            return problems
        result = self._try_render(data, today=today, calendar=calendar)
        return [result] if isinstance(result, TemplateProblem) else []

    def _try_render(
        self, data: Mapping[str, Any], *, today: dt.date | None, calendar: HolidayCalendar
    ) -> bytes | TemplateProblem:
        if not isinstance(data, Mapping):
            return TemplateProblem("", None, "数据应为 JSON 对象。")
        env = make_environment(calendar=calendar, today=today)
        try:
            _inspect(self.data, self.name)
            tpl = _safe_docx_template()(io.BytesIO(self.data))
            with render_budget():  # loops, time and size over all the form's parts
                # autoescape: a “&” or “<” in a record must not break the document's XML
                tpl.render({str(k): v for k, v in data.items()}, jinja_env=env, autoescape=True)
            out = io.BytesIO()
            tpl.save(out)
        except _FormProblem as exc:
            return exc.problem
        except InputError as exc:
            return TemplateProblem("文档结构", None, exc.message)
        except _lxml_error() as exc:  # the template's output is not well-formed XML
            return TemplateProblem("文档结构", None, _xml_problem(exc))
        except RENDER_ERRORS as exc:  # core properties and footnotes
            return TemplateProblem("文档属性", None, describe_error(exc))
        return out.getvalue()


def docx_to_pdf(data: bytes) -> bytes:
    """A filled form as PDF, through LibreOffice with the bundled fonts standing in for the
    official ones (the typesetting engine's converter: private profile, timeout)."""
    from app.typeset.libreoffice import convert_to_pdf

    return convert_to_pdf(data)
