"""Repayment plans: options, proposal, maker-checker approval, daily tracking, export.

Bases: an installment plan or a deferral restructures the *overdue amount* of the case's
loans; a settlement starts from the *payoff* (outstanding principal plus overdue interest
and fees) and may carry a discount. Payments count from the day the plan was proposed.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import CollectionCase, LoanPosition
from arrears.adapters.db.tables_strategy import PlanInstallment, RepaymentPlan
from arrears.domain.money import format_money
from arrears.domain.plans import (
    PlanOption,
    PlanPolicy,
    PlanTerms,
    ScheduledInstallment,
    allocate_pro_rata,
    build_schedule,
    check_terms,
    proposal_options,
    split_components,
    track_installments,
)
from arrears.errors import Conflict, Forbidden, InvalidInput, NotFound
from arrears.services.audit import append_audit

ZERO = Decimal("0.00")
EXPORT_COLUMNS = ["loan_id", "seq", "due_date", "principal_due", "interest_due", "fee_due"]
OPEN_PLAN_STATES = ("proposed", "active")


def _default_discounts() -> dict[str, dict[str, Decimal]]:
    d = Decimal
    return {"collector": {"M4": d("0.10"), "M5": d("0.10"), "M6": d("0.15"),
                          "M7+": d("0.20"), "*": d("0")},
            "team_lead": {"M1": d("0.05"), "M2": d("0.10"), "M3": d("0.20"), "*": d("0.30")},
            "admin": {"*": d("0.50")}}


class PlanSettings(BaseModel):
    """``[plans]``: months, down payment, deferral days, discount by role and bucket."""

    max_months: int = Field(default=24, ge=1, le=120)
    collector_max_months: int = Field(default=12, ge=1, le=120)
    min_down_payment_share: Decimal = Field(default=Decimal("0.10"), ge=0, le=1)
    max_deferral_days: int = Field(default=90, ge=1, le=730)
    collector_max_deferral_days: int = Field(default=30, ge=1, le=730)
    settlement_max_installments: int = Field(default=3, ge=1, le=24)
    grace_days: int = Field(default=3, ge=0, le=30)
    max_discount: dict[str, dict[str, Decimal]] = Field(default_factory=_default_discounts)

    def policy(self) -> PlanPolicy:
        return PlanPolicy(self.max_months, self.collector_max_months,
                          self.min_down_payment_share, self.max_deferral_days,
                          self.collector_max_deferral_days, self.settlement_max_installments,
                          self.max_discount, self.grace_days)


class PlanRefused(InvalidInput):
    code = "plan_refused"


class PlanConflict(Conflict):
    code = "plan_conflict"


class MakerChecker(Forbidden):
    """The approver is the maker, or their limits do not cover the plan."""

    code = "maker_checker"


def plan_settings(app: Any) -> PlanSettings:
    return app.business.section("plans", PlanSettings)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class AccountBasis:
    case_id: int
    bucket: str
    currency: str
    overdue: Decimal
    payoff: Decimal
    loans: list[dict[str, str]]


def account_basis(session: Session, *, case_id: int) -> AccountBasis:
    """What a plan can restructure on this case, loan by loan."""
    case = session.get(CollectionCase, case_id)
    if case is None or case.status != "open":
        raise NotFound(f"no open case {case_id}", field="case_id")
    loans = list(session.scalars(select(LoanPosition).where(LoanPosition.case_id == case_id)
                                 .order_by(LoanPosition.loan_id)))
    rows = [{"loan_id": lp.loan_id, "overdue_principal": str(lp.overdue_principal),
             "overdue_interest": str(lp.overdue_interest), "overdue_fee": str(lp.overdue_fee),
             "outstanding_principal": str(lp.outstanding_principal)} for lp in loans]
    overdue = sum((lp.overdue_amount for lp in loans), ZERO) if loans else case.overdue_amount
    payoff = sum((lp.outstanding_principal + lp.overdue_interest + lp.overdue_fee
                  for lp in loans), ZERO) if loans else case.outstanding_principal
    return AccountBasis(case_id, case.bucket, case.currency, overdue, payoff, rows)


def plan_options(session: Session, *, app: Any, case_id: int, role: str,
                 as_of: date) -> list[PlanOption]:
    """The standard plans the policy allows on this account for a maker of ``role``."""
    basis = account_basis(session, case_id=case_id)
    return proposal_options(plan_settings(app).policy(), basis=basis.overdue,
                            settlement_basis=basis.payoff, bucket=basis.bucket, role=role,
                            as_of=as_of)


def _field_of(breach: str) -> str:
    for word, field in (("months", "months"), ("settlement is paid", "months"),
                        ("down payment", "down_payment"), ("discount", "discount"),
                        ("due date", "first_due_on"), ("deferral", "first_due_on"),
                        ("kind", "kind")):
        if word in breach:
            return field
    return "plan"


def propose_plan(session: Session, *, app: Any, case_id: int, kind: str, months: int,
                 discount: Decimal, down_payment: Decimal, first_due_on: date, maker_id: int | None,
                 maker_role: str, actor: str, at: datetime, as_of: date,
                 note: str | None = None) -> RepaymentPlan:
    """Propose a plan; within the maker's limits it is active at once, else it waits for a
    checker's approval."""
    if session.scalar(select(RepaymentPlan.plan_id).where(
            RepaymentPlan.case_id == case_id, RepaymentPlan.status.in_(OPEN_PLAN_STATES))):
        raise PlanConflict(f"case {case_id} already has a proposed or active plan",
                           field="case_id")
    basis = account_basis(session, case_id=case_id)
    amount = basis.payoff if kind == "settlement" else basis.overdue
    terms = PlanTerms(kind, amount, discount, down_payment, months, first_due_on)
    check = check_terms(plan_settings(app).policy(), terms, bucket=basis.bucket,
                        role=maker_role, as_of=as_of)
    if not check.allowed:
        raise PlanRefused(f"plan refused: {'; '.join(check.breaches)}",
                          field=_field_of(check.breaches[0]), breaches=list(check.breaches))
    plan = RepaymentPlan(
        case_id=case_id, kind=kind, status="proposed" if check.needs_approval else "active",
        currency=basis.currency, bucket=basis.bucket, basis=amount, discount=discount,
        down_payment=down_payment, agreed_amount=terms.agreed, months=months,
        first_due_on=first_due_on, starts_on=as_of, loans=basis.loans, proposed_by=maker_id,
        proposed_at=at, needs_approval=check.needs_approval,
        approval_reasons=list(check.approval_reasons), paid_amount=ZERO, note=note)
    if not check.needs_approval:
        plan.decided_at, plan.decision_note = at, "within the maker's limits"
    session.add(plan)
    session.flush()
    session.add_all([PlanInstallment(plan_id=plan.plan_id, seq=i.seq, due_on=i.due_on,
                                     amount=i.amount, paid_amount=ZERO, status="open")
                     for i in build_schedule(terms)])
    append_audit(session, actor=actor, action="plan.proposed", object_type="plan",
                 object_id=plan.plan_id,
                 detail={"case_id": case_id, "kind": kind, "agreed": str(terms.agreed),
                         "status": plan.status, "approval": list(check.approval_reasons)}, at=at)
    session.flush()
    return plan


def _open_plan(session: Session, plan_id: int, states: tuple[str, ...]) -> RepaymentPlan:
    plan = session.get(RepaymentPlan, plan_id)
    if plan is None:
        raise NotFound(f"no plan {plan_id}", field="plan_id")
    if plan.status not in states:
        raise PlanConflict(f"plan {plan_id} is {plan.status}", field="plan_id")
    return plan


def decide_plan(session: Session, *, app: Any, plan_id: int, approve: bool, checker_id: int,
                checker_role: str, actor: str, at: datetime, as_of: date,
                note: str | None = None) -> RepaymentPlan:
    """A second person approves or rejects a proposed plan (never the maker)."""
    plan = _open_plan(session, plan_id, ("proposed",))
    if plan.proposed_by is not None and plan.proposed_by == checker_id:
        raise MakerChecker("the person who proposed a plan cannot approve or reject it",
                           field="plan_id")
    if approve:
        terms = PlanTerms(plan.kind, plan.basis, plan.discount, plan.down_payment, plan.months,
                          plan.first_due_on)
        check = check_terms(plan_settings(app).policy(), terms, bucket=plan.bucket,
                            role=checker_role, as_of=min(as_of, plan.starts_on))
        if check.needs_approval or not check.allowed:
            raise MakerChecker(f"a {checker_role} cannot approve this plan: "
                               f"{'; '.join(check.approval_reasons or check.breaches)}",
                               field="plan_id")
    plan.status = "active" if approve else "rejected"
    plan.decided_by, plan.decided_at, plan.decision_note = checker_id, at, note
    if not approve:
        plan.resolved_on = as_of
    append_audit(session, actor=actor, action="plan.approved" if approve else "plan.rejected",
                 object_type="plan", object_id=plan_id, detail={"note": (note or "")[:200]}, at=at)
    return plan


def cancel_plan(session: Session, *, plan_id: int, actor: str, reason: str, at: datetime,
                as_of: date) -> RepaymentPlan:
    """Withdraw a proposed or active plan."""
    if not reason.strip():
        raise PlanRefused("give a reason to cancel a plan", field="reason")
    plan = _open_plan(session, plan_id, OPEN_PLAN_STATES)
    plan.status, plan.resolved_on = "cancelled", as_of
    append_audit(session, actor=actor, action="plan.cancelled", object_type="plan",
                 object_id=plan_id, detail={"reason": reason[:200]}, at=at)
    return plan


def installments_of(session: Session, plan_id: int) -> list[PlanInstallment]:
    return list(session.scalars(select(PlanInstallment).where(PlanInstallment.plan_id == plan_id)
                                .order_by(PlanInstallment.seq)))


def case_plans(session: Session, *, case_id: int) -> list[RepaymentPlan]:
    return list(session.scalars(select(RepaymentPlan).where(RepaymentPlan.case_id == case_id)
                                .order_by(RepaymentPlan.plan_id.desc())))


@dataclass(frozen=True)
class PlanTracking:
    plans: int
    kept: int
    broken: int
    completed: int
    tasks: int


def track_plans(session: Session, *, app: Any, as_of: date) -> PlanTracking:
    """Mark plan installments kept or broken from the payments; a broken one breaks the plan."""
    from arrears.services.allocation import TaskSpec, ensure_tasks
    from arrears.services.promises import paid_in_windows

    grace = plan_settings(app).grace_days
    plans = list(session.scalars(select(RepaymentPlan).where(RepaymentPlan.status == "active",
                                                             RepaymentPlan.starts_on <= as_of)))
    items = {p.plan_id: installments_of(session, p.plan_id) for p in plans}
    windows = []
    for p in plans:
        cutoffs = {min(i.due_on + timedelta(days=grace), as_of) for i in items[p.plan_id]}
        for cutoff in cutoffs | {as_of}:
            windows += [(f"{p.plan_id}:{cutoff}", loan["loan_id"], p.starts_on, cutoff)
                        for loan in p.loans]
    paid = paid_in_windows(app, windows)
    counts: dict[str, int] = defaultdict(int)
    tasks: list[TaskSpec] = []
    assignees = dict(session.execute(select(CollectionCase.case_id, CollectionCase.assigned_to)
                                     .where(CollectionCase.case_id.in_(
                                         [p.case_id for p in plans] or [-1]))).all())
    for p in plans:
        rows = items[p.plan_id]
        schedule = tuple(ScheduledInstallment(i.seq, i.due_on, i.amount) for i in rows)
        paid_by = {date.fromisoformat(k.split(":")[1]): v for k, v in paid.items()
                   if k.startswith(f"{p.plan_id}:")}
        progress = track_installments(schedule, paid_by=paid_by, grace_days=grace, as_of=as_of)
        p.paid_amount = paid_by.get(as_of, ZERO)
        for row, prog in zip(rows, progress, strict=True):
            if row.status == "open" and prog.status != "open":
                row.status, row.resolved_on = prog.status, as_of
                counts[prog.status] += 1
            row.paid_amount = prog.paid
        if any(r.status == "broken" for r in rows):
            p.status, p.resolved_on = "broken", as_of
            tasks.append(TaskSpec(case_id=p.case_id, kind="plan_broken", due_on=as_of,
                                  assigned_to=assignees.get(p.case_id),
                                  source_key=f"plan:{p.plan_id}:broken",
                                  detail={"plan_id": p.plan_id}))
        elif all(r.status == "kept" for r in rows):
            p.status, p.resolved_on = "completed", as_of
            counts["completed"] += 1
    return PlanTracking(len(plans), counts["kept"], counts["broken"], counts["completed"],
                        ensure_tasks(session, tasks))


def plan_export_rows(plan: RepaymentPlan, items: list[PlanInstallment]) -> list[dict[str, str]]:
    """The plan's installments per loan in the interchange layout, exact to the cent.

    Each installment is shared among the loans by their part of the basis; inside a loan,
    money goes to its overdue fees, then interest, then principal, as payments are applied.
    """
    loans = plan.loans or []
    def weight(loan: dict[str, str]) -> Decimal:
        fee, interest = Decimal(loan["overdue_fee"]), Decimal(loan["overdue_interest"])
        principal = Decimal(loan["outstanding_principal"] if plan.kind == "settlement"
                            else loan["overdue_principal"])
        return fee + interest + principal
    weights = [weight(loan) for loan in loans]
    fee_left = [Decimal(loan["overdue_fee"]) for loan in loans]
    interest_left = [Decimal(loan["overdue_interest"]) for loan in loans]
    out = []
    for item in items:
        for n, share in enumerate(allocate_pro_rata(item.amount, weights)):
            principal, interest, fee = split_components(share, fee=fee_left[n],
                                                        interest=interest_left[n])
            fee_left[n] -= fee
            interest_left[n] -= interest
            out.append({"loan_id": loans[n]["loan_id"], "seq": str(item.seq),
                        "due_date": item.due_on.isoformat(),
                        "principal_due": format_money(principal),
                        "interest_due": format_money(interest), "fee_due": format_money(fee)})
    return out


def export_plans(session: Session, *, out: Path, statuses: tuple[str, ...] = ("active",)) -> int:
    """Write the plans' installments as CSV in the spec's installments layout."""
    plans = list(session.scalars(select(RepaymentPlan).where(RepaymentPlan.status.in_(statuses))
                                 .order_by(RepaymentPlan.plan_id)))
    rows: list[dict[str, str]] = []
    for plan in plans:
        rows += plan_export_rows(plan, installments_of(session, plan.plan_id))
    rows.sort(key=lambda r: (r["loan_id"], int(r["seq"])))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(out)
    return len(rows)
