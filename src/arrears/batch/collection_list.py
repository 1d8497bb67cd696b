"""Daily-run step ``collection_list``: today's list, the open cases in priority order.

The first, simple order: most days past due first, then the largest overdue amount, then
the oldest case. Later steps (screening) mark who may be called and from when. The step
rewrites the ``as_of`` partition with one INSERT ... SELECT.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, true

from arrears.adapters.db.tables import CollectionCase, CollectionListEntry
from arrears.batch.base import StepResult
from arrears.batch.cases import latest_applied_day


def run(*, app: Any, as_of: date) -> StepResult:
    """Rank the open cases of ``as_of`` into ``collection_list``."""
    entries = CollectionListEntry.__table__
    with app.engine.begin() as conn:
        latest = latest_applied_day(conn)
        if latest is not None and as_of < latest:
            return StepResult(name="collection_list",
                              detail={"skipped": f"the list is kept from {latest}"})
        conn.execute(delete(entries).where(entries.c.as_of == as_of))
        rank = func.row_number().over(order_by=(CollectionCase.dpd.desc(),
                                                CollectionCase.overdue_amount.desc(),
                                                CollectionCase.case_id))
        ranked = (select(literal(as_of).label("as_of"), CollectionCase.case_id,
                         rank.label("rank"), true().label("may_call"))
                  .where(CollectionCase.status == "open"))
        conn.execute(insert(entries).from_select(["as_of", "case_id", "rank", "may_call"],
                                                 ranked))
        count = conn.execute(select(func.count()).select_from(entries)
                             .where(entries.c.as_of == as_of)).scalar_one()
    return StepResult(name="collection_list", rows_in=count, rows_out=count)
