"""Contact compliance: policy packs (cn, us, gb), lender policy, and the pure decision engine.

``evaluate_scenario(pack, scenario)`` decides one scenario of the evaluation format
(``shared/spec/compliance.md``) and returns the decision as a JSON-ready dict;
``decide(rules, attempt, customer, history)`` is the engine underneath.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from arrears.domain.compliance.engine import decide, explain
from arrears.domain.compliance.model import Attempt, Consent, Customer, Decision, Hit, Template
from arrears.domain.compliance.packs import PACKS, OptionError, PackRules, get_pack, rules_for
from arrears.domain.compliance.parse import (
    ScenarioError,
    parse_attempt,
    parse_customer,
    parse_history,
)
from arrears.domain.compliance.zones import UnknownZone

__all__ = [
    "PACKS", "Attempt", "Consent", "Customer", "Decision", "Hit", "OptionError", "PackRules",
    "ScenarioError", "Template", "decide", "decision_json", "error_json", "evaluate_scenario",
    "explain", "get_pack", "rules_for",
]


def decision_json(scenario_id: Any, decision: Decision, locale: str = "en") -> dict[str, Any]:
    """A decision in the evaluation format."""
    return {
        "id": scenario_id,
        "decision": decision.decision,
        "rules": list(decision.rules),
        "explanation": explain(decision, locale),
        "local_time": decision.local_time.isoformat(),
        "next_allowed_at": (decision.next_allowed_at.isoformat()
                            if decision.next_allowed_at else None),
        "pack": decision.pack,
        "version": decision.version,
    }


def error_json(scenario_id: Any, field: str, reason: str) -> dict[str, Any]:
    """The answer to a malformed scenario: which field, and why."""
    return {"id": scenario_id, "decision": "error", "field": field, "reason": reason,
            "rules": [], "explanation": f"{field}: {reason}", "local_time": None,
            "next_allowed_at": None}


def evaluate_scenario(pack: str, scenario: Any, locale: str = "en") -> dict[str, Any]:
    """Decide one scenario (a parsed JSON object); malformed input gives an error answer."""
    if not isinstance(scenario, dict):
        return error_json(None, "scenario", "expected a JSON object")
    sid = scenario.get("id")
    try:
        try:
            rules = rules_for(pack, scenario.get("options"))
        except OptionError as exc:
            field = exc.option if exc.option == "pack" else f"options.{exc.option}"
            raise ScenarioError(field, exc.reason) from None
        attempt = parse_attempt(scenario.get("attempt"))
        customer = parse_customer(scenario.get("customer"), rules.country)
        since = (attempt.at.date() - timedelta(days=rules.history_days + 2)).isoformat()
        history = parse_history(scenario.get("history"), since)
        decision = decide(rules, attempt, customer, history)
    except ScenarioError as exc:
        return error_json(sid, exc.field, exc.reason)
    except UnknownZone as exc:
        return error_json(sid, "customer.timezone", str(exc))
    return decision_json(sid, decision, locale)
