"""REST API of strategies and repayment plans (``/api/v1``).

- ``GET /strategy``: the strategy in force (YAML and summary); ``POST /strategy/validate``.
- ``GET /strategy/report``: champion/challenger results per arm with 95% intervals.
- ``GET /cases/{id}/treatment``: the case's step today and its ladder history.
- ``GET /cases/{id}/plan-options``: the plans the policy allows for the caller.
- ``POST /cases/{id}/plans``: propose a plan (Idempotency-Key); ``POST /plans/{id}/decision``:
  a second person approves or rejects it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from arrears.entrypoints.deps import CurrentPrincipal, DbSession, get_app
from arrears.errors import Forbidden
from arrears.services import cases
from arrears.services import plans as plan_svc
from arrears.services import strategy as strategy_svc
from arrears.services.idempotency import Answer, run_once

router = APIRouter(prefix="/api/v1", tags=["strategy"])
CaseId = Annotated[int, Path(ge=1, le=2_147_483_647)]
PlanId = Annotated[int, Path(ge=1, le=2_147_483_647)]
IdemKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                pattern=r"^[\x21-\x7e]+$")]
SUPERVISORS = ("team_lead", "admin", "qa_reviewer", "compliance_officer")
Money = Annotated[Decimal, Field(ge=0, le=Decimal("9999999999.99"), decimal_places=2)]


class StepOut(BaseModel):
    as_of: date
    arm: str
    segment: str
    path: str
    step_id: str
    step_kind: str
    channel: str
    script: str | None
    tone: str
    team_id: str | None
    role: str
    entered_on: date
    escalations: int
    reason: str


class InstallmentOut(BaseModel):
    seq: int
    due_on: date
    amount: Decimal


class OptionOut(BaseModel):
    kind: str
    months: int
    discount: Decimal
    down_payment: Decimal
    first_due_on: date
    agreed: Decimal
    needs_approval: bool
    installments: list[InstallmentOut]


class PlanIn(BaseModel):
    kind: Literal["installment", "deferral", "settlement"]
    months: int = Field(ge=1, le=120)
    discount: Money = Decimal("0")
    down_payment: Money = Decimal("0")
    first_due_on: date
    note: str | None = Field(default=None, max_length=2000)


class PlanOut(BaseModel):
    plan_id: int
    case_id: int
    kind: str
    status: str
    currency: str
    basis: Decimal
    discount: Decimal
    down_payment: Decimal
    agreed_amount: Decimal
    months: int
    needs_approval: bool
    approval_reasons: list[str]
    installments: list[InstallmentOut]


class DecisionIn(BaseModel):
    approve: bool
    note: str | None = Field(default=None, max_length=2000)


class ValidationOut(BaseModel):
    valid: bool
    name: str | None = None
    effective_from: date | None = None
    errors: list[dict[str, str]] = Field(default_factory=list)


def _require(principal: Any, roles: tuple[str, ...]) -> None:
    if principal.role not in roles:
        raise Forbidden(f"this needs one of the roles {', '.join(roles)}", role=principal.role)


def _plan_out(session: Any, plan: Any) -> PlanOut:
    items = plan_svc.installments_of(session, plan.plan_id)
    return PlanOut(plan_id=plan.plan_id, case_id=plan.case_id, kind=plan.kind,
                   status=plan.status, currency=plan.currency, basis=plan.basis,
                   discount=plan.discount, down_payment=plan.down_payment,
                   agreed_amount=plan.agreed_amount, months=plan.months,
                   needs_approval=plan.needs_approval,
                   approval_reasons=list(plan.approval_reasons or []),
                   installments=[InstallmentOut(seq=i.seq, due_on=i.due_on, amount=i.amount)
                                 for i in items])


@router.get("/strategy")
def get_strategy(request: Request, session: DbSession, principal: CurrentPrincipal) -> Any:
    """The strategy in force today: name, version, effective date, YAML."""
    _require(principal, SUPERVISORS)
    active = strategy_svc.active_strategy(session, as_of=get_app(request).today())
    return {"name": active.strategy.name, "version": active.version,
            "version_id": active.version_id, "effective_from": active.strategy.effective_from,
            "experiment": active.strategy.experiment,
            "arms": [{"name": a.name, "share": str(a.share)} for a in active.strategy.arms],
            "yaml": active.text}


@router.post("/strategy/validate", response_model=ValidationOut)
def validate_strategy(principal: CurrentPrincipal,
                      body: Annotated[str, Body(media_type="text/plain", max_length=200_000)]
                      ) -> Any:
    """Validate a strategy file (YAML in the body); errors name the bad field."""
    from arrears.strategies.schema import StrategyInvalid

    _require(principal, SUPERVISORS)
    try:
        spec = strategy_svc.validate_strategy_text(body, source="request")
    except StrategyInvalid as exc:
        return ValidationOut(valid=False, errors=exc.detail.get("errors") or [
            {"field": exc.field or "", "message": exc.message}])
    return ValidationOut(valid=True, name=spec.name, effective_from=spec.effective_from)


@router.get("/strategy/report")
def strategy_report(request: Request, session: DbSession, principal: CurrentPrincipal,
                    as_of: Annotated[date | None, Query()] = None) -> Any:
    """Champion/challenger results per arm, with 95% intervals."""
    _require(principal, SUPERVISORS)
    app = get_app(request)
    return jsonable_encoder(strategy_svc.champion_challenger_report(
        session, app=app, as_of=as_of or app.today()))


@router.get("/cases/{case_id}/treatment", response_model=list[StepOut])
def case_treatment(session: DbSession, principal: CurrentPrincipal, case_id: CaseId,
                   limit: Annotated[int, Query(ge=1, le=365)] = 30) -> Any:
    """The case's step per run day, newest first, with the rule that put it there."""
    cases.load_case(session, principal=principal, case_id=case_id)
    return [StepOut.model_validate(row, from_attributes=True)
            for row in strategy_svc.case_treatment_history(session, case_id=case_id,
                                                           limit=limit)]


@router.get("/cases/{case_id}/plan-options", response_model=list[OptionOut])
def plan_options(request: Request, session: DbSession, principal: CurrentPrincipal,
                 case_id: CaseId) -> Any:
    """The standard plans the policy allows on this account for the caller's role."""
    cases.load_case(session, principal=principal, case_id=case_id)
    app = get_app(request)
    opts = plan_svc.plan_options(session, app=app, case_id=case_id, role=principal.role,
                                 as_of=app.today())
    return [OptionOut(kind=o.kind, months=o.months, discount=o.discount,
                      down_payment=o.down_payment, first_due_on=o.first_due_on, agreed=o.agreed,
                      needs_approval=o.needs_approval,
                      installments=[InstallmentOut(seq=i.seq, due_on=i.due_on, amount=i.amount)
                                    for i in o.installments]) for o in opts]


@router.post("/cases/{case_id}/plans", status_code=201, response_model=PlanOut)
def propose_plan(request: Request, session: DbSession, principal: CurrentPrincipal,
                 case_id: CaseId, body: PlanIn, idempotency_key: IdemKey) -> Any:
    """Propose a plan; above the caller's limits it waits for a second person's approval."""
    app = get_app(request)
    at = app.clock()

    def create() -> Answer:
        cases.load_case(session, principal=principal, case_id=case_id)
        plan = plan_svc.propose_plan(
            session, app=app, case_id=case_id, kind=body.kind, months=body.months,
            discount=body.discount, down_payment=body.down_payment,
            first_due_on=body.first_due_on, maker_id=principal.user_id,
            maker_role=principal.role, actor=principal.username, at=at, as_of=app.today(),
            note=body.note)
        return Answer(201, jsonable_encoder(_plan_out(session, plan)))

    answer = run_once(session, key=idempotency_key, user_id=principal.user_id, method="POST",
                      path=request.url.path, payload=jsonable_encoder(body), at=at,
                      create=create)
    return JSONResponse(answer.body, status_code=answer.status)


@router.post("/plans/{plan_id}/decision", response_model=PlanOut)
def decide_plan(request: Request, session: DbSession, principal: CurrentPrincipal,
                plan_id: PlanId, body: DecisionIn) -> Any:
    """Approve or reject a proposed plan (never by the person who proposed it)."""
    _require(principal, ("team_lead", "admin"))
    app = get_app(request)
    existing = session.get(plan_svc.RepaymentPlan, plan_id)
    if existing is not None:
        cases.load_case(session, principal=principal, case_id=existing.case_id)
    plan = plan_svc.decide_plan(session, app=app, plan_id=plan_id, approve=body.approve,
                                checker_id=principal.user_id, checker_role=principal.role,
                                actor=principal.username, at=app.clock(), as_of=app.today(),
                                note=body.note)
    return _plan_out(session, plan)
