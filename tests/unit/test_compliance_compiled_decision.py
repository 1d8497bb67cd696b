"""The compiled decision decides exactly as the Python engine does, or leaves it to it.

``engine.decide_unread`` decides a plain call from the scenario's history as written, in
compiled code (``_history.decide_timed``). Whatever it answers must be what
``decide(parse_history(...))`` answers, to the words of the explanation and the second of
the next allowed time; where it cannot be sure (a change of offset near the attempt, an
odd history, anything on record) it must return None and leave the decision to Python.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import arrears.domain.compliance as compliance
from arrears.domain.compliance import engine, evaluate_scenario, parse
from arrears.domain.compliance.engine import decide, decide_unread
from arrears.domain.compliance.packs import rules_for
from arrears.domain.compliance.parse import (
    history_floor,
    parse_attempt,
    parse_customer,
    parse_history,
)
from arrears.domain.compliance.zones import candidate_zones
from tests.conftest import IN_CI
from tests.unit.test_compliance_history_reader import odd_values

needs_kernel = pytest.mark.skipif(engine._decide_timed is None and not IN_CI,
                                  reason="the decision is not compiled (outside CI)")

#: days on which clocks change in some zone below, and ordinary days
DAYS = ("2026-11-28", "2026-11-01", "2026-03-08", "2026-03-29", "2026-10-25", "2026-04-05",
        "2026-09-06", "2026-06-15", "2026-01-01", "2024-02-29")
PHONES = {
    "cn": ["+8613812345678", "+8613920246633", None],
    "us": ["+12125550123", "+13122530829", "+19075550100", "+18085550100", "+18005550100",
           "+16025550100", None],
    "gb": ["+447700900123", "+442079460000", None],
}
RECORDED = [None, None, "America/New_York", "America/Santiago", "Australia/Lord_Howe",
            "Asia/Kathmandu", "Europe/London", "Asia/Shanghai", "Pacific/Chatham"]
OPTIONS = [
    {}, {}, {"quiet_start": "20:00"}, {"allowed_from": "09:00"}, {"daily_call_attempts": 2},
    {"daily_call_attempts": 0}, {"daily_conversations": 1}, {"daily_conversations": 0},
    {"calls_per_7_days": 3}, {"calls_per_7_days": 0}, {"conversation_pause_days": 9},
    {"conversation_pause_days": 30}, {"no_contact_on_weekdays": {"sun": ["call"]}},
]
OFFSETS = ("+08:00", "Z", "+00:00", "-05:00", "-04:00", "+01:00", "-03:00", "+10:30")
#: seconds of the day on both sides of the packs' windows (08:00, 09:00, 20:00-22:00)
EDGES = tuple(h * 3600 + d for h in (8, 9, 20, 21, 22) for d in (-1, 0))


def _options(pack: str, choice: dict[str, Any]) -> dict[str, Any]:
    """``choice`` where the pack has the option (gb and cn have no 7-day cap, ...)."""
    rules = rules_for(pack, None)
    keep = {"calls_per_7_days": rules.calls_per_7_days,
            "conversation_pause_days": rules.conversation_pause_days,
            "daily_conversations": rules.conversations_per_day,
            "daily_call_attempts": rules.calls_per_number_per_day
            or rules.calls_per_borrower_per_day}
    return {k: v for k, v in choice.items() if keep.get(k, 1) is not None}


def _written(at: datetime, offset: str) -> str:
    if offset == "Z":
        return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return at.astimezone(datetime.strptime(offset, "%z").tzinfo).isoformat()


@st.composite
def scenarios(draw: Any, odd: bool = True) -> tuple[str, dict[str, Any]]:
    """A dialler's scenario around a day on which clocks may change: a plain call (most
    of the time) with a history dense enough to meet every cap, written in the attempt's
    offset or others, sometimes with an odd event or something on record."""
    pack = draw(st.sampled_from(["cn", "us", "gb"]))
    offset = draw(st.sampled_from(OFFSETS))
    # the attempt's time of day as written: anywhere, or at the edge of a window (the
    # written offset is often the zone's own: then it is the local edge)
    clock = draw(st.one_of(st.integers(min_value=0, max_value=86399), st.sampled_from(EDGES)))
    day = datetime.fromisoformat(draw(st.sampled_from(DAYS)) + "T00:00:00"
                                 + ("+00:00" if offset == "Z" else offset))
    at = day + timedelta(days=draw(st.integers(min_value=-1, max_value=1)), seconds=clock)
    phone = draw(st.sampled_from(PHONES[pack]))
    # minutes back the history reaches: a day (every cap met) to twelve
    spread = draw(st.sampled_from([24 * 60, 2 * 24 * 60, 4 * 24 * 60, 8 * 24 * 60,
                                   12 * 24 * 60]))
    events = []
    for _ in range(draw(st.integers(min_value=0, max_value=40))):
        when = at - timedelta(minutes=draw(st.integers(min_value=-24 * 60, max_value=spread)),
                              seconds=draw(st.integers(min_value=0, max_value=59)))
        channel = draw(st.sampled_from(["call"] * 6 + ["sms", "visit", "email"]))
        events.append({
            "at": _written(when, draw(st.sampled_from([offset, offset, *OFFSETS]))),
            "channel": channel,
            "party": draw(st.sampled_from(["self", "self", "guarantor", "spouse", None])),
            "contact_id": draw(st.sampled_from(["K0", "K1", None])),
            "contact_value": draw(st.sampled_from([phone, phone, "+8613700000000", None])),
            "debt_id": draw(st.sampled_from(["L1", "L1", "L2", None])),
            "result": draw(st.sampled_from(["conversation", "no_answer", "voicemail", "busy",
                                            "not_connected", "no_answer", "voicemail"])),
            "initiated_by": draw(st.sampled_from(["collector", "collector", "customer",
                                                  None])),
            "agency_id": None,
            **({"with_consent": True} if draw(st.integers(0, 9)) == 0 else {})})
    # a run of answered-or-not calls about the debt over the last week (the 7-in-7 cap)
    for _ in range(draw(st.sampled_from([0, 0, 6, 7, 8, 12]))):
        when = at - timedelta(minutes=draw(st.integers(min_value=-12 * 60,
                                                       max_value=7 * 24 * 60)))
        events.append({"at": _written(when, offset), "channel": "call", "party": "self",
                       "contact_id": "K0", "contact_value": phone, "debt_id": "L1",
                       "result": draw(st.sampled_from(["no_answer", "voicemail"])),
                       "initiated_by": "collector", "agency_id": None})
    events.sort(key=lambda e: e["at"])
    if odd and events and draw(st.integers(0, 7)) == 0:
        i = draw(st.integers(min_value=0, max_value=len(events) - 1))
        name = draw(st.sampled_from(sorted(odd_values)))
        if draw(st.booleans()):
            events[i] = {**events[i], name: draw(odd_values[name])}
        else:  # left out
            events[i] = {k: v for k, v in events[i].items() if k != name}
    flags = draw(st.sampled_from([[]] * 10 + [
        ["dispute"], ["opt_out_sms"], ["opt_out_call"], ["opt_out_email", "opt_out_sms"],
        ["unreachable"], ["cease_communication"], ["financial_difficulty"], ["time_barred"],
        ["employer_forbids_work_contact"], ["breathing_space"], ["hardship_hold"]]))
    template = draw(st.sampled_from([None] * 6 + [
        "T1", {"id": "T2", "prohibited": ["threat"]},
        {"id": "T3", "mentions_legal_action": True, "asks_to_borrow": True}]))
    scenario = {
        "id": "s", "options": _options(pack, draw(st.sampled_from(OPTIONS))),
        "attempt": {"at": _written(at, offset),
                    "channel": draw(st.sampled_from(["call"] * 10 + ["sms", "visit"])),
                    "party": draw(st.sampled_from(["self"] * 10 + ["guarantor", "spouse"])),
                    "contact_id": "K0", "contact_value": phone,
                    "debt_id": draw(st.sampled_from(["L1", "L1", None])),
                    "initiated_by": "collector",
                    "agency_id": draw(st.sampled_from([None] * 8 + ["AG1"])),
                    "template": template,
                    "mentions_debt": True, "collectors": 1},
        "customer": {"country": pack.upper(), "timezone": draw(st.sampled_from(RECORDED)),
                     "address_timezone": draw(st.sampled_from([None, None, None,
                                                               "America/Chicago",
                                                               "Asia/Urumqi"])),
                     "flags": flags,
                     "refused_contacts": draw(st.sampled_from([[]] * 8 + [["K0"], ["K9"]])),
                     "consents": draw(st.sampled_from([[]] * 8 + [
                         [{"kind": "call_time", "from": "21:00", "until": "22:00"}],
                         [{"kind": "call", "given_at": _written(at - timedelta(
                             days=draw(st.sampled_from([0, 3, 7, 8]))), offset)}],
                         [{"kind": "preferred_channel", "channel": "sms"}],
                         [{"kind": "preferred_time", "from": "09:00", "until": "17:00"}],
                         [{"kind": "preferred_time", "from": "18:00", "until": "08:30"},
                          {"kind": "preferred_time", "from": "12:00", "until": "13:00"}],
                         [{"kind": "contact_time", "from": "06:30", "until": "08:00",
                           "channel": "call"}]])),
                     "breathing_space_until": draw(st.sampled_from([None] * 8 + [
                         "2026-12-20"]))},
        "history": events,
    }
    return pack, scenario


def _without_kernel(pack: str, scenario: dict[str, Any], locale: str = "en") -> dict[str, Any]:
    saved, engine._decide_timed = engine._decide_timed, None
    try:
        return evaluate_scenario(pack, scenario, locale)
    finally:
        engine._decide_timed = saved


def _compiled_answer(pack: str, scenario: dict[str, Any], locale: str = "en") -> Any:
    """The whole answer in compiled code (``_history.PlainCalls``), once an evaluation of
    the same scenario has filled the caches it reads; None: left to Python."""
    evaluate_scenario(pack, scenario, locale)
    plain = compliance._plain_calls(rules_for(pack, scenario.get("options")))[1]
    return None if plain is None else plain.answer(scenario, locale)


def _learn_offsets() -> None:
    """The offsets a stream of scenarios has met (the compiled reader reads only those)."""
    for offset in OFFSETS:
        parse.utc_naive(_written(datetime(2026, 1, 1, tzinfo=UTC), offset))


@needs_kernel
@settings(max_examples=1000, deadline=None)
@example(("us", {"id": "s", "options": {}, "attempt": {
    "at": "2026-11-01T01:30:00-04:00", "channel": "call", "party": "self",
    "contact_id": "K0", "contact_value": "+12125550123", "debt_id": "L1"},
    "customer": {"country": "US"}, "history": []}))
@given(scenarios())
def test_the_compiled_decision_answers_as_python(case: tuple[str, dict[str, Any]]) -> None:
    pack, scenario = case
    _learn_offsets()
    assert evaluate_scenario(pack, scenario) == _without_kernel(pack, scenario)


def _decisions(pack: str, scenario: dict[str, Any]) -> tuple[Any, Any]:
    rules = rules_for(pack, scenario["options"])
    attempt = parse_attempt(scenario["attempt"])
    customer = parse_customer(scenario["customer"], rules.country)
    zones = candidate_zones(customer.timezone, attempt.contact_value,
                            customer.address_timezone, customer.country)
    floor = history_floor(attempt.at, scenario["attempt"]["at"], zones, rules.history_days)
    try:
        history = parse_history(scenario["history"], floor)
    except parse.ScenarioError:
        history = None
    unread = decide_unread(rules, attempt, customer, scenario["history"], zones)
    return (None if history is None else decide(rules, attempt, customer, history, zones),
            unread)


def _shown(decision: Any) -> Any:
    """Every value of a decision, times with their offsets."""
    def when(t: datetime | None) -> Any:
        return None if t is None else (t.isoformat(), str(t.tzinfo))
    return (decision.allowed, decision.rules, decision.zone, when(decision.local_time),
            when(decision.next_allowed_at), decision.pack, decision.version,
            [(h.rule, h.key, h.params, when(h.next_at), h.tier) for h in decision.hits])


@needs_kernel
@settings(max_examples=600, deadline=None)
@given(scenarios())
def test_the_compiled_decision_is_the_engines_decision(case: tuple[str, dict[str, Any]]
                                                       ) -> None:
    """The decisions themselves, hit by hit (the times each rule lets go included)."""
    pack, scenario = case
    _learn_offsets()
    python, unread = _decisions(pack, scenario)
    if unread is not None:
        assert python is not None, "the compiled decision read a history Python refuses"
        assert _shown(unread) == _shown(python)


@needs_kernel
@settings(max_examples=200, deadline=None)
@given(scenarios(odd=False))
def test_the_compiled_decision_answers_for_a_plain_call_on_an_ordinary_day(
        case: tuple[str, dict[str, Any]]) -> None:
    """Else it would be built for nothing: a plain call, far from a change of clocks,
    with a history written in offsets met before, is decided in compiled code."""
    pack, scenario = case
    scenario["attempt"].update(channel="call", party="self", template=None, agency_id=None)
    scenario["customer"].update(flags=[], timezone=None, address_timezone=None,
                                refused_contacts=[], consents=[], breathing_space_until=None)
    scenario["options"] = {}
    day = datetime.fromisoformat(scenario["attempt"]["at"])
    moved = day.replace(year=2026, month=6, day=15)
    shift = moved - day
    scenario["attempt"]["at"] = moved.isoformat()
    for event in scenario["history"]:
        event["at"] = (datetime.fromisoformat(event["at"]) + shift).isoformat()
    _learn_offsets()
    assert _decisions(pack, scenario)[1] is not None
    assert _compiled_answer(pack, scenario) == _without_kernel(pack, scenario)


@needs_kernel
@settings(max_examples=800, deadline=None)
@given(scenarios(), st.sampled_from(["en", "zh-CN"]))
def test_the_compiled_answer_is_pythons(case: tuple[str, dict[str, Any]], locale: str) -> None:
    """The whole answer of a plain call in compiled code (zones, table of days and words
    from the caches), or None for anything else: word for word Python's."""
    pack, scenario = case
    _learn_offsets()
    answer = _compiled_answer(pack, scenario, locale)
    if answer is not None:
        assert answer == _without_kernel(pack, scenario, locale)


@needs_kernel
def test_no_table_of_days_across_a_change_of_clocks() -> None:
    """New York puts its clocks back on 1 November 2026: no table of midnights (and no
    compiled decision) around that day; in June every day is 24 hours long."""
    zones = (ZoneInfo("America/New_York"),)
    november = (datetime(2026, 11, 1) - datetime(1970, 1, 1)).days
    june = (datetime(2026, 6, 15) - datetime(1970, 1, 1)).days
    assert engine._build_zone_days(zones, november, engine._DAYS_AFTER) is None
    table = engine._build_zone_days(zones, june, engine._DAYS_AFTER)
    assert table is not None
    first = datetime(1970, 1, 1) + timedelta(microseconds=table.midnight(0, 0))
    assert first == datetime(2026, 6, 1, 4, 0)  # local midnight at UTC-4


#: calls a day over the seven local days that end with the attempt's day (oldest first)
WEEKS = ((1, 1, 1, 1, 1, 1, 1), (2, 1, 1, 1, 1, 1, 0), (0, 0, 0, 0, 0, 0, 7),
         (3, 0, 0, 0, 4, 0, 0), (0, 2, 2, 0, 0, 2, 2), (1, 0, 0, 0, 0, 0, 0))


#: the packs' caps as they are, lowered to nothing (never lets go), or lowered a little
CAPS = {"cn": ({}, {"daily_call_attempts": 0}, {"daily_conversations": 0},
               {"daily_call_attempts": 2}),
        "gb": ({}, {"daily_call_attempts": 0}, {"daily_conversations": 0},
               {"daily_call_attempts": 2}),
        "us": ({}, {"calls_per_7_days": 0}, {"conversation_pause_days": 9},
               {"calls_per_7_days": 4})}


def _edge_cases() -> list[tuple[str, dict[str, Any]]]:
    """Calls at the exact edges of the windows in every zone of numbers with one zone or
    many (a toll-free +1 800 number has eleven), each after weeks of calls shaped to end
    a cap on the next day or later, with and without a conversation on the way."""
    cases = []
    for pack, phones in (("cn", ["+8613812345678"]), ("gb", ["+447700900123"]),
                         ("us", ["+12125550123", "+18005550100"])):
        for phone in phones:
            zones = candidate_zones(None, phone, None, pack.upper())
            for day in ("2026-06-15", "2026-11-28"):
                for z, tz in enumerate(zones):
                    for k, clock in enumerate((*EDGES, 0, 3 * 3600, 12 * 3600 + 30)):
                        local = datetime.fromisoformat(day).replace(tzinfo=tz) + timedelta(
                            seconds=clock)
                        week = WEEKS[(z + k) % len(WEEKS)]
                        events = []
                        for back, calls in enumerate(reversed(week)):
                            for n in range(calls):
                                when = local.replace(hour=9 + n, minute=0, second=0) - (
                                    timedelta(days=back))
                                talked = (z + k + back + n) % 5 == 0
                                events.append({
                                    "at": when.isoformat(), "channel": "call",
                                    "party": "self", "contact_id": "K0",
                                    "contact_value": phone, "debt_id": "L1",
                                    "result": "conversation" if talked else "no_answer",
                                    "initiated_by": "collector", "agency_id": None})
                        events.sort(key=lambda e: e["at"])
                        cases.append((pack, {
                            "id": f"{pack}-{phone}-{day}-{z}-{k}",
                            "options": CAPS[pack][k % len(CAPS[pack])],
                            "attempt": {"at": local.isoformat(), "channel": "call",
                                        "party": "self", "contact_id": "K0",
                                        "contact_value": phone, "debt_id": "L1"},
                            "customer": {"country": pack.upper(), "consents": [
                                # us: a call consent given yesterday lifts both counters
                                {"kind": "call", "given_at": (local - timedelta(
                                    days=1)).isoformat()}] if k % 3 == 0 else []},
                            "history": events}))
    return cases


@needs_kernel
def test_the_compiled_decision_at_the_edges_is_pythons() -> None:
    """Deterministic cases where an off-by-one would show: a window's first and last
    second, zones that tie, a seven-day cap that ends the next day or later."""
    _learn_offsets()
    cases = _edge_cases()
    decided = 0
    for pack, scenario in cases:
        python, unread = _decisions(pack, scenario)
        if unread is None:
            continue
        decided += 1
        assert _shown(unread) == _shown(python), scenario["id"]
        expected = _without_kernel(pack, scenario)
        assert evaluate_scenario(pack, scenario) == expected
        # a consent to calls given yesterday is read in compiled code too
        assert _compiled_answer(pack, scenario) == expected, scenario["id"]
    assert decided == len(cases)  # none of these days is near a change of clocks


def _plain_call() -> dict[str, Any]:
    return {"id": "p", "options": {}, "attempt": {
        "at": "2026-06-15T10:00:00+08:00", "channel": "call", "party": "self",
        "contact_id": "K0", "contact_value": "+8613812345678", "debt_id": "L1",
        "initiated_by": "collector", "agency_id": None, "template": None,
        "mentions_debt": True, "collectors": 1},
        "customer": {"country": "CN", "timezone": None, "address_timezone": None,
                     "flags": [], "refused_contacts": [], "consents": [],
                     "breathing_space_until": None},
        "history": [{"at": f"2026-06-15T0{h}:00:00+08:00", "channel": "call",
                     "party": "self", "contact_id": "K0", "contact_value": "+8613812345678",
                     "debt_id": "L1", "result": "no_answer", "initiated_by": "collector",
                     "agency_id": None} for h in range(8, 10)]}


class _Text(str):
    pass


#: a customer's record the compiled answer reads (through ``engine.plain_call_gate``):
#: (pack, flags, consents given this many days before the call or None, refused contacts)
RECORDS = [
    ("cn", ["dispute"], None, []), ("cn", ["opt_out_sms"], None, []),
    ("cn", ["opt_out_call"], None, []), ("cn", ["unreachable", "hardship_hold"], None, []),
    ("cn", [], None, ["K0"]), ("cn", [], None, ["K9"]), ("cn", ["deceased"], None, ["K0"]),
    ("gb", ["breathing_space"], None, []), ("gb", ["financial_difficulty"], None, []),
    ("us", ["cease_communication"], None, []), ("us", ["time_barred"], None, []),
    ("us", [], 0, []), ("us", [], 6, []), ("us", [], 7, []), ("us", [], 8, []),
    ("us", ["opt_out_email"], 1, []), ("us", ["attorney_represented"], 1, []),
]


def _busy_week(pack: str) -> dict[str, Any]:
    """A call at noon after a week of calls and one conversation, so every counter is at
    or over its cap (a consent to calls lifts the us ones)."""
    phone = {"cn": "+8613812345678", "gb": "+447700900123", "us": "+12125550123"}[pack]
    noon = datetime.fromisoformat({"cn": "2026-06-15T12:00:00+08:00",
                                   "gb": "2026-06-15T12:00:00+01:00",
                                   "us": "2026-06-15T12:00:00-04:00"}[pack])
    events = [{"at": (noon - timedelta(days=d, hours=h)).isoformat(), "channel": "call",
               "party": "self", "contact_id": "K0", "contact_value": phone, "debt_id": "L1",
               "result": "conversation" if (d, h) == (1, 2) else "no_answer",
               "initiated_by": "collector", "agency_id": None}
              for d in range(7) for h in (1, 2, 3)]
    return {"id": "w", "options": {}, "attempt": {
        "at": noon.isoformat(), "channel": "call", "party": "self", "contact_id": "K0",
        "contact_value": phone, "debt_id": "L1", "initiated_by": "collector",
        "agency_id": None, "template": None, "mentions_debt": True, "collectors": 1},
        "customer": {"country": pack.upper(), "timezone": None, "address_timezone": None,
                     "flags": [], "refused_contacts": [], "consents": [],
                     "breathing_space_until": None},
        "history": sorted(events, key=lambda e: e["at"])}


@needs_kernel
@pytest.mark.parametrize(("pack", "flags", "consented", "refused"), RECORDS)
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_record_of_flags_refusals_or_consent_to_calls_is_answered_in_compiled_code(
        pack: str, flags: list[str], consented: int | None, refused: list[str],
        locale: str) -> None:
    """Holds, opt-outs, refusals and a us consent to calls: the answer is compiled, and
    Python's word for word (a hold blocks for good, before the counters)."""
    _learn_offsets()
    scenario = _busy_week(pack)
    customer = scenario["customer"]
    customer.update(flags=flags, refused_contacts=refused)
    if consented is not None:
        at = datetime.fromisoformat(scenario["attempt"]["at"])
        customer["consents"] = [{"kind": "call",
                                 "given_at": (at - timedelta(days=consented)).isoformat()}]
    expected = _without_kernel(pack, scenario, locale)
    assert expected["decision"] in ("allow", "block")
    assert _compiled_answer(pack, scenario, locale) == expected
    # and the cached answer of a record of flags is the same the second time
    assert _compiled_answer(pack, scenario, locale) == expected


@needs_kernel
def test_the_same_consent_to_calls_is_read_again_at_each_call() -> None:
    """A record is read once, but whether its consent to calls is recent is asked at
    every call: the same consent lifts the us counters six days after it was given and
    no longer eight days after."""
    _learn_offsets()
    answers = []
    for days in (6, 8, 6):
        scenario = _busy_week("us")
        at = datetime.fromisoformat(scenario["attempt"]["at"])
        scenario["customer"]["consents"] = [
            {"kind": "call", "given_at": "2026-06-09T10:00:00-04:00"}]
        shift = timedelta(days=days) - (at - datetime.fromisoformat(
            "2026-06-09T12:00:00-04:00"))
        scenario["attempt"]["at"] = (at + shift).isoformat()
        for event in scenario["history"]:
            event["at"] = (datetime.fromisoformat(event["at"]) + shift).isoformat()
        expected = _without_kernel("us", scenario)
        assert _compiled_answer("us", scenario) == expected
        answers.append(expected["decision"])
    assert answers == ["allow", "block", "allow"]


@needs_kernel
@pytest.mark.parametrize("days", [-1, 0, 1, 3, 9, 20, 40])
@pytest.mark.parametrize("flags", [[], ["financial_difficulty"], ["dispute"]])
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_breathing_space_with_an_end_is_answered_in_compiled_code(
        days: int, flags: list[str], locale: str) -> None:
    """A breathing space blocks until the day after it ends in every zone, and the next
    allowed time is the first after that every other rule allows: compiled within the
    table of days (a longer one is left to Python), and Python's word for word. Beside a
    hold for good it is Python's too."""
    _learn_offsets()
    scenario = _busy_week("gb")
    at = datetime.fromisoformat(scenario["attempt"]["at"])
    scenario["customer"].update(flags=flags, breathing_space_until=(
        at + timedelta(days=days)).date().isoformat())
    expected = _without_kernel("gb", scenario, locale)
    compiled = _compiled_answer("gb", scenario, locale)
    if days <= 20 and not flags:
        assert compiled == expected
    elif compiled is not None:
        assert compiled == expected
    if 0 <= days and not flags:
        assert expected["rules"] == ["gb.breathing_space"]
        assert expected["next_allowed_at"] is not None


#: (pack, consents to times of day, the call's local time): lifting the quiet hours for
#: the times consented to, or narrowing the day to the times preferred (gb)
TIMES_OF_DAY = [
    ("cn", [{"kind": "call_time", "from": "21:00", "until": "23:00"}], "22:30"),
    ("cn", [{"kind": "call_time", "from": "21:00", "until": "23:00"}], "23:00"),
    ("cn", [{"kind": "contact_time", "from": "07:00", "until": "08:00",
             "channel": "sms"}], "07:30"),
    ("cn", [{"kind": "call_time", "from": "23:30", "until": "01:00"}], "00:15"),
    ("us", [{"kind": "contact_time", "from": "21:00", "until": "22:00"}], "21:15"),
    ("us", [{"kind": "call_time", "from": "06:00", "until": "08:00"}], "05:59"),
    ("gb", [{"kind": "preferred_time", "from": "09:00", "until": "11:00"}], "12:00"),
    ("gb", [{"kind": "preferred_time", "from": "09:00", "until": "11:00"}], "10:59"),
    ("gb", [{"kind": "preferred_time", "from": "13:00", "until": "14:00"},
            {"kind": "preferred_time", "from": "17:00", "until": "09:30"}], "12:00"),
    ("gb", [{"kind": "preferred_time", "from": "17:00", "until": "09:30"}], "07:00"),
    ("gb", [{"kind": "preferred_time", "from": "11:30", "until": "12:30"}], "21:30"),
    ("gb", [{"kind": "preferred_time", "from": "10:00", "until": "11:00",
             "channel": "email"}], "12:00"),
]


@needs_kernel
@pytest.mark.parametrize(("pack", "consents", "clock"), TIMES_OF_DAY)
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
@pytest.mark.parametrize("busy", [False, True])
def test_consents_to_times_of_day_are_answered_in_compiled_code(
        pack: str, consents: list[dict[str, Any]], clock: str, locale: str,
        busy: bool) -> None:
    """A time the borrower consented to is allowed outside the hours; a gb borrower's
    preferred times narrow the day, and the next allowed time is the next of them that
    every other rule allows: compiled, and Python's word for word."""
    _learn_offsets()
    scenario = _busy_week(pack)
    if not busy:
        scenario["history"] = scenario["history"][-2:]
    at = datetime.fromisoformat(scenario["attempt"]["at"])
    hour, minute = map(int, clock.split(":"))
    scenario["attempt"]["at"] = at.replace(hour=hour, minute=minute).isoformat()
    scenario["customer"]["consents"] = consents
    expected = _without_kernel(pack, scenario, locale)
    assert expected["decision"] in ("allow", "block")
    assert _compiled_answer(pack, scenario, locale) == expected


#: (object, field, value): what a dialler might send instead of the usual
ODD_FIELDS = [
    ("attempt", "contact_id", 123), ("attempt", "party", ""), ("attempt", "party", "spouse"),
    ("attempt", "party", "guarantor"), ("attempt", "collectors", -1),
    ("attempt", "collectors", True), ("attempt", "collectors", None),
    ("attempt", "mentions_debt", "yes"), ("attempt", "mentions_debt", None),
    ("attempt", "workplace", True), ("attempt", "channel", "Call"),
    ("attempt", "channel", _Text("call")), ("attempt", "at", "2026-06-15T10:00:00.5+08:00"),
    ("attempt", "at", "2026-06-15 10:00:00+08:00"), ("attempt", "at", "2026-06-15T10:00:00"),
    ("attempt", "at", "2026-06-31T10:00:00+08:00"), ("attempt", "at", "2026-06-15T10:00:00Z"),
    ("attempt", "at", "2026-06-15T02:00:00+00:00"), ("attempt", "agency_id", "AG1"),
    ("attempt", "template", "T1"), ("attempt", "contact_value", "13812345678"),
    ("attempt", "contact_value", "+86 138 1234 5678"),
    ("attempt", "contact_value", "+٨٦13812345678"), ("attempt", "contact_value", None),
    ("attempt", "contact_value", "a@b.cn"), ("customer", "country", "cn"),
    ("customer", "country", 86), ("customer", "country", ""), ("customer", "flags", ""),
    ("customer", "flags", ["dispute"]), ("customer", "consents", None),
    ("customer", "breathing_space_until", ""), ("customer", "timezone", ""),
    ("customer", "timezone", "Mars/Base"), ("customer", "timezone", "Asia/Shanghai"),
    ("customer", "address_timezone", "Asia/Urumqi"), ("customer", "extra", 1),
    ("customer", "flags", [7]), ("customer", "flags", ["no_such_flag"]),
    ("customer", "flags", "dispute"), ("customer", "flags", ["dispute", "dispute"]),
    ("customer", "flags", [_Text("dispute")]), ("customer", "flags", ("dispute",)),
    ("customer", "refused_contacts", [7]), ("customer", "refused_contacts", "K0"),
    ("customer", "consents", [{"kind": 5}]), ("customer", "consents", [{}]),
    ("customer", "consents", [{"kind": "call", "given_at": "yesterday"}]),
    ("customer", "consents", [{"kind": "call_time", "from": "21:00", "until": "22:00"}]),
    ("customer", "consents", [{"kind": "call", "from": "25:00"}]),
    ("customer", "consents", {"kind": "call"}), ("customer", "consents", ["call"]),
    ("customer", "breathing_space_until", "2026-06-20"),
    ("scenario", "options", {"daily_call_attempts": 1}), ("scenario", "options", None),
    ("scenario", "history", None), ("scenario", "customer", None),
]


@needs_kernel
@pytest.mark.parametrize(("where", "field", "value"), ODD_FIELDS)
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_compiled_answer_of_odd_fields_is_pythons(where: str, field: str, value: Any,
                                                      locale: str) -> None:
    """A field of another type or shape: the compiled answer is Python's, or None."""
    _learn_offsets()
    scenario = _plain_call()
    assert _compiled_answer("cn", scenario, locale) == _without_kernel("cn", scenario, locale)
    target = scenario if where == "scenario" else scenario[where]
    target[field] = value
    answer = _compiled_answer("cn", scenario, locale)
    if answer is not None:
        assert answer == _without_kernel("cn", scenario, locale)
