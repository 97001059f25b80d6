"""Air-gap exchange: round trip between two desks, duplicates and conflicts reported, and a
tampered, truncated or wrongly keyed package rejected with nothing written."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cli import main as cli_main
from app.domain.security import Clearance, Role
from app.errors import InputError, PermissionDenied
from app.services import accounts, audit, exchange
from app.services.context import ServiceContext
from app.storage.migrate import open_database
from app.storage.models import AuditEvent, ExchangeImport
from app.storage.models.documents import Document
from app.storage.models.incidents import Incident
from tests.conftest import ADMIN_PASSWORD

KEY = "shared-desk-key-2026"


def _desk(path: Path) -> ServiceContext:
    engine = open_database(f"sqlite:///{path}", path.parent / "b")
    ctx = ServiceContext(engine)
    accounts.create_first_admin(ctx, "admin", ADMIN_PASSWORD)
    admin = ctx.with_actor(accounts.login(ctx, "admin", ADMIN_PASSWORD))
    accounts.add_user(admin, "clerk", "Clerk-pass-1", role=Role.CLERK,
                      clearance=Clearance.SECRET, must_change_password=False)
    return ctx.with_actor(accounts.login(ctx, "clerk", "Clerk-pass-1"))


def _seed(ctx) -> dict[str, list[int]]:
    with Session(ctx.engine) as s, s.begin():
        docs = [Document(genre="通知", status="issued", year=2026, title=f"关于做好第{i}项工作的通知",
                         doc_no=f"某府发〔2026〕{i}号", drafter="clerk",
                         description={"title": f"通知{i}", "body": ["正文"]}, classification=i % 3)
                for i in range(1, 4)]
        inc = Incident(title="某路段交通事故", category="事故灾难", level=4,
                       received_at=datetime(2026, 3, 1, 8, 30), classification=1)
        s.add_all([*docs, inc])
        s.flush()
        return {"documents": [d.id for d in docs], "incidents": [inc.id]}


def _rows(ctx, model) -> list[tuple]:
    cols = [c for c in model.__table__.columns if c.name not in ("id", "version", "created_at",
                                                                  "updated_at")]
    with Session(ctx.engine) as s:
        return sorted(tuple(json.dumps(v, sort_keys=True, ensure_ascii=False, default=str)
                            for v in r) for r in s.execute(select(*cols)).all())


def _counts(ctx) -> tuple[int, ...]:
    with Session(ctx.engine) as s:
        return tuple(s.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Document, Incident, ExchangeImport, AuditEvent))


@pytest.fixture
def desks(tmp_path):
    a, b = _desk(tmp_path / "a" / "a.sqlite3"), _desk(tmp_path / "b" / "b.sqlite3")
    yield a, b
    a.engine.dispose()
    b.engine.dispose()


def test_round_trip_then_duplicates_and_conflicts(desks, tmp_path):
    a, b = desks
    sel = _seed(a)
    pkg = tmp_path / "交换包.zip"
    result = exchange.export_package(a, sel, pkg, KEY, "某市政府办公室")
    assert result.counts == {"documents": 3, "incidents": 1}
    names = zipfile.ZipFile(pkg).namelist()
    assert set(names) == {"manifest.json", "manifest.hmac", "records/documents.json",
                          "records/incidents.json"}
    report = exchange.import_package(b, pkg, KEY)
    assert report.new == {"documents": 3, "incidents": 1} and not report.conflicts
    assert _rows(b, Document) == _rows(a, Document) and _rows(b, Incident) == _rows(a, Incident)
    assert "新增 3 条" in report.message()
    # the same package again: reported, nothing written
    before = _counts(b)
    again = exchange.import_package(b, pkg, KEY)
    assert again.already_imported and "此前已导入" in again.message()
    assert _counts(b) == before
    # a new package with the same records: duplicates; one changed on desk A: a conflict
    with Session(a.engine) as s, s.begin():
        s.get(Document, sel["documents"][0]).description = {"title": "改过了"}
    pkg2 = tmp_path / "第二包.zip"
    exchange.export_package(a, sel, pkg2, KEY)
    r2 = exchange.import_package(b, pkg2, KEY)
    assert r2.duplicates == {"documents": 2, "incidents": 1}
    assert len(r2.conflicts["documents"]) == 1 and "未覆盖" in r2.message()
    with Session(b.engine) as s:  # B's copy was not overwritten
        assert s.execute(select(Document.description).where(
            Document.doc_no == "某府发〔2026〕1号")).scalar_one() != {"title": "改过了"}
    assert [e.action for e in audit.recent(b.engine, 1)] == ["exchange.import"]
    assert audit.verify(a.engine).ok and audit.verify(b.engine).ok


def _mutations(raw: bytes) -> dict[str, bytes]:
    """Tampered variants: a flipped byte in every position class, truncations, a member
    swapped for another one with a consistent zip, an extra member."""
    out = {}
    for frac in (0.05, 0.3, 0.5, 0.7, 0.95):
        i = int(len(raw) * frac)
        out[f"flip@{frac}"] = raw[:i] + bytes([raw[i] ^ 0x01]) + raw[i + 1:]
    for frac in (0.0, 0.2, 0.5, 0.9, 0.99):
        out[f"cut@{frac}"] = raw[: int(len(raw) * frac)]
    zin = zipfile.ZipFile(io.BytesIO(raw))
    def rebuild(change):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zout:
            for name in zin.namelist():
                data = change(name, zin.read(name))
                if data is not None:
                    zout.writestr(name, data)
            if change("extra", None) is not None:
                zout.writestr("records/extra.json", b"[]")
        return buf.getvalue()
    def edit_record(name, data):
        if name == "records/incidents.json":
            items = json.loads(data)
            items[0]["level"] = 1
            return json.dumps(items, ensure_ascii=False).encode()
        return data if name != "extra" else None
    def edit_manifest(name, data):
        if name == "manifest.json":
            m = json.loads(data)
            m["counts"]["documents"] = 99
            return json.dumps(m).encode()
        return data if name != "extra" else None
    out["record edited"] = rebuild(edit_record)
    out["manifest edited"] = rebuild(edit_manifest)
    out["member dropped"] = rebuild(
        lambda n, d: None if n in ("records/documents.json", "extra") else d)
    out["member added"] = rebuild(lambda n, d: d if n != "extra" else b"")
    return out


def test_tampered_truncated_or_wrong_key_writes_nothing(desks, tmp_path):
    a, b = desks
    pkg = tmp_path / "p.zip"
    exchange.export_package(a, _seed(a), pkg, KEY)
    raw = pkg.read_bytes()
    before = _counts(b)
    for label, bad in _mutations(raw).items():
        f = tmp_path / "bad.zip"
        f.write_bytes(bad)
        with pytest.raises(InputError) as info:
            exchange.import_package(b, f, KEY)
        msg = info.value.message
        assert "未导入任何内容" in msg, (label, msg)
        assert _counts(b) == before, label
    with pytest.raises(InputError, match="密钥不一致"):
        exchange.import_package(b, pkg, "another-key-entirely")
    assert _counts(b) == before
    assert exchange.import_package(b, pkg, KEY).new  # the intact package still imports


def test_clearance_is_enforced_both_ways(desks, tmp_path):
    a, b = desks
    sel = _seed(a)  # documents classified 1, 2, 0
    admin_b = b.with_actor(accounts.login(b.with_actor(None), "admin", ADMIN_PASSWORD))
    accounts.add_user(admin_b, "low", "Low-pass-123", role=Role.CLERK,
                      clearance=Clearance.INTERNAL, must_change_password=False)
    low_b = b.with_actor(accounts.login(b.with_actor(None), "low", "Low-pass-123"))
    pkg = tmp_path / "p.zip"
    exchange.export_package(a, sel, pkg, KEY)
    before = _counts(b)
    with pytest.raises(PermissionDenied, match="秘密"):
        exchange.import_package(low_b, pkg, KEY)
    assert _counts(b) == before
    admin_a = a.with_actor(accounts.login(a.with_actor(None), "admin", ADMIN_PASSWORD))
    accounts.add_user(admin_a, "low", "Low-pass-123", role=Role.CLERK,
                      clearance=Clearance.INTERNAL, must_change_password=False)
    low_a = a.with_actor(accounts.login(a.with_actor(None), "low", "Low-pass-123"))
    with pytest.raises(PermissionDenied):
        exchange.export_package(low_a, sel, tmp_path / "no.zip", KEY)
    assert not (tmp_path / "no.zip").exists()


def test_cli_export_import(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", "Clerk-pass-1")
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(tmp_path / "a"))
    from app.config import load_config

    a = _desk(Path(load_config().db_url.removeprefix("sqlite:///")))
    sel = _seed(a)
    a.engine.dispose()
    out = tmp_path / "x.zip"
    ids = ",".join(map(str, sel["documents"]))
    assert cli_main(["exchange", "export", "--user", "clerk", "--key", KEY,
                     "--select", f"documents:{ids}", "-o", str(out)]) == 0
    assert "已导出交换包" in capsys.readouterr().out
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(tmp_path / "b"))
    b = _desk(Path(load_config().db_url.removeprefix("sqlite:///")))
    b.engine.dispose()
    assert cli_main(["exchange", "import", str(out), "--user", "clerk", "--key", "wrong-key-123"]) == 2
    assert "密钥不一致" in capsys.readouterr().err
    assert cli_main(["exchange", "import", str(out), "--user", "clerk", "--key", KEY]) == 0
    assert "新增 3 条" in capsys.readouterr().out
    assert cli_main(["exchange", "export", "--user", "clerk", "--key", KEY,
                     "--select", "nonsense:1", "-o", str(out)]) == 2
    assert "格式有误" in capsys.readouterr().err
