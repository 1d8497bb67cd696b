"""Operations figures from the operations store (SQLite and PostgreSQL) and the engine."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import ibis
import pandas as pd
import pytest

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import (
    CollectionCase,
    ContactAttempt,
    Customer,
    Promise,
    User,
)
from arrears.analytics.filters import Filters
from arrears.analytics.operations import OpsContext, daily_activity, iso_week, rollup
from arrears.analytics.settings import AnalyticsSettings


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def seed_store(app) -> None:
    with unit_of_work(app.session_factory) as s:
        s.add_all([
            User(user_id=1, username="li", display_name="Li Na", password_hash="x",
                 role="collector", team_id="A"),
            User(user_id=2, username="wang", display_name="Wang Wei", password_hash="x",
                 role="collector", team_id="A"),
            User(user_id=3, username="smith", display_name="Jo Smith", password_hash="x",
                 role="collector", team_id="B"),
        ])
        for cid in ("c1", "c2", "c3"):
            s.add(Customer(customer_id=cid, full_name_enc="enc", full_name_masked="*",
                           country="CN"))
        s.flush()
        s.add_all([
            CollectionCase(case_id=1, customer_id="c1", opened_on=date(2026, 3, 1),
                           as_of=date(2026, 3, 1), currency="CNY", bucket="M1",
                           overdue_amount=Decimal("100.00"),
                           outstanding_principal=Decimal("900.00"), assigned_to=1,
                           team_id="A", closed_on=date(2026, 3, 4), status="closed"),
            CollectionCase(case_id=2, customer_id="c2", opened_on=date(2026, 3, 1),
                           as_of=date(2026, 3, 1), currency="CNY", bucket="M2",
                           overdue_amount=Decimal("300.00"),
                           outstanding_principal=Decimal("900.00"), assigned_to=2,
                           team_id="A"),
            CollectionCase(case_id=3, customer_id="c3", opened_on=date(2026, 3, 1),
                           as_of=date(2026, 3, 1), currency="CNY", bucket="M1",
                           overdue_amount=Decimal("50.00"),
                           outstanding_principal=Decimal("500.00"), assigned_to=3,
                           team_id="B"),
        ])
        s.flush()
        attempts = [
            # 2026-03-01 17:30 UTC is 2026-03-02 01:30 in Shanghai.
            (1, 1, "2026-03-01T17:30:00", "right_party_contact", "call"),
            (2, 1, "2026-03-02T02:00:00", "no_answer", "call"),
            (3, 2, "2026-03-02T03:00:00", "third_party", "call"),
            (4, 2, "2026-03-02T04:00:00", "right_party_contact", "call"),
            (5, 3, "2026-03-02T05:00:00", "busy", "call"),
            (6, 1, "2026-03-01T15:59:00", "right_party_contact", "call"),  # 23:59 local
            (7, 1, "2026-03-02T02:30:00", "sent", "sms"),  # a message, not a call
        ]
        for aid, user, at, result, channel in attempts:
            s.add(ContactAttempt(attempt_id=aid, case_id=user, customer_id=f"c{user}",
                                 user_id=user, at=utc(at), channel=channel, party="self",
                                 result=result))
        s.flush()
        s.add_all([
            Promise(case_id=1, attempt_id=1, user_id=1, created_at=utc("2026-03-01T17:31:00"),
                    amount=Decimal("100.00"), currency="CNY", due_on=date(2026, 3, 3),
                    status="kept", paid_amount=Decimal("100.00"), resolved_on=date(2026, 3, 3)),
            Promise(case_id=2, attempt_id=4, user_id=2, created_at=utc("2026-03-02T04:01:00"),
                    amount=Decimal("150.00"), currency="CNY", due_on=date(2026, 3, 3),
                    status="broken", paid_amount=Decimal("0.00"), resolved_on=date(2026, 3, 4)),
            Promise(case_id=2, attempt_id=4, user_id=2, created_at=utc("2026-03-02T04:02:00"),
                    amount=Decimal("150.00"), currency="CNY", due_on=date(2026, 3, 9),
                    status="open"),
        ])


PAYMENT_COLS = ["payment_id", "loan_id", "paid_on", "amount", "kind", "reverses_payment_id"]


def seed_engine(app) -> None:
    con = app.portfolio()
    con.create_table("loans", ibis.memtable(pd.DataFrame(
        {"loan_id": ["L1", "L2", "L3"], "customer_id": ["c1", "c2", "c3"]})))
    payments = pd.DataFrame([
        ("p1", "L1", date(2026, 3, 3), "100.00", "payment", None),
        ("p2", "L1", date(2026, 3, 6), "500.00", "payment", None),  # after the case closed
        ("p3", "L3", date(2026, 3, 2), "30.00", "payment", None),
        ("p4", "L3", date(2026, 3, 3), "30.00", "reversal", "p3"),
        ("p5", "L2", date(2026, 2, 27), "70.00", "payment", None),  # before the case opened
    ], columns=PAYMENT_COLS)
    con.create_table("payments", ibis.memtable(payments).mutate(
        amount=ibis._.amount.cast("decimal(18,2)")))


@pytest.fixture
def ctx_for(app):
    seed_store(app)
    seed_engine(app)
    sessions = []

    def make(**filters) -> OpsContext:
        session = app.session_factory()
        sessions.append(session)
        f = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7), **filters)
        return OpsContext(session=session, portfolio=app.portfolio(),
                          settings=AnalyticsSettings(), timezone="Asia/Shanghai", filters=f)

    yield make
    for session in sessions:
        session.close()


def one(frame: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for col, value in where.items():
        mask &= frame[col] == value
    assert mask.sum() == 1, f"{where}: {mask.sum()} rows"
    return frame[mask].iloc[0]


class TestDailyActivity:
    def test_attempts_fall_on_local_days(self, ctx_for):
        daily = daily_activity(ctx_for())
        li_first = one(daily, day=date(2026, 3, 1), user_id=1)
        li_second = one(daily, day=date(2026, 3, 2), user_id=1)
        assert (li_first["attempts"], li_first["rpc"]) == (1, 1)
        assert (li_second["attempts"], li_second["contacts"], li_second["rpc"]) == (2, 1, 1)
        assert li_second["messages"] == 1

    def test_promises_made_and_resolved(self, ctx_for):
        daily = daily_activity(ctx_for())
        wang = one(daily, day=date(2026, 3, 2), user_id=2)
        assert (wang["promises"], wang["promised_amount"]) == (2, Decimal("300.00"))
        due = one(daily, day=date(2026, 3, 3), user_id=2)
        assert (due["promises_due"], due["broken"], due["kept"]) == (1, 1, 0)

    def test_recovered_only_while_the_case_is_open_and_net_of_reversals(self, ctx_for):
        daily = daily_activity(ctx_for())
        totals = daily.groupby("user_id")["recovered"].sum()
        assert totals[1] == Decimal("100.00")
        assert totals.get(2, Decimal("0")) == Decimal("0")
        assert totals[3] == Decimal("0.00")  # 30 paid, then reversed

    def test_money_goes_to_who_held_the_case_on_the_day_of_payment(self, app, ctx_for):
        from arrears.adapters.db.tables_strategy import CaseAllocation

        ctx = ctx_for()  # the store is seeded: case 1 is Li's today
        with unit_of_work(app.session_factory) as s:
            for day, user in ((date(2026, 3, 1), 2), (date(2026, 3, 5), 1)):
                s.add(CaseAllocation(case_id=1, as_of=day, user_id=user, team_id="A",
                                     changed=True, reason="test"))
        totals = daily_activity(ctx).groupby("user_id")["recovered"].sum()
        assert totals[2] == Decimal("100.00")  # paid on 3 March, Wang's case then
        assert totals.get(1, Decimal("0")) == Decimal("0")

    def test_each_payment_goes_to_the_holder_of_its_own_day(self, app, ctx_for):
        from arrears.adapters.db.tables_strategy import CaseAllocation

        ctx = ctx_for()
        con = app.portfolio()
        extra = ibis.memtable(pd.DataFrame([("p6", "L1", date(2026, 3, 2), "40.00", "payment",
                                             None)], columns=PAYMENT_COLS)).mutate(
            amount=ibis._.amount.cast("decimal(18,2)"))
        con.insert("payments", extra)
        with unit_of_work(app.session_factory) as s:
            for day, user in ((date(2026, 3, 1), 2), (date(2026, 3, 3), 1)):
                s.add(CaseAllocation(case_id=1, as_of=day, user_id=user, team_id="A",
                                     changed=True, reason="test"))
        daily = daily_activity(ctx)
        assert one(daily, day=date(2026, 3, 2), user_id=2)["recovered"] == Decimal("40.00")
        assert one(daily, day=date(2026, 3, 3), user_id=1)["recovered"] == Decimal("100.00")
        by_user = daily.groupby("user_id")["recovered"].sum()
        assert (by_user[1], by_user[2]) == (Decimal("100.00"), Decimal("40.00"))

    @pytest.mark.parametrize(("allocations", "credited"), [
        ([(date(2026, 3, 5), 2)], 1),  # held by no one yet: today's collector
        ([(date(2026, 3, 1), None), (date(2026, 3, 5), 1)], 0),  # held, unassigned
        ([(date(2026, 2, 20), 2), (date(2026, 3, 4), 1)], 2),  # the last before the range
    ])
    def test_the_holder_is_the_last_allocation_on_or_before_the_payment(
            self, app, ctx_for, allocations, credited):
        from arrears.adapters.db.tables_strategy import CaseAllocation

        ctx = ctx_for()
        with unit_of_work(app.session_factory) as s:
            for day, user in allocations:
                s.add(CaseAllocation(case_id=1, as_of=day, user_id=user, team_id="A",
                                     changed=True, reason="test"))
        totals = daily_activity(ctx).groupby("user_id")["recovered"].sum()
        assert totals[credited] == Decimal("100.00")  # paid on 3 March
        assert all(v == 0 for u, v in totals.items() if u != credited)

    def test_team_filter_keeps_only_its_collectors(self, ctx_for):
        daily = daily_activity(ctx_for(team_id="B"))
        assert set(daily["user_id"]) == {3}
        assert set(daily["team_id"]) == {"B"}


class TestRollups:
    def test_rates_per_team(self, ctx_for):
        teams = rollup(daily_activity(ctx_for()), ["team_id"])
        a = one(teams, team_id="A")
        assert (a["attempts"], a["contacts"], a["rpc"]) == (5, 4, 3)
        assert a["contact_rate"] == 0.8 and a["rpc_rate"] == 0.6
        assert a["promise_rate"] == 1.0  # 3 promises over 3 right-party contacts
        assert a["kept_rate"] == 0.5

    def test_weeks(self, ctx_for):
        daily = daily_activity(ctx_for())
        weeks = rollup(daily.assign(week=daily["day"].map(iso_week)), ["week"])
        assert list(weeks["week"]) == ["2026-W09", "2026-W10"]
        assert weeks["attempts"].sum() == 6


class TestPlanAdherence:
    def seed_plan(self, app) -> None:
        from arrears.adapters.db.tables_strategy import PlanInstallment, RepaymentPlan

        with unit_of_work(app.session_factory) as s:
            s.add(RepaymentPlan(plan_id=1, case_id=2, kind="installment", status="active",
                                currency="CNY", bucket="M2", basis=Decimal("300.00"),
                                discount=Decimal("0.00"), down_payment=Decimal("0.00"),
                                agreed_amount=Decimal("300.00"), months=3,
                                first_due_on=date(2026, 3, 2), starts_on=date(2026, 3, 2),
                                loans=["L2"], proposed_at=utc("2026-03-01T03:00:00")))
            s.flush()
            for seq, (due, status) in enumerate(
                    [(date(2026, 3, 2), "kept"), (date(2026, 3, 4), "broken"),
                     (date(2026, 3, 6), "kept"), (date(2026, 3, 10), "open")], start=1):
                s.add(PlanInstallment(plan_id=1, seq=seq, due_on=due, amount=Decimal("75.00"),
                                      status=status))

    def test_kept_share_of_judged_installments_per_week(self, app, ctx_for):
        from arrears.analytics.partners import plan_adherence

        self.seed_plan(app)
        ctx = ctx_for()
        frame = plan_adherence(ctx.session, filters=ctx.filters)
        assert list(frame["week"]) == ["2026-W10"]
        row = frame.iloc[0]
        assert (row["due"], row["kept"], row["broken"]) == (3, 2, 1)
        assert row["adherence_rate"] == round(2 / 3, 4)
        other_team = ctx_for(team_id="B")
        assert plan_adherence(other_team.session, filters=other_team.filters).empty
