"""The account view: customer, loans, promises and plans, the contact history timeline,
contacts with what may be done with each, the call script; recording a contact; revealing
one personal-data field for a reason."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from arrears.adapters.db.tables import CollectionCase, ContactAttempt
from arrears.entrypoints.deps import (
    CurrentPrincipal,
    DbSession,
    Principal,
    get_app,
    localized_error,
    render,
)
from arrears.errors import ArrearsError, InvalidInput
from arrears.i18n import t
from arrears.services import cases, compliance, contacts, scripts

router = APIRouter(include_in_schema=False)
CaseId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _zone(app: Any) -> ZoneInfo:
    return ZoneInfo(app.business.raw("business").get("reporting_timezone", "Asia/Shanghai"))


def script_for(session: Any, *, app: Any, view: cases.AccountView,
               principal: Principal) -> dict[str, Any]:
    """The stage's call script in the customer's language, filled with the figures."""
    from arrears.services.strategy import latest_treatment

    conversations = session.scalar(select(func.count()).select_from(ContactAttempt).where(
        ContactAttempt.case_id == view.case_id,
        ContactAttempt.result == "right_party_contact")) or 0
    treatment = latest_treatment(session, case_id=view.case_id)
    stage = scripts.stage_for(dpd=view.dpd, prior_conversations=conversations,
                              treatment_script=treatment.script if treatment else None)
    language = scripts.script_language(view.language)
    script = scripts.current_script(session, stage=stage, language=language)
    oldest = min((lv.oldest_unpaid_due_date for lv in view.loans
                  if lv.oldest_unpaid_due_date), default=None)
    figures = scripts.account_figures(
        customer_name=view.name_masked, collector=principal.display_name,
        lender=app.business.raw("business").get("lender_name", t("desk.lender", language)),
        currency=view.currency, overdue_amount=view.overdue_amount, dpd=view.dpd,
        bucket=view.bucket, loan_count=view.loan_count, oldest_due_date=oldest,
        promise=view.open_promises[0] if view.open_promises else None)
    return {"stage": stage, "language": language, "title": script.title,
            "version": script.version, "text": scripts.fill_script(script.body, figures)}


def treatment_and_risk(session: Any, *, case_id: int) -> dict[str, Any]:
    """The case's current strategy step and its latest roll-risk score, when there are any."""
    from arrears.scoring.stored import latest_case_score
    from arrears.services.strategy import latest_treatment

    treatment = latest_treatment(session, case_id=case_id)
    # a closed case's latest score is from before its closing day, its last figures' day
    case = session.get(CollectionCase, case_id)
    risk = latest_case_score(session, case_id=case_id,
                             on_or_before=case.as_of if case is not None else None)
    reasons = [r.get("code") for r in (risk.reasons or [])[:3]
               if isinstance(r, dict)] if risk is not None else []
    return {"treatment": treatment, "risk": risk, "risk_reasons": reasons}


def _context(session: Any, request: Request, principal: Principal, case_id: int) -> dict[str, Any]:
    from arrears.entrypoints.desk.compliance import LIFTERS, SETTERS

    app = get_app(request)
    view = cases.account_view(session, app=app, principal=principal, case_id=case_id,
                              as_of=app.today())
    return {"acct": view, "script": script_for(session, app=app, view=view, principal=principal),
            "channels": contacts.CHANNELS, "parties": contacts.PARTIES,
            "results": contacts.RESULTS, "reasons": contacts.OVERDUE_REASONS,
            "zone": _zone(app), "may_override": principal.role in contacts.OVERRIDE_ROLES,
            "hold_flags": compliance.SETTABLE_FLAGS, "may_set_hold": principal.role in SETTERS,
            "may_lift_hold": principal.role in LIFTERS,
            **treatment_and_risk(session, case_id=case_id)}


@router.get("/cases/{case_id}")
def account_page(request: Request, session: DbSession, principal: CurrentPrincipal,
                 case_id: CaseId) -> Response:
    """The account view of one case (403 outside the principal's scope)."""
    return render(request, "account.html", _context(session, request, principal, case_id))


def _hold_action(request: Request, session: Any, principal: Principal, case_id: int,
                 roles: tuple[str, ...], action: Any) -> Response:
    """Run a hold change for a case in the principal's scope; back to the account view, or
    the account view with the error in the holds panel."""
    from arrears.errors import Forbidden

    try:
        case = cases.load_case(session, principal=principal, case_id=case_id)
        if principal.role not in roles:
            raise Forbidden(t("desk.error.role_forbidden", principal.locale,
                              role=principal.role, roles=", ".join(roles)))
        action(case.customer_id)
    except ArrearsError as exc:
        if exc.status >= 500 or exc.status in (401, 403, 404):
            raise
        session.rollback()
        ctx = _context(session, request, principal, case_id)
        return render(request, "account.html",
                      {**ctx, "holds_error": localized_error(request, exc)},
                      status_code=exc.status)
    return RedirectResponse(f"/cases/{case_id}#holds", status_code=303)


@router.post("/cases/{case_id}/holds")
def set_hold(request: Request, session: DbSession, principal: CurrentPrincipal,
             case_id: CaseId, flag: Annotated[str, Form(max_length=40)] = "",
             reason: Annotated[str, Form(max_length=2000)] = "",
             until: Annotated[str, Form(max_length=10)] = "",
             contact_id: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Set a hold or flag on the case's customer (or one of its contacts), with why."""
    from arrears.entrypoints.desk.compliance import SETTERS

    at = get_app(request).clock()

    def act(customer_id: str) -> None:
        compliance.set_flag(session, customer_id=customer_id, flag=flag, reason=reason,
                            by=principal.username, at=at, contact_id=contact_id or None,
                            until=_parse_date(until, "until"))

    return _hold_action(request, session, principal, case_id, SETTERS, act)


@router.post("/cases/{case_id}/holds/{flag_id}/lift")
def lift_hold(request: Request, session: DbSession, principal: CurrentPrincipal,
              case_id: CaseId, flag_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
              reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Lift one of the customer's holds, with why (compliance officers and admins)."""
    from arrears.adapters.db.tables import CustomerFlag
    from arrears.entrypoints.desk.compliance import LIFTERS

    at = get_app(request).clock()

    def act(customer_id: str) -> None:
        row = session.get(CustomerFlag, flag_id)
        if row is None or row.customer_id != customer_id:
            raise InvalidInput("no such hold on this customer", field="flag_id")
        compliance.lift_flag(session, flag_id=flag_id, reason=reason, by=principal.username,
                             at=at)

    return _hold_action(request, session, principal, case_id, LIFTERS, act)


@router.get("/cases/{case_id}/timeline")
def timeline_partial(request: Request, session: DbSession, principal: CurrentPrincipal,
                     case_id: CaseId) -> Response:
    cases.load_case(session, principal=principal, case_id=case_id)
    return render(request, "partials/timeline.html",
                  {"items": cases.timeline(session, case_id=case_id),
                   "zone": _zone(get_app(request))})


def _parse_amount(value: str) -> Decimal | None:
    if not value.strip():
        return None
    try:
        amount = Decimal(value.strip().replace(",", ""))
    except InvalidOperation as exc:
        raise InvalidInput("the promised amount is not a number", field="promise_amount") from exc
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput("the promised amount has at most two decimals",
                           field="promise_amount")
    return amount


def _parse_date(value: str, name: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError as exc:
        raise InvalidInput(f"{name} is not a date (YYYY-MM-DD)", field=name) from exc


def _parse_id(value: str, name: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit() or not 0 < int(value) <= 2_147_483_647:
        raise InvalidInput(f"{name} is not a decision number", field=name)
    return int(value)


def _parse_local_time(value: str, zone: ZoneInfo) -> datetime | None:
    """``datetime-local`` input in the reporting zone."""
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=zone) \
            if value.strip() else None
    except ValueError as exc:
        raise InvalidInput("the callback time is not valid", field="callback_at") from exc


@router.post("/cases/{case_id}/contacts")
def record_contact(request: Request, session: DbSession, principal: CurrentPrincipal,
                   case_id: CaseId, channel: Annotated[str, Form()] = "",
                   party: Annotated[str, Form()] = "", result: Annotated[str, Form()] = "",
                   contact_id: Annotated[str, Form()] = "",
                   overdue_reason: Annotated[str, Form()] = "",
                   promise_amount: Annotated[str, Form()] = "",
                   promise_due: Annotated[str, Form()] = "",
                   callback_at: Annotated[str, Form()] = "",
                   note: Annotated[str, Form()] = "",
                   compliance_override_reason: Annotated[str, Form()] = "",
                   override_decision_id: Annotated[str, Form()] = "",
                   note_override_reason: Annotated[str, Form()] = "") -> Response:
    """Save the contact; answers the new timeline (HTMX), a block, or the field error."""
    app = get_app(request)
    zone = _zone(app)
    try:
        data = contacts.ContactInput(
            channel=channel, party=party, result=result, contact_id=contact_id or None,
            overdue_reason=overdue_reason or None,
            promise_amount=_parse_amount(promise_amount),
            promise_due=_parse_date(promise_due, "promise_due"),
            callback_at=_parse_local_time(callback_at, zone), note=note or None,
            compliance_override_reason=compliance_override_reason or None,
            override_decision_id=_parse_id(override_decision_id, "override_decision_id"),
            note_override_reason=note_override_reason or None)
        outcome = contacts.record_contact(session, app=app, principal=principal,
                                          case_id=case_id, data=data, at=app.clock(),
                                          as_of=app.today())
    except contacts.NoteViolation as exc:
        session.rollback()
        return render(request, "partials/note_violation.html",
                      {"error": localized_error(request, exc)},
                      status_code=422)
    except (InvalidInput, ArrearsError) as exc:
        if exc.status >= 500:
            raise
        session.rollback()
        return render(request, "partials/error.html",
                      {"status": exc.status, "error": localized_error(request, exc)},
                      status_code=exc.status)
    if outcome.blocked is not None:
        return render(request, "partials/contact_blocked.html",
                      {"block": outcome.blocked, "case_id": case_id,
                       "may_override": principal.role in contacts.OVERRIDE_ROLES},
                      status_code=409)
    return render(request, "partials/contact_saved.html",
                  {"outcome": outcome, "items": cases.timeline(session, case_id=case_id),
                   "zone": zone}, headers={"HX-Trigger": "contact-saved"})


@router.post("/cases/{case_id}/reveal")
def reveal_field(request: Request, session: DbSession, principal: CurrentPrincipal,
                 case_id: CaseId, field: Annotated[str, Form(max_length=80)] = "",
                 reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    """One field in clear for a reason (audited); the partial replaces the masked value."""
    app = get_app(request)
    value = cases.reveal(session, keyring=app.keyring, principal=principal, case_id=case_id,
                         field=field, reason=reason, at=app.clock())
    return render(request, "partials/revealed.html", {"value": value, "field": field})
