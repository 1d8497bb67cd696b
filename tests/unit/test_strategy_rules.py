"""Promises kept/partly kept/broken, and allocation of cases to collectors and agencies."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from arrears.domain.allocation import (
    AgencyInfo,
    Allocation,
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

    def test_heaps_pick_as_a_scan_of_every_collector_would(self) -> None:
        rng = random.Random(8)
        collectors = [Collector(uid, rng.choice(["early", "mid", None]),
                                frozenset(rng.sample(["zh-CN", "zh-TW", "en", "en-GB"],
                                                     rng.randint(0, 2))),
                                frozenset(rng.sample(["M1", "M2", "M3"], rng.randint(0, 2))),
                                capacity=rng.randint(0, 12), active=rng.random() < 0.9,
                                role=rng.choice(["collector", "collector", "team_lead"]))
                      for uid in range(1, 41)]
        slots = [slot(cid, bucket=rng.choice(["M1", "M2", "M3"]),
                      team=rng.choice(["early", "mid", None]),
                      language=rng.choice([None, "", "zh-CN", "zh", "en-US", "fr"]),
                      balance=Decimal(rng.randint(0, 5000)), role=rng.choice(["collector",
                                                                              "team_lead"]),
                      current_user=rng.choice([None, rng.randint(1, 45)]),
                      locked=rng.random() < 0.1) for cid in range(1, 801)]
        base = {uid: rng.randint(0, 3) for uid in range(1, 41, 3)}
        assert allocate(slots, collectors, base_load=base) == _scan(slots, collectors, base)


def _scan(slots: list[CaseSlot], collectors: list[Collector], base: dict[int, int]
          ) -> list[Allocation]:
    """The allocation rules read plainly: every collector looked at for every case."""
    load = dict(base)
    by_id = {c.user_id: c for c in collectors}
    out, pending = [], []
    for s in slots:
        current = by_id.get(s.current_user) if s.current_user is not None else None
        why = None
        if current is not None and current.active:
            if s.locked:
                why = "continuity: a promise or plan is running"
            elif current.works(team=s.team, bucket=s.bucket, role=s.role) \
                    and current.speaks(s.language):
                why = "same collector still fits"
        if why and current is not None:
            load[current.user_id] = load.get(current.user_id, 0) + 1
            out.append(Allocation(s.case_id, current.user_id, current.team, why, False))
        else:
            pending.append(s)
    for s in sorted(pending, key=lambda s: (-s.balance, s.case_id)):
        fits = [c for c in collectors if c.works(team=s.team, bucket=s.bucket, role=s.role)
                and load.get(c.user_id, 0) < c.capacity]
        speakers = [c for c in fits if c.speaks(s.language)]

        def ratio(c: Collector) -> tuple[float, int, int]:
            n = load.get(c.user_id, 0)
            return (n / max(c.capacity, 1), n, c.user_id)

        if speakers:
            chosen, why = min(speakers, key=ratio), "least loaded collector with the skills"
        elif fits:
            chosen = min(fits, key=ratio)
            why = f"no free collector speaks {s.language}; least loaded"
        else:
            chosen, why = None, "no collector with free capacity: left in the team queue"
        user = chosen.user_id if chosen else None
        if user is not None:
            load[user] = load.get(user, 0) + 1
        if s.current_user is not None and user != s.current_user:
            why = f"re-allocated ({why})"
        out.append(Allocation(s.case_id, user, s.team, why, user != s.current_user))
    return out


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
