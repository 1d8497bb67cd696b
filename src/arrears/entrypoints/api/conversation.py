"""REST API of conversation intelligence (/api/v1/conversation).

- ``POST /analyze``: analyse one utterance (nothing stored).
- ``POST /transcripts``: a contact's transcript, analysed line by line on arrival.
- ``POST /live/{call_id}/lines``: a line of a call in progress (the call-centre system posts
  each line as it is transcribed); the answer carries the suggestion for the collector.
- ``POST /live/{call_id}/end``: the call ended.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from arrears.conversation import analyze_one
from arrears.entrypoints.deps import CurrentPrincipal, DbSession, get_app
from arrears.services import conversation as svc

router = APIRouter(prefix="/api/v1/conversation", tags=["conversation"])


class UtteranceIn(BaseModel):
    speaker: Literal["collector", "customer"]
    text: str = Field(min_length=1, max_length=5000)
    at: datetime | None = None


class TranscriptIn(BaseModel):
    case_id: int
    attempt_id: int | None = None
    lines: list[UtteranceIn] = Field(min_length=1, max_length=svc.MAX_LINES_PER_POST)


class LiveLineIn(UtteranceIn):
    case_id: int


def _line_out(view: svc.LineView) -> dict[str, Any]:
    return {"line_id": view.line_id, "seq": view.seq, "speaker": view.speaker,
            "language": view.language, "violations": view.violations,
            "signals": view.signals,
            "emotion": {"label": view.emotion, "score": view.emotion_score},
            "suggestion": view.suggestion, "proposed_actions": view.action_ids}


def _lines_in(lines: list[UtteranceIn]) -> list[svc.LineIn]:
    return [svc.LineIn(speaker=x.speaker, text=x.text, at=x.at) for x in lines]


@router.post("/analyze")
def analyze(body: UtteranceIn, principal: CurrentPrincipal) -> dict[str, Any]:
    """Analyse one utterance without storing it."""
    return analyze_one(body.text, speaker=body.speaker).to_dict()


@router.post("/transcripts", status_code=201)
def post_transcript(body: TranscriptIn, request: Request, session: DbSession,
                    principal: CurrentPrincipal) -> dict[str, Any]:
    """Attach a transcript to a contact; every line is analysed and stored."""
    at = get_app(request).clock()
    tr, views = svc.attach_transcript(session, case_id=body.case_id,
                                      attempt_id=body.attempt_id, lines=_lines_in(body.lines),
                                      at=at, actor=principal.actor,
                                      collector_user_id=principal.user_id)
    return {"transcript_id": tr.transcript_id, "case_id": tr.case_id,
            "violation_count": tr.violation_count, "categories": tr.categories,
            "signals": tr.signals, "lines": [_line_out(v) for v in views]}


@router.post("/live/{call_id}/lines", status_code=201)
def post_live_line(call_id: str, body: LiveLineIn, request: Request, session: DbSession,
                   principal: CurrentPrincipal) -> dict[str, Any]:
    """One transcribed line of a call in progress; the live-assist panel shows it."""
    at = get_app(request).clock()
    tr, view = svc.live_line(session, call_id=call_id, case_id=body.case_id,
                             line=svc.LineIn(body.speaker, body.text, body.at), at=at,
                             actor=principal.actor)
    return {"transcript_id": tr.transcript_id, "call_id": call_id, **_line_out(view)}


@router.post("/live/{call_id}/end")
def end_live(call_id: str, request: Request, session: DbSession,
             principal: CurrentPrincipal) -> dict[str, Any]:
    """The call ended: the transcript is closed and goes to QA sampling."""
    tr = svc.end_live_call(session, call_id=call_id, at=get_app(request).clock())
    return {"transcript_id": tr.transcript_id, "status": tr.status}
