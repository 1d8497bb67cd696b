"""Daily-run step ``scoring``: behaviour scores, risk bands, reasons and segments of every
open case, written to ``case_scores`` for ``as_of`` (the strategy reads them).

When no behaviour model can serve the day, one is trained from the matured history; with
too little history the day is recorded as skipped, with the reason, and no score is made up.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from arrears.batch.base import StepResult


def run(*, app: Any, as_of: date) -> StepResult:
    """Score the open cases of ``as_of`` (re-running the day rewrites its rows)."""
    from arrears.scoring.case_scores import score_day

    outcome = score_day(app=app, as_of=as_of, at=app.clock())
    scored = max(outcome.scored.values(), default=0)
    return StepResult(name="scoring", rows_in=scored, rows_out=sum(outcome.scored.values()),
                      detail={"scored": outcome.scored, "skipped": outcome.skipped,
                              "trained": outcome.trained})
