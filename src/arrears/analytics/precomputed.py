"""The portfolio figures read from the tables the daily run's ``analytics`` step wrote.

Each function returns the same frame as its live twin in ``arrears.analytics.portfolio``
(the tests compare them), filtered by product, currency, bucket and dates in the store.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from arrears.adapters.db import tables_analytics as ta
from arrears.adapters.db.tables import DayRun
from arrears.analytics import portfolio as pv
from arrears.analytics.filters import Filters


def materialised_day(session: Session, *, as_of: date) -> Any:
    """The ``analytics_runs`` row of the last finished run day on or before ``as_of``, or
    None when that day is not materialised (then figures are computed live)."""
    last = session.scalar(select(func.max(DayRun.as_of)).where(
        DayRun.as_of <= as_of, DayRun.finished_at.is_not(None)))
    if last is None:
        return None
    return session.get(ta.AnalyticsRun, last)


def _frame(session: Session, stmt: Any, cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame(session.execute(stmt).mappings().all(), columns=cols)


def _scope(stmt: Any, table: Any, filters: Filters) -> Any:
    if filters.product:
        stmt = stmt.where(table.product == filters.product)
    if filters.currency:
        stmt = stmt.where(table.currency == filters.currency)
    return stmt


def _dates(stmt: Any, col: Any, filters: Filters) -> Any:
    if filters.date_from:
        stmt = stmt.where(col >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(col <= filters.date_to)
    return stmt


def _money(frame: pd.DataFrame, *cols: str) -> None:
    for col in cols:
        frame[col] = frame[col].map(lambda v: Decimal(v or 0).quantize(pv.ZERO))


def snapshot_days(session: Session) -> list[date]:
    b = ta.AnalyticsBucketDay
    return list(session.scalars(select(b.as_of).distinct().order_by(b.as_of)))


def bucket_order(session: Session) -> list[str]:
    b = ta.AnalyticsBucketDay
    rows = session.execute(select(b.bucket, func.min(b.min_dpd).label("lo"))
                           .group_by(b.bucket).order_by("lo", b.bucket)).all()
    return [r.bucket for r in rows]


def products(session: Session) -> list[str]:
    b = ta.AnalyticsBucketDay
    return list(session.scalars(select(b.product).distinct().order_by(b.product)))


def currencies(session: Session) -> list[str]:
    b = ta.AnalyticsBucketDay
    rows = session.execute(select(b.currency, func.sum(b.loans).label("n"))
                           .group_by(b.currency).order_by(func.sum(b.loans).desc())).all()
    return [r.currency for r in rows]


def bucket_trend(session: Session, *, filters: Filters, order: list[str]) -> pd.DataFrame:
    """Loans, arrears and outstanding principal per bucket on each run day."""
    b = ta.AnalyticsBucketDay
    cols = ["as_of", "bucket", "loans", "overdue_amount", "outstanding_principal"]
    stmt = select(b.as_of, b.bucket, func.sum(b.loans).label("loans"),
                  func.sum(b.overdue_amount).label("overdue_amount"),
                  func.sum(b.outstanding_principal).label("outstanding_principal"))
    stmt = _dates(_scope(stmt, b, filters), b.as_of, filters)
    if filters.bucket:
        stmt = stmt.where(b.bucket == filters.bucket)
    frame = _frame(session, stmt.group_by(b.as_of, b.bucket), cols)
    frame["loans"] = frame["loans"].astype(int)
    _money(frame, "overdue_amount", "outstanding_principal")
    frame = pv.sort_buckets(frame.sort_values("as_of", kind="stable"), order, "bucket")
    return frame.sort_values("as_of", kind="stable")[cols].reset_index(drop=True)


def roll_rates(session: Session, *, filters: Filters, order: list[str]) -> pd.DataFrame:
    """Month-end to next month-end flows, bucket to bucket, by count and by balance."""
    r = ta.AnalyticsRollFlow
    cols = ["from_month", "to_month", "from_bucket", "to_bucket", "loans", "balance",
            "loan_share", "balance_share"]
    stmt = select(r.to_as_of, r.from_bucket, r.to_bucket, func.sum(r.loans).label("loans"),
                  func.sum(r.balance).label("balance"))
    stmt = _dates(_scope(stmt, r, filters), r.to_as_of, filters)
    if filters.bucket:
        stmt = stmt.where(r.from_bucket == filters.bucket)
    frame = _frame(session, stmt.group_by(r.to_as_of, r.from_bucket, r.to_bucket),
                   ["to_as_of", "from_bucket", "to_bucket", "loans", "balance"])
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame["loans"] = frame["loans"].astype(int)
    _money(frame, "balance")
    frame["m"] = frame["to_as_of"].map(lambda d: d.year * 12 + d.month - 1)
    frame["from_month"] = frame["m"].map(pv.month_label)
    frame["to_month"] = (frame["m"] + 1).map(pv.month_label)
    totals = frame.groupby(["m", "from_bucket"])[["loans", "balance"]].transform("sum")
    frame["loan_share"] = pv.ratio(frame["loans"], totals["loans"])
    frame["balance_share"] = pv.ratio(frame["balance"], totals["balance"])
    frame = pv.sort_buckets(frame, order, "from_bucket", "to_bucket")
    return frame.sort_values("m", kind="stable")[cols].reset_index(drop=True)


def vintage_curves(session: Session, *, filters: Filters,
                   thresholds: list[int]) -> pd.DataFrame:
    """Per vintage and months on book: loans and the share ever past each dpd."""
    v = ta.AnalyticsVintage
    flags = [f"ever_{d}" for d in thresholds]
    cols = ["vintage", "mob", "loans", *[c for f in flags for c in (f, f"{f}_rate")]]
    stmt = select(v.vintage, v.mob, v.dpd, func.sum(v.loans).label("loans"),
                  func.sum(v.ever).label("ever")).where(v.dpd.in_(thresholds))
    stmt = _scope(stmt, v, filters)
    if filters.date_to:
        stmt = stmt.where(v.as_of <= filters.date_to)
    frame = _frame(session, stmt.group_by(v.vintage, v.mob, v.dpd),
                   ["vintage", "mob", "dpd", "loans", "ever"])
    if frame.empty:
        return pd.DataFrame(columns=cols)
    wide = frame.pivot_table(index=["vintage", "mob"], columns="dpd", values="ever",
                             aggfunc="sum", fill_value=0)
    loans = frame.groupby(["vintage", "mob"])["loans"].max()
    out = pd.DataFrame({"loans": loans.astype(int)}).join(wide).reset_index()
    for d, f in zip(thresholds, flags, strict=True):
        out[f] = out[d].astype(int) if d in out else 0
        out[f"{f}_rate"] = pv.ratio(out[f], out["loans"])
    out["mob"] = out["mob"].astype(int)
    return out.sort_values(["vintage", "mob"], kind="stable")[cols].reset_index(drop=True)


def recovery_by_entry(session: Session, *, filters: Filters, window_days: int, as_of: date,
                      order: list[str]) -> pd.DataFrame:
    """Per month of entry and bucket entered: arrears at entry and the share recovered."""
    rec = ta.AnalyticsRecovery
    cols = ["entry_month", "bucket", "entries", "overdue_at_entry", "recovered",
            "recovery_rate"]
    stmt = select(rec.entry_on, rec.bucket, func.sum(rec.entries).label("entries"),
                  func.sum(rec.overdue_at_entry).label("overdue_at_entry"),
                  func.sum(rec.recovered).label("recovered")).where(
        rec.window_days == window_days, rec.entry_on <= as_of - timedelta(days=window_days))
    stmt = _dates(_scope(stmt, rec, filters), rec.entry_on, filters)
    if filters.bucket:
        stmt = stmt.where(rec.bucket == filters.bucket)
    frame = _frame(session, stmt.group_by(rec.entry_on, rec.bucket),
                   ["entry_on", "bucket", "entries", "overdue_at_entry", "recovered"])
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame["em"] = frame["entry_on"].map(lambda d: d.year * 12 + d.month)
    frame = frame.groupby(["em", "bucket"], as_index=False).agg(
        entries=("entries", "sum"), overdue_at_entry=("overdue_at_entry", "sum"),
        recovered=("recovered", "sum"))
    frame["entry_month"] = frame["em"].map(pv.month_label)
    frame["entries"] = frame["entries"].astype(int)
    _money(frame, "overdue_at_entry", "recovered")
    frame["recovery_rate"] = pv.ratio(frame["recovered"], frame["overdue_at_entry"])
    frame = pv.sort_buckets(frame, order, "bucket")
    return frame.sort_values("em", kind="stable")[cols].reset_index(drop=True)


def recovered(session: Session, *, filters: Filters, start: date, end: date,
              team_users: Any = None) -> pd.DataFrame:
    """Money recovered per day and collector as the daily run credited it."""
    r = ta.AnalyticsRecovered
    stmt = select(r.paid_on.label("day"), r.user_id,
                  func.sum(r.recovered).label("recovered")).where(
        r.paid_on.between(start, end))
    stmt = _scope(stmt, r, filters)
    if team_users is not None:
        stmt = stmt.where(r.user_id.in_(team_users))
    return _frame(session, stmt.group_by(r.paid_on, r.user_id), ["day", "user_id",
                                                                   "recovered"])


def arms(session: Session, *, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The champion/challenger figures of a run day: rates, and recovered per contact."""
    from arrears.analytics.partners import CC_RATES

    a = ta.AnalyticsArm
    frame = pd.DataFrame(session.execute(
        select(a.experiment.label("strategy"), a.arm, a.metric, a.cases, a.contacts,
               a.recovered, a.n, a.estimate, a.low, a.high).where(a.as_of == as_of)
        ).mappings().all(),
        columns=["strategy", "arm", "metric", "cases", "contacts", "recovered", "n",
                 "estimate", "low", "high"])
    rank = {m: i for i, m in enumerate((*CC_RATES, "recovered_per_contact"))}
    frame = frame.assign(_a=frame["arm"] != "champion", _m=frame["metric"].map(rank))
    frame = frame.sort_values(["strategy", "_a", "arm", "_m"], kind="stable")
    rates = frame[frame["metric"].isin(CC_RATES)]
    cc = rates[["strategy", "arm", "metric", "n", "estimate", "low", "high"]].rename(
        columns={"n": "cases"})
    per = frame[frame["metric"] == "recovered_per_contact"].copy()
    for col in ("estimate", "low", "high"):
        per[col] = per[col].map(lambda x: Decimal(str(x)).quantize(pv.ZERO))
    _money(per, "recovered")
    rec = per[["strategy", "arm", "cases", "contacts", "recovered", "estimate", "low", "high"]]
    return cc.reset_index(drop=True), rec.reset_index(drop=True)
