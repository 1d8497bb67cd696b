"""Daily step: callbacks, promise due dates and plan installments become tasks."""

from __future__ import annotations

from datetime import date
from typing import Any

from arrears.adapters.db.base import unit_of_work
from arrears.batch.base import StepResult
from arrears.services.allocation import schedule_follow_ups


def run(*, app: Any, as_of: date) -> StepResult:
    """Create the day's follow-up tasks once each, on the case's collector's list."""
    with unit_of_work(app.session_factory) as session:
        res = schedule_follow_ups(session, app=app, as_of=as_of)
    made = res.callbacks + res.promise_due + res.installments_due
    return StepResult("tasks", rows_in=made, rows_out=made,
                      detail={"callbacks": res.callbacks, "promise_due": res.promise_due,
                              "installments_due": res.installments_due,
                              "reassigned": res.reassigned})
