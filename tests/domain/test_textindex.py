"""Tokens and highlighting of the full-text index (pure)."""

from __future__ import annotations

from app.domain.textindex import (
    bigrams,
    field_tokens,
    match_spans,
    parse_query,
    positioned_lexemes,
    runs,
    snippet,
)


def test_runs_split_on_punctuation_and_keep_ascii_words_whole():
    assert runs("值班、续报 GB/T9704—２０２６年") == [
        ["值", "班"], ["续", "报"], ["gb"], ["t9704"], ["2026", "年"]]


def test_field_tokens_units_and_bigrams_never_cross_a_separator():
    t = field_tokens("值班。续报")
    assert t.units.split() == ["值", "班", "续", "报"]
    assert t.bigrams.split() == ["值班", "续报"]
    assert "班续" not in t.bigrams.split()
    assert bigrams(["a"]) == []


def test_query_terms_one_unit_or_bigram_phrase():
    terms = parse_query("值班 续 值班 春节期间")
    assert [t.text for t in terms] == ["值班", "续", "春节期间"]
    assert terms[1].is_unit and terms[1].grams == ["续"]
    assert terms[2].grams == ["春节", "节期", "期间"]


def test_positioned_lexemes_share_positions_and_gap_between_runs():
    lex, nxt = positioned_lexemes("值班，续报")
    assert lex["值"] == [1] and lex["值班"] == [1] and lex["班"] == [2]
    assert lex["续"] == [4] and lex["续报"] == [4]
    assert nxt == 7


def test_match_spans_map_back_to_original_offsets_through_nfkc():
    text = "见ＧＢ／Ｔ　９７０４和GBT"
    spans = match_spans(text, parse_query("gb 9704"))
    assert [text[s:e] for s, e in spans] == ["ＧＢ", "９７０４"]  # not the GB inside GBT


def test_snippet_centres_on_matches_and_marks_them():
    body = "甲" * 200 + "请各单位做好值班工作，及时续报。" + "乙" * 200
    sn = snippet(body, parse_query("值班 续报"), width=40)
    assert sn.clipped_start and sn.clipped_end
    assert [sn.text[s:e] for s, e in sn.spans] == ["值班", "续报"]
    assert "<b>值班</b>" in sn.html() and "【续报】" in sn.marked()


def test_snippet_without_match_is_the_start():
    sn = snippet("一二三四五", parse_query("六"), width=3)
    assert sn.text == "一二三" and sn.spans == () and sn.clipped_end


def test_very_long_ascii_runs_are_cut_alike_in_text_and_query():
    blob = "a" * 5000
    assert runs(blob) == [["a" * 40]]
    assert parse_query(blob)[0].units == ("a" * 40,)


def test_rank_score_weighs_fields_and_occurrences():
    from app.domain.textindex import occurrences, rank_score

    flood, gb = parse_query("防汛"), parse_query("gb")
    assert occurrences("防汛防汛，再说防汛。", flood[0]) == 3
    assert occurrences("GB/T 9704、gbt、ＧＢ", gb[0]) == 2  # whole words, full-width folded
    title = rank_score("防汛通知", "", "", flood)
    extra = rank_score("", "防汛函 防汛", "防汛" * 50, flood)  # extra ×2 plus body ×50
    body3, body1 = rank_score("", "", "防汛，防汛，防汛", flood), rank_score("", "", "防汛", flood)
    assert title > extra > body3 > body1 > 0 == rank_score("无关", "无关", "无关", flood)
    both = rank_score("", "", "防汛 gb", flood + gb)
    assert both > body1  # every term adds
