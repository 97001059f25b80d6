"""``python -m app docno …`` in-process: reserve, void, register with reasons; a gap exits 3;
a reader may not reserve."""

from __future__ import annotations

import io
import sys

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.cli import main
from app.config import load_config
from app.domain.security import Clearance, Role
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.storage.migrate import open_database
from app.storage.models import DocNoEntry
from tests.conftest import seed_sqlite

PASSWORD = "Admin-pass-1"


def _setup():
    cfg = load_config()
    seed_sqlite(cfg.db_url)
    engine = open_database(cfg.db_url, cfg.backups_dir)
    ctx = ServiceContext(engine)
    accounts.create_first_admin(ctx, "admin", PASSWORD, "管理员")
    admin = ctx.with_actor(accounts.login(ctx, "admin", PASSWORD))
    for name, role in (("clerk", Role.CLERK), ("reader", Role.READER)):
        accounts.add_user(admin, name, "Clerk-pass-1", role=role, clearance=Clearance.INTERNAL,
                          must_change_password=False)
    return engine


def run(monkeypatch, capsys, argv):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.setenv("GOVDESK_PASSWORD", "Clerk-pass-1")
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_reserve_void_register_and_gap(monkeypatch, capsys):
    engine = _setup()
    code, out, _ = run(monkeypatch, capsys, ["docno", "reserve", "临政办发", "2026", "--count",
                                             "3", "--reason", "纸质签发", "--user", "clerk"])
    assert code == 0 and "临政办发〔2026〕3号" in out
    code, out, _ = run(monkeypatch, capsys, ["docno", "void", "临政办发", "2026", "2",
                                             "--reason", "预留未用", "--user", "clerk"])
    assert code == 0 and "临政办发〔2026〕2号" in out
    code, out, _ = run(monkeypatch, capsys, ["docno", "register", "临政办发", "2026",
                                             "--user", "reader"])
    assert code == 0 and "作废\t预留未用" in out and "缺号 0" in out
    code, out, _ = run(monkeypatch, capsys, ["docno", "list", "--user", "reader"])
    assert code == 0 and "临政办发\t2026\t至 3 号" in out
    with Session(engine) as s, s.begin():  # simulate a lost record: the check must notice
        s.execute(delete(DocNoEntry).where(DocNoEntry.seq == 1))
    code, out, _ = run(monkeypatch, capsys, ["docno", "register", "临政办发", "2026",
                                             "--user", "reader"])
    assert code == 3 and "缺号\t无任何记录（跳号）" in out
    code, _, err = run(monkeypatch, capsys, ["docno", "reserve", "临政办发", "2026",
                                             "--reason", "x", "--user", "reader"])
    assert code == 4 and "无权" in err
    engine.dispose()
