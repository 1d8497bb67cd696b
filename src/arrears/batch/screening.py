"""Daily-run step ``screening``: which list entries may be called today, and from when.

Runs after ``collection_list``. Each entry is decided by the compliance engine as a call
to the borrower's own phone at the start of their local day: ``may_call`` when the first
allowed moment falls on the day (``call_from``), otherwise the reason (a hold, a cap still
running...), so a collector's list never offers a call the engine would block.
Re-runnable: it rewrites the three columns of the ``as_of`` partition.
"""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from sqlalchemy import update

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import CollectionListEntry
from arrears.batch.base import StepResult
from arrears.services.compliance import screen_list


def run(*, app: Any, as_of: date) -> StepResult:
    """Mark ``may_call``, ``call_from`` and ``screening_reason`` on ``as_of``'s list."""
    with unit_of_work(app.session_factory) as session:
        screened = screen_list(session, app=app, as_of=as_of)
        if screened:
            session.execute(update(CollectionListEntry), [
                {"as_of": as_of, "case_id": s.case_id, "may_call": s.may_call,
                 "call_from": s.call_from.astimezone(UTC) if s.call_from else None,
                 "screening_reason": s.reason} for s in screened])
    blocked = sum(1 for s in screened if not s.may_call)
    return StepResult(name="screening", rows_in=len(screened), rows_out=len(screened),
                      detail={"may_call": len(screened) - blocked, "blocked": blocked})
