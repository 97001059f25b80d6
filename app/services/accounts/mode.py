"""The office's mode — 普通 (``normal``) or 涉密 (``classified``; never switched back) — and its one
``security_settings`` row. The bottom of the accounts area: the password policy, the security
settings, 三员分立 and the accounts themselves all read the mode here."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import ConflictError
from app.services.context import ServiceContext
from app.storage.models import SecuritySettings

NORMAL = "normal"
CLASSIFIED = "classified"
MODE_LABELS = {NORMAL: "普通", CLASSIFIED: "涉密"}


def mode_of(session: Session) -> str:
    row = session.get(SecuritySettings, 1)
    return row.office_mode if row is not None and row.office_mode else NORMAL


def is_classified(session: Session) -> bool:
    return mode_of(session) == CLASSIFIED


def office_mode(ctx: ServiceContext) -> str:
    """The office's mode (no permission needed: the first-run screen and the CLI show it)."""
    with ctx.session() as s, s.begin():
        return mode_of(s)


def row_to_update(s: Session, version: int) -> SecuritySettings:
    """The office's one ``security_settings`` row, to change in ``s``: made when missing (read as
    version 0); ``ConflictError`` when someone changed it since ``version`` was read."""
    row = s.get(SecuritySettings, 1)
    if row is None:
        if version != 0:
            raise ConflictError("安全设置已被他人修改，请刷新后重试。")
        row = SecuritySettings(id=1)
        s.add(row)
    elif row.version != version:
        raise ConflictError("安全设置已被他人修改，请刷新后重试。")
    return row
