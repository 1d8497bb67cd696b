"""Several simulated days on a generated book through the daily run: a promise kept, one
broken and escalated, a plan proposed, approved, kept then broken; cases climb their
ladders as the strategy says; the champion/challenger report shows both arms."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import ibis
import pyarrow as pa
import pytest
from sqlalchemy import select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import CollectionCase, LoanPosition, Promise, Task
from arrears.adapters.db.tables_strategy import CaseTreatment, PlanInstallment, RepaymentPlan
from tests.integration.portfolio_books import generated_app
from tests.integration.strategy_factory import add_user

BOOK_DAY = date(2026, 3, 31)


def feed_payment(app, *, payment_id: str, loan_id: str, paid_on: date, amount: Decimal) -> None:  # type: ignore[no-untyped-def]
    """The core system's next-day feed: one more payment in the portfolio engine."""
    con = app.portfolio()
    key = con.table("loans").filter(ibis._.loan_id == loan_id).select("loan_key").to_pyarrow()
    row = pa.table({
        "payment_id": [payment_id], "loan_key": key["loan_key"].to_pylist(),
        "loan_id": [loan_id],
        "paid_at_utc": pa.array([datetime.combine(paid_on, time(4))], pa.timestamp("us")),
        "paid_on": pa.array([paid_on], pa.date32()),
        "amount": pa.array([amount], pa.decimal128(18, 2)), "kind": ["payment"],
        "reverses_payment_id": pa.array([None], pa.string()), "channel": ["bank_transfer"],
        "load_id": ["feed"]})
    con.insert("payments", ibis.memtable(row))


@pytest.fixture(scope="module")
def book(tmp_path_factory):  # type: ignore[no-untyped-def]
    app = generated_app(tmp_path_factory.mktemp("strategy-days"), loans=600, seed=5,
                        as_of=BOOK_DAY)
    yield app
    app.close()


def run(app, day: date) -> None:  # type: ignore[no-untyped-def]
    from arrears.batch.run_day import run_day

    run_day(app=app, as_of=day, progress=False)


def step(app, case_id: int, day: date) -> CaseTreatment:  # type: ignore[no-untyped-def]
    with unit_of_work(app.session_factory) as s:
        row = s.get(CaseTreatment, {"as_of": day, "case_id": case_id})
        assert row is not None, f"case {case_id} has no treatment on {day}"
        return row


def pick_cases(app, day: date) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Two early champion cases (lowest dpd first) and one mid case for a plan."""
    with unit_of_work(app.session_factory) as s:
        early = s.execute(select(CaseTreatment.case_id).join(
            CollectionCase, CollectionCase.case_id == CaseTreatment.case_id).where(
            CaseTreatment.as_of == day, CaseTreatment.path == "early",
            CaseTreatment.arm == "champion").order_by(CollectionCase.dpd,
                                                      CaseTreatment.case_id)).scalars().all()
        mid = s.execute(select(CaseTreatment.case_id).where(
            CaseTreatment.as_of == day, CaseTreatment.path == "mid",
            CaseTreatment.dpd <= 50).order_by(CaseTreatment.dpd)).scalars().all()
    assert len(early) >= 2 and mid, "the generated book should have early and mid cases"
    return early[0], early[1], mid[0]


def at(day: date) -> datetime:
    return datetime.combine(day, time(3), UTC)


def test_days_of_promises_plans_and_ladders(book) -> None:  # type: ignore[no-untyped-def]
    from arrears.services import plans as plan_svc
    from arrears.services import promises as promise_svc
    from arrears.services.strategy import champion_challenger_report

    app = book
    collector = add_user(app, username="li.collector", team="mid")
    lead = add_user(app, username="wang.lead", role="team_lead", team="mid")
    d0 = BOOK_DAY
    run(app, d0)
    broken_case, kept_case, plan_case = pick_cases(app, d0)
    assert step(app, broken_case, d0).step_id == "early_sms"

    with unit_of_work(app.session_factory) as s:
        owed = s.get(CollectionCase, kept_case).overdue_amount
        for cid, amount in ((kept_case, owed), (broken_case, Decimal("100.00"))):
            promise_svc.make_promise(s, app=app, case_id=cid, amount=amount,
                                     due_on=d0 + timedelta(days=2), user_id=collector,
                                     actor="li.collector", at=at(d0), as_of=d0)
    # a down payment of at least the policy minimum, 15 months: above a collector's limit
    with unit_of_work(app.session_factory) as s:
        basis = plan_svc.account_basis(s, case_id=plan_case)
        down = (basis.overdue * Decimal("0.2")).quantize(Decimal("0.01"))
        plan = plan_svc.propose_plan(
            s, app=app, case_id=plan_case, kind="installment", months=15, discount=Decimal("0"),
            down_payment=down, first_due_on=d0 + timedelta(days=3), maker_id=collector,
            maker_role="collector", actor="li.collector", at=at(d0), as_of=d0)
        plan_id = plan.plan_id
        assert plan.status == "proposed" and plan.needs_approval
    with pytest.raises(plan_svc.MakerChecker):
        with unit_of_work(app.session_factory) as s:
            plan_svc.decide_plan(s, app=app, plan_id=plan_id, approve=True, checker_id=collector,
                                 checker_role="team_lead", actor="li.collector", at=at(d0),
                                 as_of=d0)
    with unit_of_work(app.session_factory) as s:
        plan_svc.decide_plan(s, app=app, plan_id=plan_id, approve=True, checker_id=lead,
                             checker_role="team_lead", actor="wang.lead", at=at(d0), as_of=d0)
        loans = s.scalars(select(LoanPosition.loan_id).where(
            LoanPosition.case_id.in_([kept_case, plan_case])).order_by(LoanPosition.loan_id)
        ).all()
        kept_loan = s.scalars(select(LoanPosition.loan_id).where(
            LoanPosition.case_id == kept_case)).first()
        plan_loan = s.scalars(select(LoanPosition.loan_id).where(
            LoanPosition.case_id == plan_case)).first()
    assert loans

    d1 = d0 + timedelta(days=1)
    feed_payment(app, payment_id="FEED-1", loan_id=kept_loan, paid_on=d1, amount=owed)
    run(app, d1)
    assert step(app, broken_case, d1).step_id == "gentle_call"  # day 1 on the early ladder
    assert step(app, plan_case, d1).path == "plan_monitor"

    d2 = d0 + timedelta(days=2)
    feed_payment(app, payment_id="FEED-2", loan_id=plan_loan, paid_on=d2, amount=down)
    run(app, d2)
    d4 = d0 + timedelta(days=4)
    run(app, d4)
    d5 = d0 + timedelta(days=5)
    run(app, d5)  # the broken promise's grace (2 days after 04-02) is over
    with unit_of_work(app.session_factory) as s:
        promises = {p.case_id: p for p in s.scalars(select(Promise))}
        tasks = {(t.case_id, t.kind) for t in s.scalars(select(Task))}
        items = s.scalars(select(PlanInstallment).where(PlanInstallment.plan_id == plan_id)
                          .order_by(PlanInstallment.seq)).all()
    assert promises[kept_case].status == "kept" and promises[kept_case].resolved_on == d1
    assert promises[broken_case].status == "broken" and promises[broken_case].resolved_on == d5
    assert (broken_case, "promise_broken") in tasks and (broken_case, "promise_due") in tasks
    assert items[0].status == "kept" and items[1].status == "open"
    escalated = step(app, broken_case, d5)
    assert (escalated.step_id, escalated.escalations) == ("firm_call", 1)  # day 5 + 1 rung
    assert "escalation" in escalated.reason

    run(app, items[1].due_on)  # the second installment is due and unpaid: on today's list
    with unit_of_work(app.session_factory) as s:
        due_tasks = s.scalars(select(Task).where(Task.case_id == plan_case,
                                                 Task.kind == "plan_installment_due")).all()
    assert [t.due_on for t in due_tasks] == [items[1].due_on]
    broken_day = items[1].due_on + timedelta(days=4)  # grace passed, still nothing paid
    run(app, broken_day)
    with unit_of_work(app.session_factory) as s:
        plan = s.get(RepaymentPlan, plan_id)
        tasks = {(t.case_id, t.kind) for t in s.scalars(select(Task))}
    assert plan.status == "broken" and plan.resolved_on == broken_day
    assert (plan_case, "plan_broken") in tasks
    after = step(app, plan_case, broken_day)
    assert after.path == "mid" and after.escalations == 1 and after.step_id == "email_notice"

    with unit_of_work(app.session_factory) as s:
        report = champion_challenger_report(s, app=app, as_of=broken_day)
    assert [r.arm for r in report] == ["champion", "sms_first"]
    for r in report:
        assert r.cases > 0
        for interval in (r.cure_rate, r.roll_rate):
            assert 0 <= interval.low <= interval.value <= interval.high <= 1
        assert r.recovered_per_contact.low <= r.recovered_per_contact.value \
            <= r.recovered_per_contact.high
    champion = report[0]
    assert champion.promises_kept.n >= 1 and champion.recovered >= owed
