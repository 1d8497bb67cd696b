"""Daily-run step ``screening``: which list entries may be called today, and from when.

Runs after ``collection_list``. Each entry is decided by the compliance engine as a call
to the borrower's own phone at the start of their local day: ``may_call`` when the first
allowed moment falls on the day (``call_from``), otherwise the reason (a hold, a cap still
running...), so a collector's list never offers a call the engine would block.
Re-runnable: it rewrites the three columns of the ``as_of`` partition (entries that share
every input of the decision are decided once and written together, see
``arrears.services.compliance.screen_list``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from arrears.adapters.db.base import unit_of_work
from arrears.batch.base import StepResult
from arrears.services.compliance import screen_list


def run(*, app: Any, as_of: date) -> StepResult:
    """Mark ``may_call``, ``call_from`` and ``screening_reason`` on ``as_of``'s list."""
    with unit_of_work(app.session_factory) as session:
        found = screen_list(session, app=app, as_of=as_of)
    total = found.may_call + found.blocked
    return StepResult(name="screening", rows_in=total, rows_out=total,
                      detail={"may_call": found.may_call, "blocked": found.blocked})
