"""涉密文件登记簿 window driven with qtbot: print copies of a 秘密 公文, hand one out, see it on the
workbench as due back, 清退 it, ask for its destruction, have a second person confirm, print the
register — every step read back from the table, the database and the PDF."""

from __future__ import annotations

import datetime as dt

import pdfplumber

from app.domain.security import Clearance, Role
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.documents import drafts as docs
from app.services.documents import printing as out
from app.services.output import paper
from app.services.workbench import items as workbench
from app.ui.documents.page import DocumentsPage
from app.ui.qt import QApplication, QMessageBox
from tests.services.documents_helpers import notice


def _users(admin_ctx):
    clock = lambda: dt.datetime(2026, 3, 2, 10, 0).astimezone()  # noqa: E731
    base = ServiceContext(admin_ctx.engine, None, clock)
    out_ = {}
    for name, display in (("wang", "王机要"), ("li", "李监销")):
        accounts.add_user(admin_ctx, name, "Pass-word-1", display_name=display,
                          roles=[Role.CLERK], clearance=Clearance.SECRET,
                          must_change_password=False)
        out_[name] = base.with_actor(accounts.login(base, name, "Pass-word-1"))
    return out_["wang"], out_["li"]


def _table(win) -> list[list[str]]:
    t = win.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def test_register_window_follows_a_copy_to_its_destruction(qtbot, admin_ctx, tmp_path):
    wang, li = _users(admin_ctx)
    d = docs.create_document(wang, notice(secrecy="秘密", secrecy_term="1年"))
    out.print_pdf(wang, d.id, copies=2)
    page = DocumentsPage(wang)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.model.loaded, timeout=10_000):
        page.refresh()
    win = page.open_paper_register()
    qtbot.waitUntil(lambda: win.table.rowCount() == 2, timeout=10_000)
    assert [r[0] for r in _table(win)] == ["000001", "000002"]
    assert all(r[2] == "秘密" and r[8] == "在办公室" for r in _table(win))

    # 分发 the first copy
    win.table.selectRow(0)
    win.issue_button.click()
    dlg = win.dialog
    dlg.unit.setText("市应急管理局")
    dlg.person.setText("张三")
    dlg.signed.setChecked(True)
    dlg.due_back.setDate(dlg.on.date().addDays(2))
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        dlg.accept()
    row = _table(win)[0]
    assert row[4] == "市应急管理局/张三" and row[6] == "已签收" and row[8] == "已分发"
    # the workbench lists it as due back
    items = [i for i in workbench.paper_items(wang)]
    assert [(i.kind, i.label) for i in items] == [("paper", "涉密文件清退")]
    assert "000001" in items[0].title

    # 清退, then 申请销毁 (confirmed in a box), then the same person may not confirm
    win.table.selectRow(0)
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.return_button.click()
    assert _table(win)[0][8] == "已清退" and workbench.paper_items(wang) == []
    win.table.selectRow(0)
    win.destroy_button.click()
    box = win.dialog
    assert isinstance(box, QMessageBox)
    accept = next(b for b in box.buttons() if b.text() == "申请销毁")
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        accept.click()
    assert _table(win)[0][8] == "待确认销毁"
    win.table.selectRow(0)
    win.confirm_button.click()
    qtbot.waitUntil(lambda: "另一人" in win.message.text(), timeout=10_000)

    # the second person confirms in their own window
    page2 = DocumentsPage(li)
    qtbot.addWidget(page2)
    win2 = page2.open_paper_register()
    qtbot.waitUntil(lambda: win2.table.rowCount() == 2, timeout=10_000)
    win2.table.selectRow(0)
    with qtbot.waitSignal(win2.loaded, timeout=10_000):
        win2.confirm_button.click()
    assert _table(win2)[0][8] == "已销毁"
    (first, _second) = paper.list_copies(wang)
    assert first.status == "destroyed" and first.destroy_confirmed_by == "李监销"

    # the register printed through the paper path
    target = tmp_path / "登记簿.pdf"
    handle = win2.save_pdf_to(target)
    qtbot.waitUntil(lambda: handle.finished, timeout=30_000)
    assert win2.message.text().startswith(f"已保存：{target}")
    def upright(o):  # the page text, not the diagonal watermark
        m = o.get("matrix") or (1, 0, 0, 1)
        return o.get("object_type") != "char" or (abs(m[1]) < 1e-6 and abs(m[2]) < 1e-6)

    with pdfplumber.open(target) as pdf:
        text = "".join(p.filter(upright).extract_text() or "" for p in pdf.pages).replace("\n", "")
    assert "涉密文件登记簿" in text and "000001" in text and "秘密" in text
    QApplication.processEvents()
