"""Reading the stored case scores by their key (``as_of, model, case_id``).

``case_scores`` is keyed day first (see ``arrears.adapters.db.by_day``): a day is found
from the key's end, and a case's row of a day by the whole key; a case's latest row is
looked for day by day, from the latest scored day back, never by reading its history.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from arrears.adapters.db.by_day import LOOK_BACK_DAYS, latest_day, latest_rows
from arrears.adapters.db.tables_scoring import CaseScore

RISK_MODEL = "roll30"   # the model whose probability sets a case's risk band


def scored_day(conn: Any, *, model: str, on_or_before: date | None,
               before: bool = False) -> date | None:
    """The latest day ``model`` scored cases on or before ``on_or_before`` (strictly
    before it with ``before``; any day when None); None when it never did. ``conn``: a
    session or a connection."""
    return latest_day(conn, CaseScore.as_of, CaseScore.model == model,
                      on_or_before=on_or_before, before=before)


def latest_case_score(session: Any, *, case_id: int, model: str = RISK_MODEL,
                      on_or_before: date | None = None,
                      look_back: int = LOOK_BACK_DAYS) -> CaseScore | None:
    """The case's row of the latest day ``model`` scored it, searching the ``look_back``
    latest days the model scored on or before ``on_or_before`` (any day when None)."""
    rows = latest_rows(session, CaseScore, case_id=case_id, where=(CaseScore.model == model,),
                       on_or_before=on_or_before, look_back=look_back)
    return rows[0] if rows else None
