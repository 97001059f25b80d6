"""Bad input, property-based (hypothesis): random and malformed input never crashes, never
leaves a partial file or row, always gives a clear Chinese message (exit code 2 on the CLI)."""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import main as cli_main
from app.errors import InputError, UserError
from app.services import exchange
from app.typeset.spec import FIELDS, parse_description

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
CHINESE = re.compile(r"[\u4e00-\u9fff]")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.sampled_from([*FIELDS, "text", "rows", "name", "body", "x"]) | st.text(max_size=8),
                      inner, max_size=6),
    max_leaves=25,
)


def _demo() -> dict:
    return json.loads((DEMO / "notice.json").read_text(encoding="utf-8"))


@SETTINGS
@given(json_values)
def test_spec_random_values_parse_or_refuse_in_chinese(value):
    try:
        parse_description(value)
    except InputError as exc:
        assert CHINESE.search(exc.message), exc.message


@SETTINGS
@given(st.sampled_from(FIELDS), json_values)
def test_spec_valid_document_with_one_field_broken(field, value):
    doc = _demo()
    doc[field] = value
    try:
        parse_description(doc)
    except InputError as exc:
        assert CHINESE.search(exc.message), exc.message


# ---------------------------------------------------------------- exchange package reader

KEY = "property-test-key-1"


@pytest.fixture(scope="module")
def package_bytes(tmp_path_factory):
    """A genuine package, built by the exporter against a throwaway database."""
    from datetime import datetime

    from sqlalchemy.orm import Session

    from app.services import accounts
    from app.services.context import ServiceContext
    from app.storage.migrate import open_database
    from app.storage.models.incidents import Incident

    folder = tmp_path_factory.mktemp("pkg")
    engine = open_database(f"sqlite:///{folder / 'a.sqlite3'}", folder / "b")
    try:
        ctx = ServiceContext(engine)
        accounts.create_first_admin(ctx, "admin", "Admin-pass-1")
        admin = ctx.with_actor(accounts.login(ctx, "admin", "Admin-pass-1"))
        with Session(engine) as s, s.begin():
            inc = Incident(title="测试事件", category="事故灾难", level=4,
                           received_at=datetime(2026, 1, 2, 3, 4), classification=0)
            s.add(inc)
            s.flush()
            iid = inc.id
        exchange.export_package(admin, {"incidents": [iid]}, folder / "p.zip", KEY)
        return (folder / "p.zip").read_bytes()
    finally:
        engine.dispose()


def test_genuine_package_reads(package_bytes):
    assert exchange.read_package(package_bytes, KEY).counts == {"incidents": 1}


@SETTINGS
@given(st.binary(max_size=4096))
def test_package_reader_random_bytes(data):
    with pytest.raises(InputError) as info:
        exchange.read_package(data, KEY)
    assert "未导入任何内容" in info.value.message


@SETTINGS
@given(data=st.data())
def test_package_reader_mutated_package(package_bytes, data):
    raw = bytearray(package_bytes)
    how = data.draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
    pos = data.draw(st.integers(0, len(raw) - 1))
    if how == "flip":
        raw[pos] ^= data.draw(st.integers(1, 255))
    elif how == "truncate":
        del raw[pos:]
    elif how == "insert":
        raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=16))
    else:
        del raw[pos:pos + data.draw(st.integers(1, 16))]
    with pytest.raises(InputError) as info:
        exchange.read_package(bytes(raw), KEY)
    assert "未导入任何内容" in info.value.message


# ---------------------------------------------------------------- CLI

words = st.sampled_from(["render", "backup", "exchange", "audit", "user", "db", "template",
                         "roster", "create", "list", "restore", "import", "export", "verify",
                         "--yes", "-o", "--select", "--key", "--user", "--to", "documents:1",
                         "x.zip", "", "--", "-", "documents:a", "无"])
argvs = st.lists(words | st.text(alphabet=string.printable + "中文", max_size=12), max_size=6)


@SETTINGS
@given(argvs)
def test_cli_random_arguments_never_crash(tmp_path, monkeypatch, capsys, argv):
    import io

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", "not-the-password")
    if any(a in ("restore", "import") for a in argv):
        argv = [a for a in argv if a != "--yes"]  # never restore a random file for real
    before = sorted(p.name for p in tmp_path.iterdir())
    try:
        code = cli_main(argv)
    except SystemExit as exc:  # argparse: usage error (2) or --help (0)
        code = exc.code
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    assert code in (0, 1, 2, 3, 4, 5), (argv, code, out.err)
    if code == 2:
        assert "错误" in out.err or "usage" in out.err + out.out, (argv, out.err)
    after = sorted(p.name for p in tmp_path.iterdir())
    assert not [n for n in after if n.endswith((".part", ".tmp"))]
    if code != 0:
        assert after == before or set(after) - set(before) <= {"data"}, (argv, after)


@SETTINGS
@given(st.binary(max_size=2048) | json_values.map(lambda v: json.dumps(v).encode()))
def test_cli_render_and_import_malformed_files_exit_2_and_write_nothing(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("bad")
    src = folder / "input.json"
    src.write_bytes(data)
    out = folder / "out.pdf"
    assert cli_main(["render", str(src), "-o", str(out)]) == 2
    assert not out.exists() and [p.name for p in folder.iterdir()] == ["input.json"]


def test_cli_exchange_import_of_garbage_exits_2_nothing_written(tmp_path, monkeypatch, capsys):
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from app.config import load_config
    from app.services import accounts
    from app.services.context import ServiceContext
    from app.storage.migrate import open_database
    from app.storage.models import AuditEvent, ExchangeImport

    engine = open_database(load_config().db_url, tmp_path / "b")
    accounts.create_first_admin(ServiceContext(engine), "admin", "Admin-pass-1")
    engine.dispose()
    monkeypatch.setenv("GOVDESK_ADMIN_PASSWORD", "Admin-pass-1")
    rng = random.Random(7)
    for i in range(15):
        f = tmp_path / f"g{i}.zip"
        f.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 3000))))
        assert cli_main(["exchange", "import", str(f), "--key", KEY]) == 2
        assert "未导入任何内容" in capsys.readouterr().err
    engine = open_database(load_config().db_url, tmp_path / "b")
    try:
        with Session(engine) as s:
            assert s.execute(select(func.count()).select_from(ExchangeImport)).scalar_one() == 0
            actions = set(s.execute(select(AuditEvent.action)).scalars())
        assert not {a for a in actions if a.startswith("exchange.")}
    finally:
        engine.dispose()
    assert UserError  # the CLI turns every refusal into a UserError message, exit code 2
