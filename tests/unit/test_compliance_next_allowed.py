"""When the next attempt is allowed, checked against stepping through time.

For a borrower with nothing on record but where they live (no holds, consents or
preferences), the next allowed time is the first moment the same attempt would be
allowed: every quarter hour before it is blocked, and at it the attempt goes through.
Candidate zones, local midnights, caps, holidays and weekday rules all keep to quarter
hours of UTC (zone offsets are whole quarter hours, windows start on the half hour), so
stepping by a quarter hour misses no moment.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.domain.compliance import evaluate_scenario

QUARTER = timedelta(minutes=15)

#: pack -> (country, phone numbers and the first zone each gives, other zones an address
#: may be in)
PLACES: dict[str, tuple[str, list[tuple[str, str]], list[str]]] = {
    "cn": ("CN", [("+8613812345678", "Asia/Shanghai")], ["Asia/Shanghai", "Asia/Kathmandu"]),
    "us": ("US", [("+12125551234", "America/New_York"), ("+19075551234", "America/Anchorage"),
                  ("+13125551234", "America/Chicago"), ("+18085551234", "Pacific/Honolulu")],
           ["America/Los_Angeles", "America/New_York", "America/Phoenix"]),
    "gb": ("GB", [("+442071234567", "Europe/London")], ["Europe/Dublin", "Europe/London"]),
}
#: days around a change of clocks, a public holiday, a weekend
DAYS = ["2026-03-08", "2026-03-29", "2026-10-01", "2026-10-25", "2026-10-31", "2026-11-01",
        "2026-11-25", "2026-11-26", "2026-11-28", "2026-12-24", "2026-12-25", "2026-12-31"]
#: minutes of the local day near the edges of windows and days
EDGES = [0, 1, 7 * 60 + 59, 8 * 60, 8 * 60 + 30, 9 * 60, 17 * 60 + 59, 20 * 60 + 59, 21 * 60,
         21 * 60 + 59, 22 * 60, 23 * 60 + 59]

OPTIONS: dict[str, Any] = {
    "cn": st.fixed_dictionaries({}, optional={
        "quiet_start": st.sampled_from(["20:00", "21:00", "21:30"]),
        "quiet_end": st.sampled_from(["08:30", "09:00"]),
        "daily_call_attempts": st.integers(min_value=1, max_value=6),
        "daily_conversations": st.integers(min_value=1, max_value=3),
        "no_contact_on_holidays": st.just(True),
        "no_contact_on_weekdays": st.just({"sun": ["call"]}),
        "channel_windows": st.just({"call": ["09:00", "18:00"]})}),
    "us": st.fixed_dictionaries({}, optional={
        "quiet_start": st.sampled_from(["20:00", "20:30"]),
        "quiet_end": st.sampled_from(["08:30", "09:00"]),
        "calls_per_7_days": st.integers(min_value=1, max_value=7),
        "conversation_pause_days": st.integers(min_value=7, max_value=9),
        "no_contact_on_holidays": st.just(True),
        "no_contact_on_weekdays": st.just({"sat": ["call"], "sun": ["call", "sms"]})}),
    "gb": st.fixed_dictionaries({}, optional={
        "quiet_start": st.sampled_from(["20:00", "20:30"]),
        "quiet_end": st.sampled_from(["08:30", "09:00"]),
        "daily_call_attempts": st.integers(min_value=1, max_value=3),
        "no_contact_on_holidays": st.just(True),
        "channel_windows": st.just({"sms": ["10:00", "19:00"]})}),
}


def _local(zone: str, day: str, back: int, minute: int) -> datetime:
    start = datetime.fromisoformat(day) - timedelta(days=back)
    return (start + timedelta(minutes=minute)).replace(tzinfo=ZoneInfo(zone))


@st.composite
def scenarios(draw: Any) -> tuple[str, dict[str, Any]]:
    pack = draw(st.sampled_from(sorted(PLACES)))
    country, phones, elsewhere = PLACES[pack]
    phone, home = draw(st.sampled_from(phones))
    day = draw(st.sampled_from(DAYS))
    edge = st.one_of(st.sampled_from(EDGES), st.integers(min_value=0, max_value=24 * 60 - 1))
    at = _local(home, day, 0, draw(edge))
    offset = draw(st.sampled_from(["dialler", "utc", "home"]))
    written = {"dialler": at.astimezone(ZoneInfo(home)), "home": at,
               "utc": at.astimezone(UTC)}[offset]
    history = [{"at": _local(home, day, back, minute).astimezone(UTC).isoformat(),
                "channel": channel, "party": "self", "contact_id": "K1",
                "contact_value": phone, "debt_id": "L1", "result": result,
                "initiated_by": "collector", "agency_id": None}
               for back, minute, channel, result in draw(st.lists(st.tuples(
                   st.integers(min_value=-1, max_value=8), edge,
                   st.sampled_from(["call", "call", "call", "sms"]),
                   st.sampled_from(["no_answer", "voicemail", "conversation", "busy"])),
                   max_size=25))]
    scenario = {
        "id": "n", "options": draw(OPTIONS[pack]),
        "attempt": {"at": written.isoformat(), "channel": draw(st.sampled_from(
            ["call", "call", "sms"])), "party": "self", "contact_id": "K1",
            "contact_value": phone, "debt_id": "L1", "initiated_by": "collector",
            "agency_id": None, "template": None, "mentions_debt": True, "collectors": 1},
        "customer": {"country": country, "timezone": None,
                     "address_timezone": draw(st.sampled_from([None, None, *elsewhere])),
                     "flags": [], "refused_contacts": [], "consents": [],
                     "breathing_space_until": None},
        "history": history}
    return pack, scenario


def _at(pack: str, scenario: dict[str, Any], when: datetime) -> dict[str, Any]:
    """The same attempt at another moment."""
    moved = copy.deepcopy(scenario)
    moved["attempt"]["at"] = when.isoformat()
    return evaluate_scenario(pack, moved)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_the_next_allowed_time_is_the_first_moment_the_attempt_goes_through(
        case: tuple[str, dict[str, Any]]) -> None:
    pack, scenario = case
    first = evaluate_scenario(pack, scenario)
    assert first["decision"] in ("allow", "block"), first
    if first["decision"] == "allow":
        return
    assert first["next_allowed_at"] is not None, first
    after = datetime.fromisoformat(first["next_allowed_at"]).astimezone(UTC)
    at = datetime.fromisoformat(scenario["attempt"]["at"]).astimezone(UTC)
    assert after > at
    assert after.second == 0 and after.minute % 15 == 0, after
    step = at.replace(minute=at.minute - at.minute % 15, second=0) + QUARTER
    while step < after:
        assert _at(pack, scenario, step)["decision"] == "block", (step, first)
        step += QUARTER
    assert _at(pack, scenario, after)["decision"] == "allow", first
