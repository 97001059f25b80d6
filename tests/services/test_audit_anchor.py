"""Rows cut off the END of the audit log are detected through the desk's anchor file.

The anchor (``audit_anchor.json`` in the data folder) is written after each commit that appended
an event, and read back by ``audit.verify``. Another desk adding rows is not an alarm; without an
anchor file the check makes no claim and says so.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services.audit import anchor as audit_anchor
from app.services.audit import chain as audit
from app.services.audit import key as audit_key
from app.services.context import SYSTEM


def _fill(engine, n=5, what="test"):
    for i in range(n):
        with Session(engine) as s, s.begin():
            audit.append(s, SYSTEM, f"{what}.e{i}", "thing", i, {"i": i})


def _cut(engine, from_seq: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq >= :s"), {"s": from_seq})


def _anchored(engine) -> int | None:
    mark = audit_anchor.load(engine).anchor
    return mark.seq if mark else None


def test_each_committed_event_is_anchored_outside_the_database(engine):
    _fill(engine, 3)
    assert _anchored(engine) == 3
    data = json.loads(audit_anchor.anchor_file().read_text(encoding="utf-8"))
    (entry,) = data["chains"].values()
    with Session(engine) as s:
        last = s.execute(text("SELECT hash FROM audit_events WHERE seq = 3")).scalar_one()
    assert entry["hash"] == last and entry["seq"] == 3
    # a rolled-back act leaves nothing to anchor
    with pytest.raises(RuntimeError), Session(engine) as s, s.begin():
        audit.append(s, SYSTEM, "test.rolled_back")
        raise RuntimeError
    # nor does a savepoint rolled back inside a committed transaction
    with Session(engine) as s, s.begin():
        try:
            with s.begin_nested():
                audit.append(s, SYSTEM, "test.savepoint")
                raise RuntimeError
        except RuntimeError:
            pass
    assert _anchored(engine) == 3 and audit.count(engine) == 3
    result = audit.verify(engine)
    assert result.ok and result.anchor == "ok" and "第 3 条" in result.message()


def test_cut_off_end_is_reported(engine):
    _fill(engine, 6)
    assert audit.verify(engine).ok
    _cut(engine, 5)
    result = audit.verify(engine)
    assert not result.ok and result.tail_missing and result.count == 4
    assert result.broken_seq == 5 and result.anchor_seq == 6
    assert result.message().startswith("审计日志末尾记录缺失")
    assert "已记录到第 6 条" in result.message() and "仅有 4 条" in result.message()
    # new acts after the cut do not overwrite the evidence...
    _fill(engine, 1, "after")
    assert _anchored(engine) == 6
    assert audit.verify(engine).tail_missing
    # ...not even once the chain is as long again: the event at the anchor's number differs
    _fill(engine, 2, "later")
    assert audit.count(engine) == 7 and _anchored(engine) == 6
    result = audit.verify(engine)
    assert result.tail_missing and "不符" in result.message()


def test_rows_added_by_another_desk_are_not_an_alarm(engine, tmp_path, monkeypatch):
    _fill(engine, 3, "desk_a")
    assert _anchored(engine) == 3
    desk_a = audit_anchor.anchor_file()
    office_key = audit_key.load()
    # another desk: the same database, its own data folder (its own anchor file), the office's
    # audit key imported (as an administrator does with ``audit key export/import``)
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(tmp_path / "desk_b"))
    audit_key.install(office_key)
    _fill(engine, 4, "desk_b")
    assert audit_anchor.anchor_file() != desk_a and _anchored(engine) == 7
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(desk_a.parent))
    assert _anchored(engine) == 3  # desk A only knows what it saw
    result = audit.verify(engine)
    assert result.ok and result.anchor == "ok" and result.count == 7
    assert _anchored(engine) == 7  # verification moved the anchor to the end
    # and desk A now notices rows cut that only desk B had written
    _cut(engine, 6)
    assert audit.verify(engine).tail_missing


def test_without_an_anchor_file_no_claim_is_made(engine):
    _fill(engine, 4)
    audit_anchor.anchor_file().unlink()
    _cut(engine, 4)
    result = audit.verify(engine)
    assert result.ok and result.anchor == "none"
    assert "无法判断末尾记录是否被删除" in result.message()
    assert _anchored(engine) == 3  # from now on the end is watched again
    audit_anchor.anchor_file().write_text("{not json", encoding="utf-8")
    result = audit.verify(engine)
    assert result.ok and result.anchor == "none" and "已损坏" in result.message()


def test_a_backup_file_is_checked_without_the_anchor(engine):
    _fill(engine, 2)
    _cut(engine, 2)
    assert audit.verify(engine, anchor=False).ok
    assert audit.verify(engine).tail_missing


def test_reset_after_a_deliberate_shortening(engine):
    _fill(engine, 5)
    _cut(engine, 3)
    assert audit.verify(engine).tail_missing
    assert audit_anchor.reset(engine).seq == 2
    assert audit.verify(engine).ok
