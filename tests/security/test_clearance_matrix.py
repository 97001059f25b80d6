"""Clearance matrix: every service entry point, run as every clearance, leaks nothing above it.

How the harness works (it picks up new modules and functions by itself):

1. **Discovery.** Every public function of every ``app.services`` module whose first parameter is
   a ``ServiceContext`` is an entry point.
2. **Seeding.** Every table with a ``classification`` column gets one row per level (公开 … 机密),
   built generically from the table's columns; text columns carry a marker naming the level
   (``泄密标记3``) so it can be found in any output; required foreign keys get a parent row.
3. **Probing.** Entry points that read (name starts with get/list/count/search/…, see ``READ``)
   are called as a clerk, a leader and a duty officer of each clearance, with arguments made from
   the parameter names and types (ids: every seeded id; text: the marker; dates: today; paths:
   a temporary file, whose content is read back). Whatever comes back — dataclasses, counts,
   rows, bytes, the written file — is flattened to text and must not contain a marker above the
   caller's clearance (PDFs are read back as text). A refusal (``UserError``, e.g.
   ``PermissionDenied``) is fine. Id parameters (``doc_id``, ``meeting_id``… see ``ID_PARAMS``)
   get the real ids of the seeded record of each level, and columns the services parse (enum
   names, stored JSON, see ``VALID``) get valid values, so every getter loads its record: a crash
   fails the test, since a crashed call probes nothing.
4. **Coverage.** An entry point that neither reads nor is listed in ``NOT_READS`` (writes and
   actions, whose refusals the modules' own tests check) fails ``test_every_entry_point_is_
   classified``: a new function must be looked at once.
5. **Positive control.** A 机密 caller must see 机密 markers through some entry points (so the
   probe really reaches the data, and the test could fail).
"""

from __future__ import annotations

import importlib
import inspect
import io
import json
import pkgutil
import zipfile
from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, Numeric, String, Text
from sqlalchemy.orm import Session

import app.services as services_pkg
from app.domain.security import Clearance, Role
from app.errors import UserError
from app.services.accounts import users as accounts
from app.storage.models import Base
from tests.conftest import ADMIN_PASSWORD

MARK = "泄密标记"
READ = ("get", "list", "count", "search", "find", "load", "read", "render", "export", "print",
        "report", "history", "board", "stats", "unit_stats", "monthly", "ledger", "due",
        "notice", "daily", "handover_data", "items", "snapshot", "week", "incident_items",
        "decision_items", "incoming_items", "handover_items", "now_on_duty", "pending",
        "drafters", "years", "diff", "checklist", "page", "duties", "series_register",
        "minutes_description", "staff_directory", "version_content", "default", "overview",
        "summary", "preview", "starter", "rule_table", "local_now", "missed_handover_items",
        "review_report", "store_status", "paper_items")
#: Entry points that change data or perform an act (not reads). Their permission and clearance
#: refusals are tested by their modules; listing them here means someone looked at them.
NOT_READS = {
    "output.paper": {"issue", "return_copy", "request_destroy", "confirm_destroy"},
    # the paper path's last step for a record its caller loaded (and checked) already
    "output.path": {"finish"},
    "backup.files": {"restore", "record_refusal"},
    "accounts.users": {"create_first_admin", "login", "logout", "add_user", "set_active",
                 "password_reminder",
                 "reset_password", "change_password", "set_roles", "set_clearance",
                 "set_unit"},
    "documents.numbers": {"reserve_numbers", "void_number", "release_claim"},
    "documents.drafts": {"create_document", "update_document", "delete_document", "workflow_step",
                  "sign", "import_json", "receive_document"},
    "duty.roster": {"add_role", "save_staff", "add_unavailability", "delete_unavailability",
             "save_rules", "create_roster", "set_opening", "build_problem", "generate",
             "validate_roster", "set_duty", "record_swap", "publish", "roster_unknown_years",
             "set_roster_classification"},
    "duty.desk": {"add_log_entry", "update_log_entry", "add_open_item", "close_open_item",
                  "set_item_deadline", "hand_over", "acknowledge_handover"},
    "exchange.packages": {"import_package"},
    # counts of users and rosters and whether the office is named: nothing classified
    "office.getting_started": {"steps", "may_do"},
    # the office's seal: whether one is stored (no image), upload and removal (设置 rights)
    "documents.seal": {"status", "upload", "remove"},
    # the holiday tables are public (a State Council notice): nothing classified to leak
    "holidays.tables": {"receive_year", "calendar", "resolve", "import_notice", "set_day", "missing_next_year",
                 "add_workdays", "table_of", "year_days"},
    "incidents.reports": {"save_rule_table", "create_incident", "update_incident", "set_daily_mode",
                  "draft_report", "refresh_draft", "sign_report", "send_report",
                  "record_phone_report", "draft_from_duty_log", "save_report",
                  "receive_incident",
                  # reads through duty.get_log_entry (clearance checked) and visible(Incident)
                  "attach_candidates", "attach_duty_log"},
    "duty_publish.publishing": {"draft_notice"},
    "incoming.book": {"register", "update", "add_attachments", "save_attachment", "urge",
                 "set_done"},
    "minutes.meetings": {"create_type", "create_meeting", "update_meeting", "set_attendance",
                "save_topic", "move_topic", "add_decision", "update_decision",
                "delete_decision", "delete_topic",
                "generate_minutes", "edit_minutes", "issue_minutes", "register",
                "request_extension", "decide_extension",
                "report_progress", "report_completion", "review", "close"},
    # one record's 知悉范围, by (kind, record_id): walked as 公开 users in test_clearance_walk,
    # and outside the scope in test_need_to_know
    "need_to_know": {"get_scope", "may_change", "set_scope", "candidates"},
    "accounts.security": {"update_settings", "record_session", "set_exchange_passphrase"},
    # issue 31: the office mode is public (first-run screen); the reminder reads one's own row
    "accounts.mode": {"office_mode"},
    "accounts.classified": {"setup_classified", "switch_to_classified", "switch_to_normal"},
    "accounts.passwords": {"update_policy"},
    "audit_review.review": {"mark_reviewed", "purge"},
    "office.settings": {"update_office"},
    "templates.library": {"create", "save", "restore", "duplicate", "rename", "set_sample",
                  "set_default", "delete", "import_file"},
}


def entry_points() -> dict[str, Any]:
    found = {}
    for info in pkgutil.walk_packages(services_pkg.__path__, "app.services."):
        mod = importlib.import_module(info.name)
        where = info.name.removeprefix("app.services.")
        for name, obj in vars(mod).items():
            if name.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != mod.__name__:
                continue
            params = list(inspect.signature(obj).parameters.values())
            if params and str(params[0].annotation).strip("'\"") == "ServiceContext":
                found[f"{where}.{name}"] = obj
    return found


def is_read(qualname: str) -> bool:
    module, name = qualname.rsplit(".", 1)
    return name.startswith(READ) and name not in NOT_READS.get(module, set())


def test_every_entry_point_is_classified():
    eps = entry_points()
    assert len(eps) > 20  # discovery works
    unlisted = sorted(q for q in eps if not is_read(q)
                      and q.rsplit(".", 1)[1] not in NOT_READS.get(q.rsplit(".", 1)[0], set()))
    assert not unlisted, (
        "New service entry points that are neither reads (probed for leaks here) nor listed in "
        f"NOT_READS in {__file__}: {unlisted}. If it reads, give it a read-like name or add its "
        "prefix to READ; if it writes, add it to NOT_READS.")


# ---------------------------------------------------------------- seeding

def _text(level: int) -> str:
    return f"{MARK}{level}" if level >= 0 else "样例"


#: Columns whose values the services parse (enum names, stored JSON): a marker there would make
#: every read of the row crash instead of probing it. A value or ``f(level)``.
VALID: dict[tuple[str, str], Any] = {
    ("incidents", "status"): "open",
    ("incident_reports", "kind"): "first",
    ("incident_reports", "channel"): "written",
    ("incident_reports", "status"): "draft",
    ("incident_reports", "snapshot"): lambda level: {
        "as_of": "2026-01-01 08:00", "title": _text(level), "summary": _text(level)},
    ("document_versions", "number"): 1,  # documents.content_version defaults to 1
    ("incoming_docs", "urgency"): "normal",
    ("incoming_docs", "status"): "open",
    ("incoming_urges", "method"): "phone",
    ("meetings", "status"): "draft",
    ("meetings", "draft_json"): lambda level: json.dumps(
        {"kind": "minutes", "title": _text(level), "body": _text(level)}, ensure_ascii=False),
    ("meetings", "issued_json"): None,
    ("meeting_attendees", "kind"): "present",
    ("meeting_decisions", "status"): "pending",
    ("decision_events", "step"): "register",
}


def _value(col, level: int, parents: dict[str, int]) -> Any:
    int_level = level  # a child row keeps its parent's level in integers (version numbers match)
    if "classification" not in col.table.c:  # not classified: neutral text, no marker
        level = -1
    if (col.table.name, col.name) in VALID:
        v = VALID[(col.table.name, col.name)]
        return v(level if level >= 0 else int_level) if callable(v) else v
    if col.name == "classification":
        return level
    if col.foreign_keys:
        fk = next(iter(col.foreign_keys))
        return parents.get(fk.column.table.name)
    t = col.type
    t = getattr(t, "impl", t)  # a TypeDecorator (UTCDateTime): look at what it stores
    try:
        python_type = t.python_type
    except NotImplementedError:
        python_type = None
    if python_type is datetime and not isinstance(t, DateTime):  # a custom datetime column
        return datetime.now(UTC) if "UTC" in type(t).__name__ else datetime.now()
    if python_type is date and not isinstance(t, Date):
        return date.today()
    if isinstance(t, Boolean):
        return False
    if isinstance(t, (Integer, Numeric, Float)):
        # distinct per level, so unique (year, number)-style keys do not collide
        return 10 + int_level if col.name not in ("year",) else datetime.now().year
    if isinstance(t, DateTime):
        now = datetime.now(UTC)
        return now if getattr(t, "timezone", False) else now.replace(tzinfo=None)
    if isinstance(t, Date):
        return date.today()
    if isinstance(t, JSON):
        return {"text": _text(level)} if col.name not in ("code_series",) else []
    if isinstance(t, (String, Text)):
        text = _text(level)
        length = getattr(t, "length", None)
        return text if not length or length >= len(text) else text[:length]
    return None


def _insert(s: Session, table, level: int, parents: dict[str, int]) -> int | None:
    values = {}
    for col in table.columns:
        if col.primary_key and isinstance(col.type, Integer) and col.autoincrement is not False:
            continue
        if (table.name, col.name) in VALID or (col.nullable and not col.foreign_keys
                                                and col.name != "classification"):
            v = _value(col, level, parents)
        elif col.default is not None and col.name not in ("classification",) and not \
                isinstance(col.type, (String, Text)):
            continue
        else:
            v = _value(col, level, parents)
        if v is None and not col.nullable:
            return None
        values[col.name] = v
    try:
        with s.begin_nested():
            result = s.execute(table.insert().values(**values))
        pk = result.inserted_primary_key
        return int(pk[0]) if pk and isinstance(pk[0], int) else None
    except Exception:  # noqa: BLE001 - a table the generic seeder cannot fill
        return None


def seed(engine, admin_id: int) -> dict[str, list[int]]:
    """One row per level in every classified table (and parents as needed)."""
    seeded: dict[str, list[int]] = {}
    shared: dict[str, int] = {"users": admin_id}  # unclassified parents, made once
    classified_tables = {t.name for t in Base.metadata.sorted_tables if "classification" in t.c}
    with Session(engine) as s, s.begin():
        for level in range(4):
            parents = dict(shared)
            for table in Base.metadata.sorted_tables:
                if table.name in ("users", "audit_events", "audit_pending", "roles", "clearances",
                                  "govdesk_meta", "alembic_version"):  # (pending: the sealer's queue)
                    continue
                classified = "classification" in table.c
                # an unclassified table is made once and shared, unless it hangs off a classified
                # one (document versions, report lines…): those rows belong to each level's record
                child = any(fk.column.table.name in classified_tables
                            for c in table.columns for fk in c.foreign_keys)
                if not classified and not child and table.name in parents:
                    continue
                rid = _insert(s, table, level, parents)
                if rid is not None:
                    parents[table.name] = rid
                    if classified:
                        seeded.setdefault(table.name, []).append(rid)
                    elif child:
                        seeded.setdefault(table.name, []).append(rid)  # ids of per-level children
                    else:
                        shared[table.name] = rid
    return seeded


# ---------------------------------------------------------------- probing

def pdf_text(raw: bytes) -> list[str]:
    """Each page's text in content-stream order, white space removed. pypdf, not pdfplumber:
    pdfplumber lays the characters out in lines by position, so the diagonal watermark of a
    classified print is interleaved with the text under it and a marker there would no longer
    be one string (a leak missed); pypdf reads the strings as drawn, and four times faster."""
    from pypdf import PdfReader

    return ["".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(raw)).pages]

def _flatten(value: Any, out: list[str], depth: int = 0) -> None:
    if depth > 6:
        return
    if is_dataclass(value) and not isinstance(value, type):
        try:
            value = asdict(value)
        except Exception:  # noqa: BLE001
            out.append(repr(value))
            return
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
        out.append(raw.decode("utf-8", "ignore"))
        if raw[:5] == b"%PDF-":  # rendered output: its text is in compressed streams
            out.extend(pdf_text(raw))
            return
        if raw[:2] == b"PK":
            try:
                with zipfile.ZipFile(io.BytesIO(raw)) as z:
                    for n in z.namelist():
                        out.append(z.read(n).decode("utf-8", "ignore"))
            except Exception:  # noqa: BLE001, S110 - not a zip after all: the text above counts
                pass
        return
    if isinstance(value, Path):
        if value.is_file():
            _flatten(value.read_bytes(), out, depth + 1)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            out.append(str(k))
            _flatten(v, out, depth + 1)
        return
    if isinstance(value, (list, tuple, set, frozenset)):
        for v in list(value)[:5000]:
            _flatten(v, out, depth + 1)
        return
    if hasattr(value, "__dict__") and not isinstance(value, type):
        _flatten({k: v for k, v in vars(value).items() if not k.startswith("_")}, out, depth + 1)
    out.append(str(value))


#: Id parameters of read entry points → the seeded table whose records they name. These get the
#: real ids of the seeded record of each level (公开 … 机密, in that order), so a getter is probed
#: on a record it can load instead of crashing on a made-up id.
ID_PARAMS: dict[str, str] = {
    "doc_id": "documents",
    "incident_id": "incidents",
    "report_id": "incident_reports",
    "incoming_id": "incoming_docs",
    "attachment_id": "incoming_attachments",
    "meeting_id": "meetings",
    "decision_id": "meeting_decisions",
    "entry_id": "duty_log",
}
#: Id parameters naming unclassified records (users, rosters, templates…): probed with the
#: mixed list of seeded ids, as before.
UNCLASSIFIED_ID_PARAMS = {"user_id", "roster_id", "staff_id", "handover_id", "template_id"}


def _id_params(fn) -> list[str]:
    return [p.name for p in list(inspect.signature(fn).parameters.values())[1:]
            if p.default is inspect.Parameter.empty and (p.name.endswith("_id") or p.name == "id")]


def test_every_id_parameter_is_mapped():
    """A new getter's id parameter must be mapped to the records it names (or declared
    unclassified), so the matrix probes it with real ids."""
    unknown = sorted(f"{q}({n})" for q, fn in entry_points().items() if is_read(q)
                     for n in _id_params(fn) if n not in ID_PARAMS and n not in
                     UNCLASSIFIED_ID_PARAMS)
    assert not unknown, f"map these id parameters in ID_PARAMS: {unknown}"


def _arg_options(param, ids: list[int], tmp: Path,
                 seeded: dict[str, list[int]] | None = None) -> list[Any] | None:
    ann = str(param.annotation).strip("'\"")
    name = param.name
    if "Path" in ann:
        return [tmp / f"out_{name}.bin"]
    if seeded is not None and name in ID_PARAMS:
        return seeded.get(ID_PARAMS[name]) or ids
    if name.endswith("_id") or name in ("id", "pk") or ann in ("int", "int | None"):
        return ids
    if ann.startswith("str") or name in ("query", "text", "q", "keyword", "username", "name"):
        return [MARK, ""]
    if ann.startswith("date"):
        return [date.today()]
    if ann.startswith("datetime"):
        return [datetime.now(UTC)]
    return None


def _calls(fn, ids: list[int], tmp: Path, seeded: dict[str, list[int]] | None = None):
    params = list(inspect.signature(fn).parameters.values())[1:]
    required = [p for p in params if p.default is inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY)]
    options = []
    for p in required:
        opts = _arg_options(p, ids, tmp, seeded)
        if opts is None:
            return None
        options.append(opts)
    if not options:
        return [()]
    if len(options) == 1:
        return [(o,) for o in options[0]]
    combos = [tuple(o[0] for o in options)]
    for i, opts in enumerate(options):
        for o in opts[1:]:
            c = list(combos[0])
            c[i] = o
            combos.append(tuple(c))
    return combos


@pytest.fixture
def world(admin_ctx):
    seeded = seed(admin_ctx.engine, admin_ctx.actor.user_id)
    actors = {}
    for role, levels in ((Role.CLERK, list(Clearance)), (Role.LEADER, list(Clearance)),
                         (Role.DUTY, [Clearance.PUBLIC, Clearance.SECRET])):
        for c in levels:
            name = f"{role.value}{int(c)}"
            accounts.add_user(admin_ctx, name, "Probe-pass-1", role=role, clearance=c,
                              must_change_password=False)
            actors[(role, c)] = admin_ctx.with_actor(
                accounts.login(admin_ctx.with_actor(None), name, "Probe-pass-1"))
    actors[(Role.ADMIN, Clearance.CONFIDENTIAL)] = admin_ctx
    return seeded, actors


@pytest.mark.slow
def test_no_entry_point_leaks_above_clearance(world, tmp_path):
    seeded, actors = world
    assert seeded, "the generic seeder filled no classified table"
    ids = sorted({i for v in seeded.values() for i in v})[:8]
    leaks: list[str] = []
    seen_top: set[str] = set()
    crashed: set[str] = set()
    errors: dict[str, str] = {}
    probed = 0
    for qualname, fn in sorted(entry_points().items()):
        if not is_read(qualname):
            continue
        calls = _calls(fn, ids, tmp_path, seeded)
        if calls is None:
            continue
        probed += 1
        for (role, clearance), ctx in actors.items():
            for args in calls:
                try:
                    result = fn(ctx, *args)
                except UserError:
                    continue
                except Exception as exc:  # noqa: BLE001 - synthetic arguments; not a leak
                    crashed.add(qualname)
                    errors.setdefault(qualname, f"{type(exc).__name__}: {exc}"[:200])
                    continue
                parts: list[str] = []
                _flatten(result, parts)
                for a in args:
                    if isinstance(a, Path) and a.is_file():
                        _flatten(a, parts)
                        a.unlink()
                text = "\n".join(parts)
                for level in range(int(clearance) + 1, 4):
                    if f"{MARK}{level}" in text:
                        leaks.append(f"{qualname}{args!r} as {role.value}/{clearance.label} "
                                     f"returned level {level}")
                if clearance == Clearance.CONFIDENTIAL and f"{MARK}3" in text:
                    seen_top.add(qualname)
    print(f"\nseeded: { {k: len(v) for k, v in seeded.items()} }")
    print(f"probed {probed} read entry points; 机密 data reached through {sorted(seen_top)}")
    print(f"crashed on synthetic arguments: {sorted(crashed)}")
    assert not leaks, "clearance leaks:\n" + "\n".join(leaks[:50])
    # getters given the real ids of the seeded records must load them, not crash: a crash would
    # hide a leak (nothing was probed)
    with_real_ids = {q for q, fn in entry_points().items() if is_read(q)
                     and any(n in ID_PARAMS and ID_PARAMS[n] in seeded for n in _id_params(fn))}
    assert with_real_ids >= {"documents.drafts.get_document", "incoming.book.get", "incidents.reports.list_reports",
                             "minutes.meetings.get_meeting", "minutes.meetings.history"}
    # positive control for the real ids: a 机密 caller gets the 机密 record through the getters
    assert {"documents.drafts.get_document", "incoming.book.get", "incidents.reports.list_reports",
            "minutes.meetings.get_meeting", "minutes.meetings.minutes_description"} <= seen_top
    assert not crashed, "entry points crashed (nothing probed):\n" + "\n".join(
        f"{q}: {errors[q]}" for q in sorted(crashed))
    assert len(seen_top) >= 3, "positive control: 机密 callers should see 机密 data somewhere"


def test_the_probe_catches_a_leak(world, monkeypatch, tmp_path):
    """A deliberately leaky entry point is caught by the same flattening and marker check."""
    seeded, actors = world
    table = next(iter(seeded))
    from sqlalchemy import text as sql

    def leaky(ctx):
        with ctx.session() as s:
            return [dict(r._mapping) for r in s.execute(sql(f'SELECT * FROM "{table}"'))]

    parts: list[str] = []
    _flatten(leaky(actors[(Role.CLERK, Clearance.PUBLIC)]), parts)
    assert f"{MARK}3" in "\n".join(parts)
    assert json.dumps(ADMIN_PASSWORD)  # fixture credentials stay usable
