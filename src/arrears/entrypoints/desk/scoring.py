"""Desk page of the scoring part: the risk team's view of behaviour models and their drift."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from arrears.entrypoints.deps import (
    DbSession,
    Principal,
    get_app,
    register_nav,
    render,
    require_roles,
)
from arrears.errors import InvalidInput

router = APIRouter(include_in_schema=False)
RISK_TEAM = ("admin", "team_lead", "compliance_officer")
register_nav("/risk/models", "scoring.nav.models", roles=RISK_TEAM, order=70)
RiskReader = Annotated[Principal, Depends(require_roles(*RISK_TEAM))]


@router.get("/risk/models")
def risk_models(request: Request, session: DbSession, principal: RiskReader,
                as_of: str | None = None) -> Response:
    """Models in use, the last days' scoring runs, band mix, drift figures and alerts."""
    from arrears.scoring.monitoring import risk_overview

    try:
        day = date.fromisoformat(as_of) if as_of else get_app(request).today()
    except ValueError as exc:
        raise InvalidInput("as_of must be a date YYYY-MM-DD", field="as_of") from exc
    return render(request, "scoring_models.html", {"as_of": day,
                                                   **risk_overview(session, as_of=day)})
