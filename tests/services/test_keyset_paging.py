"""Keyset paging (issue 30): a page read from the row beside it (``Seek``) is exactly the page
OFFSET reads — at page boundaries, across ties of the sort value (broken by the id), forwards
and backwards, for every sort of the 公文 list, under the clearance filter."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.services.documents import drafts as docs
from app.services.paging import Seek
from app.storage.models import Document
from tests.services.documents_helpers import notice, people

N, PAGE = 157, 20  # the last page is short (17 rows)


@pytest.fixture
def clerk(admin_ctx):
    team = people(admin_ctx)
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    rows = []
    for i in range(N):
        rows.append({
            "genre": ("通知", "请示", "函")[i % 3], "status": ("draft", "issued")[i % 2],
            "year": 2024 + i % 3, "doc_no": f"临政办〔2026〕{i % 11}号" if i % 4 else "",
            "urgency": ("", "特急", "加急")[i % 3], "drafter": "wenshu",
            "drafter_name": ("王文书", "李秘书", "张科员")[i % 5 % 3], "series_prefix": "",
            "description": notice(), "content_version": 1, "classification": (0, 1, 2, 3)[i % 4],
            # seven distinct times: long runs of ties that cross page boundaries
            "created_at": start, "updated_at": start + dt.timedelta(hours=i % 7),
            "version": 1, "title": f"关于第{i % 13:02d}项工作的通知"})
    with Session(admin_ctx.engine) as s, s.begin():
        s.execute(insert(Document), rows)
    return team


def _pages_by_offset(ctx, q: docs.ListQuery, total: int) -> list[list[int]]:
    return [[r.id for r in docs.list_documents(ctx, docs.ListQuery(
        sort=q.sort, descending=q.descending, offset=o, limit=PAGE))]
        for o in range(0, total, PAGE)]


@pytest.mark.parametrize("sort", sorted(docs.SORT_COLUMNS))
@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("who", ["clerk", "low"])
def test_seek_pages_equal_offset_pages(clerk, sort, descending, who):
    ctx = clerk[who]
    q = docs.ListQuery(sort=sort, descending=descending, limit=PAGE)
    total = docs.count_documents(ctx, q)
    expected = _pages_by_offset(ctx, q, total)
    assert sum(map(len, expected)) == total and total < N if who == "low" else total == N
    # forwards: each page from the last row of the one before
    rows = docs.list_documents(ctx, q)
    walked = [[r.id for r in rows]]
    while len(rows) == PAGE:
        seek = Seek(docs.row_key(rows[-1], sort), after=True)
        rows = docs.list_documents(ctx, docs.ListQuery(sort=sort, descending=descending,
                                                       limit=PAGE, seek=seek, offset=10**6))
        if rows:
            walked.append([r.id for r in rows])
    assert walked == expected
    # backwards: from the first row of the last page, each page before it, in list order
    last = docs.list_documents(ctx, docs.ListQuery(sort=sort, descending=descending,
                                                   offset=(len(expected) - 1) * PAGE, limit=PAGE))
    back, rows = [[r.id for r in last]], last
    while True:
        seek = Seek(docs.row_key(rows[0], sort), after=False)
        rows = docs.list_documents(ctx, docs.ListQuery(sort=sort, descending=descending,
                                                       limit=PAGE, seek=seek))
        if not rows:
            break
        back.insert(0, [r.id for r in rows])
    assert back == expected


def test_seek_past_either_end_is_empty_and_a_null_key_falls_back_to_offset(clerk):
    ctx = clerk["clerk"]
    q = docs.ListQuery(limit=PAGE)
    everything = docs.list_documents(ctx, docs.ListQuery(limit=N))
    first, last = everything[0], everything[-1]
    after_last = Seek(docs.row_key(last, q.sort), after=True)
    before_first = Seek(docs.row_key(first, q.sort), after=False)
    assert docs.list_documents(ctx, docs.ListQuery(limit=PAGE, seek=after_last)) == []
    assert docs.list_documents(ctx, docs.ListQuery(limit=PAGE, seek=before_first)) == []
    # a key with a NULL in it cannot seek: the offset is used
    unusable = Seek((None, first.id), after=True)
    assert [r.id for r in docs.list_documents(ctx, docs.ListQuery(
        limit=PAGE, offset=PAGE, seek=unusable))] == [r.id for r in everything[PAGE:2 * PAGE]]


Pages = list[list[int]]


def _walk(fetch, key, total: int, size: int) -> tuple[Pages, Pages, Pages]:  # type: ignore[no-untyped-def]
    """(pages by offset, pages walked forwards by seek, pages walked backwards by seek)."""
    by_offset = [[r.id for r in fetch(o, size, None)] for o in range(0, total, size)]
    rows = fetch(0, size, None)
    forwards = [[r.id for r in rows]]
    while len(rows) == size:
        rows = fetch(10**6, size, Seek(key(rows[-1]), after=True))
        if rows:
            forwards.append([r.id for r in rows])
    rows = fetch((len(by_offset) - 1) * size, size, None)
    backwards = [[r.id for r in rows]]
    while rows:
        rows = fetch(10**6, size, Seek(key(rows[0]), after=False))
        if rows:
            backwards.insert(0, [r.id for r in rows])
    return by_offset, forwards, backwards


def test_seek_pages_of_the_other_long_lists(admin_ctx, clerk):
    """Incidents, meetings, the duty log and the audit log, with runs of equal sort values."""
    from app.services.audit_review import review as audit_log
    from app.services.duty import desk as duty_desk
    from app.services.incidents import reports as incidents
    from app.services.minutes import meetings as mn
    from app.storage.models import DutyLogEntry, Incident
    from benchmarks.bench_incidents import seed

    ctx, writer = admin_ctx, clerk["clerk"]
    when = dt.datetime(2026, 3, 1, 8, 0)
    seed(ctx.engine, 43, when)
    t = mn.create_type(writer, "办公会议")
    for i in range(23):
        mn.create_meeting(writer, t.id, dt.date(2026, 3, 1 + i % 4), seq=i + 1)
    entries = [{"kind": "来电", "received_at": dt.datetime(2026, 3, 1, 8, i % 5, tzinfo=dt.UTC),
                "caller_unit": "", "caller_name": "", "caller_post": "", "caller_phone": "",
                "content": f"来电{i}", "passed_to": "", "result": "", "author": "admin",
                "author_name": "管理员", "classification": 0} for i in range(31)]
    with Session(ctx.engine) as s, s.begin():
        s.execute(insert(DutyLogEntry), entries)
        for inc in s.query(Incident):  # ties: seven distinct 接报 times
            inc.received_at = when - dt.timedelta(hours=inc.id % 7)
    cases = {
        "incidents": (lambda o, n, seek: incidents.list_incidents(ctx, o, n, seek=seek),
                      incidents.list_key, incidents.count_incidents(ctx)),
        "meetings": (lambda o, n, seek: mn.list_meetings(ctx, offset=o, limit=n, seek=seek),
                     mn.meeting_key, mn.count_meetings(ctx)),
        "duty log": (lambda o, n, seek: duty_desk.list_log(ctx, o, n, seek=seek),
                     duty_desk.log_key, duty_desk.count_log(ctx)),
    }
    newest = audit_log.page(ctx, audit_log.AuditFilter(), 0, 1)[0].seq
    f = audit_log.AuditFilter(upto_seq=newest)  # (reading page one records a view: pinned)
    events = audit_log.count(ctx, f)

    class _Event:  # the audit rows by their seq
        def __init__(self, row):  # type: ignore[no-untyped-def]
            self.id = row.seq

    cases["audit"] = (lambda o, n, seek: [_Event(r) for r in audit_log.page(ctx, f, o, n,
                                                                             seek=seek)],
                      lambda e: (e.id,), events)
    for name, (fetch, key, total) in cases.items():
        assert total >= 10, name
        by_offset, forwards, backwards = _walk(fetch, key, total, 7)
        assert sum(map(len, by_offset)) == total, name
        assert forwards == by_offset, name
        assert backwards == by_offset, name
