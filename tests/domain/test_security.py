from __future__ import annotations

import pytest

from app.domain.security import (
    PERMISSIONS,
    Action,
    Clearance,
    Role,
    allowed,
    can_see,
    parse_clearance,
    parse_role,
    require,
    require_clearance,
)
from app.errors import InputError, PermissionDenied


def test_clearance_order_and_labels():
    assert [c.label for c in sorted(Clearance)] == ["公开", "内部", "秘密", "机密"]
    assert can_see(Clearance.SECRET, Clearance.INTERNAL)
    assert can_see(Clearance.SECRET, Clearance.SECRET)
    assert not can_see(Clearance.INTERNAL, Clearance.SECRET)
    assert not can_see(Clearance.PUBLIC, 1)
    with pytest.raises(PermissionDenied, match="秘密"):
        require_clearance(Clearance.INTERNAL, Clearance.SECRET)


def test_permission_table():
    assert allowed(Role.ADMIN, Action.MANAGE_USERS)
    assert not allowed(Role.CLERK, Action.MANAGE_USERS)
    assert allowed(Role.LEADER, Action.SIGN) and not allowed(Role.CLERK, Action.SIGN)
    assert allowed(Role.DUTY, Action.EDIT_DUTY_LOG) and not allowed(Role.READER, Action.DRAFT)
    assert all(Action.VIEW in acts for acts in PERMISSIONS.values())
    assert PERMISSIONS[Role.READER] == {Action.VIEW}
    with pytest.raises(PermissionDenied, match="只读.*拟稿"):
        require(Role.READER, Action.DRAFT)


def test_parsing_codes_and_labels():
    assert parse_role("管理员") is Role.ADMIN and parse_role("duty") is Role.DUTY
    assert parse_clearance("秘密") is Clearance.SECRET and parse_clearance(1) is Clearance.INTERNAL
    with pytest.raises(InputError, match="未知角色"):
        parse_role("superuser")
    with pytest.raises(InputError, match="未知密级"):
        parse_clearance("绝密")
