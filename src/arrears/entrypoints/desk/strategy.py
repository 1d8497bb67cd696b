"""Desk pages of the strategy part: the strategy editor (versions, validation, results per
arm), a case's treatment and repayment plans (propose, approve), and the approvals queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from arrears.adapters.db.tables import Promise
from arrears.adapters.db.tables_strategy import RepaymentPlan
from arrears.entrypoints.deps import (
    CurrentPrincipal,
    DbSession,
    Principal,
    get_app,
    register_nav,
    render,
    require_roles,
)
from arrears.errors import ArrearsError, InvalidInput
from arrears.services import cases
from arrears.services import plans as plan_svc
from arrears.services import strategy as strategy_svc

router = APIRouter(include_in_schema=False)
SUPERVISORS = ("admin", "team_lead", "qa_reviewer", "compliance_officer")
CHECKERS = ("team_lead", "admin")
register_nav("/strategy", "strategy.nav.strategy", roles=SUPERVISORS, order=60)
register_nav("/plans/approvals", "strategy.nav.approvals", roles=CHECKERS, order=61)
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Reader = Annotated[Principal, Depends(require_roles(*SUPERVISORS))]
Checker = Annotated[Principal, Depends(require_roles(*CHECKERS))]


def _strategy_page(request: Request, session: Any, *, principal: Principal,
                   draft: str | None = None, error: dict | None = None,
                   notice: str | None = None, status_code: int = 200) -> Response:
    app = get_app(request)
    as_of = app.today()
    active = strategy_svc.active_strategy(session, as_of=as_of)
    ladders = [{"arm": a.name, "share": f"{a.share:.0%}",
                "segments": [{"id": s.id, "path": s.path,
                              "steps": [f"{st.id} · {st.after_days}d"
                                        for st in a.paths[s.path]]} for s in a.segments]}
               for a in active.strategy.arms]
    return render(request, "strategy_admin.html", {
        "active": active, "ladders": ladders, "as_of": as_of,
        "versions": strategy_svc.strategy_versions(session),
        "report": strategy_svc.champion_challenger_report(session, app=app, as_of=as_of),
        "draft": draft if draft is not None else active.text, "error": error,
        "notice": notice, "editable": principal.role == "admin"}, status_code=status_code)


@router.get("/strategy")
def strategy_page(request: Request, session: DbSession, principal: Reader) -> Response:
    """The strategy in force, its ladders per arm, versions and results per arm."""
    return _strategy_page(request, session, principal=principal)


@router.post("/strategy")
def strategy_save(request: Request, session: DbSession, principal: Admin,
                  yaml_text: Annotated[str, Form(max_length=200_000)] = "",
                  note: Annotated[str, Form(max_length=500)] = "",
                  action: Annotated[str, Form()] = "validate") -> Response:
    """Validate an edited or uploaded strategy, or store it as a new version."""
    from arrears.i18n import t

    try:
        if action == "save":
            row = strategy_svc.upload_strategy(session, yaml_text=yaml_text,
                                               actor=principal.username,
                                               at=get_app(request).clock(), note=note or None)
            msg = t("strategy.saved", principal.locale, version=row.version,
                    effective=str(row.effective_from))
            return _strategy_page(request, session, principal=principal, notice=msg)
        spec = strategy_svc.validate_strategy_text(yaml_text, source="draft")
        msg = t("strategy.valid", principal.locale, name=spec.name)
        return _strategy_page(request, session, principal=principal, draft=yaml_text,
                              notice=msg)
    except InvalidInput as exc:
        session.rollback()
        return _strategy_page(request, session, principal=principal, draft=yaml_text,
                              error=exc.to_dict(), status_code=422)


@router.get("/strategy/versions/{version_id}")
def strategy_version_page(request: Request, session: DbSession, principal: Reader,
                          version_id: int) -> Response:
    """One stored version's YAML."""
    row = strategy_svc.strategy_version(session, version_id=version_id)
    return render(request, "strategy_version.html", {"v": row})


@dataclass(frozen=True)
class PlanView:
    plan_id: int
    kind: str
    status: str
    agreed: Decimal
    discount: Decimal
    months: int
    needs_approval: bool
    reasons: list[str]
    proposed_by: int | None
    installments: list[Any]


def _plan_views(session: Any, case_id: int) -> list[PlanView]:
    return [PlanView(p.plan_id, p.kind, p.status, p.agreed_amount, p.discount, p.months,
                     p.needs_approval, list(p.approval_reasons or []), p.proposed_by,
                     plan_svc.installments_of(session, p.plan_id))
            for p in plan_svc.case_plans(session, case_id=case_id)]


def _case_page(request: Request, session: Any, *, principal: Principal, case_id: int,
               error: dict | None = None, notice: str | None = None,
               status_code: int = 200) -> Response:
    case = cases.load_case(session, principal=principal, case_id=case_id)
    app = get_app(request)
    try:
        options = plan_svc.plan_options(session, app=app, case_id=case_id, role=principal.role,
                                        as_of=app.today()) if case.status == "open" else []
    except ArrearsError:
        options = []
    promises = session.scalars(select(Promise).where(Promise.case_id == case_id)
                               .order_by(Promise.promise_id.desc())).all()
    return render(request, "strategy_case.html", {
        "case": {"case_id": case.case_id, "bucket": case.bucket, "dpd": case.dpd,
                 "overdue": case.overdue_amount, "currency": case.currency,
                 "status": case.status},
        "treatments": strategy_svc.case_treatment_history(session, case_id=case_id, limit=30),
        "plans": _plan_views(session, case_id), "options": options,
        "promises": [{"amount": p.amount, "due_on": p.due_on, "status": p.status,
                      "paid": p.paid_amount} for p in promises],
        "can_check": principal.role in CHECKERS, "me": principal.user_id,
        "error": error, "notice": notice}, status_code=status_code)


@router.get("/cases/{case_id}/strategy")
def case_strategy_page(request: Request, session: DbSession, principal: CurrentPrincipal,
                       case_id: int) -> Response:
    """A case's ladder (step per day and why), promises and repayment plans."""
    return _case_page(request, session, principal=principal, case_id=case_id)


def _money(value: str, name: str) -> Decimal:
    try:
        amount = Decimal(value.strip() or "0")
    except InvalidOperation as exc:
        raise InvalidInput(f"{name} must be an amount like 120.50", field=name) from exc
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"{name} must be an amount like 120.50", field=name)
    return amount


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput("first due date must be a date YYYY-MM-DD", field="first_due_on") \
            from exc


@router.post("/cases/{case_id}/plans")
def propose_plan_form(request: Request, session: DbSession, principal: CurrentPrincipal,
                      case_id: int, kind: Annotated[str, Form()] = "installment",
                      months: Annotated[int, Form(ge=1, le=120)] = 1,
                      discount: Annotated[str, Form(max_length=20)] = "0",
                      down_payment: Annotated[str, Form(max_length=20)] = "0",
                      first_due_on: Annotated[str, Form(max_length=10)] = "",
                      note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Propose a plan from the case page."""
    from arrears.i18n import t

    app = get_app(request)
    try:
        cases.load_case(session, principal=principal, case_id=case_id)
        plan = plan_svc.propose_plan(
            session, app=app, case_id=case_id, kind=kind, months=months,
            discount=_money(discount, "discount"), down_payment=_money(down_payment,
                                                                       "down_payment"),
            first_due_on=_day(first_due_on), maker_id=principal.user_id,
            maker_role=principal.role, actor=principal.username, at=app.clock(),
            as_of=app.today(), note=note or None)
    except (InvalidInput, plan_svc.PlanConflict) as exc:
        session.rollback()
        return _case_page(request, session, principal=principal, case_id=case_id,
                          error=exc.to_dict(), status_code=exc.status)
    key = "strategy.plan.pending" if plan.status == "proposed" else "strategy.plan.active"
    return _case_page(request, session, principal=principal, case_id=case_id,
                      notice=t(key, principal.locale, plan_id=plan.plan_id))


@router.post("/plans/{plan_id}/decision")
def decide_plan_form(request: Request, session: DbSession, principal: Checker, plan_id: int,
                     decision: Annotated[str, Form()] = "",
                     note: Annotated[str, Form(max_length=2000)] = "",
                     back: Annotated[str, Form()] = "case") -> Response:
    """Approve or reject a proposed plan (a second person: never the maker)."""
    app = get_app(request)
    plan = session.get(RepaymentPlan, plan_id)
    if plan is None:
        raise InvalidInput(f"no plan {plan_id}", field="plan_id")
    cases.load_case(session, principal=principal, case_id=plan.case_id)
    case_id = plan.case_id
    try:
        plan_svc.decide_plan(session, app=app, plan_id=plan_id, approve=decision == "approve",
                             checker_id=principal.user_id, checker_role=principal.role,
                             actor=principal.username, at=app.clock(), as_of=app.today(),
                             note=note or None)
    except ArrearsError as exc:
        session.rollback()
        return _case_page(request, session, principal=principal, case_id=case_id,
                          error=exc.to_dict(), status_code=exc.status)
    target = "/plans/approvals" if back == "approvals" else f"/cases/{case_id}/strategy"
    return RedirectResponse(target, status_code=303)


@router.get("/plans/approvals")
def approvals_page(request: Request, session: DbSession, principal: Checker) -> Response:
    """Plans waiting for a second person's approval, within the checker's scope."""
    rows = session.scalars(select(RepaymentPlan).where(RepaymentPlan.status == "proposed")
                           .order_by(RepaymentPlan.proposed_at)).all()
    visible = []
    for p in rows:
        try:
            cases.load_case(session, principal=principal, case_id=p.case_id)
        except ArrearsError:
            continue
        visible.append({"plan_id": p.plan_id, "case_id": p.case_id, "kind": p.kind,
                        "agreed": p.agreed_amount, "discount": p.discount, "months": p.months,
                        "reasons": list(p.approval_reasons or []),
                        "own": p.proposed_by == principal.user_id})
    return render(request, "strategy_approvals.html", {"rows": visible})
