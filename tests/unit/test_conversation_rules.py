"""Lexicon rules: prohibited collector conduct and customer signals, with negation."""

from __future__ import annotations

import pytest

from arrears.conversation import InvalidUtterance, analyze_one


def categories(text: str) -> set[str]:
    return {v.category for v in analyze_one(text, speaker="collector").violations}


def signals(text: str) -> set[str]:
    return set(analyze_one(text, speaker="customer").signals)


class TestCollectorViolations:
    @pytest.mark.parametrize("text, category", [
        ("你再不还钱我就打断你的腿", "threat"),
        ("If you do not pay we will break your legs", "threat"),
        ("我是市公安局经侦大队的", "impersonation"),
        ("This is Officer Smith from the county sheriff", "impersonation"),
        ("你老公欠我们两万块钱不还", "third_party_disclosure"),
        ("Your husband owes us 3000 dollars", "third_party_disclosure"),
        ("去找你朋友借点钱先还上", "borrow_to_pay"),
        ("Why not borrow the money from your parents?", "borrow_to_pay"),
        ("你就是个老赖，不要脸", "insult"),
        ("You are a worthless deadbeat", "insult"),
        ("再不还就让你孩子上不了学，全家上黑名单", "false_consequence"),
        ("我们会天天打电话给你家人直到你还为止", "harassment"),
        ("你這個騙子，再不還錢就讓你坐牢", "false_consequence"),
    ])
    def test_flags_the_category(self, text: str, category: str) -> None:
        assert category in categories(text)

    @pytest.mark.parametrize("text", [
        "我们不会起诉你，请放心",
        "我們不會起訴你",
        "We will not sue you, we just want to help",
        "您好，我是XX消费金融的客服，请问是张先生本人吗？",
        "您的贷款已经逾期十五天，请问什么时候方便还款？",
        "Hello, this is Anna from Lakeside Finance, am I speaking with Mr Brown?",
        "We can set up a payment plan that fits your budget.",
    ])
    def test_lawful_speech_is_not_flagged(self, text: str) -> None:
        assert categories(text) == set()

    def test_evidence_points_into_the_original_text(self) -> None:
        text = "先生，你再不還錢我就打斷你的腿"
        (v,) = analyze_one(text, speaker="collector").violations
        assert text[v.start:v.end] == v.evidence and v.category == "threat"


class TestCustomerSignals:
    @pytest.mark.parametrize("text, signal", [
        ("我最近失业了，实在还不上", "hardship"),
        ("我最近失業了，實在還不上", "hardship"),
        ("I lost my job last month and my wife is in hospital", "hardship"),
        ("这不是我借的，我身份证被人冒用了", "dispute"),
        ("This is not my debt, I never took out this loan", "dispute"),
        ("别再给我打电话了，有事寄信给我", "cease_request"),
        ("Stop calling me. Put it in writing.", "cease_request"),
        ("你们烦不烦啊！！", "anger"),
        ("This is ridiculous, you people are leeches", "anger"),
    ])
    def test_detects_the_signal(self, text: str, signal: str) -> None:
        assert signal in signals(text)

    def test_suggestion_follows_the_language_and_script(self) -> None:
        tw = analyze_one("我最近失業了，實在還不上", speaker="customer")
        cn = analyze_one("我最近失业了，实在还不上", speaker="customer")
        en = analyze_one("I lost my job and can't afford it", speaker="customer")
        assert tw.language == "zh-TW" and "還款" in tw.suggestion.text
        assert cn.language == "zh-CN" and "还款" in cn.suggestion.text
        assert en.suggestion.action == "offer_plan" and "plan" in en.suggestion.text

    def test_customer_speech_is_not_checked_for_violations(self) -> None:
        assert analyze_one("我要打断你的腿", speaker="customer").violations == ()


def test_unknown_speaker_is_rejected() -> None:
    with pytest.raises(InvalidUtterance):
        analyze_one("hello", speaker="robot")
