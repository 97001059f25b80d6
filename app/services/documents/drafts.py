"""公文 (outgoing documents): list, create/update, versions, workflow, proofreading, import/export.

Workflow. 拟稿 (draft) → 核稿 (reviewed) → 签发 (signed) → 印发 (issued) → 归档 (archived); each
step is a ``DocumentStep`` row (who, when, comment) and needs its role's action (DRAFT, REVIEW,
SIGN, ISSUE — 归档 is the clerk's, so ISSUE too). A reviewer or signer may send a reviewed draft
back (退回). 签发 runs the proofreader first — an ``error`` finding blocks it — then takes the
发文字号 (``app.services.documents.numbers``) and freezes the text.

Versions. The latest ``DocumentVersion`` is the working text while the document is a draft. At
签发 it is frozen; saving a signed document makes a new version and returns it to 拟稿 (it must
be signed again; it keeps its 发文字号). Issued and archived documents cannot change.

Classification. The description's 密级 decides it: 秘密 → 2, 机密 → 3. Without a 密级 the
document is 公开 or 内部 as chosen. 绝密 documents are refused: the clearance scale of this
program stops at 机密 and 绝密 material must not be processed on an office workstation.

Optimistic locking: ``update_document`` takes the row ``version`` the editor loaded; a save over
someone else's newer save raises ``DocumentConflict`` carrying both texts.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Select, Table, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.exc import StaleDataError

from app.domain.security import Action, Clearance, allowed
from app.errors import ConflictError, InputError, UserError
from app.services import audit, need_to_know, paging
from app.services import search as search_index
from app.services.context import Actor, ServiceContext, retry_read, visible
from app.services.documents import numbers as docnumbers
from app.services.paging import Seek
from app.services.people import Names
from app.storage.models import Document, DocumentStep, DocumentVersion
from app.textsafe import clean_strings

if TYPE_CHECKING:  # (imported where used: listing and counting need neither it nor the
    # typesetting spec, and the 工作台 lists at start — cold start)
    from app.domain import proofread as pr

GENRES = ("通知", "通报", "请示", "报告", "函", "纪要", "意见", "决定", "批复", "通告", "公告",
          "决议", "命令", "议案", "公报", "令")
URGENCIES = ("特急", "加急")
SECRECY_LEVEL = {"秘密": int(Clearance.SECRET), "机密": int(Clearance.CONFIDENTIAL)}
STATUSES = ("draft", "reviewed", "signed", "issued", "archived")
STATUS_LABELS = {"draft": "拟稿", "reviewed": "已核稿", "signed": "已签发", "issued": "已印发",
                 "archived": "已归档"}
STEP_LABELS = {"draft": "拟稿", "review": "核稿", "sign": "签发", "issue": "印发",
               "archive": "归档", "return": "退回", "revise": "修改", "receive": "交换导入"}
#: the layout (docspec ``kind``) a 文种 takes unless the description says otherwise
LAYOUT_OF_GENRE = {"函": "letter", "纪要": "minutes", "命令": "order", "令": "order"}
#: sortable list columns → model attribute
SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "id": Document.id, "genre": Document.genre, "title": Document.title,
    "doc_no": Document.doc_no, "status": Document.status, "year": Document.year,
    "classification": Document.classification, "urgency": Document.urgency,
    "drafter": Document.drafter_name, "updated_at": Document.updated_at,
}
SEARCH_KIND = "document"


# ---- data returned ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DocumentRow:
    id: int
    genre: str
    title: str
    doc_no: str
    status: str
    year: int
    classification: int
    urgency: str
    drafter: str
    drafter_name: str
    updated_at: dt.datetime

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    genre: str
    status: str
    year: int
    classification: int
    urgency: str
    drafter: str
    drafter_name: str
    series_prefix: str
    doc_no: str
    title: str
    description: dict[str, Any]
    version: int  # row version for optimistic locking
    content_version: int  # number of the current text version
    frozen: bool  # the current text is signed and frozen
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def editable(self) -> bool:
        return self.status in ("draft", "reviewed", "signed")


@dataclass(frozen=True)
class StepInfo:
    step: str
    actor: str
    actor_name: str
    at: dt.datetime
    comment: str
    version_number: int

    @property
    def label(self) -> str:
        return STEP_LABELS.get(self.step, self.step)


@dataclass(frozen=True)
class VersionInfo:
    number: int
    frozen: bool
    created_at: dt.datetime
    created_by: str  # login
    note: str
    description: dict[str, Any]
    created_by_name: str = ""  # the person's name, as shown

    @property
    def author(self) -> str:
        return self.created_by_name or self.created_by


@dataclass(frozen=True)
class ListQuery:
    """Filters, sort and window of the document list (all applied in SQL)."""

    genre: str | None = None
    status: str | None = None
    year: int | None = None
    classification: int | None = None
    urgency: str | None = None  # "" = 无 (not urgent)
    drafter: str | None = None  # username
    sort: str = "updated_at"
    descending: bool = True
    offset: int = 0
    limit: int = 200
    #: Keyset paging: the page after/before this row's sort key (``row_key``); offset ignored.
    seek: Seek | None = None


#: The ``DocumentRow`` field holding each sort column's value (for ``row_key``).
_ROW_FIELDS = {"drafter": "drafter_name"}


def row_key(row: DocumentRow, sort: str) -> tuple[Any, ...]:
    """The seek key of ``row`` in a list sorted by ``sort`` (its value, then the id)."""
    if sort == "id":
        return (row.id,)
    return (getattr(row, _ROW_FIELDS.get(sort, sort)), row.id)


@dataclass(eq=False)  # exceptions compare and hash by identity
class DocumentConflict(ConflictError):
    """A stale save: someone saved the document after the editor loaded it."""

    mine: dict[str, Any] = field(default_factory=dict)
    theirs: dict[str, Any] = field(default_factory=dict)
    my_version: int = 0
    their_version: int = 0

    def __post_init__(self) -> None:
        ConflictError.__init__(
            self, f"该公文已被他人修改（您编辑的是第 {self.my_version} 次保存的内容，"
                  f"现在是第 {self.their_version} 次）。请比较两个版本后重新保存。")


# ---- helpers ------------------------------------------------------------------------------------
def classification_of(description: dict[str, Any], chosen: int = 0) -> int:
    """The level a description carries: its 密级, else ``chosen`` (公开 or 内部)."""
    secrecy = description.get("secrecy") or ""
    if secrecy == "绝密":
        raise InputError("本系统不处理绝密公文（密级最高为机密），请按保密规定另行处理。")
    if secrecy:
        if secrecy not in SECRECY_LEVEL:
            raise InputError(f"密级“{secrecy}”无效，应为 秘密 或 机密。")
        return SECRECY_LEVEL[secrecy]
    if int(chosen) not in (0, 1):
        raise InputError("未标注密级的公文只能是“公开”或“内部”，秘密、机密请填写密级。")
    return int(chosen)


def _clean(description: Any) -> dict[str, Any]:
    """A valid description (docspec), empty strings and lists dropped, so what is stored renders
    and an export is the clean object. Parse errors name the field (``InputError``)."""
    if not isinstance(description, dict):
        raise InputError("公文描述应为 JSON 对象。")
    description = clean_strings(description)  # control characters pasted in: dropped, never stored
    from app.typeset.spec import parse_description

    out = {k: v for k, v in description.items() if v not in ("", None, [])}
    parse_description(out)
    return out


def _genre_of(description: dict[str, Any], genre: str | None) -> str:
    if genre:
        if genre not in GENRES:
            raise InputError(f"文种“{genre}”无效，可选：{'、'.join(GENRES)}。")
        return genre
    from app.domain import proofread as pr

    found = pr.genre_of_title(str(description.get("title", "")))
    return found if found in GENRES else "通知"


def _year_of(description: dict[str, Any], now: dt.datetime) -> int:
    date = description.get("date")
    if isinstance(date, str) and len(date) >= 4 and date[:4].isdigit():
        return int(date[:4])
    return now.year


def plain_text(description: dict[str, Any]) -> str:
    """The description as labelled lines: what the version diff compares and search indexes."""
    lines: list[str] = []
    labels = (("secrecy", "密级"), ("secrecy_term", "保密期限"), ("urgency", "紧急程度"),
              ("issuer_mark", "发文机关标志"), ("doc_no", "发文字号"), ("signers", "签发人"),
              ("title", "标题"), ("to", "主送"))
    for key, label in labels:
        value = description.get(key)
        if value:
            lines.append(f"{label}：{'、'.join(value) if isinstance(value, list) else value}")
    body = description.get("body")
    if isinstance(body, str):
        lines += [line for line in body.splitlines() if line.strip()]
    elif isinstance(body, list):
        for block in body:
            if isinstance(block, str):
                lines += [line for line in block.splitlines() if line.strip()]
            elif isinstance(block, dict) and "table" in block:
                t = block["table"]
                lines.append(" | ".join(map(str, t.get("header", []))))
                lines += [" | ".join(map(str, r)) for r in t.get("rows", [])]
    for key, label in (("attachments", "附件"), ("issuer", "署名"), ("date", "成文日期"),
                       ("note", "附注"), ("cc", "抄送"), ("printer", "印发机关"),
                       ("print_date", "印发日期")):
        value = description.get(key)
        if isinstance(value, list):
            value = "、".join(v if isinstance(v, str) else str(v.get("name", v)) for v in value)
        if value:
            lines.append(f"{label}：{value}")
    return "\n".join(lines)


def _info(doc: Document, frozen: bool) -> DocumentInfo:
    return DocumentInfo(doc.id, doc.genre, doc.status, doc.year, doc.classification, doc.urgency,
                        doc.drafter, doc.drafter_name, doc.series_prefix, doc.doc_no, doc.title,
                        dict(doc.description), doc.version, doc.content_version, frozen,
                        doc.created_at, doc.updated_at)


def version_text(version: DocumentVersion, doc: Document) -> dict[str, Any]:
    """A version's description: its own, or (NULL: the current version) the document's."""
    return dict(version.description if version.description is not None else doc.description)


def _current(s: Session, doc: Document) -> DocumentVersion:
    return s.execute(select(DocumentVersion).where(
        DocumentVersion.document_id == doc.id,
        DocumentVersion.number == doc.content_version)).scalar_one()


def _load(s: Session, actor: Actor, doc_id: int, *, lock: bool = False) -> Document:
    stmt = select(Document).where(Document.id == doc_id)
    if lock:
        stmt = stmt.with_for_update()
    doc = s.execute(stmt).scalar_one_or_none()
    if doc is None:
        raise InputError(f"公文（编号 {doc_id}）不存在或已被删除。")
    audit.require_clearance(actor, doc.classification, "document", doc.id)
    need_to_know.require(s, actor, "document", doc.id)
    return doc


def _step(s: Session, actor: Actor, doc: Document, step: str, at: dt.datetime,
          comment: str = "") -> None:
    s.add(DocumentStep(document_id=doc.id, step=step, actor=actor.username,
                       actor_name=actor.label, at=at, comment=comment.strip(),
                       version_number=doc.content_version))


def _apply(doc: Document, desc: dict[str, Any], genre: str, classification: int,
           now: dt.datetime) -> None:
    doc.description = desc
    doc.genre = genre
    doc.classification = classification
    doc.title = str(desc.get("title", ""))[:500]
    doc.urgency = str(desc.get("urgency", ""))
    doc.doc_no = str(desc.get("doc_no", ""))
    doc.year = _year_of(desc, now)


def _index(s: Session, doc: Document) -> None:
    search_index.index_record(s, SEARCH_KIND, doc.id, doc.classification, doc.title,
                              plain_text(doc.description), doc.doc_no)


# ---- list ---------------------------------------------------------------------------------------
def _filtered(stmt: Select, q: ListQuery, actor: Actor) -> Select:
    stmt = visible(stmt, Document, actor)
    if q.genre:
        stmt = stmt.where(Document.genre == q.genre)
    if q.status:
        stmt = stmt.where(Document.status == q.status)
    if q.year is not None:
        stmt = stmt.where(Document.year == q.year)
    if q.classification is not None:
        stmt = stmt.where(Document.classification == q.classification)
    if q.urgency is not None:
        stmt = stmt.where(Document.urgency == q.urgency)
    if q.drafter:
        stmt = stmt.where(Document.drafter == q.drafter)
    return stmt


@retry_read
def list_documents(ctx: ServiceContext, q: ListQuery = ListQuery(),
                   total: int | None = None) -> list[DocumentRow]:
    """One window of the list, filtered, sorted (ties broken by id so paging is stable).

    With ``q.seek`` (the key of the row beside the page, ``row_key``) the page is read from there
    (keyset paging: any page costs what the first does). Else, with ``total`` (the count the
    caller already has), a window in the second half is read backwards from the end — the same
    rows, but the database skips at most half the list."""
    actor = ctx.may(Action.VIEW)
    col = SORT_COLUMNS.get(q.sort)
    if col is None:
        raise InputError(f"不能按“{q.sort}”排序。")
    offset, limit = max(0, q.offset), max(0, min(q.limit, 5000))
    keys = [Document.id] if col is Document.id else [col, Document.id]
    seek = q.seek if q.seek is not None and q.seek.usable else None
    backwards = seek is None and total is not None and offset > total // 2
    if backwards:
        assert total is not None
        end = min(offset + limit, total)
        offset, limit = total - end, max(0, end - offset)
    stmt = _filtered(select(
        Document.id, Document.genre, Document.title, Document.doc_no, Document.status,
        Document.year, Document.classification, Document.urgency, Document.drafter,
        Document.drafter_name, Document.updated_at), q, actor)
    stmt, flipped = paging.window(stmt, keys, q.descending != backwards, offset=offset,
                                  limit=limit, seek=seek)
    backwards = backwards or flipped
    with ctx.reading() as s:
        ctx.require(Action.VIEW, s)
        rows = [DocumentRow(*row) for row in s.execute(stmt)]
    return rows[::-1] if backwards else rows


@retry_read
def count_documents(ctx: ServiceContext, q: ListQuery = ListQuery()) -> int:
    actor = ctx.may(Action.VIEW)
    stmt = _filtered(select(func.count()).select_from(Document), q, actor)
    with ctx.reading() as s:
        ctx.require(Action.VIEW, s)
        return int(s.execute(stmt).scalar_one())


@retry_read
def drafters(ctx: ServiceContext) -> list[tuple[str, str]]:
    """(username, name) of everyone who drafted a visible document — the drafter filter."""
    actor = ctx.require(Action.VIEW)
    stmt = visible(select(Document.drafter, func.max(Document.drafter_name)), Document, actor)
    with ctx.reading() as s:
        return [(u, n) for u, n in s.execute(stmt.group_by(Document.drafter)
                                              .order_by(Document.drafter))]


@retry_read
def years(ctx: ServiceContext) -> list[int]:
    actor = ctx.require(Action.VIEW)
    stmt = visible(select(Document.year).distinct(), Document, actor)
    with ctx.reading() as s:
        return sorted((y for (y,) in s.execute(stmt)), reverse=True)


# ---- read ---------------------------------------------------------------------------------------
def get_document(ctx: ServiceContext, doc_id: int) -> DocumentInfo:
    """The document; viewing a 秘密/机密 one is audited."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        doc = _load(s, actor, doc_id)
        if doc.classification >= int(Clearance.SECRET):
            audit.append(s, actor, "doc.view", "document", doc.id, {"title": doc.title},
                         at=ctx.now())
        return _info(doc, _current(s, doc).frozen)


@retry_read
def list_steps(ctx: ServiceContext, doc_id: int) -> list[StepInfo]:
    actor = ctx.require(Action.VIEW)
    with ctx.reading() as s:
        _load(s, actor, doc_id)
        rows = s.execute(select(DocumentStep).where(DocumentStep.document_id == doc_id)
                         .order_by(DocumentStep.at, DocumentStep.id)).scalars()
        return [StepInfo(r.step, r.actor, r.actor_name, r.at, r.comment, r.version_number)
                for r in rows]


@retry_read
def list_versions(ctx: ServiceContext, doc_id: int) -> list[VersionInfo]:
    actor = ctx.require(Action.VIEW)
    with ctx.reading() as s:
        doc = _load(s, actor, doc_id)
        rows = s.execute(select(DocumentVersion).where(DocumentVersion.document_id == doc_id)
                         .order_by(DocumentVersion.number)).scalars()
        who = Names(s)
        return [VersionInfo(r.number, r.frozen, r.created_at, r.created_by, r.note,
                            version_text(r, doc), who.name(r.created_by)) for r in rows]


def diff_versions(ctx: ServiceContext, doc_id: int, a: int, b: int) -> list[str]:
    """Unified diff (lines) of version ``a`` → ``b`` as labelled text."""
    versions = {v.number: v for v in list_versions(ctx, doc_id)}
    if a not in versions or b not in versions:
        raise InputError("所选版本不存在。")
    return list(difflib.unified_diff(
        plain_text(versions[a].description).splitlines(),
        plain_text(versions[b].description).splitlines(),
        f"第 {a} 版", f"第 {b} 版", lineterm=""))


# ---- write --------------------------------------------------------------------------------------
def create_document(ctx: ServiceContext, description: dict[str, Any], *, genre: str | None = None,
                    classification: int = 0, series_prefix: str = "") -> DocumentInfo:
    """A new draft (拟稿) from a description."""
    actor = ctx.may(Action.DRAFT)
    desc = _clean(description)
    level = classification_of(desc, classification)
    audit.require_level(ctx, level, "doc.create")
    g = _genre_of(desc, genre)
    now = ctx.now()
    with ctx.session() as s, s.begin():
        ctx.require(Action.DRAFT, s)
        doc = Document(status="draft", drafter=actor.username, drafter_name=actor.label,
                       series_prefix=series_prefix.strip(), content_version=1)
        _apply(doc, desc, g, level, now)
        doc.created_at = doc.updated_at = now
        s.add(doc)
        s.flush()
        s.add(DocumentVersion(document_id=doc.id, number=1, description=None, frozen=False,
                              created_at=now, created_by=actor.username, note="拟稿"))
        _step(s, actor, doc, "draft", now)
        _index(s, doc)
        audit.append(s, actor, "doc.create", "document", doc.id,
                     {"title": doc.title, "classification": level}, at=now)
        return _info(doc, False)


def update_document(ctx: ServiceContext, doc_id: int, description: dict[str, Any], *,
                    expected_version: int, genre: str | None = None,
                    classification: int | None = None,
                    series_prefix: str | None = None) -> DocumentInfo:
    """Save the editor's text. Stale ``expected_version`` → ``DocumentConflict``. A signed
    document gets a new version and goes back to 拟稿."""
    actor = ctx.may(Action.DRAFT)
    desc = _clean(description)
    now = ctx.now()
    try:
        with ctx.session() as s, s.begin():
            ctx.require(Action.DRAFT, s)
            doc = _load(s, actor, doc_id, lock=True)
            if doc.version != expected_version:
                raise DocumentConflict(mine=desc, theirs=dict(doc.description),
                                       my_version=expected_version, their_version=doc.version)
            if doc.status not in ("draft", "reviewed", "signed"):
                raise InputError(f"公文已{STATUS_LABELS[doc.status][1:]}，不能再修改；"
                                 "如需更正，请另行发文。")
            level = classification_of(
                desc, doc.classification if classification is None else classification)
            if classification is None and not desc.get("secrecy") and doc.classification > 1:
                level = 1  # a 密级 removed: keep it 内部 unless the user chose otherwise
            audit.require_clearance(actor, level, "document", doc.id, action="doc.update")
            if doc.doc_no and desc.get("doc_no") != doc.doc_no:
                desc["doc_no"] = doc.doc_no  # the number is the register's, not typed
            current = _current(s, doc)
            if current.frozen:
                # it stops being the current version: it keeps its own copy of its text
                current.description = version_text(current, doc)
                doc.content_version += 1
                s.add(DocumentVersion(document_id=doc.id, number=doc.content_version,
                                      description=None, frozen=False, created_at=now,
                                      created_by=actor.username, note="签发后修改"))
                if doc.status != "draft":
                    doc.status = "draft"
                    _step(s, actor, doc, "revise", now, "修改已签发的公文，需重新核稿、签发")
            else:
                current.description = None  # the document's text (below) is the version's
                current.created_at, current.created_by = now, actor.username
                if doc.status == "reviewed":
                    doc.status = "draft"  # a reviewed text that changes needs reviewing again
                    _step(s, actor, doc, "revise", now, "核稿后修改，需重新核稿")
            _apply(doc, desc, _genre_of(desc, genre or doc.genre), level, now)
            if series_prefix is not None:
                doc.series_prefix = series_prefix.strip()
            doc.updated_at = now
            s.flush()
            _index(s, doc)
            audit.append(s, actor, "doc.update", "document", doc.id,
                         {"title": doc.title, "content_version": doc.content_version}, at=now)
            return _info(doc, False)
    except StaleDataError:
        theirs = get_document(ctx, doc_id)
        raise DocumentConflict(mine=desc, theirs=theirs.description,
                               my_version=expected_version,
                               their_version=theirs.version) from None


def delete_document(ctx: ServiceContext, doc_id: int) -> None:
    """Delete a draft that never got a number (a numbered document stays for the register)."""
    actor = ctx.require(Action.DRAFT)
    with ctx.session() as s, s.begin():
        doc = _load(s, actor, doc_id, lock=True)
        if doc.status != "draft" or doc.doc_no:
            raise InputError("只能删除尚未签发、没有发文字号的拟稿。")
        search_index.remove_record(s, SEARCH_KIND, doc.id)
        for table in (DocumentStep.__table__, DocumentVersion.__table__):
            s.execute(cast(Table, table).delete().where(table.c.document_id == doc.id))
        audit.append(s, actor, "doc.delete", "document", doc.id, {"title": doc.title},
                     at=ctx.now())
        s.delete(doc)


# ---- workflow -----------------------------------------------------------------------------------
#: step → (action needed, statuses it starts from, status it leads to)
TRANSITIONS: dict[str, tuple[Action, tuple[str, ...], str]] = {
    "review": (Action.REVIEW, ("draft",), "reviewed"),
    "sign": (Action.SIGN, ("reviewed",), "signed"),
    "issue": (Action.ISSUE, ("signed",), "issued"),
    "archive": (Action.ISSUE, ("issued",), "archived"),
    "return": (Action.REVIEW, ("reviewed",), "draft"),
}


def available_steps(actor: Actor | None, status: str) -> list[str]:
    """The workflow steps ``actor`` may take on a document in ``status`` (for the buttons)."""
    if actor is None:
        return []
    out = []
    for step, (action, sources, _target) in TRANSITIONS.items():
        may = allowed(actor.roles, action) or (step == "return" and allowed(actor.roles,
                                                                              Action.SIGN))
        if status in sources and may:
            out.append(step)
    return out


def step_action(actor: Actor | None, step: str) -> Action:
    """The permission ``step`` needs from ``actor`` (退回 is a reviewer's or a signer's)."""
    if step == "return" and actor is not None and allowed(actor.roles, Action.SIGN):
        return Action.SIGN
    return TRANSITIONS[step][0]


def status_steps(status: str) -> list[str]:
    """The workflow steps a document in ``status`` allows, whoever acts (the buttons shown)."""
    return [step for step, (_a, sources, _t) in TRANSITIONS.items() if status in sources]


def _begin_step(ctx: ServiceContext, step: str) -> Actor:
    """The roles' check; the account is re-read in the step's first unit of work
    (``ctx.require(step_action(…), s)``)."""
    return ctx.may(step_action(ctx.actor, step))


def _check_state(doc: Document, step: str, expected_version: int | None) -> None:
    _action, sources, _target = TRANSITIONS[step]
    if expected_version is not None and doc.version != expected_version:
        raise ConflictError("该公文已被他人修改，请刷新后再操作。")
    if doc.status not in sources:
        raise InputError(f"公文当前状态为“{STATUS_LABELS[doc.status]}”，不能{STEP_LABELS[step]}。")


def proofread(description: dict[str, Any], genre: str | None = None,
              options: pr.Options | None = None) -> list[pr.Finding]:
    """公文校核 findings for a description (the editor calls this as the clerk types)."""
    from app.domain import proofread as pr

    opts = options or pr.Options()
    if genre and opts.genre is None:
        opts = pr.Options(genre=genre, secrecy_term_required=opts.secrecy_term_required,
                          disabled_rules=opts.disabled_rules)
    return pr.proofread(description, opts)


def fix_all_safe(description: dict[str, Any], genre: str | None = None
                 ) -> tuple[dict[str, Any], list[pr.Finding]]:
    from app.domain import proofread as pr

    return pr.apply_all_safe_fixes(description, pr.Options(genre=genre))


def apply_fix(description: dict[str, Any], finding: pr.Finding) -> dict[str, Any]:
    from app.domain import proofread as pr

    return pr.apply_fix(description, finding)


def workflow_step(ctx: ServiceContext, doc_id: int, step: str, comment: str = "", *,
                  expected_version: int | None = None) -> DocumentInfo:
    """核稿 / 印发 / 归档 / 退回 (签发 has its own function: it takes a number)."""
    if step not in TRANSITIONS or step == "sign":
        raise InputError(f"未知的流程步骤“{step}”。")
    actor = _begin_step(ctx, step)
    if step == "return" and not comment.strip():
        raise InputError("退回须填写意见。")
    now = ctx.now()
    with ctx.session() as s, s.begin():
        ctx.require(step_action(actor, step), s)
        doc = _load(s, actor, doc_id, lock=True)
        _check_state(doc, step, expected_version)
        doc.status = TRANSITIONS[step][2]
        doc.updated_at = now
        _step(s, actor, doc, step, now, comment)
        audit.append(s, actor, f"doc.{step}", "document", doc.id,
                     {"title": doc.title, "comment": comment.strip()}, at=now)
        s.flush()
        return _info(doc, _current(s, doc).frozen)


def sign(ctx: ServiceContext, doc_id: int, comment: str = "", *, prefix: str | None = None,
         reserved_seq: int | None = None, expected_version: int | None = None,
         options: pr.Options | None = None, override_reason: str = "") -> DocumentInfo:
    """签发: proofread (errors block), take the 发文字号 (next, or a reserved one), freeze.

    A signer who decides an ``error`` finding is acceptable (a quoted title of another office's
    document, say) signs with ``override_reason``; the findings overridden and the reason go into
    the audit record and the step's comment.

    Three steps, so that the 发文字号 series is locked for as short a time as possible (issue 32):
    the document is checked and proofread in a read; the next number is claimed in a transaction
    of its own (``docnumbers.claim_number``: one UPDATE and one INSERT under the series lock);
    then the 签发 transaction issues that number by key together with the document, its index
    entry and the audit record. If the document changed in between, or the 签发 does not commit,
    the claimed number is voided with the reason (``docnumbers.release_claim``). On SQLite,
    where every write transaction holds the one database lock anyway, the number is taken inside
    the 签发 transaction (``docnumbers.take_number``) and rolls back with it."""
    actor = _begin_step(ctx, "sign")
    now = ctx.now()
    with ctx.reading() as s:
        ctx.require(step_action(actor, "sign"), s)
        doc = _load(s, actor, doc_id)
        _check_state(doc, "sign", expected_version)
        seen_version = doc.version
        findings = proofread(dict(doc.description), doc.genre, options)
        errors = [f for f in findings if f.severity == "error"]
        overridden: list[str] = []
        if errors and override_reason.strip():
            overridden = [f"{f.title}：{f.message}" for f in errors]
            comment = (comment.strip() + "；" if comment.strip() else "") + (
                f"校核错误经签发人确认：{override_reason.strip()}")
        elif errors:
            listed = "；".join(f"{f.title}：{f.message}" for f in errors[:5])
            raise InputError(f"校核发现 {len(errors)} 个错误，不能签发：{listed}")
        series = ""
        year = 0
        if not doc.doc_no:
            series = (prefix or doc.series_prefix or "").strip()
            if not series:
                raise InputError("请先选择机关代字（发文字号序列）再签发。")
            year = _year_of(dict(doc.description), now)
    claim = None
    if series and reserved_seq is None and ctx.engine.dialect.name != "sqlite":
        # (SQLite: the 签发 transaction holds the database's one write lock whatever it does;
        # the number is taken inside it, O(1), and rolls back with it)
        claim = docnumbers.claim_number(ctx.engine, actor, series, year, doc_id, now)
    try:
        with ctx.session() as s, s.begin():
            doc = _load(s, actor, doc_id, lock=True)
            _check_state(doc, "sign", seen_version)  # unchanged since it was proofread
            desc = dict(doc.description)
            if series:
                if claim is not None:
                    entry = docnumbers.confirm_claim(s, claim, doc.id, actor.username, now)
                else:
                    entry = docnumbers.take_number(s, actor, series, year, doc.id, now,
                                                   reserved_seq)
                doc.series_prefix = series
                desc["doc_no"] = entry.text
            if doc.genre in ("请示", "报告") and not desc.get("signers"):
                desc["signers"] = [actor.label]  # 上行文 标注签发人: the leader signing it
            with s.no_autoflush:  # the document's changes go out in one UPDATE, below
                current = _current(s, doc)
            _apply(doc, desc, doc.genre, doc.classification, now)
            current.description = None  # the document's text, set above, is the version's
            current.frozen = True
            current.note = "签发"
            doc.status = "signed"
            doc.updated_at = now
            _step(s, actor, doc, "sign", now, comment)
            s.flush()
            _index(s, doc)
            detail: dict[str, Any] = {"title": doc.title, "doc_no": doc.doc_no}
            if overridden:
                detail |= {"overridden": overridden, "reason": override_reason.strip()}
            audit.append(s, actor, "doc.sign", "document", doc.id, detail, at=now)
            info = _info(doc, True)
    except BaseException as exc:
        if claim is not None:
            why = exc.message if isinstance(exc, UserError) else "签发时发生错误"
            docnumbers.release_claim(ctx, actor, claim, why)
        raise
    return info


# ---- import / export ----------------------------------------------------------------------------
def import_json(ctx: ServiceContext, text: str | bytes, *, genre: str | None = None,
                classification: int = 0, series_prefix: str = "") -> DocumentInfo:
    """A new draft from a description file's text (docspec; unknown fields name the field)."""
    try:
        obj = json.loads(text.decode("utf-8-sig") if isinstance(text, bytes) else text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"不是有效的 JSON 文件：{exc}") from None
    return create_document(ctx, obj, genre=genre, classification=classification,
                           series_prefix=series_prefix)


# ---- received from another desk (air-gap exchange) ----------------------------------------------
def receive_document(ctx: ServiceContext, description: dict[str, Any], *, genre: str,
                     status: str, year: int, classification: int, drafter: str,
                     drafter_name: str = "", series_prefix: str = "",
                     origin: str = "") -> DocumentInfo:
    """A document another desk sent in an exchange package (``app.services.exchange.packages``), kept
    in the state it had there: validated like a typed one (the description as docspec, its
    密级 against ``classification``, 文种, state), one version — frozen when it was signed or
    later —, a step 交换导入 naming the origin, the search index and the audit log."""
    actor = ctx.require(Action.DRAFT)
    desc = _clean(description)
    level = classification_of(desc, classification if int(classification) in (0, 1) else 0)
    if level != int(classification):
        raise InputError(f"密级（{Clearance(int(classification)).label}）与公文描述中的密级"
                         f"（{Clearance(level).label}）不一致。")
    audit.require_level(ctx, level, "doc.receive")
    g = _genre_of(desc, genre)
    if status not in STATUSES:
        raise InputError(f"公文状态“{status}”无效。")
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100:
        raise InputError("年份无效，应为 1900 至 2100 之间的整数。")
    now = ctx.now()
    with ctx.session() as s, s.begin():
        doc = Document(status=status, drafter=drafter, drafter_name=drafter_name,
                       series_prefix=series_prefix.strip(), content_version=1)
        _apply(doc, desc, g, level, now)
        doc.year = year
        doc.created_at = doc.updated_at = now
        s.add(doc)
        s.flush()
        s.add(DocumentVersion(document_id=doc.id, number=1, description=None,
                              frozen=status in ("signed", "issued", "archived"),
                              created_at=now, created_by=actor.username, note="交换导入"))
        _step(s, actor, doc, "receive", now, f"从交换包导入（来源：{origin}）" if origin
              else "从交换包导入")
        _index(s, doc)
        audit.append(s, actor, "doc.receive", "document", doc.id,
                     {"title": doc.title, "classification": level, "origin": origin}, at=now)
        return _info(doc, status in ("signed", "issued", "archived"))
