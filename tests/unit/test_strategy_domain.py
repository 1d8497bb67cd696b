"""Strategy rules: segment matching, ladder timing, escalation, stable arms, file validation."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from importlib.resources import files

import pytest

from arrears.domain.strategy import (
    CaseFacts,
    Prior,
    arm_for,
    assign_treatment,
    count_escalations,
    step_index_for,
)
from arrears.strategies.schema import StrategyInvalid, parse_strategy

D = date(2026, 3, 10)
DEFAULT = (files("arrears.strategies") / "default.yaml").read_text(encoding="utf-8")


def facts(**kw: object) -> CaseFacts:
    base: dict = dict(case_id=1, dpd=5, bucket="M1", balance=Decimal("3000.00"),
                      overdue=Decimal("300.00"))
    base.update(kw)
    return CaseFacts(**base)


@pytest.fixture(scope="module")
def strategy():  # type: ignore[no-untyped-def]
    return parse_strategy(DEFAULT).to_domain()


class TestSegments:
    @pytest.mark.parametrize(("kw", "segment"), [
        ({}, "early"),
        ({"dpd": 0, "bucket": "M0"}, "pre_due"),
        ({"dpd": 45, "bucket": "M2"}, "mid"),
        ({"dpd": 100, "bucket": "M4"}, "late"),
        ({"dpd": 200, "bucket": "M7+"}, "write_off"),
        ({"broken_promises": 2}, "early_repeat_breaker"),
        ({"score_band": "E"}, "early_high_risk"),
        ({"score_band": "A"}, "early"),
        ({"flags": frozenset({"dispute"})}, "protected"),
        ({"has_active_plan": True}, "on_plan"),
    ])
    def test_first_matching_segment_wins(self, strategy, kw, segment) -> None:  # type: ignore[no-untyped-def]
        t = assign_treatment(strategy, facts(**kw), arm="champion", prior=None, broken_on=(),
                             as_of=D)
        assert t.segment == segment
        assert t.reason.startswith(f"segment {segment}")


class TestLadder:
    def test_new_case_starts_on_first_step(self, strategy) -> None:  # type: ignore[no-untyped-def]
        t = assign_treatment(strategy, facts(), arm="champion", prior=None, broken_on=(), as_of=D)
        assert (t.step.id, t.entered_on, t.escalations) == ("early_sms", D, 0)

    @pytest.mark.parametrize(("days", "step"), [
        (0, "early_sms"), (1, "gentle_call"), (9, "gentle_call"), (10, "firm_call"),
        (20, "written_notice"), (28, "supervisor_review"), (90, "supervisor_review")])
    def test_days_on_path_climb_the_ladder(self, strategy, days, step) -> None:  # type: ignore[no-untyped-def]
        entered = date.fromordinal(D.toordinal() - days)
        prior = Prior("champion", "early", entered)
        t = assign_treatment(strategy, facts(), arm="champion", prior=prior, broken_on=(),
                             as_of=D)
        assert t.step.id == step

    def test_broken_promise_escalates_one_step(self, strategy) -> None:  # type: ignore[no-untyped-def]
        prior = Prior("champion", "early", date(2026, 3, 8))
        t = assign_treatment(strategy, facts(), arm="champion", prior=prior,
                             broken_on=(date(2026, 3, 9),), as_of=D)
        assert (t.step.id, t.escalations) == ("firm_call", 1)

    def test_changing_path_restarts_the_clock(self, strategy) -> None:  # type: ignore[no-untyped-def]
        prior = Prior("champion", "early", date(2026, 2, 1))
        t = assign_treatment(strategy, facts(dpd=31, bucket="M2"), arm="champion", prior=prior,
                             broken_on=(date(2026, 2, 20),), as_of=D)
        assert (t.path, t.entered_on, t.step.id) == ("mid", D, "firm_call")

    def test_escalations_count_from_the_day_of_entering(self) -> None:
        broken = (date(2026, 1, 1), date(2026, 1, 5), date(2026, 1, 9), date(2026, 1, 10))
        assert count_escalations(broken, entered_on=date(2026, 1, 5), as_of=date(2026, 1, 9)) == 2

    def test_leaving_a_broken_plan_reenters_one_rung_higher(self, strategy) -> None:  # type: ignore[no-untyped-def]
        prior = Prior("champion", "plan_monitor", date(2026, 2, 1))
        t = assign_treatment(strategy, facts(dpd=45, bucket="M2"), arm="champion", prior=prior,
                             broken_on=(D,), as_of=D)
        assert (t.path, t.entered_on, t.step.id) == ("mid", D, "email_notice")

    def test_escalation_is_capped_at_the_top(self, strategy) -> None:  # type: ignore[no-untyped-def]
        steps = strategy.arms[0].paths["early"]
        assert step_index_for(steps, days_on_path=0, escalations=50) == len(steps) - 1


class TestArms:
    def test_arm_is_stable_per_case(self, strategy) -> None:  # type: ignore[no-untyped-def]
        first = [arm_for(strategy, i) for i in range(50)]
        assert first == [arm_for(strategy, i) for i in range(50)]

    def test_shares_are_respected(self, strategy) -> None:  # type: ignore[no-untyped-def]
        counts = Counter(arm_for(strategy, i) for i in range(4000))
        assert set(counts) == {"champion", "sms_first"}
        assert 0.26 < counts["sms_first"] / 4000 < 0.34

    def test_challenger_uses_its_own_ladder(self, strategy) -> None:  # type: ignore[no-untyped-def]
        prior = Prior("sms_first", "early", date(2026, 3, 8))
        t = assign_treatment(strategy, facts(), arm="sms_first", prior=prior, broken_on=(),
                             as_of=D)
        assert (t.arm, t.step.id) == ("sms_first", "reminder_email")


class TestStrategyFile:
    def test_default_strategy_is_valid(self) -> None:
        spec = parse_strategy(DEFAULT)
        assert spec.name == "default" and spec.challengers[0].share == Decimal("0.3")

    @pytest.mark.parametrize(("mutate", "field"), [
        (lambda t: t.replace("tone: firm, after_days: 10", "tone: angry, after_days: 10"),
         "paths.early[2].tone"),
        (lambda t: t.replace("path: mid\n", "path: middle\n"), "segments"),
        (lambda t: t.replace("share: 0.3", "share: 1.5"), "challengers[0].share"),
        (lambda t: t.replace("dpd: {max: 0}", "dpd: {max: zero}"), "segments[2].when.dpd.max"),
        (lambda t: t.replace("effective_from: 2020-01-01", "effective_from: someday"),
         "effective_from"),
    ])
    def test_errors_name_the_bad_field(self, mutate, field) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(StrategyInvalid) as err:
            parse_strategy(mutate(DEFAULT), source="s.yaml")
        assert err.value.field is not None and err.value.field.startswith(field)
        assert "s.yaml" in err.value.message

    def test_unknown_path_names_the_segment(self) -> None:
        with pytest.raises(StrategyInvalid) as err:
            parse_strategy(DEFAULT.replace("path: mid\n", "path: middle\n"))
        assert "segments[6].path" in err.value.message

    def test_steps_out_of_order_are_refused(self) -> None:
        bad = DEFAULT.replace("tone: firm, after_days: 10", "tone: firm, after_days: 0")
        with pytest.raises(StrategyInvalid, match="order of after_days"):
            parse_strategy(bad)

    def test_not_yaml(self) -> None:
        with pytest.raises(StrategyInvalid, match="not valid YAML"):
            parse_strategy("name: [unclosed")
