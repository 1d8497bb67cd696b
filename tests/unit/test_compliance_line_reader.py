"""A scenario's line is answered from its bytes exactly as from the JSON it holds.

``compliance evaluate`` reads each line's history straight from the line
(``_history.read_line``) and leaves the rest to the JSON reader. Whatever it answers that
way must be the answer of the line read as JSON and decided in Python, word for word;
any writing it does not read plainly (escapes, characters beyond ASCII, numbers, nested
values, a history written twice, a line that is not JSON) goes the whole JSON way, with
the same answer or the same error.
"""

from __future__ import annotations

import json
import random
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.domain.compliance import engine, evaluate_line
from arrears.entrypoints.cli_compliance import (
    bench_scenarios,
    line_answers,
    loads_line,
    not_json,
)
from arrears.services.compliance import scenario_with_text
from tests.unit.test_compliance_compiled_decision import (
    _busy_week,
    _learn_offsets,
    _plain_call,
    _without_kernel,
    needs_kernel,
    scenarios,
)


def _reference(pack: str, line: bytes, locale: str = "en") -> dict[str, Any]:
    """The answer of the line read as JSON and decided by the Python engine alone."""
    try:
        scenario = loads_line(line)
    except ValueError as exc:
        return not_json(exc, 1)
    return _without_kernel(pack, scenario_with_text(scenario), locale)


def _answered(pack: str, line: bytes, locale: str = "en") -> dict[str, Any]:
    """The line's answer once an earlier answer of it has filled the caches."""
    answer = line_answers(pack, locale)
    answer(line, 1)
    return answer(line, 1)


def _writings(scenario: dict[str, Any], rng: random.Random) -> list[bytes]:
    """The same scenario written as a dialler might: compact, with spaces after every
    separator, with each object's keys in another order, with ASCII escapes for every
    character beyond ASCII."""
    def shuffled(value: Any) -> Any:
        if isinstance(value, dict):
            items = list(value.items())
            rng.shuffle(items)
            return {k: shuffled(v) for k, v in items}
        if isinstance(value, list):
            return [shuffled(v) for v in value]
        return value

    return [orjson.dumps(scenario) + b"\n",
            json.dumps(scenario, separators=(" , ", " :\t")).encode() + b"\r\n",
            orjson.dumps(shuffled(scenario)),
            json.dumps(shuffled(scenario), ensure_ascii=True).encode() + b"\n"]


@needs_kernel
@settings(max_examples=500, deadline=None)
@given(scenarios(), st.sampled_from(["en", "zh-CN"]), st.integers(0, 2**32))
def test_a_line_is_answered_as_the_json_it_holds(case: tuple[str, dict[str, Any]],
                                                 locale: str, seed: int) -> None:
    pack, scenario = case
    _learn_offsets()
    for line in _writings(scenario, random.Random(seed)):
        assert _answered(pack, line, locale) == _reference(pack, line, locale)


@needs_kernel
@pytest.mark.parametrize("pack", ["cn", "us", "gb"])
def test_a_dialler_list_is_answered_from_its_lines(pack: str) -> None:
    """The bench's dialler lists: every line but those that fill the caches is answered
    from its bytes, each as the JSON it holds."""
    lines = [orjson.dumps(s) + b"\n" for s in bench_scenarios(400, pack=pack, seed=11)]
    expected = [_reference(pack, line) for line in lines]
    answer = line_answers(pack)
    assert [answer(line, 1) for line in lines] == expected
    from_bytes = [evaluate_line(pack, line) for line in lines]
    assert all(got is None or got == want for got, want in zip(from_bytes, expected, strict=True))
    assert sum(got is not None for got in from_bytes) >= 390


def _mutated(line: bytes, old: bytes, new: bytes) -> bytes:
    """``line`` with the last place that writes ``old`` (the history's last event, where
    the attempt writes the same) written ``new``; ``{off}`` stands for the offset of the
    history's times."""
    at = line.rindex(b'"at":"') + 6
    offset = line[at + 19:line.index(b'"', at)]
    old, new = old.replace(b"{off}", offset), new.replace(b"{off}", offset)
    assert old in line, old
    where = line.rindex(old)
    return line[:where] + new + line[where + len(old):]


#: a plain call's line and a busy week's in each pack, each changed in one place
LINES = {"call": ("cn", orjson.dumps(_plain_call())),
         **{pack: (pack, orjson.dumps(_busy_week(pack))) for pack in ("cn", "us", "gb")}}
SELF = b'"party":"self","contact_id":"K0"'
LAST = b'"agency_id":null}]}'
MUTATIONS = [
    # written otherwise, the same JSON
    ("spaces", b'"result":"no_answer"', b'"result" :\t "no_answer" '),
    ("escaped word", b'"channel":"call"', b'"channel":"c\\u0061ll"'),
    ("escaped key", b'"result":"no_answer"', b'"resul\\u0074":"no_answer"'),
    ("escaped time", b'"at":"20', b'"at":"2\\u0030'),
    ("escaped history", b'"history":', b'"hist\\u006fry":'),
    ("a key written twice", b'"result":"no_answer"',
     b'"result":"conversation","result":"no_answer"'),
    ("its other value kept", b'"result":"no_answer"',
     b'"result":"no_answer","result":"conversation"'),
    ("consent", b'"result":"no_answer"', b'"result":"no_answer","with_consent":true'),
    ("consent false", b'"result":"no_answer"', b'"result":"no_answer","with_consent":false'),
    ("null debt", b'"debt_id":"L1"', b'"debt_id":null'),
    ("true debt", b'"debt_id":"L1"', b'"debt_id":true'),
    ("other debt", b'"debt_id":"L1"', b'"debt_id":"L9"'),
    ("true party", SELF, b'"party":true,"contact_id":"K0"'),
    ("empty party", SELF, b'"party":"","contact_id":"K0"'),
    ("guarantor", SELF, b'"party":"guarantor","contact_id":"K0"'),
    ("other party", SELF, b'"party":"neighbour","contact_id":"K0"'),
    ("other contact", SELF, b'"party":"self","contact_id":"K7"'),
    ("false initiator", b'"initiated_by":"collector"', b'"initiated_by":false'),
    ("inbound", b'"initiated_by":"collector"', b'"initiated_by":"customer"'),
    ("number", LAST, b'"agency_id":17}]}'),
    ("number debt", b'"debt_id":"L1"', b'"debt_id":1'),
    ("nested", LAST, b'"agency_id":{"a":[1,"]"]}}]}'),
    ("beyond ASCII", SELF, '"party":"self","contact_id":"K\u00f6"'.encode()),
    ("beyond ASCII elsewhere", b'"id":"', '"id":"\u6d4b\u8bd5'.encode()),
    ("empty event", b'"history":[', b'"history":[{},'),
    ("empty history", b'"history":[', b'"history":[],"x":['),
    ("history twice", b'"history":[', b'"history":[],"history":['),
    ("history null", b'"history":[', b'"history":null,"x":['),
    ("unknown channel", b'"channel":"call","party":"self"', b'"channel":"fax","party":"self"'),
    ("an offset never seen", b'{off}"', b'+08:17"'),
    ("a time written otherwise", b':00{off}"', b':00.5{off}"'),
    # not JSON
    ("control character", b'"result":"no_answer"', b'"result":"no_\tanswer"'),
    ("trailing comma in an event", LAST, b'"agency_id":null,}]}'),
    ("trailing comma in the history", LAST, b'"agency_id":null},]}'),
    ("no colon", b'"result":"no_answer"', b'"result" "no_answer"'),
    ("bad literal", LAST, b'"agency_id":nul}]}'),
    ("not UTF-8", SELF, b'"party":"self","contact_id":"K\xff"'),
    ("not UTF-8 elsewhere", b'"id":"', b'"id":"\xc3('),
    ("cut short", LAST, b'"agency_id":null}'),
    ("unclosed text", LAST, b'"agency_id":null}]}"'),
    ("garbage after", LAST, b'"agency_id":null}]} x'),
    ("two objects", LAST, b'"agency_id":null}]}{}'),
    ("array", b'{"id":', b'[{"id":'),
]


@needs_kernel
@pytest.mark.parametrize(("name", "old", "new"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
@pytest.mark.parametrize("which", sorted(LINES))
def test_a_line_written_otherwise_is_answered_as_json(name: str, old: bytes, new: bytes,
                                                      which: str) -> None:
    pack, line = LINES[which]
    changed = _mutated(line, old, new)
    for locale in ("en", "zh-CN"):
        assert _answered(pack, changed, locale) == _reference(pack, changed, locale)


@needs_kernel
def test_the_plain_writings_are_read_from_the_line() -> None:
    """What the line reader reads plainly is answered from the line, not by the JSON
    way: spaces, a key written twice, truth values and nulls of the fields."""
    for old, new in [(b'"result":"no_answer"', b'"result" :\t "no_answer" '),
                     (b'"result":"no_answer"', b'"result":"conversation","result":"no_answer"'),
                     (b'"result":"no_answer"', b'"result":"no_answer","with_consent":true'),
                     (b'"debt_id":"L1"', b'"debt_id":null'),
                     (LAST, b'"agency_id":false,"extra":"x"}]}')]:
        changed = _mutated(LINES["call"][1], old, new)
        _answered("cn", changed)
        assert engine._kernel.read_line(changed) is not None
        assert evaluate_line("cn", changed) == _reference("cn", changed)
    for old, new in [(b'"channel":"call"', b'"channel":"c\\u0061ll"'),
                     (LAST, b'"agency_id":17}]}'),
                     (b'"history":[', b'"history":[],"history":[')]:
        assert engine._kernel.read_line(_mutated(LINES["call"][1], old, new)) is None
