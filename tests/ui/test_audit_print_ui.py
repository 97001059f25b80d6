"""安全审计 page: the 打印/导出 PDF… button (print preview and save-as-PDF, both in the background)."""

from __future__ import annotations

import io

import pdfplumber

from app.domain.security import Clearance, Role
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.ui.qt import QPrintPreviewDialog
from app.ui.security.page import AuditViewer


def _upright(obj: dict) -> bool:
    if obj.get("object_type") != "char":
        return True
    m = obj.get("matrix") or (1, 0, 0, 1)
    return abs(m[1]) < 1e-6 and abs(m[2]) < 1e-6


def _viewer(qtbot, ctx):
    viewer = AuditViewer(ctx)
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.action_combo.setCurrentText("doc.view")
    with qtbot.waitSignal(viewer.model.loaded):  # the query runs in the worker
        viewer.search_button.click()
    return viewer


def test_print_button_opens_preview_and_saves_pdf(qtbot, admin_ui_ctx, tmp_path):
    ctx = admin_ui_ctx
    with ctx.session() as s, s.begin():
        for i in range(30):
            audit.append(s, ctx.actor, "doc.view", "document", i, {"i": i})
    viewer = _viewer(qtbot, ctx)
    menu = viewer.print_button.menu()
    assert [a.text() for a in menu.actions()] == ["打印预览(&P)…", "另存为 PDF(&S)…"]

    viewer.preview_action.trigger()
    assert not viewer.print_button.isEnabled()  # rendering runs in the background
    qtbot.waitUntil(lambda: viewer.task.finished, timeout=30_000)
    assert viewer.print_button.isEnabled()
    dlg = viewer.dialog
    assert isinstance(dlg, QPrintPreviewDialog)
    qtbot.waitUntil(dlg.isVisible, timeout=5_000)
    dlg.close()
    assert audit.recent(ctx.engine, 1)[0].action == "audit.print"
    with pdfplumber.open(io.BytesIO(viewer.printed_pdf)) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages).replace(" ", "")
    # the user column names the person and the login (陈刚（chengang）), wrapped in its cell;
    # the event in words (查看公文, not doc.view)
    assert text.count("系统管理员查看公文") == 30 and text.count("（admin）") == 30
    assert "公文29" in text

    out = tmp_path / "审计.pdf"
    handle = viewer.save_pdf_to(out)
    qtbot.waitUntil(lambda: handle.finished, timeout=30_000)
    assert out.read_bytes() == viewer.printed_pdf and "已导出 PDF" in viewer.status.text()
    assert audit.recent(ctx.engine, 1)[0].action == "audit.export"


def test_print_hides_details_above_the_leaders_clearance(qtbot, admin_ui_ctx, tmp_path):
    ctx = admin_ui_ctx
    accounts.add_user(ctx, "leader", "Leader-pass-1", role=Role.LEADER,
                      clearance=Clearance.INTERNAL, must_change_password=False)
    with ctx.session() as s, s.begin():
        audit.append(s, ctx.actor, "doc.view", "document", 1,
                     {"classification": 3, "title": "绝密标题XYZ"})
    leader = ctx.with_actor(accounts.login(ctx, "leader", "Leader-pass-1"))
    viewer = _viewer(qtbot, leader)
    out = tmp_path / "审计.pdf"
    handle = viewer.save_pdf_to(out)
    qtbot.waitUntil(lambda: handle.finished, timeout=30_000)
    with pdfplumber.open(out) as pdf:  # upright text: the diagonal watermark of a 内部 print aside
        pages = [p.filter(_upright) for p in pdf.pages]
        text = "".join(p.extract_text() or "" for p in pages)
        cells = ["".join((c or "").split()) for p in pages for t in p.extract_tables()
                 for r in t for c in r]
    assert all("内部" in (p.extract_text() or "") for p in pages)  # marked on every page
    assert "绝密标题XYZ" not in text and "（内容超出您的知悉范围）" in cells


def test_nothing_to_print_is_a_clear_message(qtbot, admin_ui_ctx, tmp_path):
    viewer = _viewer(qtbot, admin_ui_ctx)
    viewer.user_edit.setText("nobody-at-all")
    handle = viewer.save_pdf_to(tmp_path / "x.pdf")
    qtbot.waitUntil(lambda: handle.finished, timeout=30_000)
    assert "没有符合条件" in viewer.status.text() and not (tmp_path / "x.pdf").exists()
