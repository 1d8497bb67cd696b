"""The compiled history reader reads exactly as the Python one does, or leaves it to Python;
the compiled counters count as the Python ones.

``_history.plain_events`` must return what ``parse._plain_events`` returns for the same
history and floor, or None ("read it in Python"). It must never answer where the Python
reading would raise or decline, and it must answer for the plain histories a dialler
sends (else it would be built for nothing).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from arrears.domain.compliance import engine, parse
from arrears.domain.compliance.kernel import compiled_kernel
from arrears.domain.compliance.model import CHANNELS, INBOUND, RESULTS
from arrears.domain.compliance.parse import (
    NO_FLOOR,
    Floor,
    ScenarioError,
    history_floor,
    parse_history,
)
from arrears.domain.compliance.zones import candidate_zones, zone
from tests.conftest import IN_CI

reader = parse._compiled_events
needs_reader = pytest.mark.skipif(reader is None and not IN_CI,
                                  reason="the history reader is not compiled (outside CI)")

BASE = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
OFFSETS = ("+08:00", "Z", "+00:00", "-05:00", "+05:30", "+05:45", "-10:00", "+14:00")
ZONES = ("Asia/Shanghai", "America/New_York", "Europe/London", "Pacific/Honolulu")


def _written(minute: int, offset: str) -> str:
    tz = UTC if offset == "Z" else datetime.strptime(offset, "%z").tzinfo
    text = (BASE + timedelta(minutes=minute)).astimezone(tz).isoformat()
    return text.replace("+00:00", "Z") if offset == "Z" else text


#: timestamps a dialler writes, and others: other separators, fractions, no seconds, dates
#: that do not exist, years at the ends of the calendar, things that are not timestamps
ODD_TIMES = [
    "2026-11-28 09:00:00+08:00", "2026-11-28T09:00:00.250+08:00", "2026-11-28T09:00+08:00",
    "2026-02-29T09:00:00+08:00", "2024-02-29T09:00:00+08:00", "2026-13-01T09:00:00+08:00",
    "2026-11-28T24:00:00+08:00", "2026-11-28T23:59:60+08:00", "2026-11-31T09:00:00Z",
    "2100-02-29T09:00:00Z", "2000-02-29T09:00:00Z", "2026-11-30T09:00:00+08:00",
    "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-05:00", "0000-01-01T00:00:00Z",
    "2026-11-28T09:00:00+08:00:30", "2026-11-28T09:00:00+0800", "2026-11-28T09:00:00",
    "2026-11-28", "", "2026-11-28T09:00:00+08", "\uff12\uff10\uff12\uff16-11-28T09:00:00+08:00",
    "2026-11-28T09:00:00 +08:00", "2026-11-28T9:00:00+08:00", "2026-11-28T09:60:00Z",
    "2026-11-28t09:00:00Z", "2026/11/28T09:00:00Z", None, 20261128, ["2026-11-28"],
]
#: what a field may hold instead of its usual value: other names, other types, nothing
ODD_VALUES: dict[str, list[Any]] = {
    "at": ODD_TIMES,
    "channel": ["fax", "", None, 3, ["call"], "CALL"],
    "party": ["", None, 7, ["self"], "spouse"],
    "contact_id": [None, 5, ["K1"]],
    "contact_value": [None, {"n": 1}],
    "debt_id": [None, 12],
    "result": ["answered", "", None, ["busy"]],
    "initiated_by": ["customer", "self", None, 1, ["customer"], ""],
    "with_consent": [True, False, 1, "yes", None],
}
odd_values = {name: st.sampled_from(choices) for name, choices in ODD_VALUES.items()}
PLAIN = ("at", "channel", "party", "contact_id", "contact_value", "debt_id", "result",
         "initiated_by")
plain_events = st.builds(
    lambda minute, offset, channel, result, by, consent: {
        "at": _written(minute, offset), "channel": channel, "party": "self",
        "contact_id": "K1", "contact_value": "+8613812345678", "debt_id": "L1",
        "result": result, "initiated_by": by, "agency_id": None,
        **({"with_consent": consent} if consent is not None else {})},
    st.integers(min_value=-12 * 24 * 60, max_value=2 * 24 * 60), st.sampled_from(OFFSETS),
    st.sampled_from(sorted(CHANNELS)), st.sampled_from(sorted(RESULTS)),
    st.sampled_from(["collector", "customer", None]), st.sampled_from([True, False, None]))


@st.composite
def histories(draw: Any, max_size: int = 25) -> list[Any]:
    """A dialler's history with up to two events made odd: a field given another value or
    left out, or the event not an object at all. Most of a history stays plain, so each
    oddity meets the readers alone."""
    raw: list[Any] = draw(st.lists(plain_events, max_size=max_size))
    for _ in range(draw(st.integers(min_value=0, max_value=2)) if raw else 0):
        i = draw(st.integers(min_value=0, max_value=len(raw) - 1))
        if type(raw[i]) is not dict:
            continue
        event = raw[i] = dict(raw[i])
        how = draw(st.sampled_from(["value", "value", "value", "left out", "not an object"]))
        name = draw(st.sampled_from(sorted(odd_values)))
        if how == "value":
            event[name] = draw(odd_values[name])
        elif how == "left out":
            event.pop(name, None)
        else:
            raw[i] = draw(st.sampled_from([None, "call", ["at"], 5]))
    return raw


@st.composite
def floors(draw: Any) -> Floor:
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        return NO_FLOOR
    offset = draw(st.sampled_from(OFFSETS))
    raw_at = _written(draw(st.integers(min_value=0, max_value=24 * 60)), offset)
    zones = candidate_zones(draw(st.sampled_from(ZONES)), None, None, None)
    at = datetime.fromisoformat(raw_at)
    return history_floor(at, raw_at, zones, draw(st.sampled_from([0, 1, 7, 30])))


def _python(raw: list[Any], floor: Floor) -> Any:
    try:
        return parse._plain_events(raw, floor)
    except Exception as exc:  # noqa: BLE001 - what the Python reading raises, to compare
        return exc


def _compiled(raw: list[Any], floor: Floor) -> Any:
    assert reader is not None, "the compiled history reader is not built"
    return reader(raw, floor.day, floor.text, floor.suffix, floor.utc, parse._OFFSETS,
                  CHANNELS, RESULTS, INBOUND)


def _learn(offsets: list[str]) -> None:
    """Offsets the readers have met before (the cache a stream of scenarios fills)."""
    parse._OFFSETS.clear()
    for offset in offsets:
        parse.utc_naive(_written(0, offset))


@needs_reader
@settings(max_examples=600, deadline=None)
@example([{"at": "0001-01-01T00:00:00+08:00", **{k: "call" for k in PLAIN[1:]}}], NO_FLOOR,
         ["+08:00"], False)
@given(histories(), floors(),
       st.lists(st.sampled_from(OFFSETS), max_size=4), st.booleans())
def test_the_compiled_reader_reads_as_python_or_leaves_it_to_python(
        raw: list[Any], floor: Floor, known: list[str], in_order: bool) -> None:
    if in_order:
        raw.sort(key=lambda ev: ev.get("at") if type(ev) is dict and type(ev.get("at")) is str
                 else "")
    _learn(known)
    compiled = _compiled(raw, floor)
    if compiled is not None:
        assert compiled == _python(raw, floor)
        for got, want in zip(compiled, _python(raw, floor), strict=True):
            assert [type(v) for v in got] == [type(v) for v in want]


@needs_reader
@settings(max_examples=300, deadline=None)
@given(st.lists(plain_events, max_size=25), floors())
def test_the_compiled_reader_answers_for_a_diallers_history(raw: list[Any],
                                                           floor: Floor) -> None:
    """Every field present, times in offsets met before: the compiled reader answers, and
    the answer is the Python one."""
    _learn(list(OFFSETS))
    compiled = _compiled(raw, floor)
    assert compiled is not None
    assert compiled == parse._plain_events(raw, floor)


ODD_CASES = [(name, value) for name, choices in ODD_VALUES.items() for value in choices]
ODD_CASES += [(name, "left out") for name in ODD_VALUES]


@needs_reader
@pytest.mark.parametrize(("name", "value"), ODD_CASES)
def test_each_odd_field_alone_reads_as_python(name: str, value: Any) -> None:
    """One event after the floor made odd between two plain ones: the compiled reader
    answers as Python does, or leaves the history to Python."""
    _learn(list(OFFSETS))
    raw_at = "2026-11-20T10:00:00+08:00"
    floor = history_floor(datetime.fromisoformat(raw_at), raw_at,
                          candidate_zones("Asia/Shanghai", None, None, None), 7)
    plain = {"at": "2026-11-19T09:00:00+08:00", "channel": "call", "party": "self",
             "contact_id": "K1", "contact_value": "+8613812345678", "debt_id": "L1",
             "result": "no_answer", "initiated_by": "collector"}
    odd = dict(plain, at="2026-11-19T10:00:00+08:00")
    if value == "left out":
        odd.pop(name, None)
    else:
        odd[name] = value
    raw = [plain, odd, dict(plain, at="2026-11-19T11:00:00Z")]
    compiled = _compiled(raw, floor)
    if compiled is not None:
        assert compiled == _python(raw, floor)
    assert _compiled(raw[:1] + raw[2:], floor) is not None  # the plain ones alone: it answers


def _read(raw: list[Any], floor: Floor) -> Any:
    try:
        return parse_history(raw, floor)
    except ScenarioError as exc:
        return ("error", exc.field, exc.reason)


@needs_reader
@settings(max_examples=300, deadline=None)
@given(histories(12), floors(), st.lists(st.sampled_from(OFFSETS), max_size=3))
def test_history_reads_and_errors_the_same_with_and_without_the_compiled_reader(
        raw: list[Any], floor: Floor, known: list[str]) -> None:
    _learn(known)
    with_reader = _read(raw, floor)
    _learn(known)
    saved, parse._compiled_events = parse._compiled_events, None
    try:
        without = _read(raw, floor)
    finally:
        parse._compiled_events = saved
    assert with_reader == without


def test_a_build_older_than_its_source_is_not_used() -> None:
    """The build carries the hash of the source it compiled; in CI it must be built, and
    from the source in the tree."""
    source = Path(parse.__file__).with_name("_history.pyx")
    if reader is None:
        if IN_CI:
            pytest.fail("the compiled history reader must be built in CI")
        pytest.skip("the history reader is not compiled (outside CI)")
    from arrears.domain.compliance import _history

    assert _history.SOURCE_SHA256 == hashlib.sha256(source.read_bytes()).hexdigest()
    stale = type(_history)("stale")
    stale.SOURCE_SHA256 = "0" * 64  # type: ignore[attr-defined]
    stale.plain_events = _history.plain_events  # type: ignore[attr-defined]
    assert compiled_kernel(stale) is None
    assert compiled_kernel(_history) is _history
    assert compiled_kernel() is _history
    assert parse._compiled_events is _history.plain_events
    assert engine._compiled_tally is _history.tally


def test_the_floor_is_in_utc_whatever_zone() -> None:
    """A floor in another zone than the events' offset: the events on either side of it
    are kept or skipped by the instant, not by the written clock time."""
    _learn(["+08:00", "-05:00"])
    raw_at = "2026-11-28T10:00:00+08:00"
    zones = candidate_zones("America/New_York", None, None, None)
    floor = history_floor(datetime.fromisoformat(raw_at), raw_at, zones, 0)
    just_before = (floor.utc - timedelta(seconds=1)).replace(tzinfo=UTC)
    events = [{"at": when.astimezone(timezone(timedelta(hours=h))).isoformat(),
               "channel": "call", "party": "self", "contact_id": "K1",
               "contact_value": None, "debt_id": "L1", "result": "no_answer",
               "initiated_by": "collector"}
              for when in (just_before, floor.utc.replace(tzinfo=UTC)) for h in (8, -5)]
    kept = parse_history(events, floor)
    assert [e[0] for e in kept] == [floor.utc, floor.utc]


def test_a_time_before_year_one_in_utc_is_an_error_not_a_crash() -> None:
    event = {"at": "0001-01-01T00:00:00+08:00", "channel": "call", "party": "self",
             "contact_id": "K1", "contact_value": None, "debt_id": "L1",
             "result": "no_answer", "initiated_by": "collector"}
    for known in ([], ["+08:00"]):
        _learn(known)
        with pytest.raises(ScenarioError) as caught:
            parse_history([event])
        assert caught.value.field == "history[0].at"


#: zones whose clocks change, some at midnight itself (Santiago), by half an hour (Lord
#: Howe), or never (Kathmandu's quarter hour)
FLOOR_ZONES = ("America/New_York", "America/Santiago", "Australia/Lord_Howe",
               "Europe/London", "Asia/Kathmandu", "Asia/Shanghai", "Pacific/Honolulu")
#: days on which some of those zones change their clocks, and an ordinary one
FLOOR_DAYS = (datetime(2026, 3, 8, tzinfo=UTC), datetime(2026, 4, 5, tzinfo=UTC),
              datetime(2026, 9, 6, tzinfo=UTC), datetime(2026, 10, 25, tzinfo=UTC),
              datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))


@settings(max_examples=300, deadline=None)
# the minute before London's midnight, then midnight itself: a new day, a new floor
@example({"Europe/London"}, 1, FLOOR_DAYS[-1], [(-1, "+00:00"), (0, "+00:00")])
@given(st.sets(st.sampled_from(FLOOR_ZONES), min_size=1, max_size=3),
       st.sampled_from([0, 1, 7]), st.sampled_from(FLOOR_DAYS),
       st.lists(st.tuples(st.integers(min_value=-36 * 60, max_value=36 * 60),
                          st.sampled_from(OFFSETS)), min_size=1, max_size=40))
def test_a_remembered_floor_is_the_floor_computed_afresh(
        names: set[str], days: int, around: datetime, attempts: list[tuple[int, str]]) -> None:
    """A dialler list in time order and out of it, across days on which clocks change: the
    floor the caches give is always the one computed for that attempt alone."""
    parse.clear_caches()
    zones = tuple(zone(name) for name in sorted(names))
    for minute, offset in attempts:
        tz = UTC if offset == "Z" else datetime.strptime(offset, "%z").tzinfo
        at = (around + timedelta(minutes=minute)).astimezone(tz)
        raw_at = at.isoformat().replace("+00:00", "Z") if offset == "Z" else at.isoformat()
        suffix = raw_at[19:]
        assert history_floor(at, raw_at, zones, days) == parse._floor(at, zones, days, suffix)


tuple_events = st.tuples(
    st.datetimes(min_value=datetime(2026, 11, 20), max_value=datetime(2026, 11, 29)),
    st.sampled_from(["call", "call", "sms", "email", "visit", "letter"]),
    st.sampled_from(["self", "guarantor", "spouse", "attorney"]),
    st.sampled_from(["K1", "K2", None]), st.sampled_from(["+8613812345678", "+1212", None]),
    st.sampled_from(["L1", "L2", None]),
    st.sampled_from(["conversation", "no_answer", "voicemail", "busy", "not_connected",
                     "message"]),
    st.booleans(), st.booleans())


@needs_reader
@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["cn", "gb", "us"]), st.lists(tuple_events, max_size=25),
       st.sampled_from(["+8613812345678", None]), st.sampled_from(["K1", None]),
       st.sampled_from(["L1", "L2", None]))
def test_the_compiled_counters_count_as_python(pack: str, history: list[Any], value: Any,
                                               cid: Any, debt: Any) -> None:
    from arrears.domain.compliance import _history, rules_for
    from arrears.domain.compliance.model import BORROWER_PARTIES, NOT_CONNECTED, Attempt

    attempt = Attempt(at=BASE, channel="call", contact_id=cid, contact_value=value,
                      debt_id=debt)
    ctx = engine.Ctx(rules_for(pack, None), attempt, engine.Customer(country="CN"), history,
                     ())
    compiled = _history.tally(pack, history, value, cid, debt, BORROWER_PARTIES,
                              NOT_CONNECTED)
    assert compiled == engine._TALLIES[pack](ctx)
    if history:  # events that are not the engine's tuples: counted in Python
        assert _history.tally(pack, [list(ev) for ev in history], value, cid, debt,
                              BORROWER_PARTIES, NOT_CONNECTED) is None
