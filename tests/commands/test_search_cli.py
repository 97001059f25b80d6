"""``python -m app search QUERY --user U`` in-process: hits bracketed, counts per kind, the
user's clearance applied, wrong password refused."""

from __future__ import annotations

import io
import sys

from app.cli import main
from app.config import load_config
from app.domain.security import Clearance, Role
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.search import index as search
from app.storage.migrate import open_database
from tests.conftest import seed_sqlite

PASSWORD = "Admin-pass-1"


def _setup():
    cfg = load_config()
    seed_sqlite(cfg.db_url)
    engine = open_database(cfg.db_url, cfg.backups_dir)
    ctx = ServiceContext(engine)
    accounts.create_first_admin(ctx, "admin", PASSWORD, "管理员")
    admin = ctx.with_actor(accounts.login(ctx, "admin", PASSWORD))
    accounts.add_user(admin, "clerk", "Clerk-pass-1", role=Role.CLERK,
                      clearance=Clearance.INTERNAL, must_change_password=False)
    with ctx.session() as s, s.begin():
        search.index_record(s, "incoming", 1, 1, "关于春节值班的通知", "请做好值班和续报。",
                            "省应急厅")
        search.index_record(s, "document", 2, 3, "机密值班方案", "值班", "")
    engine.dispose()


def run(monkeypatch, capsys, argv, password):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.setenv("GOVDESK_PASSWORD", password)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_search_prints_visible_hits_only(monkeypatch, capsys):
    _setup()
    code, out, _ = run(monkeypatch, capsys, ["search", "值班", "--user", "clerk"], "Clerk-pass-1")
    assert code == 0
    assert out.splitlines()[0] == "共 1 条（收文 1）。"
    assert "[收文 #1] 关于春节【值班】的通知" in out and "机密" not in out
    code, out, _ = run(monkeypatch, capsys, ["search", "续", "--user", "clerk", "--kind",
                                             "document"], "Clerk-pass-1")
    assert code == 1 and out.startswith("共 0 条")


def test_wrong_password_is_refused(monkeypatch, capsys):
    _setup()
    code, _out, err = run(monkeypatch, capsys, ["search", "值班", "--user", "clerk"], "nope")
    assert code != 0 and "错误" in err
