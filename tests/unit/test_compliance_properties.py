"""Properties of the engine: more history never unblocks; a stricter policy never allows
what the pack blocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import example, given, settings
from hypothesis import strategies as st

from arrears.domain.compliance import decide, decision_json, evaluate_scenario, rules_for
from arrears.domain.compliance.model import Attempt, Customer
from arrears.domain.compliance.parse import parse_attempt, parse_customer, parse_history
from arrears.domain.compliance.policy import build_policy

BASE = datetime(2026, 11, 28, 0, 0, tzinfo=timezone(timedelta(hours=8)))
PHONES = ("+8613812345678", "+12125551234", "+442071234567")

events = st.tuples(
    st.integers(min_value=-9 * 24 * 60, max_value=24 * 60),
    st.sampled_from(["call", "call", "sms", "visit"]),
    st.sampled_from(["self", "self", "guarantor", "spouse"]),
    st.sampled_from(["K1", "K2"]),
    st.sampled_from(["conversation", "no_answer", "voicemail", "busy", "not_connected"]),
    st.booleans(),
).map(lambda e: ((BASE + timedelta(minutes=e[0])).astimezone(UTC).replace(tzinfo=None),
                 e[1], e[2], e[3], None, "L1", e[4], e[5] and e[4] == "conversation", False))

attempts = st.builds(
    lambda minute, channel, party, phone, debt: Attempt(
        at=BASE + timedelta(minutes=minute), channel=channel, party=party, contact_id="K1",
        contact_value=phone, debt_id="L1", mentions_debt=debt),
    st.integers(min_value=0, max_value=24 * 60 - 1), st.sampled_from(["call", "sms", "visit"]),
    st.sampled_from(["self", "guarantor", "spouse"]), st.sampled_from(PHONES), st.booleans())

customers = st.builds(
    lambda flags: Customer(country="CN", flags=frozenset(flags)),
    st.sets(st.sampled_from(["unreachable", "dispute", "opt_out_sms", "hardship_hold"]),
            max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["cn", "us", "gb"]), attempts, customers,
       st.lists(events, max_size=15), st.lists(events, min_size=1, max_size=10))
def test_adding_history_never_turns_a_block_into_an_allow(pack, attempt, customer, history,
                                                          more) -> None:  # type: ignore[no-untyped-def]
    rules = rules_for(pack, None)
    before = decide(rules, attempt, customer, history)
    after = decide(rules, attempt, customer, history + more)
    if not before.allowed:
        assert not after.allowed
    if before.allowed is False and before.next_allowed_at and after.next_allowed_at:
        assert after.next_allowed_at >= before.next_allowed_at


stricter = st.fixed_dictionaries({}, optional={
    "quiet_start": st.sampled_from(["19:00", "20:00", "20:30", "21:00"]),
    "quiet_end": st.sampled_from(["08:00", "08:30", "09:00", "10:00"]),
    "daily_call_attempts": st.integers(min_value=0, max_value=3),
    "daily_conversations": st.integers(min_value=0, max_value=1),
    "no_contact_on_holidays": st.booleans(),
    "no_contact_on_weekdays": st.just({"sun": ["call", "visit"]}),
})


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["cn", "gb"]), attempts, customers, st.lists(events, max_size=15),
       stricter)
def test_a_stricter_policy_never_allows_what_the_pack_blocks(pack, attempt, customer, history,
                                                             options) -> None:  # type: ignore[no-untyped-def]
    pack_decision = decide(rules_for(pack, None), attempt, customer, history)
    policy = build_policy(pack=pack, options=options)
    lender = decide(policy.rules_for(on=date(2026, 11, 28)), attempt, customer, history)
    if not pack_decision.allowed:
        assert not lender.allowed


us_stricter = st.fixed_dictionaries({}, optional={
    "quiet_start": st.sampled_from(["19:00", "20:00", "21:00"]),
    "quiet_end": st.sampled_from(["08:00", "09:00"]),
    "calls_per_7_days": st.integers(min_value=0, max_value=6),
    "conversation_pause_days": st.integers(min_value=7, max_value=10),
    "no_contact_on_holidays": st.booleans(),
    "no_contact_on_weekdays": st.just({"sat": ["call"], "sun": ["call", "sms"]}),
})


@settings(max_examples=200, deadline=None)
@given(attempts, customers, st.lists(events, max_size=15), us_stricter)
def test_a_stricter_us_policy_never_allows_what_the_pack_blocks(attempt, customer, history,
                                                                options) -> None:  # type: ignore[no-untyped-def]
    pack_decision = decide(rules_for("us", None), attempt, customer, history)
    lender = decide(build_policy(pack="us", options=options).rules_for(on=date(2026, 11, 28)),
                    attempt, customer, history)
    if not pack_decision.allowed:
        assert not lender.allowed


# The evaluation path skips history no rule can count, some of it without parsing the
# timestamp: it must decide exactly as the engine does on the whole history.
OFFSETS = ("+08:00", "Z", "+00:00", "-05:00", "-10:00", "+14:00", "+05:45")


def _written(minute: int, offset: str) -> str:
    tz = UTC if offset == "Z" else datetime.strptime(offset, "%z").tzinfo
    text = (BASE + timedelta(minutes=minute)).astimezone(tz).isoformat()
    return text.replace("+00:00", "Z") if offset == "Z" else text


raw_events = st.builds(
    lambda minute, offset, channel, party, result, by, debt, contact, consent: {
        "at": _written(minute, offset), "channel": channel, "party": party,
        "contact_id": contact, "contact_value": PHONES[0] if contact == "K1" else PHONES[1],
        "debt_id": debt, "result": result, "initiated_by": by, "agency_id": None,
        **({"with_consent": True} if consent else {})},
    st.integers(min_value=-12 * 24 * 60, max_value=2 * 24 * 60), st.sampled_from(OFFSETS),
    st.sampled_from(["call", "call", "sms", "email", "visit"]),
    st.sampled_from(["self", "self", "guarantor", "spouse"]),
    st.sampled_from(["conversation", "no_answer", "voicemail", "busy", "not_connected"]),
    st.sampled_from(["collector", "collector", None, "customer"]),
    st.sampled_from(["L1", "L1", "L2", None]), st.sampled_from(["K1", "K1", "K2"]),
    st.integers(min_value=0, max_value=9).map(lambda k: k == 0))


def _event(minute: int, channel: str, result: str, debt: str | None,
           by: str = "collector") -> dict[str, object]:
    return {"at": _written(minute, "-05:00"), "channel": channel, "party": "self",
            "contact_id": "K1", "contact_value": PHONES[0], "debt_id": debt, "result": result,
            "initiated_by": by, "agency_id": None}


@settings(max_examples=400, deadline=None)
# a conversation about no debt in particular counts for the debt called about (us)
@example("us", 1800, "-05:00", PHONES[1], None, [_event(-600, "call", "conversation", None)],
         True, "call", "L1")
# visits are conversations (cn, gb)
@example("cn", 600, "+08:00", PHONES[0], None,
         [_event(m, "visit", "conversation", "L2") for m in (60, 120, 180)], True, "visit",
         "L1")
# calls that reached voicemail count as attempts (gb: three a day), a call the customer
# started does not
@example("gb", 1200, "Z", PHONES[2], None,
         [_event(900, "call", "conversation", "L2", "customer"),
          *(_event(m, "call", "voicemail", None) for m in (1000, 1050, 1100))], True, "call",
         None)
@given(st.sampled_from(["cn", "us", "gb"]), st.integers(min_value=0, max_value=3 * 24 * 60),
       st.sampled_from(OFFSETS), st.sampled_from(PHONES + (None,)),
       st.sampled_from([None, "America/Los_Angeles", "Asia/Shanghai", "Europe/London"]),
       st.lists(raw_events, max_size=25), st.booleans(),
       st.sampled_from(["call", "call", "visit", "sms"]), st.sampled_from(["L1", "L1", None]))
def test_skipping_old_history_never_changes_a_decision(
        pack, minute, offset, phone, address, history, in_order, channel, debt) -> None:  # type: ignore[no-untyped-def]
    """The evaluation skips the events too old for any rule, most of them unread: it must
    decide exactly as the engine does on the whole history, whatever the channels, debts,
    contacts and consents of the events."""
    if in_order:  # as a dialler writes its log: the old events are a prefix, bisected
        history.sort(key=lambda event: event["at"])
    scenario = {"id": "p", "attempt": {"at": _written(minute, offset), "channel": channel,
                                       "party": "self", "contact_id": "K1",
                                       "contact_value": phone, "debt_id": debt},
                "customer": {"country": pack.upper(), "address_timezone": address},
                "history": history}
    rules = rules_for(pack, None)
    attempt = parse_attempt(scenario["attempt"])
    customer = parse_customer(scenario["customer"], rules.country)
    whole = decide(rules, attempt, customer, parse_history(history))
    assert evaluate_scenario(pack, scenario) == decision_json("p", whole)
