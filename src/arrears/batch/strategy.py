"""Daily step: every open case gets its treatment step, and the rule that put it there."""

from __future__ import annotations

from datetime import date
from typing import Any

from arrears.adapters.db.base import unit_of_work
from arrears.batch.base import StepResult
from arrears.services.strategy_day import assign_day


def run(*, app: Any, as_of: date) -> StepResult:
    """Assign treatments for ``as_of`` (the day's rows are rewritten on a re-run)."""
    with unit_of_work(app.session_factory) as session:
        res = assign_day(session, app=app, as_of=as_of)
    return StepResult("strategy", rows_in=res.cases, rows_out=res.cases - res.unmatched,
                      detail={"moved_path": res.moved, "unmatched": res.unmatched,
                              "messages_queued": res.messages, "by_step": res.by_step})
