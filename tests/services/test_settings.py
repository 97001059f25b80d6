from __future__ import annotations

import pytest

from app.domain.security import Role
from app.errors import InputError, PermissionDenied
from app.services.accounts import users as accounts
from app.services.audit import chain as audit
from app.services.office.settings import OfficeInfo, get_office, update_office


def test_office_settings_round_trip_and_permission(admin_ctx):
    assert get_office(admin_ctx) == OfficeInfo()
    info = OfficeInfo("某市人民政府办公室", [" 某政办发", "某政办函 ", ""], "某市人民政府办公室", "HP")
    saved = update_office(admin_ctx, info)
    assert saved.code_series == ["某政办发", "某政办函"]
    assert get_office(admin_ctx) == saved
    assert audit.recent(admin_ctx.engine, 1)[0].action == "settings.office"
    with pytest.raises(InputError, match="重复"):
        update_office(admin_ctx, OfficeInfo("x", ["甲", "甲"]))
    accounts.add_user(admin_ctx, "r", "Reader-pass-1", role=Role.READER,
                      must_change_password=False)
    reader = admin_ctx.with_actor(accounts.login(admin_ctx, "r", "Reader-pass-1"))
    assert get_office(reader).office_name == "某市人民政府办公室"
    with pytest.raises(PermissionDenied):
        update_office(reader, info)
