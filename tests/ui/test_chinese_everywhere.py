"""Chinese all the way through: every page (and each of its tabs) and every dialog of the main
window, with records in it, shows no Latin word outside a short allow-list (PDF, DOCX, XLSX, ID,
key names …). The audit log included: events and values read in Chinese, not ``duty.staff.add``
or ``must_change_password=True``; search groups meetings as 会议纪要, not ``meeting（1）``."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.domain.security import Clearance, Role
from app.services import duty
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.documents import drafts as documents
from app.services.incidents import reports as incidents
from app.services.incoming import book as incoming
from app.services.minutes import meetings as minutes
from app.ui.application import db_label
from app.ui.kit.worker import wait_for_all
from app.ui.main_window import MainWindow
from app.ui.qt import QDialog, QTabWidget, QWidget
from tests.ui.ascii_walk import latin_words, texts_of

USERS = {"admin", "chengang", "wangfang"}  # log-in names are what the administrator typed: data, not wording
# the desk an audit entry was written at (its host name, issue 31) is data too
USERS |= set(re.findall(r"[A-Za-z]+", audit.desk_name()))


@pytest.fixture
def office(admin_ui_ctx):
    """An office with a little of everything: an account with roles, duty staff and a roster,
    a meeting, an incoming document, an incident with a 首报 draft."""
    ctx = admin_ui_ctx
    accounts.add_user(ctx, "chengang", "Chen-pass-12345", role=Role.LEADER,
                      clearance=Clearance.SECRET, display_name="陈刚")
    leader = duty.save_staff(ctx, duty.StaffInfo(0, "陈刚", "办公室", "副主任",
                                                 mobile="13900000001", roles=("leader",)))
    for i in range(3):
        duty.save_staff(ctx, duty.StaffInfo(0, f"干部{i + 1}", "秘书科", "科员",
                                            phone=f"8700000{i}", roles=("officer",)))
    today = dt.date.today()
    roster = duty.create_roster(ctx, today, today + dt.timedelta(days=6))
    duty.add_unavailability(ctx, leader.id, today, today, "出差")
    accounts.add_user(ctx, "wangfang", "Wang-pass-12345", role=Role.CLERK,
                      clearance=Clearance.SECRET, display_name="王芳", must_change_password=False)
    clerk = ctx.with_actor(accounts.login(ctx, "wangfang", "Wang-pass-12345"))
    t = minutes.create_type(clerk, "主任办公会议")
    minutes.create_meeting(clerk, t.id, today, venue="第一会议室", host="张主任")
    now = dt.datetime.now().astimezone()
    incoming.register(clerk, incoming.IncomingIn(sender="市政府办公室", title="关于做好安全生产工作的通知",
                                               received_at=now))
    inc = incidents.create_incident(clerk, incidents.IncidentData(
        title="临江路火灾", occurred_at=now, received_at=now, place="临江路128号"))
    incidents.draft_report(clerk, inc.id)
    documents.create_document(clerk, {"title": "关于做好安全生产工作的通知", "to": "各处室",
                                      "body": ["请各处室认真落实。"], "issuer": "临江市人民政府办公室",
                                      "date": today.isoformat()}, genre="通知")
    return ctx, roster


@pytest.fixture
def chinese_qt(qapp):
    """Qt's own strings in Chinese, as the application installs them at start."""
    from app.ui.application import install_translations
    from app.ui.qt import QApplication, QLocale

    translators = install_translations(qapp)
    yield
    for tr in translators:
        QApplication.removeTranslator(tr)
    QLocale.setDefault(QLocale.system())


def _settle(qtbot) -> None:
    wait_for_all()
    qtbot.wait(1)  # (deliver the queued results; not a sleep: returns at once)
    wait_for_all()


def _cut_hints(dialog: QWidget) -> list[str]:
    from app.ui.qt import QLineEdit

    return [e.placeholderText() for e in dialog.findChildren(QLineEdit)
            if e.placeholderText() and e.isVisible()
            and e.width() < e.fontMetrics().horizontalAdvance(e.placeholderText())]


def _check(widget: QWidget, where: str) -> list[str]:
    return [f"[{where}] {b}" for b in latin_words(texts_of(widget), USERS)]


def test_every_page_tab_and_dialog_is_in_chinese(qtbot, chinese_qt, office, tmp_path):
    ctx, roster = office
    bad: list[str] = []
    clerk = ctx.with_actor(accounts.login(ctx, "wangfang", "Wang-pass-12345"))
    for who in (ctx, clerk):  # the administrator's pages, then a 文书's (公文, 收文 … to edit)
        win = MainWindow(who, db_label(str(ctx.engine.url)), tmp_path / "ui.ini")
        qtbot.addWidget(win)
        win.show()
        for key in win.page_keys():
            page = win.show_page(key)
            _settle(qtbot)
            bad += _check(win, key)
            if who is clerk and key == "documents":  # the editor of a document, opened
                doc_id = documents.list_documents(clerk)[0].id
                page.open_document(doc_id)
                _settle(qtbot)
                bad += _check(win, "documents/editor")
            if key == "incidents":
                page.select_incident(incidents.list_incidents(clerk)[0].id)
                _settle(qtbot)
                bad += _check(win, "incidents/selected")
            if key == "incoming":
                page.open_record(incoming.list_page(clerk)[0].id)
                _settle(qtbot)
                bad += _check(win, "incoming/selected")
            tabs = page.findChildren(QTabWidget) + ([page] if isinstance(page, QTabWidget) else [])
            for tab in tabs:
                for i in range(tab.count()):
                    tab.setCurrentIndex(i)
                    _settle(qtbot)
                    bad += _check(win, f"{key}/{tab.tabText(i)}")
        for action in win.menuBar().actions():  # the menus
            bad += [f"[menu] {b}" for b in latin_words(
                [("menu", action.text())] + [("menu", a.text()) for a in action.menu().actions()])]

    # the dialogs, each as it opens
    from app.ui.accounts.dialogs import PasswordDialog, UserEditDialog
    from app.ui.documents.printing import PrintOptionsDialog
    from app.ui.documents.register import NumberDialog
    from app.ui.duty.handover_tab import ItemDialog
    from app.ui.duty.ledger_dialog import LedgerDialog
    from app.ui.duty.roster_tab import NewRosterDialog, RulesDialog
    from app.ui.guide import GuideDialog
    from app.ui.incidents.dialogs import IncidentDialog
    from app.ui.incidents.page import LogPickDialog
    from app.ui.incidents.rules_dialog import RuleTableDialog
    from app.ui.incidents.stats import StatisticsDialog
    from app.ui.incoming.dialogs import IncomingDialog
    from app.ui.minutes.page import NewMeetingDialog
    from app.ui.search_dialog import SearchDialog

    user = next(u for u in accounts.list_users(ctx) if u.username == "chengang")
    dialogs: list[tuple[str, QDialog]] = [
        ("新建账户", UserEditDialog(ctx, None, win)),
        ("修改账户", UserEditDialog(ctx, user, win)),
        ("修改密码", PasswordDialog(ctx, None, win)),
        ("新建值班表", NewRosterDialog(ctx, win)),
        ("排班规则", RulesDialog(ctx, win)),
        ("新建会议", NewMeetingDialog(ctx, win)),
        ("登记收文", IncomingDialog(ctx, None, win)),
        ("时限规则", RuleTableDialog(ctx, win)),
        ("事件统计", StatisticsDialog(ctx, dt.date.today().year, win)),
        ("值班日志", LogPickDialog(ctx, win)),
        ("用户指南", GuideDialog(win)),
        ("新建突发事件", IncidentDialog(clerk, None, win)),
        ("公平台账", LedgerDialog(ctx, dt.date.today().year, roster.id, win)),
        ("预留号码", NumberDialog(clerk, "reserve", prefixes=["江政办发"], prefix="江政办发",
                                  year=dt.date.today().year, parent=win)),
        ("添加事项", ItemDialog(dt.datetime.now().astimezone(), None, win)),
        ("打印选项", PrintOptionsDialog(True, win)),
    ]
    cut: list[str] = []
    for name, dialog in dialogs:
        dialog.show()
        _settle(qtbot)
        bad += _check(dialog, name)
        cut += [f"{name}: {hint}" for hint in _cut_hints(dialog)]
        dialog.close()
    assert cut == []  # every dialog shows its hints whole

    search = SearchDialog(ctx, win)
    search.show()
    search.query.setText("会议")
    qtbot.waitUntil(lambda: search.results is not None and search.results.query == "会议")
    groups = [search.tree.topLevelItem(i).text(0) for i in range(search.tree.topLevelItemCount())]
    assert "会议纪要（1）" in groups  # the meeting's group (it said meeting（1）)
    bad += _check(search, "全局搜索")
    search.close()
    assert bad == []


def test_the_audit_log_reads_in_chinese(qtbot, office, tmp_path):
    ctx, _roster = office
    win = MainWindow(ctx, db_label(str(ctx.engine.url)), tmp_path / "ui.ini")
    qtbot.addWidget(win)
    win.show()
    page = win.show_page("security")
    viewer = page.findChild(QWidget, "auditTable")
    model = viewer.model()
    qtbot.waitUntil(lambda: model.rowCount() > 10 and not model.loading, timeout=10_000)
    rows = [[model.data(model.index(r, c)) for c in range(model.columnCount())]
            for r in range(model.rowCount())]
    by_action = {r[3]: r for r in rows}
    assert "新增值班人员" in by_action and "新建账户" in by_action and "新建会议" in by_action
    added = by_action["新建账户"]
    assert added[4].startswith("账户 ")
    assert "角色：领导" in added[5] and "知悉范围：秘密" in added[5] and "须修改密码：是" in added[5]
    assert "角色：带班领导" in by_action["新增值班人员"][5]
    assert "出差" in by_action["登记不可值班时段"][5]
    assert latin_words([("audit", " ".join(map(str, r))) for r in rows], USERS) == []
    assert [r for r in rows if "其他" in r[5] or "其他操作" in r[3]] == []  # every key named
