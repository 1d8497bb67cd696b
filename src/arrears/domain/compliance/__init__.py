"""Contact compliance: policy packs (cn, us, gb), lender policy, and the pure decision engine.

``evaluate_scenario(pack, scenario)`` decides one scenario of the evaluation format
(``shared/spec/compliance.md``) and returns the decision as a JSON-ready dict;
``decide(rules, attempt, customer, history)`` is the engine underneath.
"""

from __future__ import annotations

from typing import Any

import orjson
from phonenumbers import timezone as phone_tz

from arrears.domain.compliance import engine as _engine
from arrears.domain.compliance.engine import decide, decide_unread, explain, explain_hits
from arrears.domain.compliance.model import (
    BORROWER_PARTIES,
    Attempt,
    Consent,
    Customer,
    Decision,
    Hit,
    Template,
)
from arrears.domain.compliance.packs import PACKS, OptionError, PackRules, get_pack, rules_for
from arrears.domain.compliance.parse import (
    ScenarioError,
    history_floor,
    parse_attempt,
    parse_customer,
    parse_history,
    written_offset,
)
from arrears.domain.compliance.texts import message, render, separator
from arrears.domain.compliance.zones import UnknownZone, candidate_zones

__all__ = [
    "PACKS", "Attempt", "Consent", "Customer", "Decision", "Hit", "OptionError", "PackRules",
    "ScenarioError", "Template", "clear_caches", "decide", "decision_json", "error_json",
    "evaluate_line", "evaluate_scenario", "explain", "get_pack", "rules_for",
]


_ALLOWED_TEXTS: dict[tuple[str, str, str, str, str], str] = {}


def decision_json(scenario_id: Any, decision: Decision, locale: str = "en",
                  written: str | None = None) -> dict[str, Any]:
    """A decision in the evaluation format. ``written`` is the attempt's timestamp as the
    scenario wrote it: when it is the local time in the decision's own words, it is
    reused (``isoformat`` of a zone-aware time costs about a microsecond)."""
    local_time = decision.local_time
    if written is None or written_offset(written) != local_time.utcoffset():
        local = local_time.isoformat()
    else:
        local = written
    if decision.allowed:
        return {"id": scenario_id, "decision": "allow", "rules": [],
                "explanation": _allowed_words(local[11:16], decision.zone, decision.pack,
                                              decision.version, locale),
                "local_time": local, "next_allowed_at": None, "pack": decision.pack,
                "version": decision.version}
    words = _blocked_words(decision.hits, decision.next_allowed_at, locale)
    return {"id": scenario_id, "decision": "block", "rules": list(decision.rules),
            "explanation": words[2], "local_time": local, "next_allowed_at": words[3],
            "pack": decision.pack, "version": decision.version}


def _allowed_words(hhmm: str, zone: str, pack: str, version: str, locale: str) -> str:
    """The words of an allowed call at local ``hhmm``. A dialler list is mostly allowed
    calls: their words repeat, minute by minute."""
    key = (hhmm, zone, pack, version, locale)
    text = _ALLOWED_TEXTS.get(key)
    if text is None:
        if len(_ALLOWED_TEXTS) >= 65536:
            _ALLOWED_TEXTS.clear()
        text = _ALLOWED_TEXTS[key] = render(
            "allowed", {"time": hhmm, "zone": zone, "pack": pack, "version": version}, locale)
    return text


def _blocked_words(hits: tuple[Hit, ...], after: Any, locale: str) -> tuple[Any, ...]:
    """(hits, next allowed time, the explanation, that time's text) of a block. Decisions
    made from the compiled counts share their hits when they block for the same reasons
    (``engine.kernel_words``): their words are then written once."""
    words = _BLOCKED_TEXTS.get((id(hits), locale))
    if words is None or words[0] is not hits or words[1] is not after:
        words = (hits, after, explain_hits(hits, locale),
                 after.isoformat() if after else None)
        if len(_BLOCKED_TEXTS) >= 16384:
            _BLOCKED_TEXTS.clear()
        _BLOCKED_TEXTS[(id(hits), locale)] = words
    return words


#: (id of a decision's hits, locale) -> (hits, next allowed time, explanation, its text)
_BLOCKED_TEXTS: dict[tuple[int, str], tuple[Any, ...]] = {}


def _plain_block(rules: PackRules, days: Any, hits: list[tuple[Any, ...]], after: int | None,
                 debt_id: str | None, preferred: tuple[str, str] | None,
                 locale: str) -> tuple[Any, ...]:
    """(rule names, explanation, next allowed time's text) of a plain call's block found
    by the compiled decision (``_history.PlainCalls``), as ``evaluate_scenario`` words
    it."""
    words = _engine.kernel_words(rules, days, hits, after, debt_id, preferred)
    shown = _blocked_words(words[2], words[5], locale)
    return words[1], shown[2], shown[3]


def _plain_gate(rules: PackRules, raw_customer: dict[str, Any], party: str,
                contact_id: str | None, contact_value: str | None, t: int,
                zones: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """``engine.plain_call_gate`` for the compiled answer of a call to the borrower
    (``_history.PlainCalls``) whose customer has something on record, at UTC
    microseconds ``t``; None when the record is malformed (Python names the error) or is
    decided in Python. A record of flags and consents gives the same answer every time
    but for whether a consent to calls is recent: that is asked again at ``t``."""
    key = _record_key(rules, raw_customer, party)
    found = _GATES.get(key) if key is not None else None
    if found is not None and found[0] is rules:
        gate, customer = found[1], found[2]
        if gate is None or not customer.consents:
            return gate
        at = _engine._EPOCH + t * _engine._US
        return (_engine.recent_call_consent(customer, at), *gate[1:])
    try:
        customer = parse_customer(raw_customer, rules.country)
    except ScenarioError:
        customer = gate = None
    else:
        at = _engine._EPOCH + t * _engine._US
        gate = _engine.plain_call_gate(
            rules, customer, Attempt(at, "call", party, contact_id, contact_value), zones)
    if key is not None:
        if len(_GATES) >= 4096:
            _GATES.clear()
        _GATES[key] = (rules, gate, customer)
    return gate


def _record_key(rules: PackRules, raw: dict[str, Any], party: str) -> tuple[Any, ...] | None:
    """What a customer's record of flags and consents says, as a key (the fields the
    parser reads), or None: refusals, a breathing space with an end, or values a key
    cannot hold."""
    flags, consents = raw.get("flags"), raw.get("consents")
    if raw.get("refused_contacts") or raw.get("breathing_space_until") is not None or not (
            flags is None or type(flags) is list) or not (
            consents is None or type(consents) is list):
        return None
    said = []
    for c in consents or ():
        if type(c) is not dict:
            return None
        get = c.get
        said.append((get("kind"), get("from"), get("until"), get("given_at"), get("at"),
                     get("channel")))
    key = (id(rules), party, tuple(flags or ()), tuple(said))
    try:
        hash(key)
    except TypeError:
        return None
    return key


#: (id(rules), party, flags, consents) -> (rules, the gate, the customer parsed)
_GATES: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def clear_caches() -> None:
    """Start every cache of the compliance engine empty (for measurements): parsed
    timestamps and floors, tables of local days, the words of decisions."""
    from arrears.domain.compliance import engine, parse

    parse.clear_caches()
    engine.clear_caches()
    _ALLOWED_TEXTS.clear()
    _BLOCKED_TEXTS.clear()
    _GATES.clear()


def error_json(scenario_id: Any, field: str, reason: str) -> dict[str, Any]:
    """The answer to a malformed scenario: which field, and why."""
    return {"id": scenario_id, "decision": "error", "field": field, "reason": reason,
            "rules": [], "explanation": f"{field}: {reason}", "local_time": None,
            "next_allowed_at": None}


def evaluate_scenario(pack: str, scenario: Any, locale: str = "en") -> dict[str, Any]:
    """Decide one scenario (a parsed JSON object); malformed input gives an error answer."""
    if type(scenario) is not dict:
        return error_json(None, "scenario", "expected a JSON object")
    get = scenario.get
    sid = get("id")
    try:
        try:
            rules = rules_for(pack, get("options"))
        except OptionError as exc:
            field = exc.option if exc.option == "pack" else f"options.{exc.option}"
            raise ScenarioError(field, exc.reason) from None
        if _engine._decide_timed is not None:
            plain = _plain_for(rules)
            if plain is not None:
                answer = plain.answer(scenario, locale)
                if answer is not None:
                    return answer
        raw_attempt = get("attempt")
        attempt = parse_attempt(raw_attempt)
        customer = parse_customer(get("customer"), rules.country)
        zones = candidate_zones(customer.timezone, attempt.contact_value,
                                customer.address_timezone, customer.country)
        raw_history = get("history")
        decision = decide_unread(rules, attempt, customer, raw_history, zones)
        if decision is None:
            floor = history_floor(attempt.at, raw_attempt["at"], zones, rules.history_days)
            history = parse_history(raw_history, floor)
            decision = decide(rules, attempt, customer, history, zones)
    except ScenarioError as exc:
        return error_json(sid, exc.field, exc.reason)
    except UnknownZone as exc:
        return error_json(sid, "customer.timezone", str(exc))
    return decision_json(sid, decision, locale, raw_attempt["at"])


def evaluate_line(pack: str, line: bytes, locale: str = "en") -> dict[str, Any] | None:
    """``evaluate_scenario`` of one JSON line of the evaluation format, answered by the
    compiled answer of plain calls from the line as written: its history read from the
    line's bytes (``_history.read_line``), the rest by the JSON reader. None when that
    answer does not give it (read the whole line and ask ``evaluate_scenario``): a line
    written another way, a scenario answered in Python, or caches not yet filled."""
    if _engine._decide_timed is None:
        return None
    taken = _engine._kernel.read_line(line)
    if taken is None:
        return None
    try:
        scenario = orjson.loads(taken[0])
        rules = rules_for(pack, scenario.get("options"))
    except (orjson.JSONDecodeError, OptionError):
        return None
    plain = _plain_for(rules)
    return None if plain is None else plain.answer(scenario, locale, taken[1])


def _plain_for(rules: PackRules) -> Any:
    """The compiled answer of plain calls under ``rules``, or None."""
    plain = _PLAIN_CALLS.get(id(rules))
    if plain is None or plain[0] is not rules:
        plain = _plain_calls(rules)
    return plain[1]


#: id(rules) -> (rules, their compiled answer of plain calls or None)
_PLAIN_CALLS: dict[int, tuple[PackRules, Any]] = {}


def _plain_calls(rules: PackRules) -> tuple[PackRules, Any]:
    """The compiled answer of plain calls (a call to the borrower, nothing on record)
    under ``rules`` (``_history.PlainCalls``), reading and filling the caches of the
    Python path; None when nothing is compiled or a lender's policy adds checks of time."""
    from arrears.domain.compliance import parse, zones

    timed = _engine._timed_rules(rules) if _engine._kernel is not None else None
    plain = None if timed is None else _engine._kernel.PlainCalls(
        rules, timed, rules.name, rules.full_version, (rules.country or "").upper(),
        BORROWER_PARTIES, parse._OFFSETS, parse._WRITTEN, written_offset, zones._RECORDED,
        zones._RESOLVED, phone_tz.TIMEZONE_LONGEST_PREFIX, zones._CANDIDATES,
        _engine._ZONE_DAYS, _engine._zone_days, _engine._DAYS_AFTER, _engine._DAYS_AFTER_LONG,
        _BLOCKED_TEXTS, _plain_block, _ALLOWED_TEXTS,
        _allowed_words, _plain_gate, _blocked_words, _engine.kernel_forms(rules), message,
        separator)
    if len(_PLAIN_CALLS) >= 4096:
        _PLAIN_CALLS.clear()
    found = _PLAIN_CALLS[id(rules)] = (rules, plain)
    return found
