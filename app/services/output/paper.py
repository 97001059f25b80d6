"""涉密文件登记簿: every printed copy of a classified record, from the printer to 清退 or 销毁.

* Printing N copies of a 秘密/机密 record — a 公文 (``document_output``), or any other kind
  that prints through the paper path with a ``Series`` (纪要, 信息专报, 值班日报, 交接班记录, a
  roster's notice and calendar: ``output.finish``) — takes N 份号 from the record's own series
  (the next after the highest ever printed; ``object_type``/``object_id`` name the series) —
  ``take_copy_nos`` inside the print's transaction — and registers each copy as *held* (in the
  office).
* ``issue`` records where a copy went: unit, person, date, whether the signature was received,
  and when it is due back — only to a recipient inside the record's 知悉范围 (when it carries
  one: ``need_to_know.recipient_problem``; docs/security.md states the rule).
* ``return_copy`` (清退) takes it back; ``request_destroy`` + ``confirm_destroy`` destroy it
  (销毁): a second person, not the one who asked, confirms.
* ``list_due`` gives the workbench the copies due back by a day; ``print_register`` prints the
  register as a table through the paper path (marked, watermarked, audited).

Every change is audited in the same transaction (``paper.*``), so the audit ties the copy to the
print that made it (``doc.print``, ``minutes.render``, … name the same 份号 range). Reading needs
``VIEW``, the clearance of the copy and its record's 知悉范围; changing needs ``PRINT``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.security import Action, Clearance
from app.errors import ConflictError, InputError, PermissionDenied
from app.services import audit, need_to_know
from app.services.context import Actor, ServiceContext, visible
from app.storage.models import PaperCopy, PaperSeriesRecord
from app.textsafe import clean_text

#: the lowest level whose copies are registered (秘密 and 机密)
REGISTERED_FROM = int(Clearance.SECRET)
STATUS_LABELS = {"held": "在办公室", "issued": "已分发", "returned": "已清退",
                 "destroy_requested": "待确认销毁", "destroyed": "已销毁"}
OUT_STATUSES = ("issued",)


@dataclass(frozen=True)
class CopyInfo:
    id: int
    object_type: str
    object_id: int
    copy_no: int
    title: str
    classification: int
    printed_at: dt.datetime
    printed_by: str
    status: str
    recipient_unit: str
    recipient_person: str
    issued_on: dt.date | None
    signed: bool
    due_back: dt.date | None
    returned_at: dt.datetime | None
    destroy_requested_by: str
    destroyed_at: dt.datetime | None
    destroy_confirmed_by: str
    version: int

    @property
    def copy_text(self) -> str:
        return f"{self.copy_no:06d}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def _info(r: PaperCopy) -> CopyInfo:
    return CopyInfo(r.id, r.object_type, r.object_id, r.copy_no, r.title, r.classification,
                    r.printed_at, r.printed_by, r.status, r.recipient_unit, r.recipient_person,
                    r.issued_on, r.signed, r.due_back, r.returned_at, r.destroy_requested_by,
                    r.destroyed_at, r.destroy_confirmed_by, r.version)


def registered(classification: int) -> bool:
    return int(classification) >= REGISTERED_FROM


# ---- printing ------------------------------------------------------------------------------------
def next_copy_no(s: Session, object_type: str, object_id: int) -> int:
    last = s.execute(select(func.max(PaperCopy.copy_no)).where(
        PaperCopy.object_type == object_type, PaperCopy.object_id == object_id)).scalar()
    return int(last or 0) + 1


def take_copy_nos(s: Session, actor: Actor, *, object_type: str, object_id: int, title: str,
                  classification: int, copies: int, at: dt.datetime,
                  first: int | None = None,
                  within: Sequence[tuple[str, int]] = ()) -> list[int]:
    """Register ``copies`` new copies (held) in ``s``'s transaction and return their 份号: from
    ``first`` when given (a number already in the register is refused), else the next of the
    record's series. ``within``: the records the print holds (``Series.within``), added to the
    series' list (``PaperSeriesRecord``) that its copies' distribution is checked against."""
    start = first if first is not None else next_copy_no(s, object_type, object_id)
    numbers = list(range(start, start + copies))
    taken = set(s.execute(select(PaperCopy.copy_no).where(
        PaperCopy.object_type == object_type, PaperCopy.object_id == object_id,
        PaperCopy.copy_no.in_(numbers))).scalars())
    if taken:
        raise ConflictError(f"份号 {min(taken):06d} 已登记过，同一份号不能印制两次。"
                            f"下一个可用份号为 {next_copy_no(s, object_type, object_id):06d}。")
    for n in numbers:
        s.add(PaperCopy(object_type=object_type, object_id=object_id, copy_no=n,
                        title=title[:256], classification=int(classification), printed_at=at,
                        printed_by=actor.label, status="held"))
    wanted = {(str(k), int(i)) for k, i in within}
    if wanted:
        have = {(k, int(i)) for k, i in s.execute(
            select(PaperSeriesRecord.kind, PaperSeriesRecord.record_id).where(
                PaperSeriesRecord.object_type == object_type,
                PaperSeriesRecord.object_id == object_id))}
        s.add_all(PaperSeriesRecord(object_type=object_type, object_id=object_id, kind=k,
                                    record_id=i) for k, i in sorted(wanted - have))
    s.flush()
    return numbers


# ---- reading --------------------------------------------------------------------------------------
def list_copies(ctx: ServiceContext, *, object_type: str | None = None,
                object_id: int | None = None, status: str | None = None,
                offset: int = 0, limit: int = 500) -> list[CopyInfo]:
    """Copies the reader may see, by record then 份号."""
    actor = ctx.require(Action.VIEW)
    stmt = visible(select(PaperCopy), PaperCopy, actor)
    if object_type:
        stmt = stmt.where(PaperCopy.object_type == object_type)
    if object_id is not None:
        stmt = stmt.where(PaperCopy.object_id == object_id)
    if status:
        stmt = stmt.where(PaperCopy.status == status)
    stmt = stmt.order_by(PaperCopy.object_type, PaperCopy.object_id, PaperCopy.copy_no)
    with ctx.session() as s, s.begin():
        return [_info(r) for r in s.execute(stmt.offset(offset).limit(limit)).scalars()]


def list_due(ctx: ServiceContext, by: dt.date, limit: int = 50) -> list[CopyInfo]:
    """Copies handed out and due back on or before ``by`` (the workbench's list), earliest
    first."""
    actor = ctx.require(Action.VIEW)
    stmt = (visible(select(PaperCopy), PaperCopy, actor)
            .where(PaperCopy.status.in_(OUT_STATUSES), PaperCopy.due_back.is_not(None),
                   PaperCopy.due_back <= by)
            .order_by(PaperCopy.due_back, PaperCopy.id).limit(limit))
    with ctx.session() as s, s.begin():
        return [_info(r) for r in s.execute(stmt).scalars()]


# ---- the lifecycle --------------------------------------------------------------------------------
def _load(s: Session, actor: Actor, copy_id: int, expected_version: int | None) -> PaperCopy:
    row = s.get(PaperCopy, copy_id)
    if row is None:
        raise InputError("登记簿中没有这一份。")
    audit.require_clearance(actor, row.classification, "paper_copy", row.id)
    # the 份号 of a record outside one's 知悉范围 (a 信息专报 by its incident's)
    if need_to_know.hidden_refs(s, actor, [(row.object_type, row.object_id)]):
        raise audit.refused(PermissionDenied(need_to_know.DENIED), "denied", "paper_copy", row.id,
                            classification=int(row.classification), why=audit.NEED_TO_KNOW)
    if expected_version is not None and row.version != expected_version:
        raise ConflictError("这一份的登记已被他人修改，请刷新后再试。")
    return row


def _audit(s: Session, actor: Actor, what: str, row: PaperCopy, at: dt.datetime,
           **extra: Any) -> None:
    audit.append(s, actor, what, row.object_type, row.object_id,
                 {"copy_no": f"{row.copy_no:06d}", "title": row.title, "status": row.status,
                  **extra}, at=at, classification=row.classification)


def issue(ctx: ServiceContext, copy_id: int, *, unit: str, person: str, on: dt.date,
          signed: bool, due_back: dt.date | None = None,
          expected_version: int | None = None) -> CopyInfo:
    """Record where a held (or returned) copy went: unit, person, date, signature received.
    A record that carries a 知悉范围 goes only to a recipient inside it
    (``need_to_know.recipient_problem``): anyone else is refused — widen the scope first, the
    audited act with a reason — and the refusal is audited (``paper.issue``, refused). A
    recipient who is an account here must also be cleared for the copy's 密级."""
    actor = ctx.require(Action.PRINT)
    unit = clean_text(unit or "").strip()
    person = clean_text(person or "").strip()
    if not unit or not person:
        raise InputError("请填写接收单位和接收人。")
    if len(unit) > 128 or len(person) > 64:
        raise InputError("接收单位或接收人过长。")
    if due_back is not None and due_back < on:
        raise InputError("清退期限不能早于分发日期。")
    now = ctx.now()
    with ctx.session() as s, s.begin():
        row = _load(s, actor, copy_id, expected_version)
        if row.status not in ("held", "returned"):
            raise InputError(f"第 {row.copy_no:06d} 份{STATUS_LABELS[row.status]}，不能再分发。")
        # the 份号 distribution is checked against the record's 知悉范围 (refused: audited)
        problem = need_to_know.recipient_problem(s, row.object_type, row.object_id, unit=unit,
                                                 person=person)
        if problem is not None:
            raise audit.refused(PermissionDenied(problem), "paper.issue", row.object_type,
                                row.object_id, classification=int(row.classification),
                                copy_no=f"{row.copy_no:06d}", unit=unit, person=person,
                                why=need_to_know.RECIPIENT_OUTSIDE)
        # …and against the recipient's own clearance, when the recipient is an account here
        level = int(row.classification)
        low = [u for u in need_to_know.recipient_accounts(s, unit=unit, person=person)
               if int(u.clearance_level) < level]
        if low:
            raise audit.refused(PermissionDenied(
                f"接收人“{person}”的密级（{Clearance(int(low[0].clearance_level)).label}）低于该文件的"
                f"密级（{Clearance(level).label}），不能分发。"), "paper.issue", row.object_type,
                row.object_id, classification=level, copy_no=f"{row.copy_no:06d}", unit=unit,
                person=person, why=audit.CLEARANCE)
        row.status, row.recipient_unit, row.recipient_person = "issued", unit, person
        row.issued_on, row.signed, row.due_back = on, bool(signed), due_back
        row.returned_at, row.returned_by = None, ""
        _audit(s, actor, "paper.issue", row, now, unit=unit, person=person,
               on=on.isoformat(), signed=bool(signed),
               due_back=due_back.isoformat() if due_back else None)
        s.flush()
        return _info(row)


def return_copy(ctx: ServiceContext, copy_id: int, *,
                expected_version: int | None = None) -> CopyInfo:
    """清退: the copy is back in the office."""
    actor = ctx.require(Action.PRINT)
    now = ctx.now()
    with ctx.session() as s, s.begin():
        row = _load(s, actor, copy_id, expected_version)
        if row.status != "issued":
            raise InputError(f"第 {row.copy_no:06d} 份{STATUS_LABELS[row.status]}，无需清退。")
        row.status, row.returned_at, row.returned_by = "returned", now, actor.label
        _audit(s, actor, "paper.return", row, now, unit=row.recipient_unit,
               person=row.recipient_person)
        s.flush()
        return _info(row)


def request_destroy(ctx: ServiceContext, copy_id: int, *,
                    expected_version: int | None = None) -> CopyInfo:
    """销毁, first step: a copy in the office (held or returned) is marked for destruction; a
    second person confirms (``confirm_destroy``)."""
    actor = ctx.require(Action.PRINT)
    now = ctx.now()
    with ctx.session() as s, s.begin():
        row = _load(s, actor, copy_id, expected_version)
        if row.status not in ("held", "returned"):
            raise InputError(f"第 {row.copy_no:06d} 份{STATUS_LABELS[row.status]}，"
                             "须先清退回办公室才能销毁。")
        row.status = "destroy_requested"
        row.destroy_requested_by, row.destroy_requested_by_id = actor.label, actor.user_id
        _audit(s, actor, "paper.destroy.request", row, now)
        s.flush()
        return _info(row)


def confirm_destroy(ctx: ServiceContext, copy_id: int, *,
                    expected_version: int | None = None) -> CopyInfo:
    """销毁, second step: confirmed by someone other than who asked."""
    actor = ctx.require(Action.PRINT)
    now = ctx.now()
    with ctx.session() as s, s.begin():
        row = _load(s, actor, copy_id, expected_version)
        if row.status != "destroy_requested":
            raise InputError(f"第 {row.copy_no:06d} 份没有待确认的销毁。")
        if row.destroy_requested_by_id is not None and row.destroy_requested_by_id == actor.user_id:
            raise audit.refused(PermissionDenied(
                "销毁须由另一人确认（监销），不能由提出销毁的人自己确认。"),
                "paper.destroy.confirm", row.object_type, row.object_id,
                classification=int(row.classification), copy_no=f"{row.copy_no:06d}")
        row.status, row.destroyed_at, row.destroy_confirmed_by = "destroyed", now, actor.label
        _audit(s, actor, "paper.destroy.confirm", row, now,
               requested_by=row.destroy_requested_by)
        s.flush()
        return _info(row)


# ---- printing the register ---------------------------------------------------------------------
REGISTER_HEADER = ["份号", "文件标题（密级）", "去向（分发、签收）", "清退期限", "状态"]


def _register_description(ctx: ServiceContext, rows: list[CopyInfo]) -> dict[str, Any]:
    from app.services import office as office_settings

    office = office_settings.get_office(ctx)

    def d(x: dt.date | None) -> str:
        return x.isoformat() if x else ""

    # five columns: a 3号 table holds no more on the 156 mm text width without wrapping numbers
    def where(r: CopyInfo) -> str:
        if not r.recipient_unit:
            return ""
        sign = "已签收" if r.signed else "未签收"
        return f"{r.recipient_unit}/{r.recipient_person}，{d(r.issued_on)}分发，{sign}"

    table = [[r.copy_text, f"{r.title}（{Clearance(min(r.classification, 3)).label}）", where(r),
              d(r.due_back),
              r.status_label + (f"（监销：{r.destroy_confirmed_by}）" if r.destroy_confirmed_by
                                else "")] for r in rows]
    desc: dict[str, Any] = {
        "title": "涉密文件登记簿",
        "body": [f"共 {len(rows)} 份，按文件和份号排列。",
                 {"table": {"header": REGISTER_HEADER, "rows": table}}],
        "date": ctx.now().astimezone().date().isoformat(),
    }
    if office.office_name:
        desc["issuer"] = office.office_name
    return desc


def print_register(ctx: ServiceContext, *, object_type: str | None = None,
                   object_id: int | None = None) -> Any:
    """The register (or one record's part of it) as a PDF table through the paper path: marked
    with the highest 密级 listed, watermarked, audited as ``paper.register.print``."""
    from app.services import output
    from app.typeset import render

    actor = ctx.require(Action.PRINT)
    rows = list_copies(ctx, object_type=object_type, object_id=object_id, limit=5000)
    if not rows:
        raise InputError("登记簿中没有可打印的记录。")
    level = max(r.classification for r in rows)
    result = render(_register_description(ctx, rows), "pdf")
    # the printed register is itself a classified copy: registered (one series for the kind)
    return output.finish(ctx, actor, kind="paper_register", fmt="pdf", data=result.data,
                         action="paper.register.print", object_type="paper_register",
                         object_id=object_id or "", classification=level, title="涉密文件登记簿",
                         warnings=result.warnings, detail={"rows": len(rows)},
                         series=[output.Series("paper_register", 0)])
