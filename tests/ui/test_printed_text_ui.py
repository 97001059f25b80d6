"""Issue 17 in the GUI: a second call about the same fire is offered the open incident (no
second incident, no second clock); a 公文 with unfilled placeholders prints only after “仍要打印”."""

from __future__ import annotations

import datetime as dt

from app.services import duty
from app.services.documents import drafts as docs
from app.services.incidents import reports as svc
from app.ui.incidents.page import AttachDialog, LogPickDialog
from tests.services.documents_helpers import notice, people
from tests.ui.test_documents import _page as _documents_page
from tests.ui.test_incidents_page import _page, desks  # noqa: F401 (fixture)


def test_second_call_is_attached_to_the_open_incident(qtbot, desks):  # noqa: F811
    _clock, u = desks
    first = duty.add_log_entry(u["duty"], duty.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 3, 1, 22, 52).astimezone(),
        caller_unit="西湖区应急管理局",
        content="3月1日22时40分许，临江路128号一居民楼发生火灾，造成2人受伤，已送医救治。"))
    inc, _draft = svc.draft_from_duty_log(u["duty"], first.id)
    assert inc.data.title == "临江路128号一居民楼发生火灾"
    second = duty.add_log_entry(u["duty"], duty.LogEntry(
        kind="来电", received_at=dt.datetime(2026, 3, 1, 23, 10).astimezone(),
        caller_unit="市消防救援支队", content="临江路128号居民楼火灾已扑灭。"))
    page = _page(qtbot, u["duty"])
    clocks = len(svc.open_clocks(u["duty"]))
    page.from_log_button.click()
    pick = page.dialog
    assert isinstance(pick, LogPickDialog)
    qtbot.waitUntil(lambda: pick.load_task.finished)  # the entries are read in the worker
    row = next(i for i, e in enumerate(pick.entries) if e.id == second.id)
    pick.table.selectRow(row)
    pick.buttons.button(pick.buttons.StandardButton.Ok).click()
    offer = page.dialog
    assert isinstance(offer, AttachDialog) and offer.isVisible()
    assert offer.list.count() == 1 and "临江路128号" in offer.list.item(0).text()
    offer.attach_button.click()
    qtbot.waitUntil(lambda: "并入" in page.status.text())
    assert svc.count_incidents(u["duty"]) == 1
    assert len(svc.open_clocks(u["duty"])) == clocks
    assert page.incident is not None and page.incident.id == inc.id


def test_placeholder_print_asks_before_printing(qtbot, app_env):
    _config, ctx = app_env
    team = people(ctx)
    clerk = team["clerk"]
    info = docs.create_document(clerk, notice(body="请于XX月XX日前报送，联系人：×××。"))
    editor = _documents_page(qtbot, clerk).open_document(info.id)
    results: list[bytes] = []
    editor._to_printer = lambda pdf, duplex, preview: results.append(pdf)  # no printer here
    editor.start_print(preview=False)
    qtbot.waitUntil(lambda: getattr(editor, "placeholder_box", None) is not None, timeout=20_000)
    box = editor.placeholder_box
    assert box.isVisible() and "×××" in box.text()
    assert results == []  # nothing printed before the answer
    box.buttons()[0].click()  # 仍要打印
    qtbot.waitUntil(lambda: len(results) == 1, timeout=20_000)
    assert results[0].startswith(b"%PDF")
