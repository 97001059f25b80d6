"""Moving the office's audit key between desks: ``export_key`` writes this desk's key for
another desk (administrators only, audited); ``import_key`` installs one after checking it
against the chain, then keys this desk's legacy anchors. See ``key`` for the key file itself.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.atomicfile import atomic_write
from app.domain.security import Action
from app.services.audit import anchor as audit_anchor
from app.services.audit import chain as audit
from app.services.audit.key import (
    ALG,
    FILE,
    AuditKey,
    AuditKeyError,
    dumps,
    install,
    load,
    parse,
    same,
)
from app.storage.models import AuditEvent


def export_key(ctx, path: Path) -> AuditKey:
    """Write this desk's key to ``path`` (0600) for another desk of the office; administrators
    only, audited."""
    actor = ctx.require(Action.MANAGE_SETTINGS)
    key = load()
    if key is None:
        raise AuditKeyError("本机没有审计密钥可导出。")
    try:
        atomic_write(path, dumps(key), private=True)
    except OSError as exc:
        raise AuditKeyError(f"无法写入“{path}”：{exc.strerror or exc}") from None
    with ctx.session() as s, s.begin():
        audit.append(s, actor, "audit.key_export", "audit_key", key.key_id, {"file": path.name},
                     at=ctx.now())
    return key


def import_key(engine, path: Path) -> AuditKey:
    """Install the key in ``path`` as this desk's key, after checking it is the key of the chain
    in ``engine``'s database: the newest row with its key id must verify with it. A chain with no
    keyed row yet accepts any well-formed key. A desk that already holds another key refuses.
    Needs no sign-in (signing in writes an audit event, which needs the key): holding the key
    that verifies the chain is the proof. Audited once installed."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AuditKeyError(f"无法读取密钥文件“{path}”：{exc.strerror or exc}") from None
    key = parse(raw, "导入的密钥文件")
    try:
        mine = load()
    except AuditKeyError:
        mine = None  # a damaged key file is replaced by a good one
    if mine is not None and mine.key_id != key.key_id:
        raise AuditKeyError(f"本机已有另一审计密钥（标识 {mine.key_id}），拒绝导入。"
                            f"如确需更换，请先将本机的 {FILE} 移出数据文件夹并保存备查。")
    with Session(engine) as s:
        newest = s.execute(select(AuditEvent).where(AuditEvent.hash_alg == ALG)
                           .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()
        if newest is not None:
            if newest.key_id != key.key_id:
                raise AuditKeyError(f"该密钥（标识 {key.key_id}）不是本数据库审计日志所用的密钥"
                                    f"（标识 {newest.key_id}），拒绝导入。")
            if not same(audit.compute_hash(newest, key), newest.hash):
                raise AuditKeyError("该密钥无法校验数据库中的审计记录，拒绝导入。")
    install(key)
    audit_anchor.adopt_legacy(key)
    with Session(engine) as s, s.begin():
        audit.append(s, None, "audit.key_import", "audit_key", key.key_id, {"file": path.name},
                     actor_name="system")
    return key
