"""Daily step: repayment-plan installments kept or broken; plans completed or broken."""

from __future__ import annotations

from datetime import date
from typing import Any

from arrears.adapters.db.base import unit_of_work
from arrears.batch.base import StepResult
from arrears.services.plans import track_plans


def run(*, app: Any, as_of: date) -> StepResult:
    """Track every active plan against the payments as of ``as_of``."""
    with unit_of_work(app.session_factory) as session:
        res = track_plans(session, app=app, as_of=as_of)
    return StepResult("plans", rows_in=res.plans, rows_out=res.kept + res.broken,
                      detail={"installments_kept": res.kept, "installments_broken": res.broken,
                              "plans_completed": res.completed, "tasks": res.tasks})
