"""公文校核: every rule with a case it must catch (and what its fix produces) and a case it must
leave alone; fixes applied one by one and all at once."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.proofread import (
    RULES,
    Options,
    apply_all_safe_fixes,
    apply_fix,
    blocks_signing,
    document_to_description,
    genre_of_title,
    proofread,
    summary,
)
from app.errors import InputError
from app.typeset.spec import parse_description

CLEAN = {
    "title": "关于做好节假日值班工作的通知",
    "doc_no": "×政办发〔2024〕12号",
    "to": "各区人民政府，市各委办局：",
    "secrecy": "秘密",
    "secrecy_term": "1年",
    "body": "一、总体要求\n各单位要高度重视，认真落实（具体见附件1）。\n（一）加强领导\n1.明确责任\n"
            "2.细化分工\n（二）严格值守\n二、工作要求\n请于2024年7月1日前报送，详见 https://a.gov.cn/x?a=1,2 ，"
            "共1,000人，8:30到岗，使用Word,Excel格式。",
    "attachments": ["值班表", "联系表"],
    "issuer": "临江市人民政府办公室",  # not ××市: an unfilled placeholder is an error now
    "date": "2024-07-01",
}


def _with(**changes):
    d = dict(CLEAN)
    for k, v in changes.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return d


def _hits(desc, rule, options=None):
    return [f for f in proofread(desc, options) if f.rule == rule]


def test_the_clean_document_has_no_findings():
    assert proofread(CLEAN) == []
    assert proofread(parse_description(CLEAN)) == []  # a parsed Document works as well


# (rule, changes, flagged text, field, field value after applying the fix; None = no fix)
POSITIVE = [
    ("punct.halfwidth", {"body": "各单位要高度重视,认真落实。"}, ",", "body", "各单位要高度重视，认真落实。"),
    ("punct.halfwidth", {"body": "有关要求如下:"}, ":", "body", "有关要求如下："),
    ("punct.halfwidth", {"body": "是否可行?请研究;"}, "?", "body", "是否可行？请研究;"),
    ("punct.halfwidth", {"body": "通知, 要求"}, ", ", "body", "通知，要求"),
    ("punct.halfwidth", {"body": "落实(具体见附件1)。"}, "(", "body", "落实（具体见附件1)。"),
    ("punct.halfwidth", {"body": "使用Word, 然后保存"}, ", ", "body", "使用Word，然后保存"),
    ("punct.halfwidth", {"body": "认真落实. 下一步"}, ". ", "body", "认真落实。下一步"),
    ("punct.halfwidth", {"body": "认真落实."}, ".", "body", "认真落实。"),
    ("punct.quotes", {"body": "坚决纠正\"四风\"问题"}, '"', "body", "坚决纠正“四风\"问题"),
    ("punct.duplicated", {"body": "认真落实，，确保安全。"}, "，", "body", "认真落实，确保安全。"),
    ("pair.unbalanced", {"body": "根据《通知（试行》要求"}, "（", "body", None),
    ("pair.unbalanced", {"body": "他说：“立即上报。"}, "“", "body", None),
    ("pair.unbalanced", {"body": "立即上报）。"}, "）", "body", None),
    ("space.cjk", {"body": "各单位 要高度重视"}, " ", "body", "各单位要高度重视"),
    ("space.cjk", {"title": "关于做好值班工作的　通知"}, "\u3000", "title", "关于做好值班工作的通知"),
    ("digit.fullwidth", {"body": "共１２人值班"}, "１２", "body", "共12人值班"),
    ("word.duplicated", {"body": "做好节日的的值班"}, "的", "body", "做好节日的值班"),
    ("word.duplicated", {"body": "做好节日的 的值班"}, " 的", "body", "做好节日的值班"),
    ("word.duplicated", {"body": "工作完成了了。"}, "了", "body", "工作完成了。"),
    ("word.duplicated", {"body": "我们我们要做好"}, "我们", "body", "我们要做好"),
    ("date.format", {"body": "于二〇二四年七月一日起施行"}, "二〇二四年七月一日", "body", "于2024年7月1日起施行"),
    ("date.format", {"body": "于二○二四年十二月三十一日前"}, "二○二四年十二月三十一日", "body", "于2024年12月31日前"),
    ("date.format", {"body": "于2024年07月01日起施行"}, "2024年07月01日", "body", "于2024年7月1日起施行"),
    ("docno.brackets", {"doc_no": "×政办发【2024】12号"}, "×政办发【2024】12号", "doc_no", "×政办发〔2024〕12号"),
    ("docno.brackets", {"doc_no": "×政办发[2024]12号"}, "×政办发[2024]12号", "doc_no", "×政办发〔2024〕12号"),
    ("docno.brackets", {"doc_no": "×政办发（2024）12号"}, "×政办发（2024）12号", "doc_no", "×政办发〔2024〕12号"),
    ("docno.brackets", {"body": "根据国办发(2023)5号文件"}, "(2023)5号", "body", "根据国办发〔2023〕5号文件"),
    ("docno.format", {"doc_no": "×政办发〔2024〕012号"}, "×政办发〔2024〕012号", "doc_no", "×政办发〔2024〕12号"),
    ("docno.format", {"doc_no": "×政办发〔2024〕第12号"}, "×政办发〔2024〕第12号", "doc_no", "×政办发〔2024〕12号"),
    ("docno.format", {"doc_no": "×政办发〔2024〕12"}, "×政办发〔2024〕12", "doc_no", "×政办发〔2024〕12号"),
    ("docno.format", {"doc_no": "十二号文"}, "十二号文", "doc_no", None),
    ("heading.sequence", {"body": "一、总体要求\n三、工作要求"}, "三", "body", "一、总体要求\n二、工作要求"),
    ("heading.sequence", {"body": "一、甲\n（一）子\n二、乙\n（二）子"}, "二", "body", "一、甲\n（一）子\n二、乙\n（一）子"),
    ("heading.sequence", {"body": "1.明确责任\n3.细化分工"}, "3", "body", "1.明确责任\n2.细化分工"),
    ("heading.marker", {"body": "一.总体要求"}, ".", "body", "一、总体要求"),
    ("heading.marker", {"body": "1、明确责任"}, "、", "body", "1.明确责任"),
    ("heading.marker", {"body": "（一）、加强领导"}, "、", "body", "（一）加强领导"),
    ("attachment.mismatch", {"body": "详见附件3。"}, "附件3", "body", None),
    ("attachment.mismatch", {"body": "正文。\n附件：1.值班表\n2.通讯录"}, "附件：1.值班表", "body", None),
    ("attachment.mismatch", {"body": "具体名单见附件。", "attachments": None}, "附件", "body", None),
    ("attachment.name", {"attachments": ["1.值班表", "联系表"]}, "1.", "attachments[0]", "值班表"),
    ("attachment.name", {"attachments": ["值班表。", "联系表"]}, "。", "attachments[0]", "值班表"),
    ("to.colon", {"to": "各区人民政府"}, "", "to", "各区人民政府："),
    ("to.colon", {"to": "各区人民政府:"}, ":", "to", "各区人民政府："),
    ("to.colon", {"to": "各区人民政府，"}, "，", "to", "各区人民政府："),
    ("secrecy.term", {"secrecy_term": None}, "", "secrecy_term", None),
    ("secrecy.term", {"secrecy_term": "一年"}, "一年", "secrecy_term", "1年"),
    ("secrecy.term", {"secrecy_term": "11年"}, "11年", "secrecy_term", None),
    ("secrecy.term", {"secrecy": "秘密★1年", "secrecy_term": None}, "秘密★1年", "secrecy", None),
    ("secrecy.term", {"secrecy": None}, "1年", "secrecy_term", None),
    ("title.genre", {"title": "关于做好节假日值班工作"}, "关于做好节假日值班工作", "title", None),
    ("title.genre", {"title": "关于增加值班经费的请示报告"}, "请示报告", "title", None),
    ("title.punct", {"title": "关于做好节假日值班工作的通知。"}, "。", "title", "关于做好节假日值班工作的通知"),
    ("request.ending", {"title": "关于增加值班经费的请示", "body": "现将有关情况请示如下。"}, "",
     "body", "现将有关情况请示如下。\n妥否，请批示。"),
    ("report.request", {"title": "关于值班情况的报告", "body": "值班平稳。妥否，请批示。"}, "妥否，请批示",
     "body", None),
    ("date.field", {"date": "2024-7-1"}, "2024-7-1", "date", "2024-07-01"),
    ("date.field", {"date": "2024年7月1日"}, "2024年7月1日", "date", "2024-07-01"),
    ("date.field", {"date": "二〇二四年七月一日"}, "二〇二四年七月一日", "date", "2024-07-01"),
    ("date.field", {"print_date": "2024/12/31"}, "2024/12/31", "print_date", "2024-12-31"),
    ("date.field", {"date": "2024-02-30"}, "2024-02-30", "date", None),
    ("date.field", {"print_date": "2024-06-30"}, "2024-06-30", "print_date", None),
    ("placeholder", {"note": "联系人：×××，联系电话：12345678"}, "×××", "note", None),
    ("placeholder", {"body": "请于XX月XX日前报送。"}, "XX", "body", None),
    ("placeholder", {"body": "总值班室电话：（值班电话）。"}, "（值班电话）", "body", None),
    ("placeholder", {"body": "依据（…）办理，第__期。"}, "（…）", "body", None),
    ("placeholder", {"body": "第__期。"}, "__", "body", None),
    ("placeholder", {"doc_no": "×政办发〔2024〕XX号"}, "XX", "doc_no", None),
    ("signer.missing", {"title": "关于增加值班经费的请示", "body": "妥否，请批示。"}, "", "signers",
     None),
]


@pytest.mark.parametrize("rule, changes, flagged, field, fixed", POSITIVE,
                         ids=[f"{p[0]}-{i}" for i, p in enumerate(POSITIVE)])
def test_rule_catches_and_fixes(rule, changes, flagged, field, fixed):
    desc = _with(**changes)
    hits = [f for f in _hits(desc, rule) if f.field == field and f.text == flagged]
    assert hits, f"{rule} missed {flagged!r}: {proofread(desc)}"
    f = hits[0]
    assert f.message and f.severity in ("error", "warning", "info") and f.rule in RULES
    value = desc.get(field.split("[")[0]) or ""
    text = value if isinstance(value, str) else value[int(field.split("[")[1][:-1])]
    assert text[f.offset:f.offset + f.length] == flagged
    if fixed is None:
        assert f.fix is None
        with pytest.raises(InputError):
            apply_fix(desc, f)
    else:
        new = apply_fix(desc, f)
        got = new[field.split("[")[0]]
        got = got if isinstance(got, str) else got[int(field.split("[")[1][:-1])]
        assert got == fixed
        assert desc == _with(**changes)  # the input is not modified


NEGATIVE = [
    ("punct.halfwidth", {"body": "共1,000人，8:30到岗，比例1:1000。"}),
    ("punct.halfwidth", {"body": "登录 https://www.gov.cn/a?b=1,2;c=3 查看，或发邮件至 duty@gov.cn。"}),
    ("punct.halfwidth", {"body": "使用Word,Excel和f(x)函数。"}),
    ("punct.halfwidth", {"body": "一.总体要求\n1.明确责任，增长3.5%，见Word.附件1.值班表"}),
    ("punct.halfwidth", {"doc_no": "×政办发(2024)12号"}),  # its own rule, not this one
    ("punct.quotes", {"body": "命令为 say \"hi\" 即可"}),
    ("punct.duplicated", {"body": "等等……要求——如下。"}),
    ("pair.unbalanced", {"body": "根据《通知（试行）》和“规定”（2024年修订）执行。it’s ok"}),
    ("space.cjk", {"body": "使用 Word 文档，共 12 人。"}),
    ("space.cjk", {"issuer": "张 三", "signers": ["李  四"]}),  # names may be padded
    ("digit.fullwidth", {"body": "共12人。"}),
    ("word.duplicated", {"body": "为了了解情况，实现目的的手段，的的确确，不了了之。"}),
    ("word.duplicated", {"body": "一个一个落实，哈哈哈哈。"}),
    ("date.format", {"body": "于2024年7月1日至12月31日，每月10日前报送。"}),
    ("docno.brackets", {"body": "根据国办发〔2023〕5号文件和规划（2021—2025年）"}),
    ("docno.format", {"doc_no": "国办发〔2012〕14号"}),
    ("heading.sequence", {"body": "一、甲\n（一）子\n（二）子\n二、乙\n（一）子\n1.孙\n2.孙\n（1）曾\n三、丙\n1.直接三级"}),
    ("heading.marker", {"body": "一、甲\n（一）乙\n1.丙\n（1）丁\n3.5亿元已拨付"}),
    ("attachment.mismatch", {"body": "详见附件2。"}),
    ("attachment.mismatch", {"body": "无附件的正文。", "attachments": None}),
    ("attachment.name", {"attachments": ["2024年值班表", "附件一览表"]}),
    ("to.colon", {"to": "各区人民政府："}),
    ("to.colon", {"to": None}),
    ("secrecy.term", {"secrecy_term": "6个月"}),
    ("secrecy.term", {"secrecy": "绝密", "secrecy_term": "长期"}),
    ("secrecy.term", {"secrecy": None, "secrecy_term": None}),
    ("title.genre", {"title": "××市人民政府关于印发《值班办法》的通知"}),
    ("title.genre", {"title": "关于商请支持的函"}),
    ("title.punct", {"title": "关于做好节假日值班工作的通知"}),
    ("request.ending", {"title": "关于增加值班经费的请示", "body": "现将有关情况请示如下。\n当否，请批示。"}),
    ("request.ending", {"title": "关于增加值班经费的请示", "body": "以上请示，请予审批。"}),
    ("request.ending", {"title": "关于增加值班经费的请示", "body": "现将有关情况请示如下。\n特此请示。"}),
    ("request.ending", {"title": "关于值班工作的通知", "body": "请认真落实。"}),
    ("report.request", {"title": "关于值班情况的报告", "body": "值班平稳，特此报告。"}),
    ("date.field", {"date": "2024-07-01", "print_date": "2024-07-02"}),
    ("placeholder", {"body": "使用XXL码、WXX型号，访问 https://a.cn/__x__ ，×政办函（试行）。"}),
    ("placeholder", {"body": "报送联系人（姓名、电话）和单位名称。"}),
    ("signer.missing", {"title": "关于增加值班经费的请示", "body": "妥否，请批示。", "signers": ["王五"]}),
    ("signer.missing", {"title": "关于值班工作的通知"}),
]


@pytest.mark.parametrize("rule, changes", NEGATIVE, ids=[f"{n[0]}-{i}" for i, n in enumerate(NEGATIVE)])
def test_rule_leaves_correct_text_alone(rule, changes):
    assert _hits(_with(**changes), rule) == []


def test_every_rule_has_a_positive_and_a_negative_case():
    assert {p[0] for p in POSITIVE} == set(RULES) == {n[0] for n in NEGATIVE}


def test_secrecy_without_term_is_a_warning_by_default_and_an_error_by_policy():
    desc = _with(secrecy="机密", secrecy_term=None)
    (f,) = _hits(desc, "secrecy.term")
    assert f.severity == "warning" and "20年" in f.message
    (f,) = _hits(desc, "secrecy.term", Options(secrecy_term_required=True))
    assert f.severity == "error"


def test_title_genre_from_metadata_must_match_the_title():
    (f,) = _hits(CLEAN, "title.genre", Options(genre="通报"))
    assert f.severity == "error" and "通报" in f.message
    assert _hits(CLEAN, "title.genre", Options(genre="通知")) == []
    assert genre_of_title("国务院关于实施《…》的命令") == "命令" and genre_of_title("关于…的函。") == "函"


def test_request_phrase_is_offered_but_not_applied_by_fix_all():
    desc = _with(title="关于增加值班经费的请示", body=["现将有关情况请示如下。"])
    (f,) = _hits(desc, "request.ending")
    assert f.field == "body[0]" and f.fix is not None and not f.fix.safe
    fixed, _ = apply_all_safe_fixes(desc)
    assert fixed["body"] == ["现将有关情况请示如下。"]
    assert apply_fix(desc, f)["body"] == ["现将有关情况请示如下。\n妥否，请批示。"]


def test_findings_in_a_list_body_carry_item_path_and_paragraph_index():
    desc = _with(body=["一、甲", {"table": {"header": ["a"], "rows": [["1"]]}}, "第一段\n第二段,有误"])
    (f,) = _hits(desc, "punct.halfwidth")
    assert (f.field, f.paragraph, f.offset) == ("body[2]", 3, 7)
    assert parse_description(desc).body[f.paragraph].text == "第二段,有误"


def test_offsets_are_within_the_whole_field_string_for_a_string_body():
    desc = _with(body="第一段\n\n第二段,有误")
    (f,) = _hits(desc, "punct.halfwidth")
    assert (f.field, f.paragraph, f.offset) == ("body", 1, 8) and desc["body"][8] == ","


def test_fix_all_cleans_a_messy_draft_and_leaves_the_rest_reported():
    messy = {
        "title": "关于做好节假日值班工作的 通知。",
        "doc_no": "×政办发[2024]第012",
        "to": "各区人民政府:",
        "body": "一.总体要求\n各单位要高度重视,认真落实的的 的要求，，共１２人。\n"
                "于二〇二四年七月一日起施行\n三、其他",
        "attachments": ["1.值班表。"],
    }
    fixed, applied = apply_all_safe_fixes(messy)
    assert fixed == {
        "title": "关于做好节假日值班工作的通知",
        "doc_no": "×政办发〔2024〕12号",
        "to": "各区人民政府：",
        "body": "一、总体要求\n各单位要高度重视，认真落实的要求，共12人。\n于2024年7月1日起施行\n三、其他",
        "attachments": ["值班表"],
    }
    assert len(applied) >= 10
    left = proofread(fixed)
    assert [f.rule for f in left] == ["heading.sequence"]  # renumbering waits for a click


def test_a_stale_finding_is_refused_not_applied():
    desc = _with(body="各单位要高度重视,认真落实。")
    (f,) = _hits(desc, "punct.halfwidth")
    changed = dict(desc, body="插入文字。各单位要高度重视,认真落实。")
    with pytest.raises(InputError, match="重新校核"):
        apply_fix(changed, f)


def test_document_round_trip_keeps_what_the_proofreader_needs():
    doc = parse_description(dict(CLEAN, attachments=["值班表", {"name": "联系表", "body": "张三"}],
                                 cc=["市委办公室"]))
    d = document_to_description(doc)
    assert parse_description(d) == doc


def test_bad_input_is_a_user_error():
    with pytest.raises(InputError):
        proofread(["not", "a", "description"])


def test_a_request_with_a_placeholder_contact_and_no_signer_is_not_clean():
    desc = {"title": "关于增加值班经费的请示", "to": "市人民政府：",
            "body": "现将有关情况请示如下。\n妥否，请批示。", "note": "联系人：×××",
            "issuer": "临江市应急管理局", "date": "2026-12-01"}
    findings = proofread(desc)
    assert {f.rule for f in findings} == {"placeholder", "signer.missing"}
    assert blocks_signing(findings) and summary(findings) != "未发现问题"


def test_blocks_signing_and_summary():
    from app.domain.proofread import blocks_signing, summary
    assert not blocks_signing(proofread(CLEAN)) and summary([]) == "未发现问题"
    findings = proofread(_with(to="各区人民政府", body="认真落实,确保安全"))
    assert blocks_signing(findings)  # to.colon is an error
    assert summary(findings) == "1 个错误，1 个警告"


_ALPHABET = (list("的了我们通知附件一二三四五六七八九十〇年月日号发办政请示")
             + list(",.:;?!()[]【】〔〕（）“”\"'《》，。、；：  　\n0123456789０１２ab/")
             + ["http://x.cn/a,b", "国办发[2012]14号", "一、", "（一）", "1.", "附件：", "妥否，请批示"])
_TEXT = st.lists(st.sampled_from(_ALPHABET), max_size=30).map("".join)


@settings(max_examples=150, deadline=None)
@given(_TEXT, _TEXT, _TEXT, st.lists(_TEXT, max_size=3), st.sampled_from([None, "秘密", "机密★", "x"]))
def test_any_draft_gives_findings_that_point_at_their_text_and_fix_all_converges(
        title, to, body, attachments, secrecy):
    desc = {"title": title, "to": to, "body": body, "attachments": attachments, "doc_no": to}
    if secrecy:
        desc["secrecy"] = secrecy
    for f in proofread(desc):
        if f.fix is not None:
            apply_fix(desc, f)  # never stale on the text it came from
    fixed, _ = apply_all_safe_fixes(desc, max_passes=10)
    assert apply_all_safe_fixes(fixed, max_passes=10)[1] == []
