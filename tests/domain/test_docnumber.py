"""发文字号: format, parse, diagnose, and the series bookkeeping (never twice, never skipped
silently)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import docnumber as dn
from app.domain.cnnum import from_chinese, to_chinese
from app.errors import InputError

AT = dt.datetime(2024, 7, 1, 9, 30)


def test_format_uses_hexagonal_brackets_and_no_padding():
    text = dn.format_doc_no("国办发", 2012, 14)
    assert text == "国办发\u30142012\u301514号"
    assert dn.format_doc_no("×政办函", 2024, 1) == "×政办函〔2024〕1号"


@pytest.mark.parametrize("prefix, year, seq", [("", 2024, 1), ("国 办发", 2024, 1),
                                               ("国办发", 24, 1), ("国办发", 2024, 0)])
def test_format_rejects_bad_parts(prefix, year, seq):
    with pytest.raises(InputError):
        dn.format_doc_no(prefix, year, seq)


@given(st.sampled_from(["国办发", "×政办发", "京政函", "国发"]), st.integers(1900, 2100),
       st.integers(1, 99999))
def test_parse_inverts_format(prefix, year, seq):
    assert dn.parse_doc_no(dn.format_doc_no(prefix, year, seq)) == dn.DocNumber(prefix, year, seq)


@pytest.mark.parametrize("typed, codes, suggestion", [
    ("国办发【2012】14号", {"brackets"}, "国办发〔2012〕14号"),
    ("国办发[2012]14号", {"brackets"}, "国办发〔2012〕14号"),
    ("国办发(2012)14号", {"brackets"}, "国办发〔2012〕14号"),
    ("国办发（2012）14号", {"brackets"}, "国办发〔2012〕14号"),
    ("国办发﹝2012﹞14号", {"brackets"}, "国办发〔2012〕14号"),
    ("国办发〔2012〕014号", {"leading-zero"}, "国办发〔2012〕14号"),
    ("国办发〔2012〕第14号", {"di"}, "国办发〔2012〕14号"),
    ("国办发〔2012〕14", {"missing-hao"}, "国办发〔2012〕14号"),
    ("国办发〔２０１２〕１４号", {"fullwidth-digit"}, "国办发〔2012〕14号"),
    ("国办发 〔2012〕 14号", {"spaces"}, "国办发〔2012〕14号"),
    ("国办发[2012]第007", {"brackets", "di", "leading-zero", "missing-hao"}, "国办发〔2012〕7号"),
    ("国办发〔12〕14号", {"short-year"}, None),
    ("国办发〔2012〕0号", {"zero"}, None),
])
def test_diagnose_names_each_problem_and_suggests_the_fix(typed, codes, suggestion):
    d = dn.diagnose_doc_no(typed)
    assert {p.code for p in d.problems} == codes
    assert d.suggestion == suggestion
    with pytest.raises(InputError, match="发文字号"):
        dn.parse_doc_no(typed)


def test_diagnose_accepts_a_correct_number_and_rejects_nonsense():
    assert dn.diagnose_doc_no("国办发〔2012〕14号").ok
    d = dn.diagnose_doc_no("十四号文件")
    assert [p.code for p in d.problems] == ["unrecognised"] and d.suggestion is None


def test_find_doc_numbers_in_running_text():
    text = "根据《通知》（国办发[2012]14号）、京政发〔2023〕3号文件精神"
    found = dn.find_doc_numbers(text)
    assert [text[o:o + n] for o, n, _ in found] == ["国办发[2012]14号", "京政发〔2023〕3号"]
    assert not found[0][2].ok and found[1][2].ok


# ---- series -------------------------------------------------------------------------------------
def _issue(entries, doc, prefix="国办发", year=2024):
    e = dn.take_next(entries, prefix, year, document_id=doc, by="clerk", at=AT)
    return dn.merge(entries, [e]), e


def test_take_next_counts_up_per_prefix_and_restarts_each_year():
    entries: list[dn.SeriesEntry] = []
    entries, a = _issue(entries, "d1")
    entries, b = _issue(entries, "d2")
    entries, c = _issue(entries, "d3", prefix="国办函")
    entries, d = _issue(entries, "d4", year=2025)
    assert (a.text, b.text, c.text, d.text) == (
        "国办发〔2024〕1号", "国办发〔2024〕2号", "国办函〔2024〕1号", "国办发〔2025〕1号")
    assert dn.series_keys(entries) == [("国办函", 2024), ("国办发", 2024), ("国办发", 2025)]


def test_a_document_is_numbered_only_once():
    entries, _ = _issue([], "d1")
    with pytest.raises(InputError, match="不能重复取号"):
        _issue(entries, "d1")


def test_reserved_and_void_numbers_are_never_issued_again_and_need_a_reason():
    entries, _ = _issue([], "d1")
    with pytest.raises(InputError, match="原因"):
        dn.reserve(entries, "国办发", 2024, count=2, reason="  ", by="clerk", at=AT)
    res = dn.reserve(entries, "国办发", 2024, count=2, reason="纸质签发待补录", by="clerk", at=AT)
    assert [r.seq for r in res] == [2, 3] and all(r.state is dn.EntryState.RESERVED for r in res)
    entries = dn.merge(entries, res)
    with pytest.raises(InputError, match="原因"):
        dn.void(entries, "国办发", 2024, 1, reason="", by="clerk", at=AT)
    entries = dn.merge(entries, [dn.void(entries, "国办发", 2024, 1, reason="文件撤回", by="lead", at=AT)])
    entries, e = _issue(entries, "d9")
    assert e.seq == 4
    used = dn.use_reserved(entries, "国办发", 2024, 2, document_id="d5", by="clerk", at=AT)
    assert used.state is dn.EntryState.ISSUED and used.reason == "纸质签发待补录"
    entries = dn.merge(entries, [used])
    with pytest.raises(InputError, match="不能再使用预留号"):
        dn.use_reserved(entries, "国办发", 2024, 3, document_id="d5", by="clerk", at=AT)
    with pytest.raises(InputError, match="不是预留号"):
        dn.use_reserved(entries, "国办发", 2024, 2, document_id="d6", by="clerk", at=AT)
    with pytest.raises(InputError, match="已作废"):
        dn.void(entries, "国办发", 2024, 1, reason="again", by="clerk", at=AT)
    with pytest.raises(InputError, match="尚未取用"):
        dn.void(entries, "国办发", 2024, 99, reason="x", by="clerk", at=AT)

    reg = dn.register(entries, "国办发", 2024)
    assert [(r.seq, r.label, r.reason) for r in reg.rows] == [
        (1, "作废", "文件撤回"), (2, "已用", "纸质签发待补录"), (3, "预留", "纸质签发待补录"),
        (4, "已用", None)]
    assert [r.seq for r in reg.gaps] == [1, 3]
    assert reg.anomalies == () and reg.counts() == {"issued": 2, "reserved": 1, "void": 1, "gap": 0}


def test_register_exposes_a_silent_skip_as_an_anomaly():
    # Rows written by something other than these functions (an import, a manual edit).
    entries = [dn.SeriesEntry("国办发", 2024, s, dn.EntryState.ISSUED, AT, "x", None, f"d{s}")
               for s in (1, 2, 5)]
    reg = dn.register(entries, "国办发", 2024)
    assert [(r.seq, r.state) for r in reg.anomalies] == [(3, "gap"), (4, "gap")]
    assert "跳号" in (reg.anomalies[0].reason or "")


def test_duplicate_rows_are_reported_not_hidden():
    e = dn.SeriesEntry("国办发", 2024, 1, dn.EntryState.ISSUED, AT, "x", None, "d1")
    with pytest.raises(InputError, match="两次"):
        dn.next_seq([e, e], "国办发", 2024)


def test_random_operations_keep_every_number_accounted_for():
    rng = random.Random(7)
    entries: list[dn.SeriesEntry] = []
    docs = 0
    for _ in range(300):
        op = rng.choice(["take", "take", "take", "reserve", "void", "use"])
        if op == "take":
            docs += 1
            entries, _ = _issue(entries, f"d{docs}")
        elif op == "reserve":
            entries = dn.merge(entries, dn.reserve(entries, "国办发", 2024, count=rng.randint(1, 3),
                                                   reason="预留", by="c", at=AT))
        elif op == "void":
            live = [e for e in entries if e.state is not dn.EntryState.VOID]
            if live:
                e = rng.choice(live)
                entries = dn.merge(entries, [dn.void(entries, e.prefix, e.year, e.seq, reason="作废",
                                                     by="c", at=AT)])
        else:
            reserved = [e for e in entries if e.state is dn.EntryState.RESERVED]
            if reserved:
                docs += 1
                e = rng.choice(reserved)
                entries = dn.merge(entries, [dn.use_reserved(entries, e.prefix, e.year, e.seq,
                                                             document_id=f"d{docs}", by="c", at=AT)])
    reg = dn.register(entries, "国办发", 2024)
    assert [r.seq for r in reg.rows] == list(range(1, len(entries) + 1))
    assert not reg.anomalies
    issued_docs = [r.document_id for r in reg.rows if r.state == "issued"]
    assert len(issued_docs) == len(set(issued_docs))
    assert all(r.reason for r in reg.rows if r.state in ("void", "reserved"))


@given(st.integers(0, 9999))
def test_chinese_numerals_round_trip(n):
    assert from_chinese(to_chinese(n)) == n


def test_chinese_numerals_known_values():
    assert [to_chinese(n) for n in (1, 10, 11, 20, 21, 101, 110)] == [
        "一", "十", "十一", "二十", "二十一", "一百零一", "一百一十"]
    assert from_chinese("二〇二四") == 2024 and from_chinese("两") == 2
    assert from_chinese("十十") is None and from_chinese("") is None and from_chinese("三a") is None
