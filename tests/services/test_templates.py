"""Template manager services on SQLite and PostgreSQL: versions, restore, shipped defaults
protected, the default lookup, import/export, permissions and audit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.domain.security import Clearance, Role
from app.errors import ConflictError, InputError, PermissionDenied
from app.paths import templates_dir
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.templates import library as tm
from app.storage.models import AuditEvent, OfficeTemplate, TemplateVersion
from app.templating import DescriptionTemplate, TemplateFailed, WordForm


def _notice_text() -> str:
    return (templates_dir() / "notice.json").read_text(encoding="utf-8")


def _edited(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def _audit_actions(ctx) -> list[str]:
    with ctx.session() as s:
        return [e.action for e in s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]


def test_list_has_every_shipped_template_as_default(admin_ctx):
    items = tm.list_templates(admin_ctx)
    shipped = [t for t in items if t.shipped]
    assert len(shipped) == 16
    notice = next(t for t in items if t.ref == "shipped:notice")
    assert notice.is_default and notice.kind == "通知" and notice.format == tm.DESCRIPTION
    form = next(t for t in items if t.ref == "shipped:form_roster")
    assert form.format == tm.WORDFORM and form.is_default
    assert [t.kind for t in tm.list_templates(admin_ctx, "通知")] == ["通知"]


def test_default_for_returns_shipped_then_office_default(admin_ctx):
    t = tm.default_for(admin_ctx, "通知")
    assert isinstance(t, DescriptionTemplate) and t.name == "通知" and t.sample
    assert isinstance(tm.default_for(admin_ctx, "值班表"), WordForm)
    # 交接班记录 exists in both formats: 公文 first unless asked
    assert isinstance(tm.default_for(admin_ctx, "交接班记录"), DescriptionTemplate)
    assert isinstance(tm.default_for(admin_ctx, "交接班记录", tm.WORDFORM), WordForm)

    text = _edited(_notice_text(), "的通知", "的紧急通知")
    info = tm.save(admin_ctx, "shipped:notice", text=text, comment="改标题")
    assert tm.default_for(admin_ctx, "通知").render(tm.get(admin_ctx, info.ref).sample)["title"].endswith("的通知")
    tm.set_default(admin_ctx, info.ref)
    office = tm.default_for(admin_ctx, "通知")
    assert office.render(office.sample)["title"].endswith("的紧急通知")
    listed = {t.ref: t.is_default for t in tm.list_templates(admin_ctx, "通知")}
    assert listed == {"shipped:notice": False, info.ref: True}

    # back to the shipped one
    tm.set_default(admin_ctx, "shipped:notice")
    assert tm.default_for(admin_ctx, "通知").render(office.sample)["title"].endswith("的通知")
    with pytest.raises(InputError):
        tm.default_for(admin_ctx, "不存在的文种")


def test_editing_shipped_makes_office_copy_and_file_is_untouched(admin_ctx):
    before = _notice_text()
    info = tm.save(admin_ctx, "shipped:notice", text=_edited(before, "的通知", "的通知（修订）"))
    assert not info.shipped and info.based_on == "notice" and info.current_version == 1
    assert info.name == "通知（本单位）"
    assert _notice_text() == before
    with admin_ctx.session() as s:
        row = s.get(OfficeTemplate, info.id)
        assert row.text.count("（修订）") == 1 and row.format == "description"
        assert json.loads(row.sample_json)["office"]  # the demo data came along for the preview
    assert "template.copy" in _audit_actions(admin_ctx)


def test_versions_and_restore_make_a_new_version(admin_ctx):
    base = _notice_text()
    info = tm.create(admin_ctx, text=base, name="我的通知")
    v2 = tm.save(admin_ctx, info.ref, text=_edited(base, "的通知", "的通知二"), comment="第二版",
                 expected_version=info.row_version)
    v3 = tm.save(admin_ctx, info.ref, text=_edited(base, "的通知", "的通知三"), comment="第三版",
                 expected_version=v2.row_version)
    assert v3.current_version == 3
    hist = tm.history(admin_ctx, info.id)
    assert [(h.number, h.comment, h.current) for h in hist] == [
        (3, "第三版", True), (2, "第二版", False), (1, "新建", False)]
    assert all(h.author == "系统管理员" for h in hist)

    restored = tm.restore(admin_ctx, info.id, 2)
    assert restored.current_version == 4
    assert "的通知二" in tm.get(admin_ctx, info.ref).text
    assert tm.version_content(admin_ctx, info.id, 3).text.count("的通知三") == 1  # kept
    with admin_ctx.session() as s:
        rows = s.execute(select(TemplateVersion.number, TemplateVersion.comment).where(
            TemplateVersion.template_id == info.id).order_by(TemplateVersion.number)).all()
    assert [tuple(r) for r in rows][-1] == (4, "恢复第 2 版")
    assert _audit_actions(admin_ctx)[-1] == "template.restore"
    assert audit.verify(admin_ctx.engine).ok

    # stale write refused (optimistic locking)
    with pytest.raises(ConflictError):
        tm.save(admin_ctx, info.ref, text=base, expected_version=v2.row_version)
    with pytest.raises(InputError):
        tm.restore(admin_ctx, info.id, 99)


def test_broken_template_refused_unless_draft_and_never_as_default(admin_ctx):
    info = tm.create(admin_ctx, text=_notice_text())
    broken = _edited(_notice_text(), "{{ office.name }}关于", "{{ office.name }关于")
    with pytest.raises(TemplateFailed) as caught:
        tm.save(admin_ctx, info.ref, text=broken)
    assert caught.value.problems[0].field == "title"
    draft = tm.save(admin_ctx, info.ref, text=broken, allow_problems=True, comment="草稿")
    assert draft.current_version == 2
    with pytest.raises(InputError, match="不能设为默认"):
        tm.set_default(admin_ctx, info.ref)
    assert tm.default_info(admin_ctx, "通知").ref == "shipped:notice"

    tm.restore(admin_ctx, info.id, 1)
    tm.set_default(admin_ctx, info.ref)
    # the default can be neither saved broken nor restored to the broken version
    with pytest.raises(InputError, match="默认模板"):
        tm.save(admin_ctx, info.ref, text=broken, allow_problems=True)
    with pytest.raises(InputError, match="默认模板"):
        tm.restore(admin_ctx, info.id, 2)
    assert tm.get(admin_ctx, info.ref).info.current_version == 3
    # malformed JSON is never stored, draft or not
    with pytest.raises(TemplateFailed):
        tm.save(admin_ctx, info.ref, text="{ not json", allow_problems=True)


def test_duplicate_rename_delete(admin_ctx):
    copy = tm.duplicate(admin_ctx, "shipped:form_roster")
    assert copy.format == tm.WORDFORM and copy.name == "值班表（副本）" and copy.kind == "值班表"
    assert isinstance(tm.load(admin_ctx, copy.ref), WordForm)
    assert tm.load(admin_ctx, copy.ref).sample
    second = tm.duplicate(admin_ctx, copy.ref, "排班表")
    assert tm.get(admin_ctx, second.ref).data == tm.get(admin_ctx, copy.ref).data
    assert tm.rename(admin_ctx, second.id, " 新排班表 ").name == "新排班表"
    tm.set_default(admin_ctx, second.ref)
    tm.delete(admin_ctx, second.id)
    assert tm.default_info(admin_ctx, "值班表").ref == "shipped:form_roster"
    with pytest.raises(InputError):
        tm.get(admin_ctx, second.ref)
    with pytest.raises(InputError, match="只读"):
        tm.rename(admin_ctx, "shipped:notice", "x")  # type: ignore[arg-type]


def test_import_export_round_trip(admin_ctx, tmp_path):
    out = tm.export_file(admin_ctx, "shipped:letter", tmp_path / "函模板")
    assert out.suffix == ".json" and out.read_text(encoding="utf-8") == (
        templates_dir() / "letter.json").read_text(encoding="utf-8")
    imported = tm.import_file(admin_ctx, out)
    assert imported.kind == "函" and imported.current_version == 1
    docx = tm.export_file(admin_ctx, "shipped:form_incident", tmp_path / "报告表.docx")
    again = tm.import_file(admin_ctx, docx)
    assert again.format == tm.WORDFORM and again.kind == "突发事件信息报告表"
    assert not list(tmp_path.glob(".*.tmp"))

    bad = tmp_path / "bad.json"
    bad.write_text('{"govdesk_template": 1,\n "kind": "通知",\n "document": {"title": }}', encoding="utf-8")
    with pytest.raises(TemplateFailed) as caught:
        tm.import_file(admin_ctx, bad)
    assert caught.value.problems[0].line == 3
    with pytest.raises(InputError):
        tm.import_file(admin_ctx, tmp_path / "x.txt")
    with pytest.raises(InputError):
        tm.import_file(admin_ctx, tmp_path / "missing.json")
    actions = _audit_actions(admin_ctx)
    assert actions.count("template.export") == 2 and actions.count("template.import") == 2


def test_permissions(admin_ctx):
    accounts.add_user(admin_ctx, "duty1", "Duty-pass-123", display_name="值班员甲", role=Role.DUTY,
                      clearance=Clearance.PUBLIC, must_change_password=False)
    duty = admin_ctx.with_actor(accounts.login(admin_ctx, "duty1", "Duty-pass-123"))
    assert tm.default_for(duty, "通知").name == "通知"  # reading is fine
    with pytest.raises(PermissionDenied):
        tm.save(duty, "shipped:notice", text=_notice_text())
    with pytest.raises(PermissionDenied):
        tm.set_default(duty, "shipped:notice")
    with pytest.raises(PermissionDenied):
        tm.list_templates(admin_ctx.with_actor(None))


def test_check_lists_a_problem_inside_a_loop_once():
    text = (templates_dir() / "duty_notice.json").read_text(encoding="utf-8")
    info = tm.TemplateInfo("shipped:duty_notice", "值班安排通知", "值班安排通知", tm.DESCRIPTION, "",
                           True, True)
    sample = tm._demo_sample("duty_notice")
    assert len(sample["roster"]["shifts"]) > 1
    problems = tm.check(tm.TemplateContent(info, _edited(text, "r.leader", "r.leadr"), None, sample))
    assert len(problems) == 1 and "leadr" in problems[0].message
    assert problems[0].field.endswith("$each[2]")
