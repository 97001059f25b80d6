"""收文登记 service against a real database (SQLite and, in CI, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.incoming import DueState, Status, UrgeMethod, Urgency
from app.domain.security import Clearance, Role
from app.errors import ConflictError, InputError, PermissionDenied, UserError
from app.services.context import Actor, ServiceContext
from app.services.incoming import book as incoming
from app.services.incoming.book import AttachmentIn, IncomingFilter, IncomingIn
from app.services.search import index as search
from app.storage.models import AuditEvent
from app.storage.models.incoming import IncomingAttachment

CST = dt.timezone(dt.timedelta(hours=8))
# Friday 13 Feb 2026, 10:00 Beijing time — the Spring Festival holiday starts on Sunday
NOW = dt.datetime(2026, 2, 13, 10, 0, tzinfo=CST)


class Clock:
    def __init__(self, t: dt.datetime = NOW) -> None:
        self.t = t

    def __call__(self) -> dt.datetime:
        return self.t


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    import time
    time.tzset()
    yield Clock()
    monkeypatch.delenv("TZ")
    time.tzset()


def _as(ctx, clock, role=Role.CLERK, clearance=Clearance.SECRET, name="王文书"):
    return ServiceContext(ctx.engine, Actor(None, name, role, clearance, name), clock)


def _data(**kw) -> IncomingIn:
    base = {"sender": "省应急管理厅", "sender_ref": "应急函〔2026〕8号", "received_at": NOW,
            "title": "关于做好春节期间值班工作的通知", "classification": 1,
            "urgency": Urgency.URGENT, "pages": 3, "summary": "要求春节期间严格落实领导带班制度。",
            "proposal": "拟请办公室牵头落实。", "handler_unit": "办公室",
            "handler_person": "李四", "deadline_workdays": 3}
    return IncomingIn(**(base | kw))


def _actions(engine) -> list[str]:
    with Session(engine) as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_register_numbers_computes_deadline_indexes_and_audits(ctx, clock):
    clerk = _as(ctx, clock)
    a = incoming.register(clerk, _data(), [AttachmentIn("附件1.pdf", b"%PDF-1.4 demo")])
    b = incoming.register(clerk, _data(title="关于报送防汛物资的函", deadline_workdays=None,
                                       deadline=dt.date(2026, 3, 31), summary="报送物资清单。",
                                       sender_ref="水函〔2026〕2号"))
    assert (a.reg_no, b.reg_no) == ("收〔2026〕1号", "收〔2026〕2号")
    assert a.deadline == dt.date(2026, 2, 25) and a.deadline_workdays == 3  # over 春节
    assert a.due == DueState.DUE_SOON and b.due == DueState.ON_TRACK
    assert a.attachment_count == 1 and a.status == Status.OPEN
    detail = incoming.get(clerk, a.id)
    assert detail.info.summary.startswith("要求春节期间") and detail.info.registered_by == "王文书"
    assert [x.filename for x in detail.attachments] == ["附件1.pdf"]
    hits = search.search(clerk, "带班", kinds=["incoming"]).hits
    assert [(h.kind, h.record_id) for h in hits] == [("incoming", a.id)]
    assert [h.record_id for h in search.search(clerk, "应急函〔2026〕8号").hits] == [a.id]
    assert [h.record_id for h in search.search(clerk, "收〔2026〕2号").hits] == [b.id]
    assert _actions(ctx.engine) == ["incoming.register", "incoming.register", "incoming.view"]


def test_next_year_restarts_numbering(ctx, clock):
    clerk = _as(ctx, clock)
    incoming.register(clerk, _data())
    nxt = incoming.register(clerk, _data(received_at=dt.datetime(2027, 1, 4, 9, tzinfo=CST),
                                         deadline_workdays=None))
    assert nxt.reg_no == "收〔2027〕1号"


def test_validation_and_permissions(ctx, clock):
    clerk = _as(ctx, clock)
    with pytest.raises(InputError, match="来文单位"):
        incoming.register(clerk, _data(sender=" "))
    with pytest.raises(InputError, match="之一"):
        incoming.register(clerk, _data(deadline=dt.date(2026, 3, 1)))
    with pytest.raises(InputError, match="早于"):
        incoming.register(clerk, _data(deadline_workdays=None, deadline=dt.date(2026, 1, 1)))
    with pytest.raises(PermissionDenied):  # above the clerk's own clearance
        incoming.register(clerk, _data(classification=3))
    with pytest.raises(PermissionDenied):
        incoming.register(_as(ctx, clock, Role.READER), _data())
    assert incoming.count(clerk) == 0


def test_attachment_is_verified_on_read(ctx, clock, tmp_path):
    clerk = _as(ctx, clock)
    info = incoming.register(clerk, _data(), [AttachmentIn("名单.xlsx", b"\x00\x01table")])
    att = incoming.get(clerk, info.id).attachments[0]
    assert incoming.read_attachment(clerk, att.id) == ("名单.xlsx", b"\x00\x01table")
    out = incoming.save_attachment(clerk, att.id, tmp_path / "copy.xlsx")
    assert out.read_bytes() == b"\x00\x01table"
    with Session(ctx.engine) as s, s.begin():  # a damaged copy in the database
        s.execute(update(IncomingAttachment).values(data=b"\x00\x01tablX"))
    with pytest.raises(UserError, match="已损坏"):
        incoming.read_attachment(clerk, att.id)
    with Session(ctx.engine) as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert last.action == "incoming.attachment.read" and json.loads(last.detail)["intact"] is False
    more = incoming.add_attachments(clerk, info.id, [AttachmentIn("/tmp/x/补充.docx", b"d")])
    assert [a.filename for a in more] == ["名单.xlsx", "补充.docx"]


def test_urge_records_and_done(ctx, clock):
    clerk = _as(ctx, clock)
    info = incoming.register(clerk, _data())
    clock.t = dt.datetime(2026, 2, 26, 9, tzinfo=CST)  # the day after the deadline
    assert incoming.get(clerk, info.id).info.due == DueState.OVERDUE
    u = incoming.urge(clerk, info.id, target="办公室 李四", method="电话", note="请今日报结果")
    assert u.method == UrgeMethod.PHONE and u.urged_by == "王文书"
    incoming.urge(clerk, info.id, target="办公室", method=UrgeMethod.WRITTEN, urged_by="张主任",
                  urged_at=dt.datetime(2026, 2, 26, 8, tzinfo=CST))
    detail = incoming.get(clerk, info.id)
    assert [(x.urged_by, x.method.label) for x in detail.urges] == [
        ("张主任", "书面"), ("王文书", "电话")]
    with pytest.raises(InputError, match="催办方式"):
        incoming.urge(clerk, info.id, target="办公室", method="飞鸽")
    done = incoming.set_done(clerk, info.id, note="已按要求落实", expected_version=info.version)
    assert done.status == Status.DONE and done.due == DueState.DONE and done.urge_count == 2
    with pytest.raises(InputError, match="无需催办"):
        incoming.urge(clerk, info.id, target="办公室", method="电话")
    with pytest.raises(ConflictError):
        incoming.set_done(clerk, info.id, False, expected_version=info.version)
    reopened = incoming.set_done(clerk, info.id, False)
    assert reopened.status == Status.OPEN and reopened.done_note == ""
    assert "incoming.urge" in _actions(ctx.engine) and _actions(ctx.engine)[-1] == "incoming.reopen"


def test_update_records_changes(ctx, clock):
    clerk = _as(ctx, clock)
    info = incoming.register(clerk, _data())
    new = incoming.update(clerk, info.id, _data(instruction="请张局长阅示。", deadline_workdays=5),
                          expected_version=info.version)
    assert new.instruction == "请张局长阅示。" and new.deadline == dt.date(2026, 2, 27)
    with Session(ctx.engine) as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "incoming.update")).one()
    changed = json.loads(ev.detail)["changed"]
    assert set(changed) == {"instruction", "deadline", "deadline_workdays"}
    assert changed["deadline"] == ["2026-02-25", "2026-02-27"]
    with pytest.raises(ConflictError):
        incoming.update(clerk, info.id, _data(), expected_version=info.version)
    assert search.search(clerk, "阅示").hits[0].record_id == info.id


def test_list_filters_sort_and_clearance(ctx, clock):
    clerk = _as(ctx, clock, clearance=Clearance.CONFIDENTIAL)
    overdue = incoming.register(clerk, _data(title="过期件", deadline_workdays=None,
                                             deadline=dt.date(2026, 2, 13)))
    soon = incoming.register(clerk, _data(title="临期件"))  # 25 Feb: 3 working days
    later = incoming.register(clerk, _data(title="远期件", deadline_workdays=5))  # 27 Feb
    secret = incoming.register(clerk, _data(title="机密件", classification=3,
                                            deadline_workdays=None))
    clock.t = dt.datetime(2026, 2, 14, 9, tzinfo=CST)  # make-up Saturday
    low = _as(ctx, clock, Role.READER, Clearance.INTERNAL, "只读")

    def titles(c, **kw):
        return [i.title for i in incoming.list_page(c, IncomingFilter(**kw), sort="reg_no",
                                                    descending=False)]

    assert titles(clerk) == ["过期件", "临期件", "远期件", "机密件"]
    assert titles(low) == ["过期件", "临期件", "远期件"]
    assert incoming.count(low) == 3 and incoming.count(clerk) == 4
    assert titles(clerk, due=DueState.OVERDUE) == ["过期件"]
    assert titles(clerk, due=DueState.DUE_SOON) == ["临期件"]
    assert titles(clerk, due=DueState.ON_TRACK) == ["远期件"]
    assert titles(clerk, due=DueState.NONE) == ["机密件"]
    assert titles(low, due=DueState.NONE) == []
    assert titles(clerk, text="远期 办公室") == ["远期件"]
    assert titles(clerk, text="100%") == []
    assert incoming.due_summary(low) == {DueState.OVERDUE: 1, DueState.DUE_SOON: 1}
    page = incoming.list_page(clerk, sort="deadline", descending=False, limit=2)
    assert [i.id for i in page] == [overdue.id, soon.id]
    assert [i.id for i in incoming.list_page(clerk, sort="deadline", offset=2, limit=5,
                                             descending=False)] == [later.id, secret.id]
    with pytest.raises(PermissionDenied):
        incoming.get(low, secret.id)
    assert search.search(low, "机密件").hits == []
    with pytest.raises(InputError):
        incoming.list_page(clerk, sort="password")


def test_two_desks_never_get_the_same_number(ctx, clock):
    clerk = _as(ctx, clock)
    errors: list[BaseException] = []

    def desk():
        try:
            for _ in range(4):
                incoming.register(clerk, _data())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=desk) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = sorted(i.reg_seq for i in incoming.list_page(clerk, limit=100))
    assert seqs == list(range(1, 13))


def test_text_filter_uses_the_search_index(ctx, clock):
    """The list's text filter: 1- and 2-character Chinese, 来文字号, sender, 收文编号, ASCII (a
    trailing ASCII word as a prefix while typing), words only found in the body; clearance
    applies, nothing matches across punctuation or non-neighbouring characters."""
    clerk = _as(ctx, clock, clearance=Clearance.CONFIDENTIAL)
    flood = incoming.register(clerk, _data(
        title="关于报送防汛工作情况的函", sender="省水利厅", sender_ref="水函〔2026〕15号",
        summary="请于6月30日前报送防汛准备情况，发生险情及时续报。", proposal="",
        handler_unit="应急科", handler_person="赵六"))
    duty = incoming.register(clerk, _data())  # 春节期间值班, 省应急管理厅 应急函〔2026〕8号
    secret = incoming.register(clerk, _data(
        title="关于值班安排的机密通知", sender="省委办公厅", sender_ref="GB-A12〔2026〕3号",
        classification=3, summary="重点部位值班续报要求。"))
    low = _as(ctx, clock, Role.READER, Clearance.INTERNAL, "只读")

    def ids(c, text):
        got = [i.id for i in incoming.list_page(c, IncomingFilter(text=text), sort="reg_no",
                                                descending=False)]
        assert incoming.count(c, IncomingFilter(text=text)) == len(got)
        return got

    assert ids(clerk, "汛") == [flood.id]  # one character
    assert ids(clerk, "值班") == [duty.id, secret.id]  # two characters
    assert ids(low, "值班") == [duty.id]  # clearance in the query, count too
    assert ids(clerk, "续报") == [flood.id, secret.id]  # found in the 摘要 (body)
    assert ids(clerk, "水函〔2026〕15号") == [flood.id]  # 来文字号 as typed
    assert ids(clerk, "水函[2026]15号") == [flood.id]
    assert ids(clerk, "应急函〔2026〕8号") == [duty.id]
    assert ids(clerk, "15号") == [flood.id] and ids(clerk, "5号") == []
    assert ids(clerk, "省水利厅") == [flood.id]  # sender
    assert ids(clerk, f"收〔2026〕{duty.reg_seq}号") == [duty.id]  # 收文编号
    assert ids(clerk, "赵六 防汛") == [flood.id] and ids(clerk, "赵六 值班") == []
    assert ids(clerk, "gb") == [secret.id] and ids(clerk, "GB-A1") == [secret.id]  # prefix
    assert ids(clerk, "a1") == [secret.id] and ids(clerk, "a13") == []
    assert ids(low, "gb") == []
    assert ids(clerk, "值续") == [] and ids(clerk, "汛函") == []  # not neighbours
    assert ids(clerk, "函省") == []  # 的函 | 省水利厅: different fields
    assert ids(clerk, "，。") == [flood.id, duty.id, secret.id]  # no word: no filter
    incoming.update(clerk, flood.id, _data(title="关于报送抗旱工作情况的函", summary="",
                                           sender="省水利厅", sender_ref="水函〔2026〕15号"),
                    expected_version=flood.version)
    assert ids(clerk, "汛") == [] and ids(clerk, "抗旱") == [flood.id]  # re-indexed
