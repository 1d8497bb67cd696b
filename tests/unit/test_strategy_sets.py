"""The strategy decided for a set of cases at once gives, case by case, the treatment and
the words of the per-case domain rules (``assign_treatment``)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from arrears.domain.strategy import (
    CaseFacts,
    NoSegmentMatched,
    Prior,
    Strategy,
    arm_bounds,
    arm_for,
    arm_of_hash,
    assign_treatment,
    case_hash,
)
from arrears.services.strategy_sets import CaseSet, Words, decide, money_text
from arrears.strategies.schema import parse_strategy

D = date(2026, 5, 20)
RICH = """
name: rich
effective_from: 2026-01-01
experiment: sets
segments:
  - {id: protected, path: review, when: {flags_any: [dispute, hardship_hold]}}
  - {id: quiet, path: letters,
     when: {flags_none: [vip], languages: [en-GB], has_open_promise: true}}
  - {id: planned, path: review, when: {has_active_plan: true}}
  - {id: breakers, path: calls, when: {broken_promises: {min: 2, max: 3}}}
  - {id: small, path: calls, when: {balance: {max: 800.505}, dpd: {min: 1.5, max: 45}}}
  - {id: loans, path: letters, when: {products: [card], overdue: {min: 2000}}}
  - {id: risky, path: calls, when: {score_bands: [D, E], buckets: [M1, M2]}}
  - {id: late, path: letters, when: {buckets: [M4, M5], has_open_promise: false}}
paths:
  review:
    - {id: review, kind: supervisor_review, channel: review, after_days: 0}
  letters:
    - {id: notice, kind: written_notice, channel: letter, script: written_notice, after_days: 0}
    - {id: mail, kind: email_reminder, channel: email, script: overdue_email, after_days: 2}
  calls:
    - {id: gentle, kind: gentle_call, channel: call, after_days: 0}
    - {id: firm, kind: firm_call, channel: call, after_days: 3}
    - {id: agency, kind: agency_placement, channel: agency, after_days: 9,
       worked_by: {agency: true}}
challengers:
  - name: letters_first
    share: 0.3
    segments:
      - {id: english, path: letters, when: {languages: [en-GB, en-US]}}
      - {id: rest, path: calls}
"""


def _case(rng: random.Random, case_id: int) -> CaseFacts:
    return CaseFacts(
        case_id=case_id, dpd=rng.choice([0, 1, 2, 45, 46, 90, 200]),
        bucket=rng.choice(["M0", "M1", "M2", "M4", "M5", "M7+"]),
        balance=Decimal(rng.choice([0, 80050, 80051, 123456, 50])).scaleb(-2),
        overdue=Decimal(rng.choice([0, 199999, 200000, 500001])).scaleb(-2),
        products=frozenset(rng.sample(["card", "cash_loan", "auto"], rng.randint(0, 2))),
        score_band=rng.choice([None, "A", "D", "E"]),
        broken_promises=rng.choice([0, 1, 2, 3, 4]),
        flags=frozenset(rng.sample(["dispute", "vip", "hardship_hold"], rng.randint(0, 2))),
        language=rng.choice([None, "zh-CN", "en-GB", "en-US"]),
        has_open_promise=rng.random() < 0.4, has_active_plan=rng.random() < 0.1)


def _case_set(facts: list[CaseFacts], arms: list[str], priors: list[Prior | None],
              broken: list[tuple[int, date]]) -> CaseSet:
    n = len(facts)

    def ints(values: list[int]) -> np.ndarray:
        return np.array(values, np.int64)

    return CaseSet(
        case_id=ints([f.case_id for f in facts]), dpd=ints([f.dpd for f in facts]),
        bucket=Words.of((f.bucket for f in facts), n),
        balance_cents=ints([int(f.balance * 100) for f in facts]),
        overdue_cents=ints([int(f.overdue * 100) for f in facts]),
        products=Words.of((f.products for f in facts), n),
        score_band=Words.of((f.score_band for f in facts), n),
        broken_promises=ints([f.broken_promises for f in facts]),
        flags=Words.of((f.flags for f in facts), n),
        language=Words.of((f.language for f in facts), n),
        has_open_promise=np.array([f.has_open_promise for f in facts], np.bool_),
        has_active_plan=np.array([f.has_active_plan for f in facts], np.bool_),
        arm=Words.of(arms, n), prior_arm=Words.of((p and p.arm for p in priors), n),
        prior_path=Words.of((p and p.path for p in priors), n),
        prior_entered=ints([p.entered_on.toordinal() if p else -1 for p in priors]),
        has_prior=np.array([p is not None for p in priors], np.bool_),
        broken_case=ints([i for i, _d in broken]),
        broken_day=ints([d.toordinal() for _i, d in broken]))


@pytest.fixture(scope="module")
def rich() -> Strategy:
    return parse_strategy(RICH).to_domain()


def test_a_set_gets_the_treatment_and_words_of_each_case(rich: Strategy) -> None:
    rng = random.Random(3)
    facts = [_case(rng, i) for i in range(1, 1501)]
    arms = [arm_for(rich, f.case_id) if rng.random() < 0.9 else "dropped" for f in facts]
    paths = ["review", "letters", "calls", "gone"]
    priors = [None if rng.random() < 0.3 else
              Prior(rng.choice(["champion", "letters_first"]), rng.choice(paths),
                    D - timedelta(days=rng.randint(1, 12))) for _f in facts]
    broken = [(rng.randrange(len(facts)), D - timedelta(days=rng.randint(-1, 14)))
              for _ in range(600)]
    got = decide(rich, _case_set(facts, arms, priors, broken), as_of=D.toordinal())
    unmatched = 0
    for i, f in enumerate(facts):
        days = tuple(d for r, d in broken if r == i)
        try:
            want = assign_treatment(rich, f, arm=arms[i], prior=priors[i], broken_on=days,
                                    as_of=D)
        except NoSegmentMatched:
            assert got.step[i] == -1 and got.reason[i] is None
            unmatched += 1
            continue
        assert (got.arm[i], got.segment[i], got.path[i]) == (want.arm, want.segment, want.path)
        assert got.steps[got.step[i]] == want.step
        assert (got.step_index[i], got.escalations[i]) == (want.step_index, want.escalations)
        assert date.fromordinal(int(got.entered_on[i])) == want.entered_on
        assert got.reason[i] == want.reason
    assert 0 < unmatched < len(facts)


@pytest.mark.parametrize("cents", [0, 5, -5, 100, 123456, -123456, 10**15])
def test_money_text_is_the_decimal_as_written(cents: int) -> None:
    assert money_text(cents) == str(Decimal(cents).scaleb(-2))


@pytest.mark.parametrize("shares", [("0.3",), ("0.1", "0.25"), ("0.333333333", "0.333333333"),
                                    ("0.0000001",)])
def test_hash_bounds_give_the_arm_of_each_case(shares: tuple[str, ...]) -> None:
    text = RICH.split("challengers:")[0] + "challengers:\n" + "".join(
        f"  - {{name: c{i}, share: {s}}}\n" for i, s in enumerate(shares))
    strategy = parse_strategy(text).to_domain()
    bounds = arm_bounds(strategy)
    for cid in range(3000):
        assert arm_of_hash(bounds, "champion", case_hash("sets", cid)) == arm_for(strategy, cid)
