"""Desk pages of conversation intelligence: the account's signals partial with actions to
confirm, the live-assist panel, transcripts, the QA queue and scorecard, and the training
library. Pages translate only; the work is in ``arrears.services.conversation``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from arrears.adapters.db.tables_conversation import TrainingCase
from arrears.conversation.scripts import lines_for
from arrears.entrypoints.deps import (
    CurrentPrincipal,
    DbSession,
    Principal,
    get_app,
    register_nav,
    render,
    require_roles,
)
from arrears.errors import NotFound
from arrears.services import conversation as svc

router = APIRouter(prefix="/conversation", include_in_schema=False)
QA_ROLES = ("qa_reviewer", "team_lead", "admin")
DECIDE_ROLES = ("collector", "team_lead", "compliance_officer", "admin", "agency")
register_nav("/conversation/qa", "conversation.nav.qa", roles=QA_ROLES, order=50)
register_nav("/conversation/library", "conversation.nav.library", order=55)

QaReviewer = Annotated[Principal, Depends(require_roles(*QA_ROLES))]
Decider = Annotated[Principal, Depends(require_roles(*DECIDE_ROLES))]


def signals_context(session: Any, *, case_id: int, locale: str) -> dict[str, Any]:
    """View model of ``conversation_signals.html`` for the account view to include."""
    view = svc.signals_view(session, case_id=case_id)
    language = "zh-CN" if locale == "zh-CN" else "en"
    options = {p.signal: lines_for(p.signal, language)[0] for p in view.proposals}
    return {"signals_view": view, "script_lines": options}


@router.get("/cases/{case_id}/signals")
def case_signals(case_id: int, request: Request, session: DbSession,
                 principal: CurrentPrincipal) -> Response:
    """The customer's latest emotion, signals and proposed actions (HTMX partial)."""
    return render(request, "conversation_signals.html",
                  signals_context(session, case_id=case_id, locale=principal.locale))


@router.post("/actions/{action_id}/{decision}")
def decide_action(action_id: int, decision: str, request: Request, session: DbSession,
                  principal: Decider, reason: Annotated[str, Form(max_length=500)] = ""
                  ) -> Response:
    """Confirm (sets the compliance flag) or dismiss a proposed action, with a reason."""
    at = get_app(request).clock()
    if decision == "confirm":
        action = svc.confirm_action(session, action_id=action_id, by=principal.actor,
                                    reason=reason, at=at)
    elif decision == "dismiss":
        action = svc.dismiss_action(session, action_id=action_id, by=principal.actor,
                                    reason=reason, at=at)
    else:
        raise NotFound(f"unknown decision {decision!r}", field="decision")
    session.flush()
    return render(request, "conversation_signals.html",
                  {**signals_context(session, case_id=action.case_id, locale=principal.locale),
                   "decided": action})


@router.get("/live/{call_id}")
def live_panel(call_id: str, request: Request, session: DbSession,
               principal: CurrentPrincipal) -> Response:
    """The live-assist panel: lines as they arrive, suggestions highlighted."""
    tr = svc.transcript_by_call(session, call_id=call_id)
    lines = svc.transcript_lines(session, transcript_id=tr.transcript_id) if tr else []
    return render(request, "conversation_live.html",
                  {"call_id": call_id, "transcript": tr, "lines": lines,
                   "last_seq": lines[-1].seq if lines else 0,
                   "suggestion": _latest_suggestion(lines)})


@router.get("/live/{call_id}/feed")
def live_feed(call_id: str, request: Request, session: DbSession,
              principal: CurrentPrincipal,
              after: Annotated[int, Query(ge=0)] = 0) -> Response:
    """Polled by the panel: lines after ``after`` and the latest suggestion."""
    tr = svc.transcript_by_call(session, call_id=call_id)
    lines = svc.transcript_lines(session, transcript_id=tr.transcript_id) if tr else []
    return render(request, "conversation_live_feed.html",
                  {"call_id": call_id, "transcript": tr, "lines": lines,
                   "last_seq": lines[-1].seq if lines else after,
                   "suggestion": _latest_suggestion(lines)})


def _latest_suggestion(lines: list[svc.LineView]) -> dict[str, Any] | None:
    for line in reversed(lines):
        if line.suggestion:
            return line.suggestion
    return None


@router.get("/transcripts/{transcript_id}")
def transcript_page(transcript_id: int, request: Request, session: DbSession,
                    principal: CurrentPrincipal) -> Response:
    tr = svc.get_transcript(session, transcript_id=transcript_id)
    return render(request, "conversation_transcript.html",
                  {"transcript": tr,
                   "lines": svc.transcript_lines(session, transcript_id=transcript_id),
                   "review": svc.review_of(session, transcript_id=transcript_id)})


@router.get("/qa")
def qa_queue_page(request: Request, session: DbSession, principal: QaReviewer) -> Response:
    """Flagged calls first, then the sample, none reviewed yet."""
    sample = int(get_app(request).business.raw("conversation").get("qa_sample_percent", 10))
    return render(request, "conversation_qa_queue.html",
                  {"items": svc.qa_queue(session, sample_percent=sample)})


@router.get("/qa/{transcript_id}")
def qa_review_page(transcript_id: int, request: Request, session: DbSession,
                   principal: QaReviewer) -> Response:
    tr = svc.get_transcript(session, transcript_id=transcript_id)
    return render(request, "conversation_qa_review.html", {
        "transcript": tr, "lines": svc.transcript_lines(session, transcript_id=transcript_id),
        "review": svc.review_of(session, transcript_id=transcript_id),
        "scorecard": svc.SCORECARD, "situations": svc.SITUATIONS,
        "outcome": svc.outcome_of(session, transcript=tr),
        "situation": svc.suggested_situation(tr.signals, tr.categories),
        "min_score": svc.PUBLISH_MIN_QA})


@router.post("/qa/{transcript_id}")
async def qa_score(transcript_id: int, request: Request, session: DbSession,
                   principal: QaReviewer) -> Response:
    """Save the scorecard and coaching comments."""
    form = await request.form()
    scores = {item: _int_or_none(form.get(item)) for item in svc.SCORECARD}
    svc.score_call(session, transcript_id=transcript_id, reviewer=principal.actor,
                   scores=scores, coaching=str(form.get("coaching") or ""),  # type: ignore[arg-type]
                   at=get_app(request).clock())
    return RedirectResponse(f"/conversation/qa/{transcript_id}", status_code=303)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


@router.post("/qa/{transcript_id}/publish")
def qa_publish(transcript_id: int, request: Request, session: DbSession,
               principal: QaReviewer, situation: Annotated[str, Form()],
               title: Annotated[str, Form(max_length=200)]) -> Response:
    """Publish a well-handled call, masked, to the training library."""
    entry = svc.publish_case(session, transcript_id=transcript_id, situation=situation,
                             title=title, by=principal.actor, at=get_app(request).clock())
    return RedirectResponse(f"/conversation/library/{entry.entry_id}", status_code=303)


@router.get("/library")
def library_page(request: Request, session: DbSession, principal: CurrentPrincipal,
                 situation: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    """Training cases by situation (hardship, anger, dispute, third party)."""
    chosen = situation if situation in svc.SITUATIONS else None
    return render(request, "conversation_library.html",
                  {"entries": svc.library(session, situation=chosen),
                   "situations": svc.SITUATIONS, "situation": chosen})


@router.get("/library/{entry_id}")
def library_case(entry_id: int, request: Request, session: DbSession,
                 principal: CurrentPrincipal) -> Response:
    entry = session.get(TrainingCase, entry_id)
    if entry is None or not entry.active:
        raise NotFound(f"training case {entry_id} not found", field="entry_id")
    return render(request, "conversation_library_case.html", {"entry": entry})
