"""A seeded generator of a realistic office, for the office-scale benchmarks.

At ``--scale 1`` (the default): 5 years (2021–2025) of 100 000 公文 with realistic Chinese text
(titles, 发文字号, bodies of 300–1 500 characters from the office phrase bank and Zipf vocabulary
of ``bench_search.Corpus``), 20 000 收文, 3 000 meetings with topics and 督办 decisions, monthly
published rosters for 80 staff, 20 000 duty-log entries and 2 000 incidents with their report
chains (首报, 续报…, 终报). Every record is in the full-text index, as the services would leave it.

    .venv/bin/python -m benchmarks.generate DB_URL [--scale 0.01] [--seed 9704] [--admin admin]

It also creates the office's first administrator (``--admin``, default ``admin``; 机密) with a
fresh random password, and prints both, so that ``python -m app user add`` and a newcomer's
sign-in work on a generated office.

Speed comes from bulk inserts: SQLAlchemy core ``insert`` with a list of rows (SQLAlchemy 2 sends
many rows per statement, ids returned in order), and the search index filled the same way
(``search_entries`` in bulk, then the FTS5 rows on SQLite or the ``tsvector``s on PostgreSQL)
instead of one ``index_record`` per record. The database must be new (migrated, no records).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from app.domain import incident_rules as R
from app.domain.incoming import Urgency
from app.domain.roster_model import FULL_DAY
from app.services.incidents import reports as inc_svc
from app.services.incoming.book import index_text as incoming_index_text
from app.services.search import index as search
from app.storage import fulltext
from app.storage.migrate import open_database
from app.storage.models import (
    Decision,
    Document,
    DocumentVersion,
    DutyAssignment,
    DutyLogEntry,
    DutyRoster,
    DutyStaff,
    Incident,
    IncidentReport,
    IncomingDoc,
    Meeting,
    MeetingType,
    SearchEntry,
    Topic,
    User,
)
from benchmarks.bench_search import CODES, KINDS, OFFICES, SUBJECTS, TOPICS, Corpus

BASE = {"documents": 100_000, "incoming": 20_000, "meetings": 3_000, "staff": 80,
        "duty_log": 20_000, "incidents": 2_000}
START = dt.date(2021, 1, 1)
END = dt.date(2025, 12, 31)
CST = dt.timezone(dt.timedelta(hours=8))
BATCH = 2_000
DRAFTERS = [("wenshu", "王文书"), ("zhangms", "张秘书"), ("likeyuan", "李科员"), ("zhaogs", "赵干事"),
            ("chenwj", "陈文静"), ("liuhao", "刘浩")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红文斌海波宁辉"
UNITS = ["办公室", "综合科", "应急管理科", "财务科", "督查室", "信息科", "法规科", "政策研究室",
         "市应急管理局", "市财政局", "市水利局", "市公安局", "市交通运输局"]
INCIDENT_KINDS = [("事故灾难", "火灾事故"), ("事故灾难", "道路交通事故"), ("自然灾害", "洪涝灾害"),
                  ("自然灾害", "地质灾害"), ("公共卫生事件", "食物中毒"), ("社会安全事件", "群体性事件")]
PLACES = ["临江路", "滨河大道", "解放路", "人民路", "建设路", "城东工业园", "高新区", "江北新区"]


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2])))


def moment(rng: random.Random, start: dt.date = START, end: dt.date = END) -> dt.datetime:
    """A working-hours moment (Beijing time) between two dates."""
    day = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
    return dt.datetime.combine(day, dt.time(rng.randint(8, 18), rng.randrange(60)), CST)


def chunks(rows: list[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


class Writer:
    """Bulk inserts of core rows, with the search entries of what was inserted."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self.codes: dict[str, int] = {}

    def insert(self, model: type, rows: list[dict[str, Any]]) -> list[int]:
        """Insert ``rows`` (many per statement) and return their ids in order."""
        ids: list[int] = []
        with Session(self.engine) as s, s.begin():
            for part in chunks(rows):
                stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
                ids.extend(s.execute(stmt, part).scalars())
        return ids

    def index(self, kind: str, entries: list[tuple[int, int, str, str, str, dt.datetime]]) -> None:
        """Index ``(record_id, classification, title, body, extra, updated)`` rows in bulk."""
        with Session(self.engine) as s, s.begin():
            if kind not in self.codes:
                self.codes[kind] = search._kind_code(s, kind)
        code = self.codes[kind]
        for part in chunks([{"kind": kind, "record_id": r, "classification": c, "title": t,
                             "body": b, "extra": x, "updated": u}
                            for r, c, t, b, x, u in entries]):
            with Session(self.engine) as s, s.begin():
                ids = list(s.execute(insert(SearchEntry).returning(
                    SearchEntry.id, sort_by_parameter_order=True), part).scalars())
                if self.pg:
                    s.execute(text(fulltext.pg_write_sql()),
                              [{"id": i, "v": fulltext.tsvector_literal(fulltext.IndexedText(
                                  p["title"], p["extra"], p["body"]))} for i, p in zip(ids, part, strict=True)])
                else:
                    s.execute(text(f"INSERT INTO search_fts (rowid, {fulltext._FTS_COLS}) "
                                   "VALUES (:rowid, :tu, :tb, :xu, :xb, :bu, :bb)"),
                              [{"rowid": fulltext.pack_rowid(i, code, p["classification"]),
                                **fulltext._fts_values(fulltext.IndexedText(
                                    p["title"], p["extra"], p["body"]))}
                               for i, p in zip(ids, part, strict=True)])


def _level(rng: random.Random) -> int:
    return rng.choices([0, 1, 2, 3], [60, 25, 10, 5])[0]


def gen_documents(w: Writer, rng: random.Random, corpus: Corpus, n: int) -> None:
    rows, meta = [], []
    seq: dict[int, int] = {}
    for _ in range(n):
        when = moment(rng)
        genre = rng.choice(KINDS[:7] + ["批复"])
        office = rng.choice(OFFICES[:11])
        title = f"{office}关于{rng.choice(TOPICS)}的{genre}"
        level = _level(rng)
        status = rng.choices(["draft", "reviewed", "signed", "issued", "archived"],
                             [5, 3, 2, 50, 40])[0]
        body = corpus.body(rng)
        doc_no = ""
        if status in ("issued", "archived", "signed"):
            seq[when.year] = seq.get(when.year, 0) + 1
            doc_no = f"临政办发〔{when.year}〕{seq[when.year]}号"
        desc = {"issuer_mark": f"{office}文件", "title": title, "doc_no": doc_no,
                "to": f"{rng.choice(SUBJECTS)}：", "body": body, "issuer": office,
                "date": when.date().isoformat(), "sealed": status in ("issued", "archived")}
        if level >= 2:
            desc["secrecy"] = "秘密" if level == 2 else "机密"
        drafter = rng.choice(DRAFTERS)
        rows.append({"genre": genre, "status": status, "year": when.year, "title": title,
                     "doc_no": doc_no, "urgency": rng.choices(["", "加急", "特急"], [85, 10, 5])[0],
                     "drafter": drafter[0], "drafter_name": drafter[1],
                     "series_prefix": "临政办发", "description": desc, "content_version": 1,
                     "classification": level, "created_at": when, "updated_at": when,
                     "version": 1})
        meta.append((level, title, body, doc_no, when, drafter[0], status))
    ids = w.insert(Document, rows)
    # the current version's text is the document's (stored once, revision 0019)
    w.insert(DocumentVersion, [{"document_id": i, "number": 1, "description": None,
                                "frozen": m[6] in ("issued", "archived", "signed"),
                                "created_at": m[4], "created_by": m[5], "note": ""}
                               for i, r, m in zip(ids, rows, meta, strict=True)])
    w.index("document", [(i, m[0], m[1], m[2], m[3], m[4]) for i, m in zip(ids, meta, strict=True)])


def gen_incoming(w: Writer, rng: random.Random, corpus: Corpus, n: int) -> None:
    rows = []
    seq: dict[int, int] = {}
    last = dt.datetime.combine(END, dt.time(12), CST)
    for _ in range(n):
        when = moment(rng)
        seq[when.year] = seq.get(when.year, 0) + 1
        sender = rng.choice(OFFICES)
        deadline = when.date() + dt.timedelta(days=rng.randint(3, 30)) if rng.random() < 0.7 \
            else None
        done = (last - when).days > 20 or rng.random() < 0.5
        rows.append({
            "reg_year": when.year, "reg_seq": seq[when.year], "sender": sender,
            "sender_ref": f"{rng.choice(CODES)}〔{when.year}〕{rng.randint(1, 300)}号",
            "received_at": when, "title": f"关于{rng.choice(TOPICS)}的{rng.choice(KINDS)}",
            "urgency": rng.choices([u.value for u in Urgency], [80, 15, 5])[0],
            "pages": rng.randint(1, 12), "summary": corpus.clause(rng) + "。",
            "proposal": "拟请办公室牵头办理。", "instruction": "", "handler_unit": rng.choice(UNITS),
            "handler_person": name(rng), "deadline": deadline, "deadline_workdays": None,
            "status": "done" if done else "open", "done_at": when + dt.timedelta(days=3)
            if done else None, "done_note": "", "registered_by": "王文书",
            "classification": _level(rng), "created_at": when, "updated_at": when, "version": 1})
    ids = w.insert(IncomingDoc, rows)
    w.index("incoming", [(i, r["classification"], r["title"],
                          *incoming_index_text(SimpleNamespace(**r)),  # type: ignore[arg-type]
                          r["received_at"]) for i, r in zip(ids, rows, strict=True)])


def gen_meetings(w: Writer, rng: random.Random, corpus: Corpus, n: int) -> None:
    with Session(w.engine) as s, s.begin():
        types = [s.execute(insert(MeetingType).returning(MeetingType.id), {
            "name": t, "organ": "市政府", "mark": f"临江市人民政府{t}纪要"}).scalar_one()
            for t in ("常务会议", "专题会议", "党组会议")]
    rows, per_type = [], dict.fromkeys(types, 0)
    for _ in range(n):
        t = rng.choice(types)
        per_type[t] += 1
        day = moment(rng).date()
        rows.append({"type_id": t, "seq": per_type[t], "date": day, "time": "09:00",
                     "venue": "市政府第一会议室", "host": name(rng), "host_title": "市长",
                     "recorder": "王文书", "status": "issued" if day < END - dt.timedelta(days=30)
                     else "draft", "classification": rng.choices([0, 1, 2], [70, 25, 5])[0],
                     "version": 1})
    ids = w.insert(Meeting, rows)
    topics, owners = [], []
    for mid, m in zip(ids, rows, strict=True):
        for pos in range(1, rng.randint(2, 4) + 1):
            topics.append({"meeting_id": mid, "position": pos,
                           "title": f"研究{rng.choice(TOPICS)}有关工作", "unit": rng.choice(UNITS),
                           "materials": "", "summary": corpus.clause(rng) + "。"})
            owners.append(m)
    topic_ids = w.insert(Topic, topics)
    decisions, dmeta = [], []
    for tid, tp, m in zip(topic_ids, topics, owners, strict=True):
        for pos in range(1, rng.randint(1, 3) + 1):
            deadline = m["date"] + dt.timedelta(days=rng.randint(7, 90))
            closed = deadline < END - dt.timedelta(days=20) and rng.random() < 0.95
            status = "closed" if closed else rng.choice(["open", "reported", "extension"])
            decisions.append({
                "meeting_id": tp["meeting_id"], "topic_id": tid, "position": pos,
                "text": f"由{rng.choice(UNITS)}牵头，{rng.choice(SUBJECTS)}{rng.choice(['要高度重视', '要认真落实', '要统筹做好'])}"
                        f"{rng.choice(TOPICS)}工作，{corpus.clause(rng)}。",
                "lead_unit": rng.choice(UNITS), "lead_person": name(rng), "coop_units": "",
                "deadline": deadline, "deadline_workdays": None, "status": status,
                "completed_on": deadline - dt.timedelta(days=rng.randint(0, 5)) if closed
                else None, "version": 1})
            dmeta.append(m["classification"])
    dec_ids = w.insert(Decision, decisions)
    w.index("minutes", [(i, m["classification"], f"市政府第{m['seq']}次会议纪要",
                         "", "", dt.datetime.combine(m["date"], dt.time(12), CST))
                        for i, m in zip(ids, rows, strict=True)])
    w.index("decision", [(i, c, d["text"][:60], d["text"], d["lead_unit"],
                          dt.datetime.combine(d["deadline"], dt.time(12), CST))
                         for i, d, c in zip(dec_ids, decisions, dmeta, strict=True)])


def gen_duty(w: Writer, rng: random.Random, corpus: Corpus, staff_n: int, log_n: int,
             days: int) -> None:
    staff = [{"name": name(rng), "unit": rng.choice(UNITS), "post": "科员",
              "phone": f"0571-8{rng.randint(1000000, 9999999)}",
              "mobile": f"13{rng.randint(100000000, 999999999)}",
              "roles": ["leader"] if i < max(2, staff_n // 8) else ["officer"], "active": True,
              "version": 1} for i in range(staff_n)]
    ids = w.insert(DutyStaff, staff)
    leaders = [i for i, s in zip(ids, staff, strict=True) if s["roles"] == ["leader"]]
    officers = [i for i, s in zip(ids, staff, strict=True) if s["roles"] == ["officer"]]
    last = START + dt.timedelta(days=days - 1)
    rosters, month = [], START
    while month <= last:
        nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        rosters.append({"title": f"{month:%Y年%m月}值班表", "start": month,
                        "end": min(nxt - dt.timedelta(days=1), last), "status": "published",
                        "published_at": dt.datetime.combine(month, dt.time(9), CST)
                        - dt.timedelta(days=7), "published_by": "王文书", "version": 1})
        month = nxt
    roster_ids = w.insert(DutyRoster, rosters)
    assignments = []
    for rid, r in zip(roster_ids, rosters, strict=True):
        day = r["start"]
        while day <= r["end"]:
            k = (day - START).days
            assignments.append({"roster_id": rid, "day": day, "shift": FULL_DAY, "role": "leader",
                                "staff_id": leaders[k % len(leaders)], "source": "solver"})
            for j in range(2):
                assignments.append({"roster_id": rid, "day": day, "shift": FULL_DAY,
                                    "role": "officer", "source": "solver",
                                    "staff_id": officers[(2 * k + j) % len(officers)]})
            day += dt.timedelta(days=1)
    w.insert(DutyAssignment, assignments)
    log = []
    for _ in range(log_n):
        when = moment(rng)
        log.append({"kind": rng.choices(["来电", "去电", "传真", "来文"], [60, 20, 10, 10])[0],
                    "received_at": when, "caller_unit": rng.choice(OFFICES),
                    "caller_name": name(rng), "caller_post": "值班员",
                    "caller_phone": f"0571-8{rng.randint(1000000, 9999999)}",
                    "content": f"报告{rng.choice(TOPICS)}情况：{corpus.clause(rng)}。",
                    "passed_to": "带班领导", "passed_at": when + dt.timedelta(minutes=10),
                    "result": "已按领导批示办理。", "author_name": "值班员",
                    "classification": rng.choices([0, 1, 2], [70, 25, 5])[0],
                    "created_at": when, "updated_at": when, "version": 1})
    log_ids = w.insert(DutyLogEntry, log)
    w.index("duty_log", [(i, e["classification"], f"{e['caller_unit']}{e['kind']}", e["content"],
                          e["caller_name"], e["received_at"]) for i, e in zip(log_ids, log, strict=True)])


def gen_incidents(w: Writer, rng: random.Random, corpus: Corpus, n: int) -> None:
    rows, snaps = [], []
    for _ in range(n):
        received = moment(rng).replace(tzinfo=None)  # incident times are naive local
        cat, sub = rng.choice(INCIDENT_KINDS)
        level = rng.choices([1, 2, 3, 4], [1, 4, 25, 70])[0]
        data = inc_svc.IncidentData(
            title=f"{rng.choice(PLACES)}{sub}", category=cat, subtype=sub, level=level,
            occurred_at=received - dt.timedelta(minutes=rng.randint(5, 60)), received_at=received,
            place=f"{rng.choice(PLACES)}{rng.randint(1, 300)}号", county="西湖区",
            source="区应急局电话报告", summary=corpus.clause(rng) + "。", dead=0, missing=0,
            injured=rng.randint(0, 5), measures="消防出动，伤员送医。", reporter_unit="区应急局",
            reporter_name=name(rng), reporter_phone="0571-1")
        snap = inc_svc.snapshot_of(data)
        row = {f: getattr(data, f) for f in inc_svc._PLAIN}
        row.update(leaders_on_site=[], commander={}, status="closed", daily_mode=False,
                   rule=inc_svc._rule_json(R.DEFAULT_RULES.rule_for(level, None)),
                   change_times=[], created_by="值班员", classification=rng.choices(
                       [0, 1, 2], [60, 30, 10])[0], created_at=received.replace(tzinfo=CST),
                   updated_at=received.replace(tzinfo=CST), version=1)
        rows.append(row)
        snaps.append(snap)
    ids = w.insert(Incident, rows)
    reports = []
    for iid, row, snap in zip(ids, rows, snaps, strict=True):
        t = row["received_at"]
        chain = ["first"] + ["follow_up"] * rng.randint(0, 3) + ["final"]
        for seq, kind in enumerate(chain, 1):
            t += dt.timedelta(minutes=rng.randint(20, 600))
            reports.append({"incident_id": iid, "seq": seq, "kind": kind,
                            "number": seq - 1 if kind == "follow_up" else None,
                            "channel": "written", "daily": False, "status": "sent",
                            "snapshot": snap, "changes": [], "progress": "处置工作有序推进。",
                            "drafted_by": "值班员", "signed_by": "带班领导", "signed_at": t,
                            "issue_no": seq, "sent_to": "市政府总值班室", "sent_at": t,
                            "sent_by": "值班员", "classification": row["classification"],
                            "version": 1})
    w.insert(IncidentReport, reports)
    w.index("incident", [(i, r["classification"], r["title"], r["summary"], r["place"],
                          r["created_at"]) for i, r in zip(ids, rows, strict=True)])


def make_password() -> str:
    """A random password the account rules accept (upper, lower, digit, symbol; 20 characters)."""
    import secrets
    import string

    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(16))
    return f"Gd{body}-{secrets.randbelow(90) + 10}"


def create_admin(engine: Engine, username: str = "admin", password: str | None = None,
                 log: Callable[[str], None] = print) -> tuple[str, str]:
    """The office's first administrator (through ``accounts.create_first_admin``, audited);
    prints the name and the password. Returns (username, password)."""
    from app.services.accounts import users as accounts
    from app.services.context import ServiceContext

    password = password or make_password()
    accounts.create_first_admin(ServiceContext(engine), username, password, "系统管理员")
    log(f"管理员账户：{username}  密码：{password}（请妥善保管；首次登录后可修改）")
    return username, password


def generate(url: str, scale: float = 1.0, seed: int = 9704,
             log: Callable[[str], None] = print, admin: str = "admin",
             admin_password: str | None = None) -> dict[str, int]:
    """Fill the new database at ``url`` and return the row counts read back. The first
    administrator ``admin`` is created first (password printed through ``log``)."""
    sizes = {k: max(1, round(v * scale)) for k, v in BASE.items()}
    sizes["staff"] = max(8, sizes["staff"])
    days = max(31, round(((END - START).days + 1) * scale))
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(url, Path(tmp) / "backups")
    try:
        with Session(engine) as s:
            if s.scalar(select(func.count()).select_from(Document)):
                raise SystemExit("错误：数据库中已有公文，生成器只填充新建的数据库。")
            has_users = bool(s.scalar(select(func.count()).select_from(User)))
        if admin and not has_users:
            create_admin(engine, admin, admin_password, log)
        rng = random.Random(seed)
        corpus = Corpus(rng)
        w = Writer(engine)
        steps: list[tuple[str, Callable[[], None]]] = [
            ("公文", lambda: gen_documents(w, rng, corpus, sizes["documents"])),
            ("收文", lambda: gen_incoming(w, rng, corpus, sizes["incoming"])),
            ("会议", lambda: gen_meetings(w, rng, corpus, sizes["meetings"])),
            ("值班", lambda: gen_duty(w, rng, corpus, sizes["staff"], sizes["duty_log"], days)),
            ("突发事件", lambda: gen_incidents(w, rng, corpus, sizes["incidents"])),
        ]
        for label, step in steps:
            t = time.perf_counter()
            step()
            log(f"  {label}: {time.perf_counter() - t:.1f} s")
        with Session(engine) as s, s.begin():
            if not s.scalar(select(func.count()).select_from(User).where(User.username == "bench")):
                s.execute(insert(User).values(
                    username="bench", display_name="测试文书", password_hash="x",
                    role_code="clerk", clearance_level=1, active=True, failed_logins=0,
                    must_change_password=False))
        with engine.begin() as conn:  # planner statistics, as a live database has
            conn.exec_driver_sql("ANALYZE")
        return counts(engine)
    finally:
        engine.dispose()


COUNTED = {"documents": Document, "document_versions": DocumentVersion, "incoming": IncomingDoc,
           "meetings": Meeting, "decisions": Decision, "staff": DutyStaff,
           "rosters": DutyRoster, "assignments": DutyAssignment, "duty_log": DutyLogEntry,
           "incidents": Incident, "incident_reports": IncidentReport,
           "search_entries": SearchEntry}


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {k: int(s.scalar(select(func.count()).select_from(m)) or 0)
                for k, m in COUNTED.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="生成一个模拟机关五年数据的数据库（用于性能测试）。")
    p.add_argument("url", help="数据库 URL，如 sqlite:////tmp/office.sqlite3")
    p.add_argument("--scale", type=float, default=1.0, help="规模系数（1 = 十万件公文，0.01 = 1%%）")
    p.add_argument("--seed", type=int, default=9704)
    p.add_argument("--admin", default="admin", help="要创建的管理员用户名（默认 admin）")
    args = p.parse_args(argv)
    t = time.perf_counter()
    got = generate(args.url, args.scale, args.seed, admin=args.admin)
    print(f"生成完成，用时 {time.perf_counter() - t:.1f} s：")
    for k, v in got.items():
        print(f"  {k:18s} {v:>8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
