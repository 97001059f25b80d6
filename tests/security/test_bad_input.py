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
from app.services.exchange import packages as exchange
from app.typeset.spec import FIELDS, parse_description
from tests.conftest import seed_sqlite

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

    from app.services.accounts import users as accounts
    from app.services.context import ServiceContext
    from app.storage.migrate import open_database
    from app.storage.models.incidents import Incident

    folder = tmp_path_factory.mktemp("pkg")
    seed_sqlite(folder / "a.sqlite3")
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
# "\udcff": a byte that is not UTF-8 in argv (surrogateescape); "\x01", "\x7f": control characters
argvs = st.lists(words | st.text(alphabet=string.printable + "中文\x01\x7f\udcff", max_size=12),
                 max_size=6)


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
    from app.services.accounts import users as accounts
    from app.services.context import ServiceContext
    from app.storage.migrate import open_database
    from app.storage.models import AuditEvent, ExchangeImport

    seed_sqlite(load_config().db_url)
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


# ---------------------------------------------------------------- hostile descriptions (issue 18)
# Text with control characters and lone surrogates (st.text leaves both out by default), numbers
# past Python's 4,300-digit limit, nesting past the recursion limit: the render command refuses
# them with exit code 2 and a message, or prints; never a traceback, never a partial file.

hostile_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=30)
hostile_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["table", "header", "rows", "name", "body"]) | hostile_text,
                      inner, max_size=4),
    max_leaves=15,
)
raw_json = (
    hostile_values.map(lambda v: json.dumps(v, ensure_ascii=True))
    | st.integers(4290, 4400).map(lambda n: "9" * n)
    | st.tuples(st.integers(1, 5000), hostile_values).map(
        lambda d: "[" * d[0] + json.dumps(d[1], ensure_ascii=True) + "]" * d[0])
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(field=st.sampled_from([*FIELDS, "body"]), raw=raw_json, fmt=st.sampled_from(["pdf", "docx"]))
def test_cli_render_hostile_field_exits_0_or_2_never_a_traceback(tmp_path_factory, capsys, field,
                                                                   raw, fmt):
    folder = tmp_path_factory.mktemp("hostile")
    doc = _demo()
    doc[field] = "@@HOSTILE@@"
    src = folder / "input.json"
    src.write_text(json.dumps(doc, ensure_ascii=True).replace('"@@HOSTILE@@"', raw), encoding="utf-8")
    out = folder / f"out.{fmt}"
    code = cli_main(["render", str(src), "-o", str(out)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("错误：") and CHINESE.search(err), err
        assert sorted(p.name for p in folder.iterdir()) == ["input.json"]
    else:
        assert out.read_bytes()[:4] in (b"%PDF", b"PK\x03\x04")


@SETTINGS
@given(field=st.sampled_from(FIELDS), value=hostile_values)
def test_program_prints_whatever_a_record_holds(field, value):
    """What the program itself hands to the engine (a stored record, a filled template) is
    printed when it is a valid description once control characters are dropped, else refused
    with a Chinese message; never a crash."""
    from app.typeset import render

    doc = _demo()
    doc[field] = value
    try:
        result = render(doc, "docx")
    except InputError as exc:
        assert CHINESE.search(exc.message), exc.message
    else:
        assert result.data[:4] == b"PK\x03\x04"


# ---------------------------------------------------------------- hostile templates (issue 18)

FRAGMENTS = [
    "{% for i in range(100000) %}", "{% for j in rows %}", "{% endfor %}", "{% if 1 %}", "{% endif %}",
    "{{ 'x'|center(1000000000) }}", "{{ s|indent(99999) }}", "{{ '%*d'|format(999999999, 1) }}",
    "{% set ns = namespace(x='ab') %}", "{% set ns.x = ns.x ~ ns.x %}", "{% set ns.x = ns.x + ns.x %}",
    "{% set ns.x = ns.x|replace('a', 'aa') %}", "{{ ns.x|length }}", "{{ s * 1000 }}",
    "{{ ('ab' * 40000)|wordwrap(1) }}", "{{ [s] * 1000 }}", "{{ range(100000)|list|sum }}",
    "{{ lipsum(99999) }}", "关于", "{{ s }}", "{% macro m(n) %}{{ m(n) }}{{ m(n) }}{% endmacro %}",
    "{{ m(1) }}", "{{ '{:>999999}'.format(s) }}",
]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=10).map("".join))
def test_random_hostile_templates_render_or_refuse_within_the_limits(text):
    import time

    from app.templating import DescriptionTemplate, TemplateFailed

    template = DescriptionTemplate(name="随机", kind="通知",
                                   document={"title": "关于测试的通知", "body": text})
    start = time.perf_counter()
    try:
        template.render({"rows": list(range(500)), "s": "字" * 1000})
    except TemplateFailed as exc:
        assert CHINESE.search(exc.message), exc.message
    assert time.perf_counter() - start < 40  # 10 s per render at most, plus a loaded machine
