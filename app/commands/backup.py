"""``python -m app backup create|list|restore FILE`` — SQLite backups (see app.services.backup.files).

``restore FILE --admin NAME`` is an administrator's act: the password is taken as the other
admin commands take it (``GOVDESK_ADMIN_PASSWORD`` or asked for). The file is verified before
anything is asked or replaced — integrity, schema version, its signed manifest (table set, row
counts, audit tail), the current table set, the audit chain — and a file that fails exits with
code 2 and the reason; the current database is kept as a restorable copy; the restore (and a
refused one) is audited. It asks for confirmation on a terminal (or takes ``--yes``). A copy
without a manifest (older versions, copies taken before a migration) needs
``--without-manifest``. If the current database is so damaged that no administrator can sign
in, replace the file by hand with the program closed (whoever can do that already owns it).
Close the program on every desk first.
On PostgreSQL every sub-command prints the pg_dump/pg_restore guidance and exits with code 3.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.config import load_config
from app.domain.security import Action
from app.errors import InputError
from app.services import backup
from app.storage.db import sqlite_path
from app.storage.migrate import open_database


def register(sub: argparse._SubParsersAction) -> None:
    p_backup = sub.add_parser("backup", help="数据库备份与恢复（SQLite）")
    b_sub = p_backup.add_subparsers(dest="backup_command", metavar="子命令", required=True)
    p = b_sub.add_parser("create", help="立即备份数据库（联机备份，写入备份文件夹）")
    p.add_argument("--to", type=Path, default=None, help="备份文件夹（默认：数据文件夹/backups）")
    p.set_defaults(func=cmd_create)
    p = b_sub.add_parser("list", help="列出备份文件")
    p.set_defaults(func=cmd_list)
    p = b_sub.add_parser("restore", help="校验备份文件后用其替换当前数据库（保留当前数据库副本）")
    p.add_argument("file", type=Path, help="备份文件")
    p.add_argument("--yes", action="store_true", help="不再询问确认")
    p.add_argument("--admin", default="admin", help="执行恢复的管理员用户名（默认 admin）")
    p.add_argument("--without-manifest", action="store_true",
                   help="允许恢复没有校验清单的旧备份（无法核对记录数；记入审计日志）")
    p.set_defaults(func=cmd_restore)


def _progress():  # type: ignore[no-untyped-def]
    """A progress line on a terminal's stderr (“正在压缩 45%”); nothing when not a terminal."""
    if not sys.stderr.isatty():
        return None
    last: list[tuple[int, str]] = []

    def show(percent: int, text: str) -> None:
        if last and last[-1] == (percent, text):
            return
        last[:] = [(percent, text)]
        end = "\n" if percent >= 100 else ""
        print(f"\r{text} {percent:3d}%\033[K", end=end, file=sys.stderr, flush=True)

    return show


def _pg_refusal(url: str) -> int | None:
    if sqlite_path(url) is None:
        print(backup.PG_GUIDANCE, file=sys.stderr)
        return 3
    return None


def cmd_create(args: argparse.Namespace) -> int:
    cfg = load_config()
    if (code := _pg_refusal(cfg.db_url)) is not None:
        return code
    engine = open_database(cfg.db_url, cfg.backups_dir)
    try:
        info = backup.create_backup(engine, args.to or cfg.backups_dir, progress=_progress())
    finally:
        engine.dispose()
    print(f"已备份到：{info.path}（{info.size // 1024} KB；不含可重建的全文索引，已压缩）")
    return 0


KIND_LABELS = {"auto": "自动", "manual": "手动", "before-restore": "恢复前"}


def cmd_list(args: argparse.Namespace) -> int:
    cfg = load_config()
    if (code := _pg_refusal(cfg.db_url)) is not None:
        return code
    items = backup.list_backups(cfg.backups_dir)
    if not items:
        print(f"备份文件夹 {cfg.backups_dir} 中没有备份。")
        return 0
    print("时间\t类型\t大小\t文件")
    for b in items:
        kind = KIND_LABELS.get(b.kind, f"升级前（修订 {b.kind}）")
        print(f"{b.created.astimezone():%Y-%m-%d %H:%M:%S}\t{kind}\t{b.size // 1024} KB\t{b.path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from app.commands.admin import _admin_ctx

    cfg = load_config()
    if (code := _pg_refusal(cfg.db_url)) is not None:
        return code
    engine = open_database(cfg.db_url, cfg.backups_dir)
    try:
        ctx = _admin_ctx(engine, args.admin)
        ctx.require(Action.MANAGE_SETTINGS)
        try:  # refuse early, before asking anything
            check = backup.verify_file(args.file, require_manifest=not args.without_manifest,
                                       scratch_dir=cfg.data_dir)
        except InputError as exc:
            backup.record_refusal(ctx, ctx.actor, args.file, exc.message)
            raise
        if not args.yes:
            if not sys.stdin.isatty():
                raise InputError("恢复会替换当前数据库：请在终端中确认，或加 --yes。")
            answer = input(f"备份文件校验通过（审计记录 {check.audit_events} 条）。"
                           "确认用它替换当前数据库？请输入“确认”：")
            if answer.strip() != "确认":
                print("已取消，未做任何改动。")
                return 1
        check, safety = backup.restore(ctx, args.file, cfg.backups_dir,
                                       without_manifest=args.without_manifest,
                                       progress=_progress())
    finally:
        engine.dispose()
    counted = "数据表与记录数与校验清单一致，" if check.manifest else "（无校验清单，未核对记录数）"
    print(f"已恢复：{args.file}（结构版本 {check.schema_version}，{counted}"
          f"审计记录 {check.audit_events} 条，哈希链完整）。")
    print(f"原数据库已另存为：{safety}（可用 backup restore 恢复）")
    return 0
