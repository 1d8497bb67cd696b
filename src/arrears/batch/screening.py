"""Daily-run step ``screening``: which list entries may be called today, and from when.

Runs after ``collection_list``. Each entry is decided by the compliance engine as a call
to the borrower's own phone at the start of their local day: ``may_call`` when the first
allowed moment falls on the day (``call_from``), otherwise the reason (a hold, a cap still
running...), so a collector's list never offers a call the engine would block.
Re-runnable: it rewrites the three columns of the ``as_of`` partition, through the
driver's executemany (the answers come grouped, so nothing is built per entry but its row).
"""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from sqlalchemy import Connection

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.bulk import bulk_update
from arrears.adapters.db.tables import CollectionListEntry
from arrears.batch.base import StepResult
from arrears.services.compliance import ScreenedEntries, screen_list

BATCH = 50_000


def _write(conn: Connection, as_of: date, screened: list[ScreenedEntries]) -> None:
    table = CollectionListEntry.__table__
    # the column type's own conversion (SQLite keeps datetimes as text of its format)
    column_type = table.c.call_from.type.dialect_impl(conn.dialect)
    stored = column_type.bind_processor(conn.dialect) or (lambda v: v)
    for s in screened:
        when = stored(s.call_from.astimezone(UTC)) if s.call_from else None
        values = (s.may_call, when, s.reason, as_of)
        for i in range(0, len(s.case_ids), BATCH):
            bulk_update(conn, table, keys=["as_of", "case_id"],
                        columns=["may_call", "call_from", "screening_reason"],
                        rows=[(*values, cid) for cid in s.case_ids[i:i + BATCH]])


def run(*, app: Any, as_of: date) -> StepResult:
    """Mark ``may_call``, ``call_from`` and ``screening_reason`` on ``as_of``'s list."""
    with unit_of_work(app.session_factory) as session:
        screened = screen_list(session, app=app, as_of=as_of)
        _write(session.connection(), as_of, screened)
    total = sum(len(s.case_ids) for s in screened)
    blocked = sum(len(s.case_ids) for s in screened if not s.may_call)
    return StepResult(name="screening", rows_in=total, rows_out=total,
                      detail={"may_call": total - blocked, "blocked": blocked})
