"""Compliance in the desk: a customer's holds, flags and consents (set and lifted with who
and why), a decision with its override form, and the daily compliance report."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from arrears.entrypoints.deps import (
    DbSession,
    Principal,
    get_app,
    register_nav,
    render,
    require_roles,
)
from arrears.errors import ArrearsError, InvalidInput
from arrears.services import compliance as svc
from arrears.services.cases import ensure_customer_in_scope

STAFF = ("collector", "team_lead", "qa_reviewer", "compliance_officer", "admin", "agency")
SETTERS = ("collector", "team_lead", "compliance_officer", "admin", "agency")
LIFTERS = ("compliance_officer", "admin")
OFFICERS = ("compliance_officer", "admin")
router = APIRouter(include_in_schema=False)
register_nav("/compliance/report", "compliance.nav.report", roles=OFFICERS, order=60)
Staff = Annotated[Principal, Depends(require_roles(*STAFF))]
Setter = Annotated[Principal, Depends(require_roles(*SETTERS))]
Lifter = Annotated[Principal, Depends(require_roles(*LIFTERS))]
Officer = Annotated[Principal, Depends(require_roles(*OFFICERS))]
OverrideRole = Annotated[Principal, Depends(require_roles("compliance_officer"))]


def decision_view(decision: svc.ContactDecision, locale: str | None) -> dict[str, Any]:
    """What ``compliance_decision.html`` shows (include it with ``decision`` in context)."""
    return {
        "decision_id": decision.decision_id, "allowed": decision.allowed,
        "overridden": decision.overridden, "rules": decision.rules,
        "explanation": decision.explanation_in(locale),
        "local_time": decision.local_time.strftime("%Y-%m-%d %H:%M"),
        "zone": decision.zone,
        "next_allowed_at": (decision.next_allowed_at.strftime("%Y-%m-%d %H:%M")
                            if decision.next_allowed_at else None),
        "pack": decision.pack, "version": decision.version}


def _holds_page(request: Request, session: Any, *, customer_id: str, principal: Principal,
                notice: str | None = None, error: dict | None = None,
                status_code: int = 200) -> Response:
    ensure_customer_in_scope(session, principal=principal, customer_id=customer_id)
    holds = svc.customer_holds(session, customer_id=customer_id)
    decisions = svc.decisions_for(session, customer_id=customer_id, limit=20)
    return render(request, "compliance_holds.html", {
        "customer_id": customer_id,
        "active": [f for f in holds["flags"] if f.lifted_at is None],
        "lifted": [f for f in holds["flags"] if f.lifted_at is not None],
        "consents": holds["consents"], "flags": svc.SETTABLE_FLAGS,
        "consent_kinds": svc.CONSENT_KINDS,
        "decisions": [decision_view(d, principal.locale) for d in decisions],
        "may_lift": principal.role in LIFTERS, "notice": notice, "error": error},
        status_code=status_code)


@router.get("/compliance/customers/{customer_id}")
def holds_page(request: Request, session: DbSession, principal: Staff,
               customer_id: str) -> Response:
    """The holds panel of one customer."""
    return _holds_page(request, session, customer_id=customer_id, principal=principal)


def _after(request: Request, session: Any, principal: Principal, customer_id: str,
           action: Any) -> Response:
    try:
        action()
    except ArrearsError as exc:
        session.rollback()
        return _holds_page(request, session, customer_id=customer_id, principal=principal,
                           error=exc.to_dict(), status_code=exc.status)
    return _holds_page(request, session, customer_id=customer_id, principal=principal,
                       notice="compliance.holds.saved")


def _date_or_none(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field} must be a date YYYY-MM-DD", field=field) from None


@router.post("/compliance/customers/{customer_id}/flags")
def set_flag(request: Request, session: DbSession, principal: Setter, customer_id: str,
             flag: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
             until: Annotated[str, Form()] = "",
             contact_id: Annotated[str, Form()] = "") -> Response:
    """Set a hold or flag, with who and why."""
    ensure_customer_in_scope(session, principal=principal, customer_id=customer_id)
    at = get_app(request).clock()
    return _after(request, session, principal, customer_id, lambda: svc.set_flag(
        session, customer_id=customer_id, flag=flag, reason=reason, by=principal.username,
        at=at, until=_date_or_none(until, "until"), contact_id=contact_id or None))


@router.post("/compliance/flags/{flag_id}/lift")
def lift_flag(request: Request, session: DbSession, principal: Lifter, flag_id: int,
              customer_id: Annotated[str, Form()] = "",
              reason: Annotated[str, Form()] = "") -> Response:
    """Lift a hold or flag (compliance officers), with why."""
    at = get_app(request).clock()
    return _after(request, session, principal, customer_id, lambda: svc.lift_flag(
        session, flag_id=flag_id, reason=reason, by=principal.username, at=at))


@router.post("/compliance/customers/{customer_id}/consents")
def record_consent(request: Request, session: DbSession, principal: Setter, customer_id: str,
                   kind: Annotated[str, Form()] = "", window_from: Annotated[str, Form()] = "",
                   window_until: Annotated[str, Form()] = "",
                   channel: Annotated[str, Form()] = "",
                   note: Annotated[str, Form()] = "") -> Response:
    """Record a consent or preference the borrower gave."""
    ensure_customer_in_scope(session, principal=principal, customer_id=customer_id)
    at = get_app(request).clock()
    return _after(request, session, principal, customer_id, lambda: svc.record_consent(
        session, customer_id=customer_id, kind=kind, by=principal.username, at=at,
        window_from=window_from or None, window_until=window_until or None,
        channel=channel or None, note=note or None))


def _decision_page(request: Request, session: Any, *, decision_id: int, principal: Principal,
                   notice: str | None = None, error: dict | None = None,
                   status_code: int = 200) -> Response:
    decision = svc.get_decision(session, decision_id=decision_id)
    from arrears.adapters.db.tables_compliance import ComplianceDecision

    row = session.get(ComplianceDecision, decision_id)
    ensure_customer_in_scope(session, principal=principal, customer_id=row.customer_id)
    return render(request, "compliance_decision_page.html", {
        "decision": decision_view(decision, principal.locale), "row": row,
        "may_override": principal.role == "compliance_officer" and not decision.allowed
        and not decision.overridden, "notice": notice, "error": error},
        status_code=status_code)


@router.get("/compliance/decisions/{decision_id}")
def decision_page(request: Request, session: DbSession, principal: Staff,
                  decision_id: int) -> Response:
    """One decision with its rules, times and (for officers) the override form."""
    return _decision_page(request, session, decision_id=decision_id, principal=principal)


@router.post("/compliance/decisions/{decision_id}/override")
def override(request: Request, session: DbSession, principal: OverrideRole, decision_id: int,
             reason: Annotated[str, Form()] = "") -> Response:
    """Override a block: compliance officers only, with a reason (audited)."""
    try:
        svc.override_decision(session, decision_id=decision_id, officer=principal,
                              reason=reason, at=get_app(request).clock())
    except ArrearsError as exc:
        session.rollback()
        return _decision_page(request, session, decision_id=decision_id, principal=principal,
                              error=exc.to_dict(), status_code=exc.status)
    return _decision_page(request, session, decision_id=decision_id, principal=principal,
                          notice="compliance.override.done")


def _report_day(request: Request, day: str | None) -> date:
    if not day:
        return get_app(request).today()  # type: ignore[no-any-return]
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise InvalidInput("date must be YYYY-MM-DD", field="date") from None


@router.get("/compliance/report")
def report_page(request: Request, session: DbSession, principal: Officer,
                day: Annotated[str | None, Query(alias="date")] = None) -> Response:
    """The daily compliance report for compliance officers."""
    the_day = _report_day(request, day)
    report = svc.daily_report(session, app=get_app(request), day=the_day)
    return render(request, "compliance_report.html", {"report": report})


REPORT_PARTS = ("blocks_by_rule", "overrides", "contacts", "decisions")


def report_csv(report: svc.ComplianceReport, part: str) -> str:
    """One part of the report as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out)
    if part == "blocks_by_rule":
        writer.writerow(["rule", "blocks"])
        writer.writerows(report.blocks_by_rule)
        return out.getvalue()
    rows = {"overrides": report.overrides, "contacts": report.contacts,
            "decisions": report.rows}[part]
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


@router.get("/compliance/report.csv")
def report_download(request: Request, session: DbSession, principal: Officer,
                    day: Annotated[str | None, Query(alias="date")] = None,
                    part: Annotated[str, Query()] = "decisions") -> Response:
    """Download one part of the daily report as CSV."""
    if part not in REPORT_PARTS:
        raise InvalidInput(f"part must be one of {', '.join(REPORT_PARTS)}", field="part")
    the_day = _report_day(request, day)
    report = svc.daily_report(session, app=get_app(request), day=the_day)
    name = f"compliance-{the_day.isoformat()}-{part}.csv"
    return Response("\ufeff" + report_csv(report, part), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
