"""知悉范围 (need to know): who may know a 秘密 or 机密 record beyond its 密级.

A classified record (公文 ``document``, 收文 ``incoming``, 会议/纪要 ``meeting``, 突发事件
``incident``, 值班记录 ``duty_log``) may carry a scope: named users and/or units
(``record_scopes``, revision 0021). A user sees such a record only when

* their clearance allows its 密级 (``app.services.context.visible``, as before), AND
* it has no scope, or they are inside it: named, or their unit (``users.unit``) is named, or they
  are its owner — the drafter of a 公文 or anyone who acted on it in its workflow (the leader
  who signed it included), the author of a 值班记录, or the creator of the record (kept as an
  ``owner`` row when the scope is first set).

Records that hang off another take its scope: a 议定事项/督办 item (``Decision``) its meeting's,
an incident report its incident's, a 值班 open item its 值班记录's.

**One predicate.** ``allows(model, actor)`` is the condition as SQL — ``id NOT IN`` the hidden
set (``hidden_ids``: one uncorrelated subquery over ``record_scopes``, computed once per
statement) — and ``context.visible`` adds it beside the clearance filter, so every
list, count, page, export and workbench query that already went through ``visible`` respects the
scope with no Python filtering after the fact. The full-text search (its own index query) asks
``hidden_search_entries``; the audit viewer masks events about hidden records
(``hidden_events``); single-record reads call ``require``. A record outside one's scope shows up
nowhere — not as a hit, a row or a count — and a read by id is refused (``DENIED``, a message
that names neither the record nor who is inside its scope), as a read above one's clearance is.

**Changing a scope** (``set_scope``) is audited (``scope.set``; ``scope.widen`` when someone
who could not know the record before may know it now, which needs a 理由). The record's owner or
an administrator who may manage users (the 安全保密管理员 in a 涉密 office) may change it.

**Handing out a paper copy** (the 涉密文件登记簿's 分发, ``output.issue``) is checked against the
scope of the copy's record (``recipient_problem``): a copy goes only to a unit the scope names or
to an account inside it; anyone else is refused (audited), and the way is to widen the scope
first — the audited act with a reason.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, delete, exists, false, not_, or_, select, true
from sqlalchemy.orm import Session

from app.domain.security import Action, Clearance
from app.errors import InputError, PermissionDenied
from app.services import audit
from app.storage.models import (
    AuditEvent,
    Decision,
    Document,
    DocumentStep,
    DutyLogEntry,
    DutyOpenItem,
    Incident,
    IncidentReport,
    IncomingDoc,
    Meeting,
    PaperSeriesRecord,
    RecordScope,
    User,
)

if TYPE_CHECKING:
    from app.services.context import ServiceContext

#: The kinds of record that carry a scope → their table.
KINDS: dict[str, Any] = {  # the ORM classes (Any: their columns are read by name)
    "document": Document,
    "incoming": IncomingDoc,
    "meeting": Meeting,
    "incident": Incident,
    "duty_log": DutyLogEntry,
}
KIND_OF: dict[Any, str] = {m: k for k, m in KINDS.items()}
KIND_LABELS: dict[str, str] = {
    "document": "公文",
    "incoming": "收文",
    "meeting": "会议纪要",
    "incident": "突发事件",
    "duty_log": "值班记录",
}
#: Tables whose rows take their parent's scope → (the parent's kind, the column naming it).
INHERITS: dict[Any, tuple[str, str]] = {
    Decision: ("meeting", "meeting_id"),
    IncidentReport: ("incident", "incident_id"),
    DutyOpenItem: ("duty_log", "log_id"),
}
#: Search-index kinds of child records → (their table, parent column, parent kind).
SEARCH_CHILDREN: dict[str, tuple[Any, str, str]] = {
    "decision": (Decision, "meeting_id", "meeting"),
}
#: Audit object types of child records → (their table, parent column, parent kind).
AUDIT_CHILDREN: dict[str, tuple[Any, str, str]] = {
    "decision": (Decision, "meeting_id", "meeting"),
    "incident_report": (IncidentReport, "incident_id", "incident"),
    "duty_open_item": (DutyOpenItem, "log_id", "duty_log"),
}
#: Only records at or above this level carry a scope.
MIN_LEVEL = int(Clearance.SECRET)
MAX_ENTRIES = 200
MAX_UNIT = 128
MIN_REASON = 2
MAX_REASON = 500
DENIED = "该内容超出您的知悉范围。"
NOT_OWNER = "只有拟稿人（登记人）或安全保密管理员可以调整知悉范围。"


# --------------------------------------------------------------------------- the predicate


def _my_unit(actor: Any) -> Any:
    return select(User.unit).where(User.id == actor.user_id).scalar_subquery()


def _owner(row: Any, actor: Any, model: Any = None) -> ColumnElement[bool]:
    """``actor`` owns ``row`` (the table ``model``, or an alias of it) by its own columns:
    the drafter of a 公文 or anyone who acted on it in its workflow (the leader who signed it),
    the author of a 值班记录. Creators of other kinds are kept as ``owner`` rows."""
    model = model or row
    if model is Document:
        return or_(row.drafter == actor.username,
                   exists().where(DocumentStep.document_id == row.id,
                                  DocumentStep.actor == actor.username))
    if model is DutyLogEntry:
        return row.author_id == actor.user_id
    return false()


def hidden_ids(kind: str, actor: Any) -> Any:
    """SELECT of the ids of ``kind`` records whose scope ``actor`` is outside of: records with
    scope rows, none naming the actor or their unit, of which the actor is not the owner.

    Not correlated with the outer query: the database computes it once per statement from
    ``record_scopes`` alone (few rows: only records that carry a scope), and each row of a list
    then costs one lookup in that set (``NOT IN``) — no probe of ``record_scopes`` per row."""
    model = KINDS[kind]
    scoped = select(RecordScope.record_id).where(RecordScope.kind == kind)
    out = select(RecordScope.record_id).where(RecordScope.kind == kind)
    if actor.user_id is None:  # no account: inside no scope
        return out
    mine = scoped.where(or_(RecordScope.user_id == actor.user_id,
                            and_(RecordScope.unit != "", RecordScope.unit == _my_unit(actor))))
    out = out.where(RecordScope.record_id.not_in(mine))
    owned = _owned(model, actor)  # owners by column (other kinds: ``owner`` rows)
    if owned is not None:
        out = out.where(RecordScope.record_id.not_in(owned))
    return out.correlate(None)


def _owned(model: Any, actor: Any) -> Any:
    """SELECT of the ids of ``model`` rows ``actor`` owns by column (see ``_owner``), each part
    an index range (``ix_documents_drafter``, ``ix_document_steps_actor``,
    ``ix_duty_log_author_id``): proportional to the user's own work, not to the table."""
    if model is Document:
        return select(Document.id).where(Document.drafter == actor.username).union(
            select(DocumentStep.document_id).where(DocumentStep.actor == actor.username))
    if model is DutyLogEntry:
        return select(DutyLogEntry.id).where(DutyLogEntry.author_id == actor.user_id)
    return None


def allows(model: Any, actor: Any) -> ColumnElement[bool]:
    """SQL: ``actor`` is inside the 知悉范围 of the row of ``model`` (true for tables that carry
    none). ``context.visible`` puts it beside the clearance filter."""
    kind = KIND_OF.get(model)
    if kind is not None:
        return model.id.not_in(hidden_ids(kind, actor))
    if model in INHERITS:
        parent_kind, column = INHERITS[model]
        col = getattr(model, column)
        ok = col.not_in(hidden_ids(parent_kind, actor))
        return or_(col.is_(None), ok) if col.nullable else ok
    if getattr(model, "__tablename__", "") == "paper_copies":  # a copy is in its record's scope
        # (a 信息专报's copy in its incident's: children by their parent)
        hidden = [and_(model.object_type == k, model.object_id.in_(hidden_ids(k, actor)))
                  for k in KINDS]
        hidden += [and_(model.object_type == k, model.object_id.in_(
            select(child.id).where(getattr(child, column).in_(hidden_ids(parent, actor)))))
            for k, (child, column, parent) in AUDIT_CHILDREN.items()]
        return and_(*(not_(h) for h in hidden))
    return true()


def linked_visible(model: Any, actor: Any) -> ColumnElement[bool]:
    """SQL for a row of ``model`` (in ``INHERITS``) whose parent may be missing: the parent is
    visible to ``actor`` — clearance AND scope — or there is none (an open item not opened on a
    值班记录). Used where the child table has no 密级 of its own."""
    parent_kind, column = INHERITS[model]
    parent = KINDS[parent_kind]
    col = getattr(model, column)
    unseen = select(parent.id).where(or_(parent.classification > int(actor.clearance),
                                         parent.id.in_(hidden_ids(parent_kind, actor))))
    return or_(col.is_(None), col.not_in(unseen))


def knows(s: Session, actor: Any, kind: str, record_id: int) -> bool:
    """Whether ``actor`` is inside the scope of record ``(kind, record_id)`` (clearance not
    checked here; a missing record: True)."""
    return s.execute(hidden_ids(kind, actor).where(
        RecordScope.record_id == record_id).limit(1)).first() is None


def require(s: Session, actor: Any, kind: str, record_id: int | None) -> None:
    """Refuse a read or change of one record outside ``actor``'s scope (``PermissionDenied``
    with ``DENIED``: it names neither the record nor who is inside)."""
    if record_id is None:
        return
    if kind not in KINDS:
        raise ValueError(kind)
    if not knows(s, actor, kind, int(record_id)):  # the refused attempt is audited (by kind, id)
        raise audit.refused(PermissionDenied(DENIED), "denied", kind, int(record_id),
                                    why=audit.NEED_TO_KNOW)


def hidden_search_entries(s: Session, actor: Any) -> list[int]:
    """Ids of ``search_entries`` about records outside ``actor``'s scope (few: only records
    that carry a scope are looked at). The search adds ``NOT IN`` them to its index query, so
    hits and group counts both leave them out. One indexed query per kind that has scopes
    (an OR across kinds would scan the whole index table)."""
    from app.storage.models import SearchEntry

    kinds = set(s.execute(select(RecordScope.kind).distinct()).scalars())
    out: list[int] = []
    for kind in sorted(kinds & set(KINDS)):
        out += s.execute(select(SearchEntry.id).where(
            SearchEntry.kind == kind, SearchEntry.record_id.in_(hidden_ids(kind, actor)))).scalars()
        for child, (model, column, parent) in SEARCH_CHILDREN.items():
            if parent == kind:
                out += s.execute(select(SearchEntry.id).where(
                    SearchEntry.kind == child, SearchEntry.record_id.in_(
                        select(model.id).where(getattr(model, column).in_(
                            hidden_ids(parent, actor)))))).scalars()
    return sorted(out)


def hidden_refs(s: Session, actor: Any, refs: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Those of ``refs`` (``(object_type, id)`` as the audit log names records; children by
    their own type) that are outside ``actor``'s scope."""
    wanted, parent_of = audit.by_parent(s, refs, AUDIT_CHILDREN)
    hidden: set[tuple[str, int]] = set()
    for kind, ids in wanted.items():
        if kind not in KINDS or not ids:
            continue
        ids_list = sorted(ids)
        for i in range(0, len(ids_list), 500):
            hidden.update((kind, rid) for rid in s.execute(
                hidden_ids(kind, actor).where(
                    RecordScope.record_id.in_(ids_list[i:i + 500]))).scalars())
    hidden.update(child for child, parent in parent_of.items() if parent in hidden)
    return hidden


def hidden_events(s: Session, actor: Any, events: Sequence[Any],
                  details: Mapping[int, Any]) -> set[int]:
    """``seq`` of the audit ``events`` that name a record outside ``actor``'s scope (the
    viewer masks them as it masks events above the reader's clearance)."""
    from app.services import audit

    if not events:
        return set()
    refs_of = {e.seq: audit.event_refs(e.object_type, e.object_id, details.get(e.seq))
               for e in events}
    all_refs = [r for refs in refs_of.values() for r in refs]
    if not all_refs:
        return set()
    # Cheap exit for the common case: no scope on any record the page names.
    if not s.execute(select(RecordScope.id).limit(1)).first():
        return set()
    hidden = hidden_refs(s, actor, all_refs)
    return {seq for seq, refs in refs_of.items() if any(r in hidden for r in refs)}


# ----------------------------------------------------------------- handing out a paper copy


#: The audit detail's reason code when a copy's recipient is outside its record's scope.
RECIPIENT_OUTSIDE = "recipient_outside_scope"
WIDEN_FIRST = ("请先由拟稿人（登记人）或安全保密管理员扩大知悉范围（须填写理由，留痕审计），"
               "再分发。")


@dataclass(frozen=True)
class _Account:
    """The two things ``hidden_ids`` asks of an actor, for an account that is not signed in."""

    user_id: int
    username: str


def scope_of(s: Session, object_type: str, object_id: int) -> tuple[str, int] | None:
    """The record whose 知悉范围 covers ``(object_type, object_id)`` (as the audit log and the
    涉密文件登记簿 name records): itself for a kind that carries a scope, its parent for a child
    (a 信息专报 ``incident_report``: its incident), None for anything else (a roster's prints,
    the register itself: no 知悉范围, their 密级 alone decides; a 值班日报 has none of its own,
    but its copies are checked against what it printed — ``recipient_problem``)."""
    if object_type in KINDS:
        return object_type, int(object_id)
    child = AUDIT_CHILDREN.get(object_type)
    if child is None:
        return None
    model, column, parent = child
    pid = s.scalar(select(getattr(model, column)).where(model.id == int(object_id)))
    return (parent, int(pid)) if pid is not None else None


def _name(text: str) -> str:
    return " ".join(str(text or "").split())


def _accounts_named(s: Session, person: str) -> list[User]:
    """The accounts a recipient typed as ``person`` may be: by login name, else by name."""
    login = unicodedata.normalize("NFKC", person).strip()
    found = list(s.execute(select(User).where(User.username == login)).scalars())
    if not found:
        found = list(s.execute(select(User).where(User.display_name == _name(person))
                               .order_by(User.id)).scalars())
    return found


def recipient_accounts(s: Session, *, unit: str, person: str) -> list[User]:
    """The accounts ``person`` of ``unit`` (as typed on a copy's 分发) may be — by login name,
    else by name, of that unit or of none — for the checks a copy's recipient must pass."""
    unit = _name(unit)
    return [u for u in _accounts_named(s, person) if not u.unit or _name(u.unit) == unit]


def recipient_problem(s: Session, object_type: str, object_id: int, *, unit: str,
                      person: str) -> str | None:
    """Why a paper copy of ``(object_type, object_id)`` may not be handed to ``person`` of
    ``unit`` (None when it may). docs/security.md “份号分发与知悉范围” states the rule:

    * a record without a 知悉范围: no check here (its 密级 decides, as on screen);
    * a print without one of its own that holds scoped records (a 值班日报, ``PaperSeriesRecord``):
      the recipient must be inside each of their scopes;
    * otherwise the recipient is inside when the **unit** typed is one the scope names (spaces
      ignored) — whoever receives it there — or when the **person** typed is an account inside
      the scope (named, its owner, or a member of a named unit: ``knows``), found by login
      name, else by name (``display_name``), and the unit typed is that account's unit (when it
      has one). A unit that is merely the unit of someone named in the scope is not inside.
    * Several accounts of that name (with that unit): all must be inside, else the login name
      is asked for."""
    ref = scope_of(s, object_type, object_id)
    if ref is not None:
        return _outside(s, *ref, unit=unit, person=person)
    # a print that holds records of its own (a 值班日报: that day's 值班日志 and 突发事件): inside
    # the scope of every one of them that carries a scope
    printed = s.execute(
        select(PaperSeriesRecord.kind, PaperSeriesRecord.record_id).distinct()
        .join(RecordScope, (RecordScope.kind == PaperSeriesRecord.kind)
              & (RecordScope.record_id == PaperSeriesRecord.record_id))
        .where(PaperSeriesRecord.object_type == object_type,
               PaperSeriesRecord.object_id == int(object_id))
        .order_by(PaperSeriesRecord.kind, PaperSeriesRecord.record_id)).all()
    for kind, record_id in printed:
        problem = _outside(s, kind, record_id, unit=unit, person=person)
        if problem is not None:
            return (f"该件印有知悉范围受限的{KIND_LABELS.get(kind, kind)}记录（编号 {record_id}）："
                    + problem)
    return None


def _outside(s: Session, kind: str, record_id: int, *, unit: str, person: str) -> str | None:
    """Why ``person`` of ``unit`` is outside the 知悉范围 of record ``(kind, record_id)`` (None:
    inside, or the record carries none)."""
    rows = s.execute(select(RecordScope.basis, RecordScope.unit).where(
        RecordScope.kind == kind, RecordScope.record_id == record_id)).all()
    if not rows:
        return None
    units = sorted({r.unit for r in rows if r.basis == "unit" and r.unit})
    unit, person = _name(unit), _name(person)
    if unit in units:
        return None
    found = _accounts_named(s, person)
    fits = [u for u in found if not u.unit or _name(u.unit) == unit]
    inside = [u for u in fits if knows(s, _Account(u.id, u.username), kind, record_id)]
    who = f"“{unit}/{person}”"
    if fits and len(inside) == len(fits):
        return None
    if inside:
        return (f"有多名用户姓名为“{person}”，其中有人不在该文件的知悉范围内，无法确定接收人：请在"
                "接收人中填写其登录名。")
    elsewhere = [u for u in found if u not in fits
                 and knows(s, _Account(u.id, u.username), kind, record_id)]
    if elsewhere:
        return (f"接收人“{person}”在本系统登记的单位是“{elsewhere[0].unit}”，与所填接收单位"
                f"“{unit}”不符：请按其所在单位填写。")
    hint = f"（知悉范围内的单位：{'、'.join(units[:5])}{'等' if len(units) > 5 else ''}）" \
        if units else ""
    return f"接收人{who}不在该文件的知悉范围内{hint}，不能分发。" + WIDEN_FIRST


# ----------------------------------------------------------------------- reading and setting


@dataclass(frozen=True)
class ScopeUser:
    user_id: int
    username: str
    display_name: str
    unit: str

    @property
    def label(self) -> str:
        return f"{self.display_name}（{self.username}）" if self.display_name else self.username


@dataclass(frozen=True)
class Scope:
    kind: str
    record_id: int
    classification: int
    users: tuple[ScopeUser, ...] = ()
    units: tuple[str, ...] = ()
    #: the record's creator, kept inside (not chosen; not shown as a choice)
    owners: tuple[ScopeUser, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.users and not self.units

    @property
    def may_carry(self) -> bool:
        return self.classification >= MIN_LEVEL


def is_widening(old_users: Iterable[int], old_units: Iterable[str], new_users: Iterable[int],
                new_units: Iterable[str]) -> bool:
    """Whether a change lets someone know the record who could not before: an existing scope
    removed, or a user or unit added to one. Setting a scope where there was none narrows."""
    old_u, old_n, new_u, new_n = set(old_users), set(old_units), set(new_users), set(new_units)
    if not old_u and not old_n:
        return False
    if not new_u and not new_n:
        return True
    return bool(new_u - old_u or new_n - old_n)


def _clean_units(units: Iterable[str]) -> list[str]:
    out: list[str] = []
    for u in units:
        name = " ".join(str(u or "").split())
        if not name:
            continue
        if len(name) > MAX_UNIT:
            raise InputError(f"单位名称不能超过 {MAX_UNIT} 个字符。")
        if name not in out:
            out.append(name)
    return out


def _record(s: Session, actor: Any, kind: str, record_id: int) -> Any:
    model = KINDS.get(kind)
    if model is None:
        raise InputError("该类记录不设知悉范围。")
    row = s.get(model, record_id)
    if row is None:
        raise InputError(f"找不到{KIND_LABELS[kind]}（编号{record_id}）。")
    audit.require_clearance(actor, row.classification, kind, row.id)
    return row


def _user(u: User) -> ScopeUser:
    return ScopeUser(u.id, u.username, u.display_name, u.unit)


def _read(s: Session, kind: str, row: Any) -> Scope:
    users: list[ScopeUser] = []
    owners: list[ScopeUser] = []
    units: list[str] = []
    for rs, u in s.execute(select(RecordScope, User).outerjoin(User, User.id == RecordScope.user_id)
                           .where(RecordScope.kind == kind, RecordScope.record_id == row.id)
                           .order_by(RecordScope.id)):
        if rs.basis == "unit" and rs.unit:
            units.append(rs.unit)
        elif u is not None:
            (owners if rs.basis == "owner" else users).append(_user(u))
    return Scope(kind, row.id, int(row.classification), tuple(users), tuple(units), tuple(owners))


def _owner_ids(s: Session, kind: str, row: Any) -> set[int]:
    """The record's creator(s): by column where the table names them, else the actor of the
    first audit event about the record."""
    ids: set[int] = set()
    if kind == "document":
        uid = s.scalar(select(User.id).where(User.username == row.drafter))
        if uid is not None:
            ids.add(uid)
    elif kind == "duty_log" and row.author_id is not None:
        ids.add(row.author_id)
    first = s.scalar(select(AuditEvent.actor_id).where(
        AuditEvent.object_type == kind, AuditEvent.object_id == str(row.id),
        AuditEvent.actor_id.is_not(None)).order_by(AuditEvent.seq).limit(1))
    if first is not None and s.get(User, first) is not None:
        ids.add(first)
    return ids


def _is_owner(s: Session, actor: Any, kind: str, row: Any) -> bool:
    if actor.user_id is None:
        return False
    model = KINDS[kind]
    if s.scalar(select(model.id).where(model.id == row.id, _owner(model, actor))) is not None:
        return True
    return actor.user_id in _owner_ids(s, kind, row)


def _may_manage(s: Session, actor: Any, kind: str, row: Any) -> bool:
    return actor.may(Action.GRANT_ROLES) or _is_owner(s, actor, kind, row)


def get_scope(ctx: ServiceContext, kind: str, record_id: int) -> Scope:
    """The scope of one record (who must see it to ask: clearance and scope)."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = _record(s, actor, kind, record_id)
        if not actor.may(Action.GRANT_ROLES):
            require(s, actor, kind, record_id)
        return _read(s, kind, row)


def may_change(ctx: ServiceContext, kind: str, record_id: int) -> str | None:
    """None when the actor may change the scope of a record they may see, else why not (for
    the UI: the action stays visible, disabled with the reason). A record they may not see is
    refused as by ``get_scope``."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = _record(s, actor, kind, record_id)
        if not actor.may(Action.GRANT_ROLES):
            require(s, actor, kind, record_id)
        if row.classification < MIN_LEVEL:
            return "只有秘密、机密记录可以设定知悉范围。"
        if not _may_manage(s, actor, kind, row):
            return NOT_OWNER
    return None


def set_scope(ctx: ServiceContext, kind: str, record_id: int, user_ids: Iterable[int],
              units: Iterable[str], reason: str = "") -> Scope:
    """Replace the scope of record ``(kind, record_id)`` with ``user_ids`` and ``units`` (both
    empty: no scope — clearance alone decides). Widening (see ``is_widening``) needs a
    ``reason``; every change is audited with what was added and removed."""
    from app.services import audit

    actor = ctx.require(Action.VIEW)
    new_users = sorted({int(u) for u in user_ids})
    new_units = _clean_units(units)
    if len(new_users) + len(new_units) > MAX_ENTRIES:
        raise InputError(f"知悉范围最多列出 {MAX_ENTRIES} 个用户和单位。")
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise InputError(f"理由不能超过 {MAX_REASON} 个字符。")
    with ctx.session() as s, s.begin():
        row = _record(s, actor, kind, record_id)
        if not _may_manage(s, actor, kind, row):
            raise audit.refused(PermissionDenied(NOT_OWNER), "scope.set", kind, record_id)
        if not actor.may(Action.GRANT_ROLES):
            require(s, actor, kind, record_id)
        if (new_users or new_units) and row.classification < MIN_LEVEL:
            raise InputError("只有秘密、机密记录可以设定知悉范围。")
        known = {u.id: u for u in s.execute(select(User).where(User.id.in_(new_users))).scalars()}
        missing = [u for u in new_users if u not in known]
        if missing:
            raise InputError(f"找不到用户（编号{'、'.join(str(m) for m in missing)}）。")
        for u in known.values():
            if u.clearance_level < row.classification:
                raise InputError(f"用户“{u.display_name or u.username}”的密级不足"
                                 f"（{Clearance(u.clearance_level).label}），不能列入知悉范围。")
        before = _read(s, kind, row)
        old_users = [u.user_id for u in before.users]
        widening = is_widening(old_users, before.units, new_users, new_units)
        if widening and len(reason) < MIN_REASON:
            raise InputError("扩大知悉范围须填写理由。")
        if set(old_users) == set(new_users) and set(before.units) == set(new_units):
            return before
        s.execute(delete(RecordScope).where(RecordScope.kind == kind,
                                            RecordScope.record_id == record_id))
        if new_users or new_units:
            for uid in sorted(_owner_ids(s, kind, row)):
                s.add(RecordScope(kind=kind, record_id=record_id, basis="owner", user_id=uid,
                                  unit=""))
            for uid in new_users:
                s.add(RecordScope(kind=kind, record_id=record_id, basis="user", user_id=uid,
                                  unit=""))
            for name in new_units:
                s.add(RecordScope(kind=kind, record_id=record_id, basis="unit", user_id=None,
                                  unit=name))
        s.flush()
        old_names = {u.user_id: u.username for u in before.users}
        detail: dict[str, Any] = {
            "classification": int(row.classification),
            "users_added": sorted(known[u].username for u in set(new_users) - set(old_users)),
            "users_removed": sorted(old_names[u] for u in set(old_users) - set(new_users)),
            "units_added": sorted(set(new_units) - set(before.units)),
            "units_removed": sorted(set(before.units) - set(new_units)),
            "scope": "已解除" if not new_users and not new_units else "已限定",
        }
        if reason:
            detail["reason"] = reason
        audit.append(s, actor, "scope.widen" if widening else "scope.set", kind, record_id,
                     detail, at=ctx.now())
        return _read(s, kind, row)


def candidates(ctx: ServiceContext, kind: str, record_id: int) -> tuple[list[ScopeUser], list[str]]:
    """For the dialog: active users cleared for the record, and the units users belong to."""
    actor = ctx.require(Action.VIEW)
    with ctx.session() as s, s.begin():
        row = _record(s, actor, kind, record_id)
        if not _may_manage(s, actor, kind, row):
            raise audit.refused(PermissionDenied(NOT_OWNER), "denied", kind, record_id)
        users = [_user(u) for u in s.execute(
            select(User).where(User.active.is_(True), User.clearance_level >= row.classification)
            .order_by(User.username)).scalars()]
        units = sorted({u for u in s.execute(select(User.unit).where(User.unit != "")).scalars()}
                       | set(s.execute(select(RecordScope.unit).where(
                           RecordScope.unit != "")).scalars()))
    return users, units


#: Up to this many hidden entries go into the FTS query as literals (~7 bytes each, far below
#: SQLite's 1 MB statement limit); more go through a temporary table.
FTS_INLINE_MAX = 20_000


def fts_filter(s: Session, hidden: Sequence[int], id_shift: int) -> str:
    """The SQLite FTS condition leaving out ``hidden`` entry ids (``rowid >> id_shift`` is the
    entry id; integers only, from ``hidden_search_entries``)."""
    if not hidden:
        return ""
    shift = int(id_shift)
    if len(hidden) <= FTS_INLINE_MAX:
        return f" AND (rowid >> {shift}) NOT IN ({','.join(str(int(i)) for i in hidden)})"
    from sqlalchemy import text

    s.execute(text("CREATE TEMP TABLE IF NOT EXISTS ntk_hidden (id INTEGER PRIMARY KEY)"))
    s.execute(text("DELETE FROM temp.ntk_hidden"))
    s.execute(text("INSERT INTO temp.ntk_hidden (id) VALUES (:i)"),
              [{"i": int(i)} for i in hidden])
    return f" AND (rowid >> {shift}) NOT IN (SELECT id FROM temp.ntk_hidden)"
