"""Repayment plans: exact schedules, policy limits, maker-checker, installment tracking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.domain.plans import (
    PlanPolicy,
    PlanTerms,
    ScheduledInstallment,
    add_months,
    allocate_pro_rata,
    build_schedule,
    check_terms,
    proposal_options,
    split_components,
    track_installments,
)

D = date(2026, 3, 10)
POLICY = PlanPolicy(
    max_months=24, collector_max_months=12, min_down_payment_share=Decimal("0.10"),
    max_discount={"collector": {"M1": Decimal("0"), "*": Decimal("0.10")},
                  "team_lead": {"M1": Decimal("0.05"), "*": Decimal("0.30")},
                  "admin": {"*": Decimal("0.50")}})


def cents(lo: str, hi: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(lo), Decimal(hi), places=2, allow_nan=False,
                       allow_infinity=False)


class TestScheduleProperty:
    @settings(max_examples=300, deadline=None)
    @given(basis=cents("0.01", "9999999.99"), months=st.integers(1, POLICY.max_months),
           down_share=st.decimals(Decimal("0.10"), Decimal("1"), places=4),
           discount_share=st.decimals(Decimal("0"), Decimal("0.50"), places=4),
           kind=st.sampled_from(["installment", "settlement", "deferral"]))
    def test_installments_sum_exactly_and_none_is_negative(
            self, basis, months, down_share, discount_share, kind) -> None:  # type: ignore[no-untyped-def]
        discount = (basis * discount_share).quantize(Decimal("0.01")) if kind == "settlement" \
            else Decimal("0.00")
        agreed = basis - discount
        down = (agreed * down_share).quantize(Decimal("0.01")) if kind == "installment" \
            else Decimal("0.00")
        if kind == "settlement":
            months = min(months, POLICY.settlement_max_installments)
        terms = PlanTerms(kind, basis, discount, down, months, date(2026, 4, 1))
        check = check_terms(POLICY, terms, bucket="M3", role="admin", as_of=D)
        if not check.allowed:
            return  # only what the policy allows is promised to be exact
        schedule = build_schedule(terms)
        assert sum((i.amount for i in schedule), Decimal("0.00")) == agreed
        assert all(i.amount >= 0 for i in schedule)
        assert all(i.amount == i.amount.quantize(Decimal("0.01")) for i in schedule)
        assert [i.seq for i in schedule] == list(range(1, len(schedule) + 1))


class TestSchedule:
    def test_last_installment_takes_the_rounding(self) -> None:
        s = build_schedule(PlanTerms("installment", Decimal("1000.00"), Decimal("0"),
                                     Decimal("100.00"), 7, date(2026, 1, 31)))
        assert [i.amount for i in s] == [Decimal("100.00")] + [Decimal("128.57")] * 6 + \
            [Decimal("128.58")]
        assert [i.due_on for i in s][:3] == [date(2026, 1, 31), date(2026, 2, 28),
                                              date(2026, 3, 31)]

    def test_deferral_is_one_payment_later(self) -> None:
        s = build_schedule(PlanTerms("deferral", Decimal("500.00"), Decimal("0"), Decimal("0"),
                                     1, date(2026, 4, 9)))
        assert s == (ScheduledInstallment(1, date(2026, 4, 9), Decimal("500.00")),)

    def test_add_months_clamps_to_month_end(self) -> None:
        assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
        assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


class TestPolicy:
    def terms(self, **kw: object) -> PlanTerms:
        base: dict = dict(kind="installment", basis=Decimal("1000.00"), discount=Decimal("0"),
                          down_payment=Decimal("100.00"), months=6, first_due_on=date(2026, 3, 17))
        base.update(kw)
        return PlanTerms(**base)

    def test_within_collector_limits_needs_no_approval(self) -> None:
        c = check_terms(POLICY, self.terms(), bucket="M2", role="collector", as_of=D)
        assert c.allowed and not c.needs_approval

    def test_long_plan_needs_a_team_lead(self) -> None:
        c = check_terms(POLICY, self.terms(months=18), bucket="M2", role="collector", as_of=D)
        assert c.allowed and c.needs_approval and "team_lead" in c.approver_roles

    def test_discount_above_collector_limit_needs_approval(self) -> None:
        t = self.terms(kind="settlement", discount=Decimal("200.00"), down_payment=Decimal("0"),
                       months=1)
        c = check_terms(POLICY, t, bucket="M3", role="collector", as_of=D)
        assert c.allowed and c.needs_approval and c.approver_roles == ("team_lead", "admin")

    @pytest.mark.parametrize(("kw", "text"), [
        ({"months": 30}, "months must be between"),
        ({"down_payment": Decimal("50.00")}, "below the minimum"),
        ({"discount": Decimal("10.00")}, "only allowed in a settlement"),
        ({"first_due_on": date(2026, 3, 1)}, "in the past"),
        ({"kind": "settlement", "discount": Decimal("600.00"), "down_payment": Decimal("0"),
          "months": 1}, "above the policy maximum"),
        ({"kind": "deferral", "first_due_on": date(2026, 8, 1), "down_payment": Decimal("0")},
         "deferral of"),
    ])
    def test_breaches_are_refused(self, kw, text) -> None:  # type: ignore[no-untyped-def]
        c = check_terms(POLICY, self.terms(**kw), bucket="M2", role="collector", as_of=D)
        assert not c.allowed and any(text in b for b in c.breaches)

    def test_options_are_all_allowed(self) -> None:
        opts = proposal_options(POLICY, basis=Decimal("1234.56"),
                                settlement_basis=Decimal("5000.00"), bucket="M3",
                                role="collector", as_of=D)
        kinds = {o.kind for o in opts}
        assert kinds == {"installment", "deferral", "settlement"}
        for o in opts:
            assert sum(i.amount for i in o.installments) == o.agreed


class TestTracking:
    schedule = (ScheduledInstallment(1, date(2026, 4, 1), Decimal("100.00")),
                ScheduledInstallment(2, date(2026, 5, 1), Decimal("100.00")))

    def test_kept_then_open(self) -> None:
        p = track_installments(self.schedule, paid_by={date(2026, 4, 4): Decimal("100.00")},
                               grace_days=3, as_of=date(2026, 4, 4))
        assert [x.status for x in p] == ["kept", "open"]

    def test_broken_after_grace(self) -> None:
        p = track_installments(self.schedule, paid_by={date(2026, 4, 4): Decimal("60.00"),
                                                       date(2026, 4, 5): Decimal("60.00")},
                               grace_days=3, as_of=date(2026, 4, 5))
        assert [x.status for x in p] == ["broken", "open"]
        assert p[0].paid == Decimal("60.00")


class TestSplits:
    def test_pro_rata_sums_exactly(self) -> None:
        parts = allocate_pro_rata(Decimal("100.00"), [Decimal("1"), Decimal("1"), Decimal("1")])
        assert sum(parts) == Decimal("100.00") and max(parts) - min(parts) == Decimal("0.01")

    def test_components_fee_then_interest_then_principal(self) -> None:
        assert split_components(Decimal("50.00"), fee=Decimal("10.00"),
                                interest=Decimal("15.00")) == (
            Decimal("25.00"), Decimal("15.00"), Decimal("10.00"))
