"""Strategy services on a hand-built book: treatments, promises, plans, allocation, tasks."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import CollectionCase, Promise, Task
from arrears.adapters.db.tables_strategy import (
    AgencyPlacement,
    CaseAllocation,
    CaseTreatment,
    OutboxMessage,
    PlanInstallment,
    StrategyAssignment,
)
from arrears.batch import allocation as allocation_step
from arrears.batch import plans as plans_step
from arrears.batch import promises as promises_step
from arrears.batch import strategy as strategy_step
from arrears.batch import tasks as tasks_step
from arrears.services import plans as plan_svc
from arrears.services import promises as promise_svc
from arrears.services import strategy as strategy_svc
from arrears.strategies.schema import StrategyInvalid
from tests.integration.strategy_factory import (
    add_agency,
    add_case,
    add_user,
    at,
    pay,
    set_case,
)

D1 = date(2026, 3, 2)


def day(n: int) -> date:
    return D1 + timedelta(days=n - 1)


def treatment(app, case_id: int, as_of: date) -> CaseTreatment:  # type: ignore[no-untyped-def]
    with unit_of_work(app.session_factory) as s:
        row = s.get(CaseTreatment, {"as_of": as_of, "case_id": case_id})
        assert row is not None, f"no treatment for case {case_id} on {as_of}"
        return row


def run_steps(app, as_of: date) -> None:  # type: ignore[no-untyped-def]
    for step in (promises_step, plans_step, strategy_step, allocation_step, tasks_step):
        step.run(app=app, as_of=as_of)


class TestTreatments:
    def test_every_open_case_gets_a_step_and_a_reason(self, app) -> None:  # type: ignore[no-untyped-def]
        early = add_case(app, customer_id="C1", dpd=5, bucket="M1", overdue="300.00", opened=D1)
        mid = add_case(app, customer_id="C2", dpd=40, bucket="M2", overdue="900.00", opened=D1)
        result = strategy_step.run(app=app, as_of=D1)
        assert result.rows_in == 2 and result.rows_out == 2
        t1, t2 = treatment(app, early, D1), treatment(app, mid, D1)
        assert t2.path == "mid" and t2.step_id == "firm_call" and t2.team_id == "mid"
        assert t1.segment == "early" and "bucket M1 in ['M1']" in t1.reason
        again = strategy_step.run(app=app, as_of=D1)  # re-runnable for the same day
        assert again.rows_out == 2

    def test_ladder_by_days_and_escalation_by_broken_promise(self, app) -> None:  # type: ignore[no-untyped-def]
        cid = add_case(app, customer_id="C1", dpd=5, bucket="M1", overdue="300.00", opened=D1)
        run_steps(app, D1)
        arm = treatment(app, cid, D1).arm
        steps = ["early_sms", "gentle_call"] if arm == "champion" else ["early_sms", "early_sms"]
        assert treatment(app, cid, D1).step_id == steps[0]
        run_steps(app, day(2))
        assert treatment(app, cid, day(2)).step_id == steps[1]
        assert treatment(app, cid, day(2)).entered_on == D1
        with unit_of_work(app.session_factory) as s:
            promise_svc.make_promise(s, app=app, case_id=cid, amount=Decimal("300.00"),
                                     due_on=day(3), user_id=None, actor="t", at=at(day(2)),
                                     as_of=day(2))
        run_steps(app, day(3))  # the promise is due: a task on the collector's list
        run_steps(app, day(6))  # due day 3 + 2 grace days passed with nothing paid
        with unit_of_work(app.session_factory) as s:
            promise = s.scalars(select(Promise)).one()
            assert (promise.status, promise.resolved_on) == ("broken", day(6))
            kinds = set(s.scalars(select(Task.kind).where(Task.case_id == cid)))
        assert {"promise_due", "promise_broken"} <= kinds
        t = treatment(app, cid, day(6))
        assert t.escalations == 1 and "escalation" in t.reason
        expected = "firm_call" if arm == "champion" else "gentle_call"
        assert t.step_id == expected

    def test_arm_is_recorded_once(self, app) -> None:  # type: ignore[no-untyped-def]
        for n in range(6):
            add_case(app, customer_id=f"C{n}", dpd=5, bucket="M1", overdue="300.00", opened=D1)
        strategy_step.run(app=app, as_of=D1)
        strategy_step.run(app=app, as_of=day(2))
        with unit_of_work(app.session_factory) as s:
            rows = s.scalars(select(StrategyAssignment)).all()
        assert len(rows) == 6 and all(r.assigned_on == D1 for r in rows)

    def test_slices_of_the_book_change_nothing(self, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        from arrears.services import strategy_day

        for n, (dpd, bucket) in enumerate([(0, "M0"), (5, "M1"), (40, "M2"), (100, "M4"),
                                           (300, "M7+")] * 2):
            add_case(app, customer_id=f"C{n}", dpd=dpd, bucket=bucket, overdue=f"{n + 1}00.00",
                     opened=D1, loans=1 + n % 2)

        def day_rows(as_of: date) -> list[tuple[object, ...]]:
            with unit_of_work(app.session_factory) as s:
                return [(t.case_id, t.arm, t.path, t.step_id, t.entered_on, t.balance, t.reason)
                        for t in s.scalars(select(CaseTreatment).where(CaseTreatment.as_of == as_of)
                                           .order_by(CaseTreatment.case_id))]

        strategy_step.run(app=app, as_of=D1)
        strategy_step.run(app=app, as_of=day(3))
        whole = day_rows(day(3))
        monkeypatch.setattr(strategy_day, "SLICE", 3)
        again = strategy_step.run(app=app, as_of=day(3))
        assert day_rows(day(3)) == whole and len(whole) == 10 == again.rows_out
        assert {r[4] for r in whole} == {D1}  # the path entered on the first day carries on


class TestVersions:
    def test_newest_effective_version_applies(self, app) -> None:  # type: ignore[no-untyped-def]
        text = strategy_svc.default_strategy_text()
        later = text.replace("effective_from: 2020-01-01", "effective_from: 2026-03-05") \
            .replace("after_days: 10, worked_by: {team: early}}",
                     "after_days: 3, worked_by: {team: early}}")
        with unit_of_work(app.session_factory) as s:
            v = strategy_svc.upload_strategy(s, yaml_text=later, actor="admin", at=at(D1))
            assert v.version == 1
        with unit_of_work(app.session_factory) as s:
            assert strategy_svc.active_strategy(s, as_of=day(3)).version_id is None
            assert strategy_svc.active_strategy(s, as_of=day(3)).strategy.name == "default"
            assert strategy_svc.active_strategy(s, as_of=day(4)).version == 1

    def test_invalid_upload_stores_nothing(self, app) -> None:  # type: ignore[no-untyped-def]
        bad = strategy_svc.default_strategy_text().replace("script: written_notice",
                                                           "script: no_such_letter", 1)
        with pytest.raises(StrategyInvalid) as err:
            with unit_of_work(app.session_factory) as s:
                strategy_svc.upload_strategy(s, yaml_text=bad, actor="admin", at=at(D1))
        assert err.value.field == "paths.early[3].script"
        with unit_of_work(app.session_factory) as s:
            assert strategy_svc.strategy_versions(s) == []


class TestPromises:
    def test_kept_partly_kept_and_reversal(self, app) -> None:  # type: ignore[no-untyped-def]
        a = add_case(app, customer_id="A", dpd=5, bucket="M1", overdue="300.00", opened=D1,
                     loans=2)
        b = add_case(app, customer_id="B", dpd=5, bucket="M1", overdue="300.00", opened=D1)
        c = add_case(app, customer_id="C", dpd=5, bucket="M1", overdue="300.00", opened=D1)
        with unit_of_work(app.session_factory) as s:
            for cid in (a, b, c):
                promise_svc.make_promise(s, app=app, case_id=cid, amount=Decimal("200.00"),
                                         due_on=day(3), user_id=None, actor="t", at=at(D1),
                                         as_of=D1)
        pay(app, [("P1", "A-L1", day(2), "120.00"), ("P2", "A-L2", day(3), "80.00"),
                  ("P3", "B-L1", day(2), "50.00"), ("P4", "C-L1", day(2), "200.00")])
        pay(app, [("P5", "C-L1", day(3), "200.00")], kind="reversal", reverses="P4")
        promises_step.run(app=app, as_of=day(3))
        promises_step.run(app=app, as_of=day(6))
        with unit_of_work(app.session_factory) as s:
            status = {p.case_id: (p.status, p.paid_amount, p.resolved_on)
                      for p in s.scalars(select(Promise))}
        assert status[a] == ("kept", Decimal("200.00"), day(3))
        assert status[b] == ("partly_kept", Decimal("50.00"), day(6))
        assert status[c] == ("broken", Decimal("0.00"), day(6))

    def test_one_open_promise_per_case(self, app) -> None:  # type: ignore[no-untyped-def]
        a = add_case(app, customer_id="A", dpd=5, bucket="M1", overdue="300.00", opened=D1)
        with unit_of_work(app.session_factory) as s:
            promise_svc.make_promise(s, app=app, case_id=a, amount=Decimal("10.00"),
                                     due_on=day(3), user_id=None, actor="t", at=at(D1), as_of=D1)
        with pytest.raises(promise_svc.PromiseConflict):
            with unit_of_work(app.session_factory) as s:
                promise_svc.make_promise(s, app=app, case_id=a, amount=Decimal("10.00"),
                                         due_on=day(4), user_id=None, actor="t", at=at(D1),
                                         as_of=D1)
        with pytest.raises(promise_svc.PromiseRefused) as err:
            with unit_of_work(app.session_factory) as s:
                promise_svc.make_promise(s, app=app, case_id=a, amount=Decimal("0"),
                                         due_on=day(4), user_id=None, actor="t", at=at(D1),
                                         as_of=D1)
        assert err.value.field == "amount"


class TestPlans:
    def test_maker_checker_tracking_and_export(self, app, tmp_path) -> None:  # type: ignore[no-untyped-def]
        cid = add_case(app, customer_id="A", dpd=45, bucket="M2", overdue="1000.00",
                       opened=D1, loans=2)
        maker = add_user(app, username="maker")
        lead = add_user(app, username="lead", role="team_lead")
        with unit_of_work(app.session_factory) as s:
            plan = plan_svc.propose_plan(
                s, app=app, case_id=cid, kind="installment", months=15,
                discount=Decimal("0"), down_payment=Decimal("100.00"), first_due_on=day(5),
                maker_id=maker, maker_role="collector", actor="maker", at=at(D1), as_of=D1)
            pid = plan.plan_id
            assert plan.status == "proposed" and plan.needs_approval
        with pytest.raises(plan_svc.MakerChecker):
            with unit_of_work(app.session_factory) as s:
                plan_svc.decide_plan(s, app=app, plan_id=pid, approve=True, checker_id=maker,
                                     checker_role="team_lead", actor="maker", at=at(D1),
                                     as_of=D1)
        with unit_of_work(app.session_factory) as s:
            plan = plan_svc.decide_plan(s, app=app, plan_id=pid, approve=True, checker_id=lead,
                                        checker_role="team_lead", actor="lead", at=at(D1),
                                        as_of=D1)
            assert plan.status == "active"
            items = plan_svc.installments_of(s, pid)
        assert len(items) == 16 and sum(i.amount for i in items) == Decimal("1000.00")
        out = tmp_path / "plans.csv"
        with unit_of_work(app.session_factory) as s:
            n = plan_svc.export_plans(s, out=out)
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        assert n == 32 and list(rows[0]) == plan_svc.EXPORT_COLUMNS
        total = sum(Decimal(r[k]) for r in rows for k in ("principal_due", "interest_due",
                                                            "fee_due"))
        assert total == Decimal("1000.00")
        assert sum(Decimal(r["fee_due"]) for r in rows) == Decimal("10.00")
        pay(app, [("P1", "A-L1", day(4), "100.00")])
        plans_step.run(app=app, as_of=day(8))
        second_cutoff = items[1].due_on + timedelta(days=4)
        plans_step.run(app=app, as_of=second_cutoff)
        with unit_of_work(app.session_factory) as s:
            states = [i.status for i in s.scalars(select(PlanInstallment)
                                                   .order_by(PlanInstallment.seq))][:3]
            plan = s.get(plan_svc.RepaymentPlan, pid)
            tasks = set(s.scalars(select(Task.kind)))
        assert states == ["kept", "broken", "open"]
        assert plan.status == "broken" and plan.resolved_on == second_cutoff
        assert "plan_broken" in tasks

    def test_breach_names_the_field(self, app) -> None:  # type: ignore[no-untyped-def]
        cid = add_case(app, customer_id="A", dpd=45, bucket="M2", overdue="1000.00", opened=D1)
        with pytest.raises(plan_svc.PlanRefused) as err:
            with unit_of_work(app.session_factory) as s:
                plan_svc.propose_plan(
                    s, app=app, case_id=cid, kind="installment", months=6,
                    discount=Decimal("0"), down_payment=Decimal("10.00"), first_due_on=day(5),
                    maker_id=None, maker_role="collector", actor="m", at=at(D1), as_of=D1)
        assert err.value.field == "down_payment"


class TestAllocation:
    def test_collectors_agencies_and_tasks_follow(self, app) -> None:  # type: ignore[no-untyped-def]
        zh = add_user(app, username="zh", languages="zh-CN")
        en = add_user(app, username="en", languages="en")
        mid = add_user(app, username="mid", team="mid")
        add_agency(app, "AG-OK")
        add_agency(app, "AG-OLD", evaluated=date(2024, 1, 1))
        c_zh = add_case(app, customer_id="Z", dpd=5, bucket="M1", overdue="300.00", opened=D1)
        c_en = add_case(app, customer_id="E", dpd=5, bucket="M1", overdue="300.00", opened=D1,
                        lang="en")
        c_mid = add_case(app, customer_id="M", dpd=40, bucket="M2", overdue="900.00",
                         opened=D1)
        c_late = add_case(app, customer_id="L", dpd=100, bucket="M4", overdue="5000.00",
                          opened=D1)
        run_steps(app, D1)
        with unit_of_work(app.session_factory) as s:
            owner = {c.case_id: (c.assigned_to, c.agency_id)
                     for c in s.scalars(select(CollectionCase))}
            placements = s.scalars(select(AgencyPlacement)).all()
            reasons = {a.case_id: a.reason for a in s.scalars(select(CaseAllocation))}
        assert owner[c_zh] == (zh, None) and owner[c_en] == (en, None)
        assert owner[c_mid] == (mid, None)
        assert owner[c_late] == (None, "AG-OK") and len(placements) == 1
        assert "placed with AG-OK" in reasons[c_late]
        # the early case rolls to M2: re-allocated to the mid team
        set_case(app, c_zh, dpd=31, bucket="M2")
        run_steps(app, day(2))
        with unit_of_work(app.session_factory) as s:
            assert s.get(CollectionCase, c_zh).assigned_to == mid
            line = s.get(CaseAllocation, {"as_of": day(2), "case_id": c_zh})
            assert "re-allocated" in line.reason
        # the late case is cured: closed, recalled from the agency
        set_case(app, c_late, status="closed", dpd=0, bucket="M0")
        run_steps(app, day(3))
        with unit_of_work(app.session_factory) as s:
            p = s.scalars(select(AgencyPlacement)).one()
        assert p.status == "recalled" and p.recall_reason == "case closed"


class TestMessagesQueued:
    def test_sms_step_queues_one_message(self, app) -> None:  # type: ignore[no-untyped-def]
        cid = add_case(app, customer_id="A", dpd=0, bucket="M0", overdue="0.00", opened=D1)
        strategy_step.run(app=app, as_of=D1)
        strategy_step.run(app=app, as_of=D1)
        strategy_step.run(app=app, as_of=day(2))
        with unit_of_work(app.session_factory) as s:
            msgs = s.scalars(select(OutboxMessage)).all()
        assert len(msgs) == 1
        assert (msgs[0].case_id, msgs[0].channel, msgs[0].template_id, msgs[0].language) == (
            cid, "sms", "pre_due_reminder", "zh-CN")
