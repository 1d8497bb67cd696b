"""REST API of the desk: cases, accounts, contacts, promises, notes (``/api/v1``).

Authentication: ``Authorization: Bearer <token>``. Lists are paginated (``page``,
``page_size``); bad input answers 422 with field errors; every creating POST needs an
``Idempotency-Key`` header and a retry with the same key gets the first answer again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from arrears.adapters.db.tables import ContactAttempt, Note, Promise
from arrears.entrypoints.api import schemas as s
from arrears.entrypoints.deps import CurrentPrincipal, DbSession, get_app
from arrears.services import cases, contacts
from arrears.services.idempotency import Answer, run_once

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": s.ErrorOut} for code in (401, 403, 404, 409, 422)}
router = APIRouter(tags=["desk"], responses=ERRORS)
CaseId = Annotated[int, Path(ge=1, le=2_147_483_647)]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=200)]
IdemKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                pattern=r"^[\x21-\x7e]+$")]


@router.get("/me", response_model=s.Me)
def me(principal: CurrentPrincipal) -> s.Me:
    """Who the token belongs to."""
    return s.Me(user_id=principal.user_id, username=principal.username,
                display_name=principal.display_name, role=principal.role,
                team_id=principal.team_id, agency_id=principal.agency_id,
                locale=principal.locale)


@router.get("/cases", response_model=s.Page[s.CaseOut])
def list_cases(request: Request, session: DbSession, principal: CurrentPrincipal,
               page: PageNo = 1, page_size: PageSize = 50,
               bucket: Annotated[str | None, Query(max_length=10)] = None,
               promise_due: bool = False, callbacks_due: bool = False) -> Any:
    """Today's list in rank order, within the caller's scope."""
    app = get_app(request)
    result = cases.queue(session, principal=principal, as_of=app.today(), at=app.clock(),
                         filters=cases.QueueFilter(bucket, promise_due, callbacks_due),
                         page=page, page_size=page_size)
    return {"items": result.rows, "page": page, "page_size": page_size, "total": result.total}


@router.post("/cases/next", response_model=s.LeaseOut)
def take_next_case(request: Request, session: DbSession, principal: CurrentPrincipal) -> Any:
    """Lease the next case on the caller's list."""
    from arrears.entrypoints.desk.queue import worked_since
    from arrears.services.audit import append_audit

    app = get_app(request)
    at, as_of = app.clock(), app.today()
    case_id = cases.next_case(session, principal=principal, as_of=as_of, at=at,
                              worked_since=worked_since(app, as_of))
    append_audit(session, actor=principal.actor, action="case.lease", object_type="case",
                 object_id=case_id, detail={"via": "api"}, at=at)
    return {"case_id": case_id, "lease_until": cases.utc_aware(at) + cases.DEFAULT_LEASE}


@router.get("/accounts/{case_id}", response_model=s.AccountOut)
def get_account(request: Request, session: DbSession, principal: CurrentPrincipal,
                case_id: CaseId) -> Any:
    """The account view of a case, personal data masked."""
    app = get_app(request)
    return cases.account_view(session, app=app, principal=principal, case_id=case_id,
                              as_of=app.today())


def _page(session: Any, stmt: Any, *, page: int, page_size: int) -> dict[str, Any]:
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.offset((page - 1) * page_size).limit(page_size)).all()
    return {"items": rows, "page": page, "page_size": page_size, "total": total}


@router.get("/cases/{case_id}/contacts", response_model=s.Page[s.AttemptOut])
def list_contacts(session: DbSession, principal: CurrentPrincipal, case_id: CaseId,
                  page: PageNo = 1, page_size: PageSize = 50) -> Any:
    """Contact attempts of a case, newest first."""
    cases.load_case(session, principal=principal, case_id=case_id)
    stmt = (select(ContactAttempt).where(ContactAttempt.case_id == case_id)
            .order_by(ContactAttempt.at.desc(), ContactAttempt.attempt_id.desc()))
    return _page(session, stmt, page=page, page_size=page_size)


def _answer(answer: Answer) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


@router.post("/cases/{case_id}/contacts", status_code=201, response_model=s.ContactOut)
def create_contact(request: Request, session: DbSession, principal: CurrentPrincipal,
                   case_id: CaseId, body: s.ContactIn, idempotency_key: IdemKey) -> Any:
    """Record a contact (the compliance engine decides first; a block answers 409)."""
    app = get_app(request)
    at = app.clock()

    def create() -> Answer:
        outcome = contacts.record_contact(
            session, app=app, principal=principal, case_id=case_id,
            data=contacts.ContactInput(**body.model_dump()), at=at, as_of=app.today(),
            source="api")
        out = s.ContactOut.model_validate(outcome, from_attributes=True)
        return Answer(409 if outcome.blocked else 201, jsonable_encoder(out))

    return _answer(run_once(session, key=idempotency_key, user_id=principal.user_id,
                            method="POST", path=request.url.path,
                            payload=jsonable_encoder(body), at=at, create=create))


@router.get("/cases/{case_id}/promises", response_model=s.Page[s.PromiseOut])
def list_promises(session: DbSession, principal: CurrentPrincipal, case_id: CaseId,
                  page: PageNo = 1, page_size: PageSize = 50) -> Any:
    cases.load_case(session, principal=principal, case_id=case_id)
    stmt = (select(Promise).where(Promise.case_id == case_id)
            .order_by(Promise.created_at.desc(), Promise.promise_id.desc()))
    return _page(session, stmt, page=page, page_size=page_size)


@router.post("/cases/{case_id}/promises", status_code=201, response_model=s.PromiseOut)
def create_promise(request: Request, session: DbSession, principal: CurrentPrincipal,
                   case_id: CaseId, body: s.PromiseIn, idempotency_key: IdemKey) -> Any:
    """Record a promise to pay (one open promise per case)."""
    from arrears.services.promises import make_promise

    app = get_app(request)
    at = app.clock()

    def create() -> Answer:
        cases.load_case(session, principal=principal, case_id=case_id)
        promise = make_promise(session, app=app, case_id=case_id, amount=body.amount,
                               due_on=body.due_on, user_id=principal.user_id,
                               actor=principal.username, at=at, as_of=app.today())
        return Answer(201, jsonable_encoder(s.PromiseOut.model_validate(promise)))

    return _answer(run_once(session, key=idempotency_key, user_id=principal.user_id,
                            method="POST", path=request.url.path,
                            payload=jsonable_encoder(body), at=at, create=create))


def _note_out(note: Note) -> s.NoteOut:
    cats = sorted({v.get("category", "") for v in (note.flagged or {}).get("violations", [])})
    return s.NoteOut(note_id=note.note_id, case_id=note.case_id, at=note.at, kind=note.kind,
                     text=note.text, flagged=cats)


@router.get("/cases/{case_id}/notes", response_model=s.Page[s.NoteOut])
def list_notes(session: DbSession, principal: CurrentPrincipal, case_id: CaseId,
               page: PageNo = 1, page_size: PageSize = 50) -> Any:
    cases.load_case(session, principal=principal, case_id=case_id)
    stmt = select(Note).where(Note.case_id == case_id).order_by(Note.at.desc(),
                                                                 Note.note_id.desc())
    out = _page(session, stmt, page=page, page_size=page_size)
    out["items"] = [_note_out(n) for n in out["items"]]
    return out


@router.post("/cases/{case_id}/notes", status_code=201, response_model=s.NoteOut)
def create_note(request: Request, session: DbSession, principal: CurrentPrincipal,
                case_id: CaseId, body: s.NoteIn, idempotency_key: IdemKey) -> Any:
    """Add a note (checked for prohibited conduct; a flagged note needs a reason)."""
    app = get_app(request)
    at = app.clock()

    def create() -> Answer:
        note = contacts.add_note(session, principal=principal, case_id=case_id,
                                 text=body.text, override_reason=body.override_reason, at=at)
        return Answer(201, jsonable_encoder(_note_out(note)))

    return _answer(run_once(session, key=idempotency_key, user_id=principal.user_id,
                            method="POST", path=request.url.path,
                            payload=jsonable_encoder(body), at=at, create=create))
