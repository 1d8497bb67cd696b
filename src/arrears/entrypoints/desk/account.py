"""The account view: customer, loans, promises and plans, the contact history timeline,
contacts with what may be done with each, the call script; recording a contact; revealing
one personal-data field for a reason."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from arrears.adapters.db.tables import ContactAttempt
from arrears.entrypoints.deps import CurrentPrincipal, DbSession, Principal, get_app, render
from arrears.errors import ArrearsError, InvalidInput
from arrears.i18n import t
from arrears.services import cases, contacts, scripts

router = APIRouter(include_in_schema=False)
CaseId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _zone(app: Any) -> ZoneInfo:
    return ZoneInfo(app.business.raw("business").get("reporting_timezone", "Asia/Shanghai"))


def script_for(session: Any, *, app: Any, view: cases.AccountView,
               principal: Principal) -> dict[str, Any]:
    """The stage's call script in the customer's language, filled with the figures."""
    from arrears.adapters.db.tables_strategy import CaseTreatment

    conversations = session.scalar(select(func.count()).select_from(ContactAttempt).where(
        ContactAttempt.case_id == view.case_id,
        ContactAttempt.result == "right_party_contact")) or 0
    treatment = session.scalar(select(CaseTreatment.script).where(
        CaseTreatment.case_id == view.case_id).order_by(CaseTreatment.as_of.desc()).limit(1))
    stage = scripts.stage_for(dpd=view.dpd, prior_conversations=conversations,
                              treatment_script=treatment)
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


def _context(session: Any, request: Request, principal: Principal, case_id: int) -> dict[str, Any]:
    app = get_app(request)
    view = cases.account_view(session, app=app, principal=principal, case_id=case_id,
                              as_of=app.today())
    return {"acct": view, "script": script_for(session, app=app, view=view, principal=principal),
            "channels": contacts.CHANNELS, "parties": contacts.PARTIES,
            "results": contacts.RESULTS, "reasons": contacts.OVERDUE_REASONS,
            "zone": _zone(app), "may_override": principal.role in contacts.OVERRIDE_ROLES}


@router.get("/cases/{case_id}")
def account_page(request: Request, session: DbSession, principal: CurrentPrincipal,
                 case_id: CaseId) -> Response:
    """The account view of one case (403 outside the principal's scope)."""
    return render(request, "account.html", _context(session, request, principal, case_id))


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
        return render(request, "partials/note_violation.html", {"error": exc.to_dict()},
                      status_code=422)
    except (InvalidInput, ArrearsError) as exc:
        if exc.status >= 500:
            raise
        session.rollback()
        return render(request, "partials/error.html",
                      {"status": exc.status, "error": exc.to_dict()}, status_code=exc.status)
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
