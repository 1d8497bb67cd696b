"""Reading the stored case scores by their key (``as_of, model, case_id``).

``case_scores`` is keyed day first, so that a day's rows go in at the end of the key
whatever the history (see ``arrears.adapters.db.tables_scoring``). A day is found from the
key's end, and a case's row of a day by the whole key; a case's latest row is looked for
day by day, from the latest scored day back, never by reading its history.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from arrears.adapters.db.tables_scoring import CaseScore

RISK_MODEL = "roll30"   # the model whose probability sets a case's risk band
LOOK_BACK_DAYS = 31     # scored days searched for a case's latest score


def scored_day(conn: Any, *, model: str, on_or_before: date | None,
               before: bool = False) -> date | None:
    """The latest day ``model`` scored cases on or before ``on_or_before`` (strictly
    before it with ``before``; any day when None); None when it never did. ``conn``: a
    session or a connection."""
    query = select(func.max(CaseScore.as_of)).where(CaseScore.model == model)
    if on_or_before is not None:
        query = query.where(CaseScore.as_of < on_or_before if before
                            else CaseScore.as_of <= on_or_before)
    return conn.scalar(query)


def latest_case_score(session: Any, *, case_id: int, model: str = RISK_MODEL,
                      on_or_before: date | None = None,
                      look_back: int = LOOK_BACK_DAYS) -> CaseScore | None:
    """The case's row of the latest day ``model`` scored it, searching the ``look_back``
    latest days the model scored on or before ``on_or_before`` (any day when None)."""
    day = scored_day(session, model=model, on_or_before=on_or_before)
    for _ in range(look_back):
        if day is None:
            return None
        row = session.scalar(select(CaseScore).where(
            CaseScore.as_of == day, CaseScore.model == model, CaseScore.case_id == case_id))
        if row is not None:
            return row
        day = scored_day(session, model=model, on_or_before=day, before=True)
    return None
