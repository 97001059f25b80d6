"""Full-text search against a real database (SQLite FTS5 and, in CI, PostgreSQL tsvector)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.errors import PermissionDenied
from app.services.context import Actor
from app.services.search import index as search
from app.storage.models import SearchEntry

DOCS = [
    # kind, id, level, title, body, extra
    ("incoming", 1, 0, "关于做好春节期间值班工作的通知",
     "各单位：春节将至，请认真做好节日期间值班值守，严格执行领导带班制度。", "国办发〔2026〕3号"),
    ("incoming", 2, 1, "关于报送防汛工作情况的函",
     "请于6月30日前报送防汛准备情况。发生险情要及时续报。", "省水利厅 水函〔2026〕15号"),
    ("document", 3, 3, "关于值班安排的机密通知", "机密内容：重点部位值班续报要求。", "某府发〔2026〕1号"),
    ("document", 4, 0, "2026年工作要点", "全年工作要点如下：一、加强值守。二、完善制度。", ""),
    ("minutes", 5, 0, "第三次办公会议纪要", "会议研究了安全生产工作，要求各单位及时续报信息。", ""),
]


def _as(ctx, clearance: Clearance, role: Role = Role.READER):
    return ctx.with_actor(Actor(None, f"u{int(clearance)}", role, clearance))


@pytest.fixture
def seeded(ctx):
    with ctx.session() as s, s.begin():
        for kind, rid, level, title, body, extra in DOCS:
            search.index_record(s, kind, rid, level, title, body, extra)
    return ctx


def _ids(res):
    return [(h.kind, h.record_id) for h in res.hits]


def test_one_character_query(seeded):
    res = search.search(_as(seeded, Clearance.CONFIDENTIAL), "续")
    assert sorted(_ids(res)) == [("document", 3), ("incoming", 2), ("minutes", 5)]
    assert res.total == 3 and res.ranked


def test_two_character_queries(seeded):
    top = _as(seeded, Clearance.CONFIDENTIAL)
    assert sorted(_ids(search.search(top, "值班"))) == [("document", 3), ("incoming", 1)]
    assert sorted(_ids(search.search(top, "续报"))) == [
        ("document", 3), ("incoming", 2), ("minutes", 5)]
    # characters that are never neighbours do not match, nor across punctuation
    assert search.search(top, "值续").hits == []
    assert search.search(top, "值守").total == 2  # 值守，… and 加强值守。
    assert search.search(top, "守二").total == 0  # 值守。二、 — a full stop in between


def test_four_character_and_multi_term_queries(seeded):
    top = _as(seeded, Clearance.CONFIDENTIAL)
    assert _ids(search.search(top, "春节期间")) == [("incoming", 1)]
    assert _ids(search.search(top, "带班制度")) == [("incoming", 1)]
    assert search.search(top, "春节假期").hits == []  # every bigram must be consecutive
    assert _ids(search.search(top, "值班 续报")) == [("document", 3)]
    assert _ids(search.search(top, "防汛 函")) == [("incoming", 2)]


def test_extra_field_numbers_and_ascii(seeded):
    top = _as(seeded, Clearance.CONFIDENTIAL)
    res = search.search(top, "水函〔2026〕15号")
    assert _ids(res) == [("incoming", 2)]
    assert res.hits[0].snippet.marked() == "省水利厅 【水函】〔【2026】〕【15号】"  # extra matched
    assert _ids(search.search(top, "水函[2026]15号")) == [("incoming", 2)]
    assert sorted(_ids(search.search(top, "2026"))) == [
        ("document", 3), ("document", 4), ("incoming", 1), ("incoming", 2)]
    assert _ids(search.search(top, "２０２６年")) == [("document", 4)]  # full-width digits


def test_title_outranks_body(seeded):
    with seeded.session() as s, s.begin():
        search.index_record(s, "minutes", 6, 0, "续报制度", "无关正文。", "")
    res = search.search(_as(seeded, Clearance.CONFIDENTIAL), "续报")
    assert res.hits[0].record_id == 6
    assert [h.score for h in res.hits] == sorted((h.score for h in res.hits), reverse=True)


def test_snippets_highlight_the_query(seeded):
    res = search.search(_as(seeded, Clearance.INTERNAL), "续报")
    hit = next(h for h in res.hits if h.record_id == 2)
    assert [hit.snippet.text[s:e] for s, e in hit.snippet.spans] == ["续报"]
    assert "<b>续报</b>" in hit.snippet.html()
    title_hit = search.search(_as(seeded, Clearance.INTERNAL), "春节").hits[0]
    assert [title_hit.title.text[s:e] for s, e in title_hit.title.spans] == ["春节"]
    assert "春节" in title_hit.snippet.marked() and "【春节】" in title_hit.snippet.marked()


def test_clearance_filters_hits_and_counts(seeded):
    internal = search.search(_as(seeded, Clearance.INTERNAL), "值班")
    assert _ids(internal) == [("incoming", 1)]
    assert internal.counts == {"incoming": 1} and internal.total == 1
    assert "机密" not in "".join(h.snippet.text + h.title.text for h in internal.hits)
    public = search.search(_as(seeded, Clearance.PUBLIC), "续报")
    assert _ids(public) == [("minutes", 5)] and public.counts == {"minutes": 1}
    top = search.search(_as(seeded, Clearance.CONFIDENTIAL), "值班")
    assert top.counts == {"incoming": 1, "document": 1}


def test_kinds_filter_keeps_all_counts_and_pages(seeded):
    top = _as(seeded, Clearance.CONFIDENTIAL)
    res = search.search(top, "续报", kinds=["minutes", "incoming"])
    assert sorted(_ids(res)) == [("incoming", 2), ("minutes", 5)]
    assert res.total == 2 and res.counts == {"incoming": 1, "document": 1, "minutes": 1}
    page1 = search.search(top, "续报", limit=2)
    page2 = search.search(top, "续报", limit=2, offset=2)
    assert len(page1.hits) == 2 and len(page2.hits) == 1
    assert set(_ids(page1)) | set(_ids(page2)) == {("document", 3), ("incoming", 2), ("minutes", 5)}


def test_reindex_replaces_and_remove_drops(seeded):
    top = _as(seeded, Clearance.CONFIDENTIAL)
    with seeded.session() as s, s.begin():
        search.index_record(s, "incoming", 1, 3, "关于元旦安排的通知", "元旦放假一天。", "")
    assert search.search(top, "春节").hits == []
    assert _ids(search.search(top, "元旦")) == [("incoming", 1)]
    assert search.search(_as(seeded, Clearance.SECRET), "元旦").hits == []  # now 机密
    with seeded.session() as s, s.begin():
        search.remove_record(s, "incoming", 1)
        search.remove_record(s, "incoming", 999)  # nothing indexed: no error
    assert search.search(top, "元旦").hits == []
    with Session(seeded.engine) as s:
        assert s.scalar(select(func.count()).select_from(SearchEntry)) == len(DOCS) - 1


def test_index_rolls_back_with_the_callers_transaction(seeded):
    with pytest.raises(RuntimeError), seeded.session() as s, s.begin():
        search.index_record(s, "incident", 9, 0, "山体滑坡", "滑坡", "")
        raise RuntimeError("the record's own write failed")
    assert search.search(_as(seeded, Clearance.CONFIDENTIAL), "滑坡").hits == []


def test_new_kind_gets_a_code(seeded):
    with seeded.session() as s, s.begin():
        search.index_record(s, "circular", 1, 0, "传阅件", "传阅", "")
    res = search.search(_as(seeded, Clearance.PUBLIC), "传阅")
    assert res.counts == {"circular": 1} and res.hits[0].kind_label == "circular"


def test_broad_query_ranks_the_newest_window_and_pages_past_it(seeded, monkeypatch):
    with seeded.session() as s, s.begin():
        search.index_record(s, "minutes", 6, 0, "续报制度", "无关正文。", "")  # newest, in title
    top = _as(seeded, Clearance.CONFIDENTIAL)
    full = search.search(top, "续报")
    assert full.ranked and full.total == 4
    monkeypatch.setattr(search, "RANK_LIMIT", 2)
    res = search.search(top, "续报")
    assert not res.ranked
    # counts cover the window of the 2 newest hits (lower bounds), scoring too ...
    assert res.counts == {"minutes": 2} and res.total == 2
    assert _ids(res)[:2] == [("minutes", 6), ("minutes", 5)]
    # ... then the older hits, newest first, and paging walks through all of them exactly once
    assert _ids(res)[2:] == [("document", 3), ("incoming", 2)]
    pages = [_ids(search.search(top, "续报", limit=1, offset=o)) for o in range(5)]
    assert pages == [[("minutes", 6)], [("minutes", 5)], [("document", 3)], [("incoming", 2)], []]
    only = search.search(top, "续报", kinds=["incoming", "document"])
    assert _ids(only) == [("document", 3), ("incoming", 2)] and only.counts == {"minutes": 2}
    assert only.total == 2


def test_empty_query_and_permission(seeded):
    assert search.search(_as(seeded, Clearance.PUBLIC), " ，。 ").hits == []
    with pytest.raises(PermissionDenied):
        search.search(seeded, "值班")  # nobody signed in


def test_long_words_and_long_bodies_index_on_every_backend(seeded):
    blob = "x9" * 3000
    body = "开头" + "甲乙丙丁" * 6000 + "结尾续报"  # 24 000 characters
    with seeded.session() as s, s.begin():
        search.index_record(s, "document", 50, 0, "长文", f"{blob} {body}", "")
    top = _as(seeded, Clearance.PUBLIC)
    assert _ids(search.search(top, blob)) == [("document", 50)]
    assert _ids(search.search(top, "开头甲乙")) == [("document", 50)]
    assert ("document", 50) in _ids(search.search(top, "结尾"))


@pytest.mark.parametrize("query", ["防汛", "防汛工作"])  # a token (bm25) and a phrase
def test_ranking_title_then_extra_then_body_then_occurrences_then_newest(ctx, query):
    with ctx.session() as s, s.begin():
        search.index_record(s, "document", 1, 0, "无关", "防汛工作一次。", "")  # body once, oldest
        search.index_record(s, "document", 2, 0, "无关", "防汛工作一次。", "")  # a tie, newer
        search.index_record(s, "document", 3, 0, "无关", "防汛工作防汛工作，再说防汛工作。", "")
        search.index_record(s, "document", 4, 0, "无关", "正文。", "水利局 防汛工作函")  # extra
        search.index_record(s, "document", 5, 0, "防汛工作通知", "正文。", "")  # title
        search.index_record(s, "document", 6, 0, "防 汛", "防，汛工作。", "")  # not neighbours
    res = search.search(_as(ctx, Clearance.PUBLIC), query)
    assert [h.record_id for h in res.hits] == [5, 4, 3, 2, 1]
    assert res.hits[0].score > res.hits[1].score > res.hits[2].score > res.hits[3].score
    assert res.hits[3].score == res.hits[4].score  # same text: the newer entry first


@pytest.fixture
def tiny_blocks(monkeypatch):
    """One id per PostgreSQL ``tsv_bucket`` block and a first step of one block, so a handful of
    entries spans several doubling steps (SQLite ignores the blocks: same results expected)."""
    from app.storage import fulltext

    monkeypatch.setattr(fulltext, "BUCKET_SHIFT", 0)
    monkeypatch.setattr(fulltext, "BUCKET_FIRST_STEP", 1)


def test_window_and_paging_across_many_index_blocks(ctx, tiny_blocks, monkeypatch):
    with ctx.session() as s, s.begin():
        for i in range(1, 41):  # every 4th entry mentions 续报, 1–10 times; entry 1 is 机密
            body = "续报" * (i // 4) if i % 4 == 0 else "值班记录。"
            search.index_record(s, "duty_log", i, 3 if i == 1 else 0, f"记录{i}",
                                body + ("值班续报" if i == 1 else ""), "")
    top, low = _as(ctx, Clearance.CONFIDENTIAL), _as(ctx, Clearance.INTERNAL)
    assert _ids(search.search(top, "班续")) == [("duty_log", 1)]  # only in the oldest block
    assert search.search(low, "班续").hits == []
    res = search.search(low, "续报")
    assert res.ranked and res.total == 10 and res.counts == {"duty_log": 10}
    assert [h.record_id for h in res.hits] == [40, 36, 32, 28, 24, 20, 16, 12, 8, 4]
    monkeypatch.setattr(search, "RANK_LIMIT", 3)  # broad: newest 3 ranked, then older ones
    res = search.search(low, "续报", limit=4)
    assert not res.ranked and res.total == 3
    assert [h.record_id for h in res.hits] == [40, 36, 32, 28]
    pages = [h.record_id for o in range(0, 12, 2)
             for h in search.search(low, "续报", limit=2, offset=o).hits]
    assert pages == [40, 36, 32, 28, 24, 20, 16, 12, 8, 4]
    assert [h.record_id for h in search.search(low, "值班").hits][:3] == [39, 38, 37]


def test_bucket_steps_cover_every_block_once_and_adapt_to_hits():
    from app.storage import fulltext

    steps = fulltext.BucketSteps(40 << fulltext.BUCKET_SHIFT)
    assert steps.take() == [40, 39]
    steps.found(2, 0, 100)  # nothing yet: the next step doubles
    assert steps.take() == [38, 37, 36, 35]
    steps.found(4, 40, 60)  # 10 hits a block, 60 missing: about 6 × 1.25 blocks
    assert steps.take() == [34, 33, 32, 31, 30, 29, 28, 27]
    steps.found(8, 1, 59)  # sparse: grows, at most twofold
    got = steps.take()
    assert got == list(range(26, 10, -1))  # 16 wide (BUCKET_MAX_STEP)
    steps.found(16, 0, 59)
    assert steps.take() == list(range(10, -1, -1))  # block 0 is the last
    assert steps.take() == []
    assert fulltext.BucketSteps(5000, below=1024 * 3).take() == [2, 1]
    lone = fulltext.BucketSteps(0)
    assert lone.take() == [0] and lone.take() == []


def _broad_office(ctx):
    """25 公文 (5 of them 机密), then 8 收文 and 12 值班日志 indexed later (newer ids), all with
    安全生产 in the body; 3 duty logs without it."""
    with ctx.session() as s, s.begin():
        for i in range(1, 26):
            search.index_record(s, "document", i, 3 if i % 5 == 0 else 1, f"通知{i}",
                                f"关于安全生产工作的第{i}项要求。", "")
        for i in range(1, 9):
            search.index_record(s, "incoming", i, 0, f"来文{i}", f"请报送安全生产情况（{i}）。")
        for i in range(1, 16):
            body = f"值班记录{i}：检查安全生产。" if i <= 12 else f"值班记录{i}：一切正常。"
            search.index_record(s, "duty_log", i, 1, f"日志{i}", body)
    return ctx


def test_counts_are_true_counts_per_kind_not_the_newest_windows(ctx, monkeypatch):
    office = _broad_office(ctx)
    clerk = _as(office, Clearance.INTERNAL)
    monkeypatch.setattr(search, "RANK_LIMIT", 10)  # the window holds only the newest 10 hits
    res = search.search(clerk, "安全生产")
    assert not res.ranked and not res.counts_exact
    assert "document" not in res.counts  # the window alone misses the 公文 (issue 30)
    counts = search.count_hits(clerk, "安全生产")
    assert counts.counts == {"document": 20, "incoming": 8, "duty_log": 12}
    assert counts.exact and counts.total == 40 and counts.label("document") == "20"
    # read back from the rows themselves: every kind with a visible hit, each exactly
    with office.session() as s:
        rows = s.execute(select(SearchEntry.kind, func.count()).where(
            SearchEntry.body.contains("安全生产"), SearchEntry.classification <= 1)
            .group_by(SearchEntry.kind)).all()
    assert dict(rows) == counts.counts
    # clearance: 机密 公文 are counted only for those cleared for them; 公开 sees only 收文
    top = search.count_hits(_as(office, Clearance.CONFIDENTIAL), "安全生产")
    assert top.counts["document"] == 25
    assert search.count_hits(_as(office, Clearance.PUBLIC), "安全生产").counts == {"incoming": 8}
    assert search.count_hits(clerk, "没有这个词").counts == {}
    assert search.count_hits(clerk, "  ").counts == {}


def test_counts_at_the_cap_say_at_least(ctx):
    office = _broad_office(ctx)
    clerk = _as(office, Clearance.INTERNAL)
    at = search.count_hits(clerk, "安全生产", cap=12)
    assert at.counts == {"document": 12, "incoming": 8, "duty_log": 12}
    assert at.capped == {"document"}  # 20 > 12; exactly 12 duty logs is not past the cap
    assert at.label("document") == "至少 12" and at.label("duty_log") == "12"
    assert at.total_label() == "至少 32" and not at.exact
    assert search.count_hits(clerk, "安全生产", cap=20).exact


def test_counts_need_view_permission(ctx):
    with pytest.raises(PermissionDenied):
        search.count_hits(ctx.with_actor(None), "值班")
