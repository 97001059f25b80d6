"""The seal in the GUI (issue 17): 系统管理 → 单位设置 → 本机关印章 uploads the office's seal image
(checked, a preview, an opaque background warned about), the 公文 editor offers 加盖印章 only
once an image is stored, and a signed document printed from the editor carries the seal —
audited; 删除 asks first."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pdfplumber
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.services.documents import drafts as docs
from app.services.documents import seal
from app.services.office import settings as office_settings
from app.storage.models import AuditEvent
from app.ui.admin.page import AdminPage
from tests.services.documents_helpers import notice, person

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "seal"


def _admin_page(qtbot, ctx) -> AdminPage:
    page = AdminPage(ctx)
    qtbot.addWidget(page)
    page.resize(900, 700)
    page.setCurrentWidget(page.office_place)  # (built when chosen)
    page.show()
    return page


def test_upload_preview_and_remove(qtbot, admin_ui_ctx, tmp_path):
    page = _admin_page(qtbot, admin_ui_ctx)
    box = page.office.seal
    assert "尚未上传" in box.state.text() and not box.remove_button.isEnabled()
    bad = tmp_path / "印章.png"
    bad.write_bytes(b"GIF89a" + b"\0" * 300)
    assert not box.upload_file(str(bad))
    assert "未上传" in box.state.text() and "不是 PNG" in box.state.text()
    assert box.upload_file(str(FIXTURES / "opaque.png"))
    assert "不透明背景" in box.state.text() and "建议使用透明背景" in box.state.text()
    assert box.upload_file(str(FIXTURES / "seal.png"))
    assert "400×400 像素，透明背景；系统管理员" in box.state.text()
    assert not box.preview.pixmap().isNull() and box.remove_button.isEnabled()
    page.grab().save(str(tmp_path / "seal_settings.png"))
    if (shots := Path("/tmp/h17_shots")).is_dir():
        page.grab().save(str(shots / "seal_settings.png"))
    box.ask_remove()
    question = box.remove_box
    assert question.objectName() == "removeSealQuestion" and question.isVisible()
    next(b for b in question.buttons() if b.text() == "删除").click()
    qtbot.waitUntil(lambda: "尚未上传" in box.state.text())
    assert seal.status(admin_ui_ctx).present is False


def test_editor_offers_the_seal_and_prints_it_once_signed(qtbot, admin_ui_ctx):
    from tests.ui.test_documents import _page

    office_settings.update_office(admin_ui_ctx, office_settings.OfficeInfo(
        "临江市人民政府办公室", ["临政办发"], "临江市人民政府办公室文件"))
    clerk = person(admin_ui_ctx, "wenshu", Role.CLERK, Clearance.CONFIDENTIAL, "王文书")
    leader = person(admin_ui_ctx, "lingdao", Role.LEADER, Clearance.CONFIDENTIAL, "李领导")
    info = docs.create_document(clerk, notice(sealed=False), series_prefix="临政办发")
    editor = _page(qtbot, clerk).open_document(info.id)
    # no image stored: the box still offers the sealed layout, for a seal stamped by hand
    assert editor.form.sealed.isEnabled()
    assert editor.form.sealed.toolTip().startswith("本机关尚未上传印章图片：按盖章版式留出印章位置，打印后手工加盖")
    seal.upload(admin_ui_ctx, (FIXTURES / "seal.png").read_bytes())
    page = _page(qtbot, clerk)
    editor = page.open_document(info.id)
    assert editor.form.sealed.isEnabled() and "每次使用均记入审计" in editor.form.sealed.toolTip()
    editor.form.sealed.setChecked(True)
    assert editor.save()
    docs.workflow_step(leader, info.id, "review")
    docs.sign(leader, info.id)
    editor = _page(qtbot, clerk).open_document(info.id)
    handle = editor.start_print(preview=False, copies=1, first_copy_no=7, duplex=False)
    qtbot.waitUntil(lambda: handle.finished, timeout=30_000)
    with pdfplumber.open(io.BytesIO(editor.printed_pdf)) as pdf:
        assert sum(len(p.images) for p in pdf.pages) == 1
    with Session(clerk.engine) as s:
        (event,) = s.scalars(select(AuditEvent).where(AuditEvent.action == "doc.seal")).all()
    detail = json.loads(event.detail)
    assert (event.actor, detail["copy_nos"], detail["doc_no"]) == (
        "wenshu", ["000007"], "临政办发〔2026〕1号")
