"""Message templates judged by their words as well as by what they declare."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arrears.adapters.db.base import unit_of_work
from arrears.entrypoints.cli import app as cli
from arrears.services import compliance as svc
from arrears.services.outbox import load_templates
from tests.integration.strategy_factory import add_case

NOON = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
THREAT = "【示例】再不还钱我们就上门找你，后果自负。回复TD退订"
BORROW = "【示例】您可以先从网贷平台借钱来还我们。回复TD退订"
LEGAL = "We may take legal action to recover this debt. Reply STOP to opt out."
PLAIN = "Your account is past due. Call us to agree a plan. Reply STOP to opt out."


def sms_decision(app, case_id: int, template: Any) -> svc.ContactDecision:  # type: ignore[no-untyped-def]
    with unit_of_work(app.session_factory) as s:
        return svc.decide_contact(s, app=app, customer_id="W", case_id=case_id, channel="sms",
                                  party="self", contact_id="W-phone", at=NOON,
                                  actor_user_id=None, agency_id=None, template=template)


@pytest.mark.parametrize("text, what", [(THREAT, "threat"), (BORROW, "borrow elsewhere")])
def test_a_template_whose_words_break_the_rules_is_blocked(app, text: str, what: str) -> None:  # type: ignore[no-untyped-def]
    case_id = add_case(app, customer_id="W", dpd=12, bucket="M1", overdue="100.00",
                       opened=date(2026, 3, 1))
    declared_clean = {"id": "T9", "has_opt_out": True, "mentions_legal_action": False,
                      "asks_to_borrow": False, "permitted_notice": None}
    assert sms_decision(app, case_id, declared_clean).allowed
    blocked = sms_decision(app, case_id, {**declared_clean, "text": text})
    assert blocked.rules == ["cn.prohibited_conduct"]
    assert "T9" in blocked.explanation and what in blocked.explanation


def test_catalogue_templates_are_judged_by_their_own_words(app) -> None:  # type: ignore[no-untyped-def]
    case_id = add_case(app, customer_id="W", dpd=12, bucket="M1", overdue="100.00",
                       opened=date(2026, 3, 1))
    for template_id, entry in load_templates().items():
        if "sms" in entry:
            assert sms_decision(app, case_id, template_id).allowed, template_id


def evaluate(pack: str, scenarios: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    file = tmp_path / "scenarios.jsonl"
    file.write_text("\n".join(json.dumps(s) for s in scenarios) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["compliance", "evaluate", "--pack", pack, str(file)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def us_sms(sid: str, text: str, flags: list[str]) -> dict[str, Any]:
    return {"id": sid, "attempt": {
        "at": "2026-11-26T10:00:00-05:00", "channel": "sms", "party": "self",
        "contact_id": "K1", "contact_value": "+12125551234", "debt_id": "L1",
        "template": {"id": sid, "has_opt_out": True, "mentions_legal_action": False,
                     "asks_to_borrow": False, "permitted_notice": None, "text": text}},
        "customer": {"country": "US", "flags": flags}, "history": []}


def test_evaluate_reads_the_words_of_a_template(tmp_path: Path) -> None:
    out = evaluate("us", [us_sms("legal-barred", LEGAL, ["time_barred"]),
                          us_sms("legal", LEGAL, []),
                          us_sms("plain-barred", PLAIN, ["time_barred"]),
                          us_sms("threat", "Pay today or we will hurt you. Reply STOP.", [])],
                   tmp_path)
    by_id = {o["id"]: o for o in out}
    assert by_id["legal-barred"]["rules"] == ["us.time_barred"]
    assert by_id["legal"]["decision"] == "allow"
    assert by_id["plain-barred"]["decision"] == "allow"
    assert by_id["threat"]["rules"] == ["us.prohibited_conduct"]
