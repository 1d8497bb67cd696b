"""My list: today's queue in rank order, filters, and "next case" with a lease."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from arrears.entrypoints.deps import (
    CurrentPrincipal,
    DbSession,
    get_app,
    register_nav,
    render,
)
from arrears.services import cases
from arrears.services.audit import append_audit

router = APIRouter(include_in_schema=False)
register_nav("/queue", "desk.nav.queue", order=10)


def worked_since(app: object, as_of: object) -> object:
    tz = app.business.raw("business").get("reporting_timezone",  # type: ignore[attr-defined]
                                          "Asia/Shanghai")
    return cases.day_start(as_of=as_of, timezone=tz)  # type: ignore[arg-type]


@router.get("/")
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
def my_list(request: Request, session: DbSession, principal: CurrentPrincipal,
            bucket: Annotated[str | None, Query(max_length=10)] = None,
            promise_due: bool = False, callbacks_due: bool = False,
            page: Annotated[int, Query(ge=1, le=100000)] = 1) -> Response:
    """Today's list for the signed-in user (their scope), filtered."""
    app = get_app(request)
    filters = cases.QueueFilter(bucket=bucket or None, promise_due=promise_due,
                                callbacks_due=callbacks_due)
    result = cases.queue(session, principal=principal, as_of=app.today(), at=app.clock(),
                         filters=filters, page=page)
    template = "partials/queue_rows.html" if request.headers.get("hx-request") else \
        "queue.html"
    return render(request, template, {"queue": result, "filters": filters,
                                      "buckets": cases.open_buckets(session), "notice": None})


@router.post("/queue/next")
def take_next(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    """Lease the next case and open it."""
    app = get_app(request)
    at, as_of = app.clock(), app.today()
    case_id = cases.next_case(session, principal=principal, as_of=as_of, at=at,
                              worked_since=worked_since(app, as_of))
    append_audit(session, actor=principal.actor, action="case.lease", object_type="case",
                 object_id=case_id, detail={}, at=at)
    target = f"/cases/{case_id}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
