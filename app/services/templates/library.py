"""The template manager's use cases: office templates in the database, versions, defaults.

Templates are referred to by a *ref* string, so shipped files and database rows share one list:
``"shipped:notice"`` (a read-only file in resources/templates) or ``"office:12"`` (a row of
``templates``). Rules:

* Shipped defaults are never changed: ``save`` on a shipped ref makes an office copy.
* Every change of content is a new version (who, when, comment); ``restore`` copies an old
  version's content into a new version, so history is never rewritten.
* The default of a (kind, format) is the office template marked ``is_default``, else the shipped
  one. A template with problems (``check`` on its sample data) never becomes or stays the default
  silently: ``set_default``, and ``save``/``restore`` of the current default, refuse it.
* ``default_for(ctx, kind)`` is the lookup other modules use to print from "the" template.

Reads need ``Action.VIEW``; changes, import and export need ``Action.MANAGE_TEMPLATES`` and are
audited in the same transaction.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from app.domain.security import Action
from app.errors import ConflictError, InputError, UserError
from app.services import audit
from app.services.context import Actor, ServiceContext
from app.storage.models import OfficeTemplate, TemplateVersion
from app.templating import DescriptionTemplate, TemplateFailed, TemplateProblem, WordForm
from app.templating.description import META_FIELDS, TEMPLATE_KINDS  # noqa: F401 (for the UI)
from app.templating.library import (  # noqa: F401 (render_template: the editor's preview)
    load_template,
    render_template,
    shipped_templates,
)
from app.templating.wordform import FORM_KINDS

AnyTemplate = DescriptionTemplate | WordForm
DESCRIPTION = "description"
WORDFORM = "wordform"
FORMAT_LABELS = {DESCRIPTION: "公文", WORDFORM: "Word 表单"}
KINDS: tuple[str, ...] = tuple(dict.fromkeys((*TEMPLATE_KINDS, *FORM_KINDS)))
MAX_FILE = 20 * 1024 * 1024


@dataclass(frozen=True)
class TemplateInfo:
    ref: str
    name: str
    kind: str
    format: str
    description: str
    shipped: bool
    is_default: bool
    id: int | None = None
    stem: str = ""
    based_on: str = ""
    current_version: int = 0
    row_version: int = 0
    updated_at: datetime | None = None

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS.get(self.format, self.format)


@dataclass(frozen=True)
class TemplateContent:
    info: TemplateInfo
    text: str | None
    data: bytes | None
    sample: dict[str, Any]


@dataclass(frozen=True)
class VersionInfo:
    number: int
    author: str
    created_at: datetime
    comment: str
    current: bool


# ---- parsing ------------------------------------------------------------------------------------
def parse(fmt: str, *, text: str | None = None, data: bytes | None = None, name: str = "") -> AnyTemplate:
    """The template object for stored content; a malformed one raises ``TemplateFailed`` /
    ``InputError`` naming the line."""
    if fmt == DESCRIPTION:
        if text is None:
            raise InputError("公文模板缺少内容。")
        return DescriptionTemplate.from_text(text, name=name)
    if fmt == WORDFORM:
        if not data:
            raise InputError("Word 表单缺少 .docx 内容。")
        return WordForm.from_bytes(data, name=name)
    raise InputError(f"未知的模板格式“{fmt}”。")


def _format_of(template: AnyTemplate) -> str:
    return WORDFORM if isinstance(template, WordForm) else DESCRIPTION


def check(content: TemplateContent) -> list[TemplateProblem]:
    """Every problem of ``content`` on its sample data (syntax ones included)."""
    try:
        template = parse(content.info.format, text=content.text, data=content.data,
                         name=content.info.name)
    except TemplateFailed as exc:
        return exc.problems
    except InputError as exc:
        return [TemplateProblem("", None, exc.message)]
    # a problem inside a $for is reported once per record: keep one
    return list(dict.fromkeys(template.check(content.sample)))


# ---- shipped templates --------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _shipped_list() -> tuple[Any, ...]:
    """The shipped files are read-only for the program's lifetime: read them once."""
    return tuple(shipped_templates())


def _shipped() -> dict[str, Any]:
    return {t.stem: t for t in _shipped_list()}


def _shipped_info(item: Any, office_defaults: set[tuple[str, str]]) -> TemplateInfo:
    fmt = WORDFORM if item.path.suffix.lower() == ".docx" else DESCRIPTION
    first = _first_shipped(item.kind, fmt)
    return TemplateInfo(
        ref=f"shipped:{item.stem}", name=item.name, kind=item.kind, format=fmt,
        description=item.description, shipped=True, stem=item.stem,
        is_default=(item.kind, fmt) not in office_defaults and first == item.stem,
    )


def _first_shipped(kind: str, fmt: str) -> str | None:
    for item in _shipped_list():
        item_fmt = WORDFORM if item.path.suffix.lower() == ".docx" else DESCRIPTION
        if item.kind == kind and item_fmt == fmt:
            return item.stem
    return None


def _demo_sample(stem: str) -> dict[str, Any]:
    """A fresh copy of the shipped template's demo data (callers may change it)."""
    return json.loads(_demo_sample_text(stem))


@functools.lru_cache(maxsize=64)
def _demo_sample_text(stem: str) -> str:
    return json.dumps(load_template(stem).sample or {}, ensure_ascii=False)


def _kind_sample(kind: str, fmt: str) -> dict[str, Any]:
    stem = _first_shipped(kind, fmt) or _first_shipped(kind, DESCRIPTION if fmt == WORDFORM else WORDFORM)
    return _demo_sample(stem) if stem else {}


# ---- rows -------------------------------------------------------------------------------------
def _info(row: OfficeTemplate) -> TemplateInfo:
    return TemplateInfo(
        ref=f"office:{row.id}", name=row.name, kind=row.kind, format=row.format,
        description=row.description, shipped=False, is_default=row.is_default, id=row.id,
        based_on=row.based_on, current_version=row.current_version, row_version=row.version,
        updated_at=row.updated_at,
    )


def _sample_of(row: OfficeTemplate) -> dict[str, Any]:
    if row.sample_json:
        try:
            obj = json.loads(row.sample_json)
            if isinstance(obj, dict):
                return obj
        except json.JSONDecodeError:
            pass
    return {}


def _split_ref(ref: str) -> tuple[str, str]:
    kind, _, key = str(ref).partition(":")
    if kind not in ("shipped", "office") or not key:
        raise InputError(f"模板标识“{ref}”无效。")
    return kind, key


def _row(s: Session, ref_or_id: str | int, *, lock: bool = False) -> OfficeTemplate:
    if isinstance(ref_or_id, int):
        template_id = ref_or_id
    else:
        kind, key = _split_ref(ref_or_id)
        if kind != "office":
            raise InputError("内置模板是只读的。")
        try:
            template_id = int(key)
        except ValueError:
            raise InputError(f"模板标识“{ref_or_id}”无效。") from None
    stmt = select(OfficeTemplate).where(OfficeTemplate.id == template_id)
    if lock:
        stmt = stmt.with_for_update()
    row = s.execute(stmt).scalar_one_or_none()
    if row is None:
        raise InputError("找不到该模板，可能已被删除。")
    return row


def _office_defaults(s: Session) -> set[tuple[str, str]]:
    rows = s.execute(select(OfficeTemplate.kind, OfficeTemplate.format).where(
        OfficeTemplate.is_default.is_(True))).all()
    return {(r.kind, r.format) for r in rows}


# ---- reads ------------------------------------------------------------------------------------
def list_templates(ctx: ServiceContext, kind: str | None = None) -> list[TemplateInfo]:
    """Shipped and office templates, by kind (in ``KINDS`` order), shipped first."""
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        stmt = select(OfficeTemplate).order_by(OfficeTemplate.name, OfficeTemplate.id)
        if kind:
            stmt = stmt.where(OfficeTemplate.kind == kind)
        office = [_info(r) for r in s.execute(stmt).scalars()]
        defaults = _office_defaults(s)
    shipped = [_shipped_info(t, defaults) for t in _shipped_list() if not kind or t.kind == kind]
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted([*shipped, *office], key=lambda t: (order.get(t.kind, len(order)), t.kind,
                                                      not t.shipped))


def get(ctx: ServiceContext, ref: str) -> TemplateContent:
    ctx.require(Action.VIEW)
    kind, key = _split_ref(ref)
    if kind == "shipped":
        item = _shipped().get(key)
        if item is None:
            raise InputError(f"找不到内置模板“{key}”。")
        with ctx.session() as s, s.begin():
            info = _shipped_info(item, _office_defaults(s))
        if info.format == WORDFORM:
            return TemplateContent(info, None, item.path.read_bytes(), _demo_sample(key))
        return TemplateContent(info, item.path.read_text(encoding="utf-8"), None, _demo_sample(key))
    with ctx.session() as s, s.begin():
        row = _row(s, ref)
        return TemplateContent(_info(row), row.text, row.data, _sample_of(row))


def find_office(ctx: ServiceContext, name: str) -> TemplateInfo:
    """The office template called ``name`` (exactly, after trimming) or referred to as
    ``office:ID`` — for the command line, where people type names. Not found, or a name two
    templates share, is an ``InputError`` that says what to type instead."""
    ctx.require(Action.VIEW)
    wanted = name.strip()
    with ctx.session() as s, s.begin():
        if wanted.startswith("office:"):
            try:
                return _info(_row(s, wanted))
            except InputError:
                raise InputError(f"单位模板库中没有“{wanted}”。") from None
        rows = list(s.execute(select(OfficeTemplate).where(OfficeTemplate.name == wanted)
                              .order_by(OfficeTemplate.id)).scalars())
        if len(rows) > 1:
            refs = "、".join(f"office:{r.id}" for r in rows)
            raise InputError(f"单位模板库中有{len(rows)}个名为“{wanted}”的模板（{refs}），"
                             "请用 office:编号 指定其中一个。")
        if rows:
            return _info(rows[0])
    hint = ""
    if any(wanted in (t.stem, t.name) for t in _shipped_list()):
        hint = "“" + wanted + "”是内置模板，不加 --office/--db 即可使用。"
    raise InputError(f"单位模板库中没有名为“{wanted}”的模板。{hint}"
                     "可用 python -m app template list --office 查看单位模板。")


def load(ctx: ServiceContext, ref: str) -> AnyTemplate:
    """The template object for ``ref``, with its sample data as ``sample``."""
    content = get(ctx, ref)
    template = parse(content.info.format, text=content.text, data=content.data,
                     name=content.info.name)
    template.sample = content.sample or template.sample
    return template


def default_info(ctx: ServiceContext, kind: str, fmt: str | None = None) -> TemplateInfo:
    """The default template of ``kind`` (and format: a 公文 template before a Word form when
    ``fmt`` is None): the office's chosen one, else the shipped one."""
    ctx.require(Action.VIEW)
    formats = [fmt] if fmt else [DESCRIPTION, WORDFORM]
    with ctx.session() as s, s.begin():
        for f in formats:
            row = s.execute(select(OfficeTemplate).where(
                OfficeTemplate.kind == kind, OfficeTemplate.format == f,
                OfficeTemplate.is_default.is_(True)).order_by(OfficeTemplate.id).limit(1)
            ).scalar_one_or_none()
            if row is not None:
                return _info(row)
            stem = _first_shipped(kind, f)
            if stem is not None:
                return _shipped_info(_shipped()[stem], _office_defaults(s))
    raise InputError(f"没有“{kind}”的模板。")


def default_for(ctx: ServiceContext, kind: str, fmt: str | None = None) -> AnyTemplate:
    """The template a module prints ``kind`` with (see ``default_info``)."""
    return default_choice(ctx, kind, fmt).template


@dataclass(frozen=True)
class Chosen:
    """The template to print a kind of record with, which one it is, and why (a warning when
    the office's template could not be used and the shipped one stood in)."""

    template: AnyTemplate
    info: TemplateInfo
    warnings: tuple[str, ...] = ()


def default_choice(ctx: ServiceContext, kind: str, fmt: str | None = None) -> Chosen:
    """THE way to pick the template of a kind of record (every print goes through it, via
    ``app.services.output.template_for``): the office's default, else the shipped one. An office
    template that no longer loads falls back to the shipped one with a typed warning."""
    from app.typeset.notices import Notice, NoticeKind

    info = default_info(ctx, kind, fmt)
    try:
        return Chosen(load(ctx, info.ref), info)
    except (TemplateFailed, InputError) as exc:
        if info.shipped:
            raise
        stem = _first_shipped(kind, info.format)
        if stem is None:
            raise
        with ctx.session() as s, s.begin():
            shipped = _shipped_info(_shipped()[stem], _office_defaults(s))
        reason = getattr(exc, "message", None) or str(exc)
        note = Notice(NoticeKind.TEMPLATE_FALLBACK,
                      f"单位模板“{info.name}”无法使用（{reason}），已改用内置模板“{shipped.name}”。")
        return Chosen(load(ctx, shipped.ref), shipped, (note,))


def history(ctx: ServiceContext, template_id: int) -> list[VersionInfo]:
    """Versions of an office template, newest first."""
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = _row(s, template_id)
        versions = s.execute(select(TemplateVersion).where(
            TemplateVersion.template_id == row.id).order_by(TemplateVersion.number.desc())).scalars()
        return [VersionInfo(v.number, v.author, v.created_at, v.comment,
                            v.number == row.current_version) for v in versions]


def version_content(ctx: ServiceContext, template_id: int, number: int) -> TemplateContent:
    ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = _row(s, template_id)
        v = _version(s, row.id, number)
        return TemplateContent(_info(row), v.text, v.data, _sample_of(row))


def _version(s: Session, template_id: int, number: int) -> TemplateVersion:
    v = s.execute(select(TemplateVersion).where(
        TemplateVersion.template_id == template_id, TemplateVersion.number == number)).scalar_one_or_none()
    if v is None:
        raise InputError(f"该模板没有第 {number} 版。")
    return v


# ---- changes ----------------------------------------------------------------------------------
def _guard(template: AnyTemplate, sample: dict[str, Any], *, is_default: bool,
           allow_problems: bool) -> None:
    problems = template.check(sample)
    if not problems:
        return
    if is_default:
        exc = TemplateFailed(template.name, problems)
        raise InputError(f"这是“{template.kind}”的默认模板，有问题时不能保存（否则各处打印都会出错）：{exc.message}")
    if not allow_problems:
        raise TemplateFailed(template.name, problems)


def _add_version(s: Session, row: OfficeTemplate, actor: Actor, now: datetime, comment: str) -> None:
    number = (s.execute(select(TemplateVersion.number).where(
        TemplateVersion.template_id == row.id).order_by(TemplateVersion.number.desc()).limit(1)
    ).scalar_one_or_none() or 0) + 1
    s.add(TemplateVersion(template_id=row.id, number=number, text=row.text, data=row.data,
                          author_id=actor.user_id, author=actor.label, comment=comment.strip()[:500],
                          created_at=now))
    row.current_version = number


def _apply(row: OfficeTemplate, template: AnyTemplate, text: str | None, data: bytes | None) -> None:
    row.kind = template.kind
    row.format = _format_of(template)
    row.description = (template.description or "")[:500]
    row.text = text if row.format == DESCRIPTION else None
    row.data = data if row.format == WORDFORM else None


def _check_kind(template: AnyTemplate) -> None:
    if template.kind not in KINDS:
        raise InputError(f"模板的文种“{template.kind}”不在可选范围内：{'、'.join(KINDS)}。")


def create(
    ctx: ServiceContext,
    *,
    text: str | None = None,
    data: bytes | None = None,
    name: str | None = None,
    sample: dict[str, Any] | None = None,
    comment: str = "新建",
    based_on: str = "",
    allow_problems: bool = True,
    _action: str = "template.create",
) -> TemplateInfo:
    """A new office template from a 公文 template's text or a Word form's bytes."""
    actor = ctx.require(Action.MANAGE_TEMPLATES)
    fmt = WORDFORM if data is not None else DESCRIPTION
    template = parse(fmt, text=text, data=data, name=name or "")
    _check_kind(template)
    if sample is None:
        sample = dict(template.sample or {}) or (_demo_sample(based_on) if based_on else {}) \
            or _kind_sample(template.kind, fmt)
    if not allow_problems:
        _guard(template, sample, is_default=False, allow_problems=False)
    display = (name or template.name or template.kind).strip()[:128]
    now = ctx.now()
    with ctx.session() as s, s.begin():
        row = OfficeTemplate(name=display, based_on=based_on,
                             sample_json=json.dumps(sample, ensure_ascii=False),
                             is_default=False, current_version=0, created_at=now, updated_at=now)
        _apply(row, template, text, data)
        s.add(row)
        s.flush()
        _add_version(s, row, actor, now, comment)
        audit.append(s, actor, _action, "template", row.id,
                     {"name": row.name, "kind": row.kind, "format": row.format,
                      "based_on": based_on, "version": row.current_version}, at=now)
        s.flush()
        return _info(row)


def save(
    ctx: ServiceContext,
    ref: str,
    *,
    text: str | None = None,
    data: bytes | None = None,
    comment: str = "",
    expected_version: int | None = None,
    allow_problems: bool = False,
) -> TemplateInfo:
    """Save new content as a new version. On a shipped template this makes an office copy (the
    shipped file is never changed). Content with problems is refused unless ``allow_problems``
    (a draft); the default template of its kind is never saved with problems."""
    actor = ctx.require(Action.MANAGE_TEMPLATES)
    kind, key = _split_ref(ref)
    if kind == "shipped":
        item = _shipped().get(key)
        if item is None:
            raise InputError(f"找不到内置模板“{key}”。")
        return create(ctx, text=text, data=data, name=f"{item.name}（本单位）",
                      sample=_demo_sample(key), comment=comment or f"由内置模板“{item.name}”修改而来",
                      based_on=key, allow_problems=allow_problems, _action="template.copy")
    with ctx.session() as s, s.begin():
        row = _row(s, ref, lock=True)
        if expected_version is not None and row.version != expected_version:
            raise ConflictError("该模板已被他人修改，请重新打开后再保存。")
        fmt = row.format
        if (fmt == WORDFORM) != (data is not None):
            raise InputError("不能改变模板的格式（公文模板 / Word 表单），请新建一个模板。")
        template = parse(fmt, text=text, data=data, name=row.name)
        _check_kind(template)
        if row.is_default and template.kind != row.kind:
            raise InputError(f"这是“{row.kind}”的默认模板，不能改为其他文种；请先另设默认模板。")
        _guard(template, _sample_of(row), is_default=row.is_default, allow_problems=allow_problems)
        now = ctx.now()
        _apply(row, template, text, data)
        row.updated_at = now
        _add_version(s, row, actor, now, comment or "修改")
        audit.append(s, actor, "template.save", "template", row.id,
                     {"name": row.name, "kind": row.kind, "version": row.current_version,
                      "comment": comment}, at=now)
        s.flush()
        return _info(row)


def restore(ctx: ServiceContext, template_id: int, number: int, comment: str = "") -> TemplateInfo:
    """Make version ``number``'s content the current one, as a NEW version."""
    actor = ctx.require(Action.MANAGE_TEMPLATES)
    with ctx.session() as s, s.begin():
        row = _row(s, template_id, lock=True)
        old = _version(s, row.id, number)
        template = parse(row.format, text=old.text, data=old.data, name=row.name)
        if row.is_default:
            if template.kind != row.kind:
                raise InputError(f"第 {number} 版的文种是“{template.kind}”，不能恢复到“{row.kind}”的默认模板。")
            _guard(template, _sample_of(row), is_default=True, allow_problems=False)
        now = ctx.now()
        _apply(row, template, old.text, old.data)
        row.updated_at = now
        _add_version(s, row, actor, now, comment or f"恢复第 {number} 版")
        audit.append(s, actor, "template.restore", "template", row.id,
                     {"name": row.name, "from_version": number, "version": row.current_version},
                     at=now)
        s.flush()
        return _info(row)


def duplicate(ctx: ServiceContext, ref: str, name: str | None = None) -> TemplateInfo:
    """An office copy of any template (shipped or office), with its sample data."""
    content = get(ctx, ref)
    info = content.info
    return create(ctx, text=content.text, data=content.data, name=name or f"{info.name}（副本）",
                  sample=content.sample, comment=f"复制自“{info.name}”",
                  based_on=info.stem or info.based_on, _action="template.duplicate")


def rename(ctx: ServiceContext, template_id: int, name: str) -> TemplateInfo:
    actor = ctx.require(Action.MANAGE_TEMPLATES)
    clean = name.strip()
    if not clean:
        raise InputError("模板名称不能为空。")
    with ctx.session() as s, s.begin():
        row = _row(s, template_id, lock=True)
        old, row.name = row.name, clean[:128]
        audit.append(s, actor, "template.rename", "template", row.id,
                     {"from": old, "to": row.name}, at=ctx.now())
        s.flush()
        return _info(row)


def set_sample(ctx: ServiceContext, template_id: int, sample: dict[str, Any]) -> None:
    """The preview's sample data (not versioned: it is not part of the template)."""
    actor = ctx.require(Action.MANAGE_TEMPLATES)
    if not isinstance(sample, dict):
        raise InputError("示例数据应为 JSON 对象。")
    with ctx.session() as s, s.begin():
        row = _row(s, template_id, lock=True)
        row.sample_json = json.dumps(sample, ensure_ascii=False)
        audit.append(s, actor, "template.sample", "template", row.id, {"name": row.name},
                     at=ctx.now())


def set_default(ctx: ServiceContext, ref: str) -> TemplateInfo:
    """Make ``ref`` the default of its (kind, format). An office template must pass ``check``
    on its sample data first; a shipped one simply clears the office's choice."""
    actor = ctx.require(Action.MANAGE_TEMPLATES)
    kind, key = _split_ref(ref)
    now = ctx.now()
    if kind == "shipped":
        item = _shipped().get(key)
        if item is None:
            raise InputError(f"找不到内置模板“{key}”。")
        fmt = WORDFORM if item.path.suffix.lower() == ".docx" else DESCRIPTION
        if _first_shipped(item.kind, fmt) != key:
            raise InputError(f"“{item.name}”不是内置的默认模板，请先复制为本单位模板再设为默认。")
        with ctx.session() as s, s.begin():
            s.execute(update(OfficeTemplate).where(
                OfficeTemplate.kind == item.kind, OfficeTemplate.format == fmt,
                OfficeTemplate.is_default.is_(True)).values(is_default=False))
            audit.append(s, actor, "template.default", "template", ref,
                         {"name": item.name, "kind": item.kind, "format": fmt}, at=now)
            return _shipped_info(item, _office_defaults(s))
    with ctx.session() as s, s.begin():
        row = _row(s, ref, lock=True)
        template = parse(row.format, text=row.text, data=row.data, name=row.name)
        problems = template.check(_sample_of(row))
        if problems:
            exc = TemplateFailed(row.name, problems)
            raise InputError(f"模板有问题，不能设为默认：{exc.message}")
        # lock the kind's rows first: two desks choosing a default at once end with ONE default
        # (PostgreSQL; SQLite transactions are already serialised by BEGIN IMMEDIATE)
        s.execute(select(OfficeTemplate.id).where(
            OfficeTemplate.kind == row.kind, OfficeTemplate.format == row.format).with_for_update()).all()
        s.execute(update(OfficeTemplate).where(
            OfficeTemplate.kind == row.kind, OfficeTemplate.format == row.format,
            OfficeTemplate.id != row.id, OfficeTemplate.is_default.is_(True)).values(is_default=False))
        row.is_default = True
        audit.append(s, actor, "template.default", "template", row.id,
                     {"name": row.name, "kind": row.kind, "format": row.format}, at=now)
        s.flush()
        return _info(row)


def delete(ctx: ServiceContext, template_id: int) -> None:
    """Remove an office template and its history (the shipped default takes over if it was the
    default)."""
    actor = ctx.require(Action.MANAGE_TEMPLATES)
    with ctx.session() as s, s.begin():
        row = _row(s, template_id, lock=True)
        detail = {"name": row.name, "kind": row.kind, "was_default": row.is_default,
                  "versions": row.current_version}
        versions = cast(Table, TemplateVersion.__table__)
        s.execute(versions.delete().where(versions.c.template_id == row.id))
        s.delete(row)
        audit.append(s, actor, "template.delete", "template", template_id, detail, at=ctx.now())


# ---- files ------------------------------------------------------------------------------------
def import_file(ctx: ServiceContext, path: str | Path, *, allow_problems: bool = True) -> TemplateInfo:
    """An office template from a .json (公文模板) or .docx (Word 表单) file."""
    ctx.require(Action.MANAGE_TEMPLATES)
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".json", ".docx"):
        raise InputError(f"不认识文件 {p.name} 的类型：应为 .json（公文模板）或 .docx（Word 表单）。")
    try:
        if p.stat().st_size > MAX_FILE:
            raise InputError(f"文件 {p.name} 太大（超过 20 MB），不像是模板。")
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"找不到文件：{p}") from None
    except OSError as exc:
        raise InputError(f"无法读取 {p}：{exc.strerror or exc}") from None
    if suffix == ".docx":
        return create(ctx, data=raw, comment=f"从文件 {p.name} 导入", allow_problems=allow_problems,
                      _action="template.import")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"模板 {p.name} 不是 UTF-8 编码的文本。") from None
    return create(ctx, text=text, comment=f"从文件 {p.name} 导入", allow_problems=allow_problems,
                  _action="template.import")


def export_file(ctx: ServiceContext, ref: str, path: str | Path) -> Path:
    """Write the template to ``path`` (.json or .docx, by its format); atomically."""
    actor = ctx.require(Action.MANAGE_TEMPLATES)
    content = get(ctx, ref)
    fmt = content.info.format
    p = Path(path)
    want = ".docx" if fmt == WORDFORM else ".json"
    if p.suffix.lower() != want:
        p = p.with_suffix(want)
    payload = content.data if fmt == WORDFORM else (content.text or "").encode("utf-8")
    assert payload is not None
    from app.services import output

    try:
        output.save(payload, p)
    except UserError as exc:  # (a full disk, a read-only folder: said in Chinese)
        raise InputError(exc.message) from None
    with ctx.session() as s, s.begin():
        audit.append(s, actor, "template.export", "template", ref,
                     {"name": content.info.name, "file": p.name}, at=ctx.now())
    return p
