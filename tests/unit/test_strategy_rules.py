"""Promises kept/partly kept/broken, and allocation of cases to collectors and agencies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from arrears.domain.allocation import (
    AgencyInfo,
    CaseSlot,
    Collector,
    agency_eligible,
    allocate,
    pick_agency,
)
from arrears.domain.promises import PromiseTerms, evaluate_promise, promise_window

P = PromiseTerms(1, Decimal("500.00"), date(2026, 3, 1), date(2026, 3, 5))


class TestPromise:
    @pytest.mark.parametrize(("paid", "as_of", "status"), [
        ("500.00", date(2026, 3, 3), "kept"),
        ("0", date(2026, 3, 5), "open"),
        ("0", date(2026, 3, 7), "open"),  # inside the grace
        ("0", date(2026, 3, 8), "broken"),
        ("200.00", date(2026, 3, 8), "partly_kept"),
        ("600.00", date(2026, 3, 8), "kept"),
    ])
    def test_outcome(self, paid, as_of, status) -> None:  # type: ignore[no-untyped-def]
        out = evaluate_promise(P, paid=Decimal(paid), grace_days=2, as_of=as_of)
        assert out.status == status
        assert (out.resolved_on is None) == (status == "open")

    def test_small_payment_below_share_is_broken(self) -> None:
        out = evaluate_promise(P, paid=Decimal("10.00"), grace_days=2, as_of=date(2026, 3, 9),
                               partly_kept_min_share=Decimal("0.5"))
        assert out.status == "broken"

    def test_window_ends_at_grace(self) -> None:
        assert promise_window(P, grace_days=2, as_of=date(2026, 4, 1)) == (
            date(2026, 3, 1), date(2026, 3, 7))


def slot(case_id: int, **kw: object) -> CaseSlot:
    base: dict = dict(case_id=case_id, bucket="M1", team="early", language="zh-CN",
                      balance=Decimal("100"), current_user=None)
    base.update(kw)
    return CaseSlot(**base)


TEAM = [Collector(1, "early", frozenset({"zh-CN"}), frozenset({"M1"}), capacity=2),
        Collector(2, "early", frozenset({"en"}), frozenset({"M1"}), capacity=2),
        Collector(3, "mid", frozenset({"zh-CN"}), frozenset({"M2", "M3"}), capacity=5)]


class TestAllocation:
    def test_language_then_fairness_then_capacity(self) -> None:
        out = allocate([slot(i, balance=Decimal(100 - i)) for i in range(1, 5)], TEAM,
                       base_load={})
        by_case = {a.case_id: a.user_id for a in out}
        assert by_case[1] == 1 and by_case[2] == 1  # zh-CN speaker first, up to capacity
        assert by_case[3] == 2 and "speaks" in next(a.reason for a in out if a.case_id == 3)
        assert by_case[4] == 2

    def test_queue_when_no_capacity(self) -> None:
        out = allocate([slot(9)], TEAM, base_load={1: 2, 2: 2})
        assert out[0].user_id is None and "team queue" in out[0].reason

    def test_roll_to_new_bucket_reallocates(self) -> None:
        out = allocate([slot(5, bucket="M2", team="mid", current_user=1)], TEAM, base_load={})
        assert out[0].user_id == 3 and out[0].changed and "re-allocated" in out[0].reason

    def test_continuity_while_promise_runs(self) -> None:
        out = allocate([slot(5, bucket="M2", team="mid", current_user=1, locked=True)], TEAM,
                       base_load={})
        assert out[0].user_id == 1 and not out[0].changed and "continuity" in out[0].reason


class TestAgencies:
    @pytest.mark.parametrize(("agency", "ok"), [
        (AgencyInfo("A", True, date(2025, 3, 10)), True),
        (AgencyInfo("A", True, date(2025, 3, 9)), False),
        (AgencyInfo("A", False, date(2026, 1, 1)), False),
        (AgencyInfo("A", True, None), False),
    ])
    def test_whitelist_and_evaluation_age(self, agency, ok) -> None:  # type: ignore[no-untyped-def]
        assert agency_eligible(agency, as_of=date(2026, 3, 10))[0] is ok

    def test_fewest_placed_takes_next(self) -> None:
        ags = [AgencyInfo("A", True, date(2026, 1, 1)), AgencyInfo("B", True, date(2026, 1, 1)),
               AgencyInfo("C", False, date(2026, 1, 1))]
        chosen = pick_agency(ags, placed={"A": 3, "B": 1, "C": 0}, as_of=date(2026, 3, 10))
        assert chosen is not None and chosen.agency_id == "B"
