"""REST API of compliance (``/api/v1/compliance``): decide a contact before it happens
(dialler and channel adapters), read and override decisions, holds and flags, the pure
evaluation of scenarios, and the daily report."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from arrears.domain.compliance import evaluate_scenario
from arrears.entrypoints.api import schemas as s
from arrears.entrypoints.deps import CurrentPrincipal, DbSession, Principal, get_app, require_roles
from arrears.services import compliance as svc
from arrears.services.cases import ensure_customer_in_scope

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": s.ErrorOut} for code in (401, 403, 404, 409, 422)}
router = APIRouter(prefix="/api/v1/compliance", tags=["compliance"], responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
Key = Annotated[str, Path(min_length=1, max_length=64)]
Officer = Annotated[Principal, Depends(require_roles("compliance_officer"))]
Lifter = Annotated[Principal, Depends(require_roles("compliance_officer", "admin"))]
Reader = Annotated[Principal, Depends(require_roles("compliance_officer", "admin",
                                                    "team_lead", "qa_reviewer"))]
Channel = Literal["call", "sms", "email", "letter", "visit"]


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, max_length=64)
    has_opt_out: bool = False
    mentions_legal_action: bool = False
    asks_to_borrow: bool = False
    permitted_notice: str | None = Field(None, max_length=40)
    asks_to_sell_property: bool = False
    demands_full_payment_short: bool = False
    text: str | None = Field(None, max_length=4000)


class DecideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(min_length=1, max_length=64)
    case_id: int | None = Field(None, ge=1, le=2_147_483_647)
    channel: Channel
    party: str = Field("self", min_length=1, max_length=20)
    contact_id: str | None = Field(None, min_length=1, max_length=64)
    template: TemplateIn | None = None
    mentions_debt: bool = True
    collectors: int = Field(1, ge=0, le=20)
    initiated_by: Literal["collector", "dialler", "system", "customer"] = "collector"


class DecisionOut(BaseModel):
    decision_id: int
    decision: Literal["allow", "block"]
    allowed: bool
    overridden: bool
    rules: list[str]
    explanation: str
    explanation_zh: str
    local_time: str
    next_allowed_at: str | None
    pack: str
    version: str


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=4, max_length=2000)


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flag: Literal[tuple(svc.SETTABLE_FLAGS)]  # type: ignore[valid-type]
    reason: str = Field(min_length=4, max_length=2000)
    until: date | None = None
    contact_id: str | None = Field(None, min_length=1, max_length=64)


class FlagOut(BaseModel):
    flag_id: int
    flag: str
    contact_id: str | None
    until: date | None
    set_by: str
    reason: str
    active: bool
    lifted_by: str | None
    lift_reason: str | None


class EvaluateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pack: Literal["cn", "us", "gb"]
    scenarios: list[dict[str, Any]] = Field(max_length=10_000)


def _out(d: svc.ContactDecision) -> DecisionOut:
    return DecisionOut(
        decision_id=d.decision_id, decision="allow" if d.allowed else "block",
        allowed=d.allowed, overridden=d.overridden, rules=d.rules, explanation=d.explanation,
        explanation_zh=d.explanation_zh, local_time=d.local_time.isoformat(),
        next_allowed_at=d.next_allowed_at.isoformat() if d.next_allowed_at else None,
        pack=d.pack, version=d.version)


@router.post("/decisions", response_model=DecisionOut, status_code=201)
def decide(body: DecideIn, request: Request, session: DbSession,
           principal: CurrentPrincipal) -> DecisionOut:
    """Decide a contact before it happens; every channel adapter calls this first."""
    ensure_customer_in_scope(session, principal=principal, customer_id=body.customer_id)
    decision = svc.decide_contact(
        session, app=get_app(request), customer_id=body.customer_id, case_id=body.case_id,
        channel=body.channel, party=body.party, contact_id=body.contact_id,
        at=get_app(request).clock(), actor_user_id=principal.user_id,
        agency_id=principal.agency_id,
        template=body.template.model_dump() if body.template else None,
        mentions_debt=body.mentions_debt, collectors=body.collectors,
        initiated_by=body.initiated_by)
    return _out(decision)


@router.get("/decisions/{decision_id}", response_model=DecisionOut)
def get_decision(decision_id: Id, session: DbSession, principal: CurrentPrincipal) -> DecisionOut:
    """One stored decision."""
    decision = svc.get_decision(session, decision_id=decision_id)
    _decision_in_scope(session, principal, decision_id)
    return _out(decision)


@router.post("/decisions/{decision_id}/override", response_model=DecisionOut)
def override(decision_id: Id, body: OverrideIn, request: Request, session: DbSession,
             principal: Officer) -> DecisionOut:
    """Override a block (compliance officers, with a reason; audited)."""
    return _out(svc.override_decision(session, decision_id=decision_id, officer=principal,
                                      reason=body.reason, at=get_app(request).clock()))


def _decision_in_scope(session: Any, principal: Any, decision_id: int) -> None:
    from arrears.adapters.db.tables_compliance import ComplianceDecision

    row = session.get(ComplianceDecision, decision_id)
    ensure_customer_in_scope(session, principal=principal, customer_id=row.customer_id)


def _flag_out(f: Any) -> FlagOut:
    return FlagOut(flag_id=f.flag_id, flag=f.flag, contact_id=f.contact_id, until=f.until,
                   set_by=f.set_by, reason=f.reason, active=f.lifted_at is None,
                   lifted_by=f.lifted_by, lift_reason=f.lift_reason)


@router.get("/customers/{customer_id}/flags", response_model=list[FlagOut])
def list_flags(customer_id: Key, session: DbSession,
               principal: CurrentPrincipal) -> list[FlagOut]:
    """A customer's holds and flags, active and lifted."""
    ensure_customer_in_scope(session, principal=principal, customer_id=customer_id)
    return [_flag_out(f) for f in svc.customer_holds(session, customer_id=customer_id)["flags"]]


@router.post("/customers/{customer_id}/flags", response_model=FlagOut, status_code=201)
def set_flag(customer_id: Key, body: FlagIn, request: Request, session: DbSession,
             principal: CurrentPrincipal) -> FlagOut:
    """Set a hold or flag, with why."""
    from arrears.adapters.db.tables import CustomerFlag

    ensure_customer_in_scope(session, principal=principal, customer_id=customer_id)
    flag_id = svc.set_flag(session, customer_id=customer_id, flag=body.flag, reason=body.reason,
                           by=principal.username, at=get_app(request).clock(),
                           until=body.until, contact_id=body.contact_id)
    return _flag_out(session.get(CustomerFlag, flag_id))


@router.post("/flags/{flag_id}/lift", response_model=FlagOut)
def lift_flag(flag_id: Id, body: OverrideIn, request: Request, session: DbSession,
              principal: Lifter) -> FlagOut:
    """Lift a hold or flag (compliance officers and administrators), with why."""
    from arrears.adapters.db.tables import CustomerFlag

    svc.lift_flag(session, flag_id=flag_id, reason=body.reason, by=principal.username,
                  at=get_app(request).clock())
    return _flag_out(session.get(CustomerFlag, flag_id))


@router.post("/evaluate")
def evaluate(body: EvaluateIn, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Decide scenarios of the evaluation format (pure: nothing stored)."""
    return [evaluate_scenario(body.pack, svc.scenario_with_text(sc)) for sc in body.scenarios]


@router.get("/report")
def report(request: Request, session: DbSession, principal: Reader,
           day: Annotated[date, Query(alias="date")]) -> dict[str, Any]:
    """The day's compliance report: totals, blocks by rule, overrides, contacts."""
    r = svc.daily_report(session, app=get_app(request), day=day)
    return {"date": r.day.isoformat(), "decisions": r.decisions, "allowed": r.allowed,
            "blocked": r.blocked, "overridden": r.overridden,
            "blocks_by_rule": [{"rule": k, "blocks": v} for k, v in r.blocks_by_rule],
            "overrides": r.overrides, "contacts": r.contacts}
