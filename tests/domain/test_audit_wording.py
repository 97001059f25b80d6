"""The audit log in words: every event code the program writes has Chinese wording, and values
read as a clerk would say them (是/否, role and clearance names, dates)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from app.domain.audit_wording import (
    ACTION_LABELS,
    action_label,
    describe_detail,
    object_label,
)
from app.domain.supervision import Step

APP = Path(__file__).resolve().parents[2] / "app"
CODE = re.compile(r"^[a-z]+(\.[a-z_]+)*$")


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def written_codes() -> set[str]:
    """Event codes in the source: the 3rd argument of ``audit.append(s, actor, CODE, …)``, the
    ``what`` of duty_publish's ``_finish`` and paper's ``_audit``, ``action=``/``_action=`` keywords and defaults and
    ``action = "…"`` assignments."""
    codes: set[str] = set()

    def add(node: ast.AST | None) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
            codes.add(node.value)
        elif isinstance(node, ast.IfExp):
            add(node.body)
            add(node.orelse)

    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _name(node.func)
                if name == "append" and _name(getattr(node.func, "value", None) or node) == "audit" \
                        and len(node.args) >= 3:
                    add(node.args[2])
                if name in ("_audit", "_finish") and len(node.args) >= 3:
                    add(node.args[2])
                for kw in node.keywords:
                    if kw.arg in ("action", "_action") and name != "add_argument":
                        add(kw.value)
            elif isinstance(node, ast.Assign) and any(_name(t) == "action" for t in node.targets):
                add(node.value)
            elif isinstance(node, ast.arguments):
                names = [a.arg for a in node.kwonlyargs]
                for arg, default in zip(names, node.kw_defaults, strict=True):
                    if arg in ("action", "_action"):
                        add(default)
    return codes


def test_every_code_the_program_writes_has_its_own_chinese_label():
    codes = written_codes()
    # the scan finds what it should (a scan that finds nothing would pass vacuously)
    assert {"duty.staff.add", "login.failed", "template.copy", "duty.roster.swap",
            "duty.roster.notice", "audit.print"} <= codes
    # the workflow steps and 督办 steps are written as f"doc.{step}" / f"minutes.supervise.{step}"
    from app.services.documents.drafts import TRANSITIONS

    codes |= {f"doc.{step}" for step in TRANSITIONS}
    codes |= {f"minutes.supervise.{step.value}" for step in Step}
    missing = sorted(c for c in codes if c not in ACTION_LABELS)
    assert missing == []
    assert all(not re.search(r"[A-Za-z]", ACTION_LABELS[c]) for c in codes)


def test_unknown_codes_fall_back_to_words_not_codes():
    assert action_label("doc.something_new") == "公文操作"
    assert action_label("duty.roster.something") == "值班操作"
    assert action_label("zzz") == "其他操作"
    assert object_label("duty_staff", 7) == "值班人员 7"
    assert object_label("", "") == ""


def test_the_values_of_the_issue_read_in_chinese():
    # 新增值班人员: active=True; roles=['leader'] (a duty role)
    assert describe_detail({"name": "陈刚", "roles": ["leader", "officer"], "active": True},
                           "duty.staff.add") == "名称：陈刚；角色：带班领导、值班员；状态：启用"
    # a new account: role is an account role, clearance a 密级 name, booleans 是/否
    assert describe_detail({"username": "chengang", "role": "leader", "clearance": 2,
                            "must_change_password": True}, "user.add") == \
        "用户名：chengang；角色：领导；知悉范围：秘密；须修改密码：是"
    assert describe_detail({"username": "a", "from": 1, "to": 3}, "user.set_clearance") == \
        "用户名：a；原值：内部；新值：机密"
    assert describe_detail({"username": "a", "from": "clerk", "to": "admin"}, "user.set_role") == \
        "用户名：a；原值：文书；新值：管理员"
    # dates in Chinese; empty lists say 无; reasons in words
    assert describe_detail({"start": "2026-01-01", "end": "2026-01-31", "dropped": []},
                           "duty.roster.create") == "开始：2026年1月1日；结束：2026年1月31日；未排人员：无"
    assert describe_detail({"reason": "wrong_password", "failures": 2}, "login.failed") == \
        "原因：密码错误；连续失败次数：2"
    assert describe_detail({"on": False}, "incident.daily") == "开启：否"
    # what someone typed stays as typed (a user named admin is not 管理员), keys in reading
    # order (the log stores them sorted: 结束 before 开始)
    assert describe_detail({"username": "admin"}, "user.first_admin") == "用户名：admin"
    assert describe_detail({"end": "2026-12-12", "reason": "出差", "start": "2026-12-10"},
                           "duty.unavailable.add") == \
        "开始：2026年12月10日；结束：2026年12月12日；原因：出差"
    # a 督办 step's status
    assert describe_detail({"status": "reported"}, "minutes.supervise.completion") == "状态：待审核"
    # the solver's fairness per duty role
    assert describe_detail({"fairness": {"leader": [1, 0]}}, "duty.roster.generate") == \
        "均衡度：带班领导：1、0"
