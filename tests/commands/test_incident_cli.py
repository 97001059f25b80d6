"""``python -m app incident rules show|export|import`` in-process: the table round-trips through a
file, a bad file is refused with every problem listed and nothing stored."""

from __future__ import annotations

import io
import json
import sys

from app.cli import main
from app.config import load_config
from app.services.accounts import users as accounts
from app.services.context import ServiceContext
from app.services.incidents import reports as incidents
from app.storage.migrate import open_database
from tests.conftest import seed_sqlite

PASSWORD = "Admin-pass-1"


def _setup():
    cfg = load_config()
    seed_sqlite(cfg.db_url)
    engine = open_database(cfg.db_url, cfg.backups_dir)
    ctx = ServiceContext(engine)
    accounts.create_first_admin(ctx, "admin", PASSWORD, "管理员")
    return engine, ctx.with_actor(accounts.login(ctx, "admin", PASSWORD))


def run(monkeypatch, capsys, argv):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", PASSWORD)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_rules_export_edit_import(monkeypatch, capsys, tmp_path):
    engine, admin = _setup()
    path = tmp_path / "rules" / "省规则.json"
    code, out, _ = run(monkeypatch, capsys, ["incident", "rules", "export", str(path)])
    assert code == 0 and "已导出" in out
    obj = json.loads(path.read_text(encoding="utf-8"))
    assert obj["rules"][3]["level"] == "Ⅳ" and obj["rules"][3]["written_minutes"] == 120
    obj["rules"][3]["written_minutes"] = 100
    obj["rules"][0]["phone_minutes"] = 600  # later than written: refused
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    code, _, err = run(monkeypatch, capsys, ["incident", "rules", "import", str(path)])
    assert code == 2 and "不应晚于书面报告时限" in err
    assert incidents.get_rule_table(admin).rule_for("Ⅳ").written_minutes == 120
    obj["rules"][0]["phone_minutes"] = 20
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(monkeypatch, capsys, ["incident", "rules", "import", str(path)])
    assert code == 0 and "4 条规则" in out
    assert incidents.get_rule_table(admin).rule_for("Ⅳ").written_minutes == 100
    code, out, _ = run(monkeypatch, capsys, ["incident", "rules", "show"])
    assert code == 0 and "Ⅰ级（特别重大），接收单位：默认，电话 20 分钟，书面 60 分钟" in out
    code, _, err = run(monkeypatch, capsys, ["incident", "rules", "import",
                                             str(tmp_path / "none.json")])
    assert code == 2 and "找不到数据文件" in err
    engine.dispose()
