"""Short notes are judged by the exact rules only: a model does not guess from two words."""

from __future__ import annotations

import pytest

from arrears.conversation import analyze_one


@pytest.mark.parametrize("text", ["will pay", "我会还", "ok", "paid"])
def test_a_short_harmless_note_is_not_flagged(text: str) -> None:
    assert analyze_one(text, speaker="collector").violations == ()


@pytest.mark.parametrize("text,category", [("我是警察", "impersonation"),
                                           ("去借网贷还", "borrow_to_pay")])
def test_a_short_note_with_a_rule_match_is_still_flagged(text: str, category: str) -> None:
    found = {v["category"] for v in analyze_one(text, speaker="collector").violations}
    assert category in found
