"""Daily step: promises to pay kept, partly kept or broken (broken ones get a follow-up)."""

from __future__ import annotations

from datetime import date
from typing import Any

from arrears.adapters.db.base import unit_of_work
from arrears.batch.base import StepResult
from arrears.services.promises import check_promises


def run(*, app: Any, as_of: date) -> StepResult:
    """Check every open promise against the payments as of ``as_of``."""
    with unit_of_work(app.session_factory) as session:
        res = check_promises(session, app=app, as_of=as_of)
    return StepResult("promises", rows_in=res.checked,
                      rows_out=res.kept + res.partly_kept + res.broken,
                      detail={"kept": res.kept, "partly_kept": res.partly_kept,
                              "broken": res.broken, "tasks": res.tasks})
