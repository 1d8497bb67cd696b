"""Daily step: cases to collectors, team queues and agencies (分案)."""

from __future__ import annotations

from datetime import date
from typing import Any

from arrears.adapters.db.base import unit_of_work
from arrears.batch.base import StepResult
from arrears.services.allocation_day import allocate_day


def run(*, app: Any, as_of: date) -> StepResult:
    """Allocate every open case for ``as_of`` (the day's history rows are rewritten)."""
    with unit_of_work(app.session_factory) as session:
        res = allocate_day(session, app=app, as_of=as_of)
    return StepResult("allocation", rows_in=res.cases, rows_out=res.changed,
                      detail={"queued": res.queued, "placed": res.placed,
                              "recalled": res.recalled})
