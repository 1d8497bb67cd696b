"""The shipped models on the held-out utterances, and the analyze command's format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arrears.conversation import analyze_one, training
from arrears.conversation.models import MODEL_DIR

HELDOUT = training.DEFAULT_DATA / "collection_calls" / "heldout.tsv"


@pytest.fixture(scope="module")
def report() -> dict:
    examples = training.read_examples(HELDOUT)
    return training.evaluate_examples(examples, lambda t, s: analyze_one(t, speaker=s))


class TestHeldOutBars:
    def test_collector_violations_are_flagged_precisely(self, report) -> None:
        s = report["all"]["any_violation"]
        assert s["recall"] >= 0.9 and s["precision"] >= 0.9, s

    @pytest.mark.parametrize("signal", ["hardship", "dispute", "cease_request", "anger"])
    def test_customer_signals(self, report, signal) -> None:
        assert report["all"][signal]["f1"] >= 0.8, report["all"][signal]

    @pytest.mark.parametrize("lang", ["zh-CN", "zh-TW", "en"])
    def test_every_language_is_covered(self, report, lang) -> None:
        assert report[lang]["any_violation"]["support"] >= 20
        assert report[lang]["any_violation"]["precision"] >= 0.9


def test_shipped_models_are_small() -> None:
    sizes = [p.stat().st_size for p in MODEL_DIR.glob("*.json.gz")]
    assert len(sizes) == 4 and max(sizes) < 3 * 1024 * 1024


def test_heldout_lines_never_appear_in_training() -> None:
    train = {ex.text for f in training.training_files(training.DEFAULT_DATA)
             for ex in training.read_examples(f)}
    assert not train & {ex.text for ex in training.read_examples(HELDOUT)}


def test_analyze_command_writes_one_result_a_line_in_order(tmp_path: Path) -> None:
    from arrears.entrypoints.cli import app

    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "a", "speaker": "collector", "text": "我们不会起诉你"}),
        "{not json",
        json.dumps({"id": "c", "speaker": "customer", "text": "Stop calling me",
                    "case_id": 7}),
        json.dumps({"id": "d", "speaker": "robot", "text": "hi"}),
        json.dumps({"id": "e", "speaker": "collector", "text": "再不还就打断你的腿"}),
    ]) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["conversation", "analyze", str(src)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in res.output.splitlines()]
    assert [r["id"] for r in rows] == ["a", None, "c", "d", "e"]
    assert rows[0]["violations"] == [] and rows[0]["emotion"]["label"]
    assert "error" in rows[1] and rows[3]["error"]["field"] == "speaker"
    assert rows[2]["signals"] == ["cease_request"] and rows[2]["case_id"] == 7
    assert rows[2]["suggestion"]["action"] == "compliance_hold"
    (v,) = rows[4]["violations"]
    assert v["category"] == "threat" and "再不还就打断你的腿"[v["start"]:v["end"]] == v["evidence"]
