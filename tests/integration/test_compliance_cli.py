"""``arrears compliance evaluate`` and ``arrears bench compliance`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from arrears.domain.compliance.kernel import compiled_kernel
from arrears.entrypoints.cli import app
from tests.conftest import IN_CI

SPEC_SCENARIO = {
    "id": "s1", "options": {"quiet_start": "21:00"},
    "attempt": {"at": "2026-11-28T21:05:00+08:00", "channel": "call", "party": "self",
                "contact_id": "K1", "contact_value": "+8613812345678", "debt_id": "L1",
                "initiated_by": "collector", "agency_id": None, "template": None,
                "mentions_debt": True, "collectors": 1},
    "customer": {"country": "CN", "timezone": None, "address_timezone": None,
                 "flags": ["unreachable"], "refused_contacts": ["K9"],
                 "consents": [{"kind": "call_time", "from": "22:00", "until": "23:00"}],
                 "breathing_space_until": None},
    "history": [{"at": "2026-11-28T10:00:00+08:00", "channel": "call", "party": "self",
                 "contact_id": "K1", "contact_value": "+8613812345678", "debt_id": "L1",
                 "result": "no_answer", "initiated_by": "collector", "agency_id": None}]}


def test_evaluate_decides_each_line_in_order_and_reports_bad_lines(tmp_path: Path) -> None:
    morning = json.loads(json.dumps(SPEC_SCENARIO))
    morning["id"], morning["attempt"]["at"] = "s2", "2026-11-28T09:00:00+08:00"
    broken = json.loads(json.dumps(SPEC_SCENARIO))
    broken["id"], broken["attempt"]["channel"] = "s3", "pigeon"
    lines = [json.dumps(SPEC_SCENARIO), json.dumps(broken), "{not json", json.dumps(morning)]
    file = tmp_path / "scenarios.jsonl"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["compliance", "evaluate", "--pack", "cn", str(file)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["s1", "s3", None, "s2"]
    assert out[0] | {"pack": None, "version": None} == {
        "id": "s1", "decision": "block", "rules": ["cn.quiet_hours"],
        "explanation": "21:05 Asia/Shanghai is inside quiet hours (21:00-08:00)",
        "local_time": "2026-11-28T21:05:00+08:00",
        "next_allowed_at": "2026-11-29T08:00:00+08:00", "pack": None, "version": None}
    assert out[1]["decision"] == "error" and out[1]["field"] == "attempt.channel"
    assert out[2]["decision"] == "error" and out[2]["field"] == "line"
    assert out[3]["decision"] == "allow"


def test_unknown_pack_is_refused() -> None:
    result = CliRunner().invoke(app, ["compliance", "evaluate", "--pack", "xx", "-"], input="")
    assert result.exit_code != 0


def test_bench_prints_its_figures_as_json() -> None:
    result = CliRunner().invoke(app, ["bench", "compliance", "--json", "--decisions", "200"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["decisions"] == 200 and figures["decisions_per_second"] > 0
    assert figures["seconds"] > 0 and figures["clock"] == "cpu"
    assert figures["engine_decisions_per_second"] > 0
    assert figures["jsonl_decisions_per_second"] > 0
    assert figures["compiled"] is (compiled_kernel() is not None)
    assert figures["compiled"] or not IN_CI  # CI measures what a lender installs


def test_each_pack_has_its_own_scenarios() -> None:
    for pack in ("us", "gb"):
        result = CliRunner().invoke(app, ["bench", "compliance", "--json", "--pack", pack,
                                          "--decisions", "300", "--rounds", "1"])
        assert result.exit_code == 0, result.output
        figures = json.loads(result.stdout)
        assert figures["pack"] == pack and figures["blocked"] > 0
        assert all(rule.startswith(f"{pack}.") for rule in figures["rules"])
