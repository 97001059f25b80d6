"""The 份号 distribution is checked against the 知悉范围 (issue 31).

A 机密 公文 carries a 知悉范围 naming one user (李知情, 财务科) and one unit (保密办). Its printed
copies may be handed out (涉密文件登记簿 → 分发) only to a recipient inside it — a person of 保密办,
李知情 by name or login name, the drafter — and anyone else is refused with a message that says
to widen the scope first, the refusal audited; once the scope is widened (with a reason, audited)
the same hand-out goes through. A 信息专报's copy is checked against its incident's scope; a record
without a scope goes to anyone, as before. The rule (docs/security.md “份号分发与知悉范围”) is
driven through the services and through the register window with qtbot, and read back from the
database.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.errors import PermissionDenied
from app.services import need_to_know
from app.services.accounts import users as accounts
from app.services.context import Actor
from app.services.documents import drafts as documents
from app.services.documents import printing
from app.services.incidents import reports as incidents
from app.services.output import paper
from app.storage.models import AuditEvent, PaperCopy, PaperSeriesRecord, User, UserRole
from tests.services.documents_helpers import notice, person

TOP = int(Clearance.CONFIDENTIAL)
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def office(admin_ctx):
    def cleared(name: str, display: str, unit: str):
        c = person(admin_ctx, name, Role.CLERK, Clearance.CONFIDENTIAL, display)
        if unit:
            accounts.set_unit(admin_ctx, c.actor.user_id, unit)
        roles = {Role.CLERK, Role.DUTY, Role.LEADER}
        with Session(admin_ctx.engine) as s, s.begin():
            s.add_all(UserRole(user_id=c.actor.user_id, role_code=r.value)
                      for r in roles - {Role.CLERK})
        return c.with_actor(Actor(c.actor.user_id, name, roles, Clearance.CONFIDENTIAL, display))

    drafter = cleared("zuozhe", "周拟稿", "办公室")
    named = cleared("zhiqing", "李知情", "财务科")
    cleared("tongshi", "孙同事", "保密办")
    cleared("waiyuan", "王外员", "财务科")
    doc = documents.create_document(drafter, notice("关于保密检查的通知", secrecy="机密",
                                                    secrecy_term="10年"))
    need_to_know.set_scope(drafter, "document", doc.id, [named.actor.user_id], ["保密办"])
    printing.print_pdf(drafter, doc.id, copies=8)
    return {"admin": admin_ctx, "drafter": drafter, "named": named, "doc": doc.id,
            "copies": [c.id for c in paper.list_copies(drafter, object_id=doc.id)]}


def _issue(ctx, copy_id: int, unit: str, person_: str):
    return paper.issue(ctx, copy_id, unit=unit, person=person_, on=DAY, signed=True,
                       due_back=DAY + dt.timedelta(days=7))


def _row(engine, copy_id: int) -> tuple[str, str, str]:
    with Session(engine) as s:
        r = s.get(PaperCopy, copy_id)
        assert r is not None
        return r.status, r.recipient_unit, r.recipient_person


def _issue_events(engine) -> list[tuple[str, str, str, int | None, dict]]:
    with Session(engine) as s:
        rows = s.execute(select(AuditEvent).where(AuditEvent.action == "paper.issue")
                         .order_by(AuditEvent.seq)).scalars()
        return [(e.outcome, e.object_type, e.object_id, e.classification, json.loads(e.detail))
                for e in rows]


def test_a_copy_goes_only_to_a_recipient_inside_the_scope(office):
    drafter, engine, doc = office["drafter"], office["admin"].engine, office["doc"]
    c = office["copies"]
    # outside: a cleared colleague of the named user, an outside unit, a person of the named
    # user's unit who is not named, and the named user typed under the wrong unit
    refused = [(c[0], "财务科", "王外员"), (c[0], "市应急管理局", "张三"), (c[0], "财务科", "张三"),
               (c[0], "财务科", "waiyuan")]
    for copy_id, unit, who in refused:
        with pytest.raises(PermissionDenied, match="不在该文件的知悉范围内") as exc:
            _issue(drafter, copy_id, unit, who)
        assert "扩大知悉范围" in str(exc.value) and "保密办" in str(exc.value)
        assert _row(engine, copy_id) == ("held", "", "")
    with pytest.raises(PermissionDenied, match="登记的单位是“财务科”"):
        _issue(drafter, c[0], "办公室", "李知情")
    assert _row(engine, c[0]) == ("held", "", "")
    # inside: anyone of the named unit, the named user by name or login name, the drafter,
    # the unit typed with stray spaces
    accepted = [(c[1], "保密办", "孙同事"), (c[2], "保密办", "赵临时"), (c[3], "财务科", "李知情"),
                (c[4], "财务科", "zhiqing"), (c[5], "办公室", "周拟稿"), (c[6], "  保密办 ", "钱某")]
    for copy_id, unit, who in accepted:
        info = _issue(drafter, copy_id, unit, who)
        assert info.status == "issued"
        assert _row(engine, copy_id) == ("issued", unit.strip(), who)
    # every refused attempt is audited as refused, naming the record (not its title) at its
    # 密级, the copy, the recipient and why; the successes as before
    events = _issue_events(engine)
    assert [e[0] for e in events] == ["refused"] * 5 + ["success"] * 6
    for _outcome, kind, rid, level, detail in events[:5]:
        assert (kind, rid, level) == ("document", str(doc), TOP)
        assert detail["copy_no"] == "000001" and "reason" in detail
        assert "保密检查" not in json.dumps(detail, ensure_ascii=False)
    assert events[0][4]["why"] == need_to_know.RECIPIENT_OUTSIDE
    assert (events[0][4]["unit"], events[0][4]["person"]) == ("财务科", "王外员")


def test_widening_the_scope_first_lets_the_copy_go(office):
    drafter, named, engine = office["drafter"], office["named"], office["admin"].engine
    copy_id, doc = office["copies"][0], office["doc"]
    with pytest.raises(PermissionDenied, match="扩大知悉范围"):
        _issue(drafter, copy_id, "财务科", "王外员")
    with Session(engine) as s:
        waiyuan = s.scalar(select(User.id).where(User.username == "waiyuan"))
    need_to_know.set_scope(drafter, "document", doc, [named.actor.user_id, waiyuan], ["保密办"],
                           reason="参加保密检查")
    info = _issue(drafter, copy_id, "财务科", "王外员")
    assert (info.status, info.recipient_person) == ("issued", "王外员")
    with Session(engine) as s:
        widen = s.execute(select(AuditEvent).where(AuditEvent.action == "scope.widen")).scalar_one()
        assert json.loads(widen.detail)["reason"] == "参加保密检查"
    assert [e[0] for e in _issue_events(engine)] == ["refused", "success"]
    # widening by a unit works the same way: the whole unit may receive it
    need_to_know.set_scope(drafter, "document", doc, [named.actor.user_id], ["保密办", "审计科"],
                           reason="审计科参加检查")
    assert _issue(drafter, office["copies"][1], "审计科", "任何人").status == "issued"


def test_same_name_needs_the_login_name(office):
    admin, drafter, doc = office["admin"], office["drafter"], office["doc"]
    twin_in = person(admin, "zhangwei1", Role.CLERK, Clearance.CONFIDENTIAL, "张伟")
    person(admin, "zhangwei2", Role.CLERK, Clearance.CONFIDENTIAL, "张伟")  # no unit, outside
    need_to_know.set_scope(drafter, "document", doc,
                           [office["named"].actor.user_id, twin_in.actor.user_id], ["保密办"],
                           reason="张伟参加检查")
    c = office["copies"]
    with pytest.raises(PermissionDenied, match="登录名"):
        _issue(drafter, c[0], "某单位", "张伟")
    assert _issue(drafter, c[0], "某单位", "zhangwei1").status == "issued"
    with pytest.raises(PermissionDenied, match="不在该文件的知悉范围内"):
        _issue(drafter, c[1], "某单位", "zhangwei2")


def test_without_a_scope_a_copy_goes_to_anyone(office):
    drafter = office["drafter"]
    plain = documents.create_document(drafter, notice("关于值班安排的通知", secrecy="机密",
                                                      secrecy_term="10年"))
    printing.print_pdf(drafter, plain.id, copies=1)
    (copy,) = paper.list_copies(drafter, object_id=plain.id)
    assert _issue(drafter, copy.id, "市应急管理局", "张三").status == "issued"


def test_an_information_report_copy_takes_its_incidents_scope(office):
    drafter, named = office["drafter"], office["named"]
    now = dt.datetime.now()
    inc = incidents.create_incident(drafter, incidents.IncidentData(
        title="涉密载体遗失", occurred_at=now, received_at=now, place="某地", summary="经过。"),
        classification=TOP)
    need_to_know.set_scope(drafter, "incident", inc.id, [named.actor.user_id], ["应急办"])
    report = incidents.draft_report(drafter, inc.id)
    incidents.render_report(drafter, report.id, copies=2, allow_placeholders=True)
    first, second = paper.list_copies(drafter, object_type="incident_report")
    with pytest.raises(PermissionDenied, match="不在该文件的知悉范围内"):
        _issue(drafter, first.id, "保密办", "孙同事")  # 保密办 is the 公文's unit, not this one's
    assert _issue(drafter, second.id, "应急办", "值班员").status == "issued"
    with Session(office["admin"].engine) as s:
        assert need_to_know.scope_of(s, "incident_report", report.id) == ("incident", inc.id)
        assert need_to_know.scope_of(s, "duty_daily", 20260302) is None


def test_a_duty_daily_copy_takes_the_scopes_of_what_it_printed(office):
    """A 值班日报 is no record with a 知悉范围 of its own, but it prints that day's 值班日志: one
    秘密 entry carries a 知悉范围 (李知情, 应急办). The copies of the report go only to a
    recipient inside it; a report of a day without scoped entries goes to anyone cleared."""
    from app.services import duty, duty_publish

    drafter, named = office["drafter"], office["named"]
    # yesterday morning: received times are in the past whatever the hour the suite runs at
    day = (dt.datetime.now().astimezone() - dt.timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0)
    entry = duty.add_log_entry(drafter, duty.LogEntry(
        kind="来电", received_at=day, caller_unit="市保密局", caller_name="赵",
        content="通报一起涉密载体遗失。", classification=int(Clearance.SECRET)))
    need_to_know.set_scope(drafter, "duty_log", entry.id, [named.actor.user_id], ["应急办"])
    duty.add_log_entry(drafter, duty.LogEntry(kind="来电", received_at=day.replace(hour=11),
                                              caller_unit="区应急局", content="雨情平稳。"))
    today = day.date()
    daily = duty_publish.render_daily(drafter, today, today, copies=3)
    assert daily.classification == int(Clearance.SECRET) and len(daily.copy_nos) == 3
    with Session(office["admin"].engine) as s:
        printed = set(s.execute(select(PaperSeriesRecord.kind, PaperSeriesRecord.record_id).where(
            PaperSeriesRecord.object_type == "duty_daily",
            PaperSeriesRecord.object_id == int(f"{today:%Y%m%d}"))).all())
    assert ("duty_log", entry.id) in printed and len(printed) == 2
    first, second, third = paper.list_copies(drafter, object_type="duty_daily")
    with pytest.raises(PermissionDenied, match="知悉范围受限的值班记录") as exc:
        _issue(drafter, first.id, "保密办", "孙同事")  # inside the 公文's scope, not this one's
    assert "不在该文件的知悉范围内" in str(exc.value) and "应急办" in str(exc.value)
    assert _row(office["admin"].engine, first.id) == ("held", "", "")
    assert _issue(drafter, second.id, "应急办", "值班员").status == "issued"
    assert _issue(drafter, third.id, "财务科", "李知情").status == "issued"
    outcomes = [(e[0], e[1]) for e in _issue_events(office["admin"].engine)]
    assert outcomes == [("refused", "duty_daily"), ("success", "duty_daily"),
                        ("success", "duty_daily")]
    # the day before: nothing scoped printed, the copy goes to anyone cleared, as before
    yesterday = today - dt.timedelta(days=1)
    duty.add_log_entry(drafter, duty.LogEntry(
        kind="来电", received_at=day - dt.timedelta(days=1), caller_unit="市委办",
        content="请报送节日值班安排。", classification=int(Clearance.SECRET)))
    duty_publish.render_daily(drafter, yesterday, yesterday, copies=1)
    (plain,) = [c for c in paper.list_copies(drafter, object_type="duty_daily")
                if c.object_id == int(f"{yesterday:%Y%m%d}")]
    assert _issue(drafter, plain.id, "市应急管理局", "张三").status == "issued"


# ------------------------------------------------------------------------------------ the GUI


def test_the_register_window_shows_the_refusal_on_its_message_line(qtbot, office):
    from app.ui.documents.page import DocumentsPage

    drafter, engine = office["drafter"], office["admin"].engine
    page = DocumentsPage(drafter)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.model.loaded, timeout=10_000):
        page.refresh()
    win = page.open_paper_register()
    qtbot.waitUntil(lambda: win.table.rowCount() == 8, timeout=10_000)

    def hand_out(unit: str, who: str) -> None:
        win.table.selectRow(0)
        win.issue_button.click()
        dlg = win.dialog
        dlg.unit.setText(unit)
        dlg.person.setText(who)
        dlg.accept()

    hand_out("财务科", "王外员")
    qtbot.waitUntil(lambda: "知悉范围" in win.message.text(), timeout=10_000)
    assert "扩大知悉范围" in win.message.text() and "不能分发" in win.message.text()
    assert win.table.item(0, 8).text() == "在办公室"
    assert _row(engine, office["copies"][0]) == ("held", "", "")
    assert [e[0] for e in _issue_events(engine)] == ["refused"]
    # inside the scope: the same action goes through and the row says where the copy went
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        hand_out("保密办", "孙同事")
    assert win.table.item(0, 4).text() == "保密办/孙同事"
    assert win.table.item(0, 8).text() == "已分发"
    assert [e[0] for e in _issue_events(engine)] == ["refused", "success"]


def test_a_copy_goes_only_to_an_account_cleared_for_it(office):
    """A recipient who is an account here must hold the copy's 密级 too: 保密办 is inside the
    scope, but 赵内部 of 保密办 is cleared 内部 only — refused (audited, the copy stays held);
    a colleague of the same unit cleared 机密 receives it."""
    admin, drafter = office["admin"], office["drafter"]
    low = person(admin, "zhaoneibu", Role.CLERK, Clearance.INTERNAL, "赵内部")
    accounts.set_unit(admin, low.actor.user_id, "保密办")
    first = office["copies"][0]
    with pytest.raises(PermissionDenied, match="赵内部.*密级（内部）低于该文件的密级（机密）"):
        _issue(drafter, first, "保密办", "赵内部")
    assert _row(drafter.engine, first) == ("held", "", "")
    outcome, _kind, _id, level, detail = _issue_events(drafter.engine)[-1]
    assert (outcome, level, detail["why"]) == ("refused", TOP, "above_clearance")
    assert "保密检查" not in json.dumps(detail, ensure_ascii=False)  # never the title
    assert _issue(drafter, first, "保密办", "孙同事").status == "issued"
