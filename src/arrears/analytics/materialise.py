"""Materialise a run day's figures into the analytics tables (the daily run's last step).

Each part is computed set-based in the portfolio engine, grouped by product, currency and
bucket (the dashboards' filters), and written over its own partition, so a day can be run
again:

- bucket totals of the day (``analytics_bucket_days``);
- at a month end, the flows from the previous month end to it, and from it to the next
  month end when that one is already run (``analytics_roll_flows``);
- at a month end, the vintage curves' points of that month end (``analytics_vintages``);
- recovery of the entries whose window has passed by the day, re-done for the last month
  of them so late payments count (``analytics_recovery``);
- the money recovered on open cases over the last weeks, credited to the collector who
  held the case that day (``analytics_recovered``);
- the champion/challenger arms in force (``analytics_arms``).

Days with snapshots but no ``analytics_runs`` row (books run before this step existed) are
filled in too, so the dashboards can trust the tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import ibis
import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from arrears.adapters.db import tables_analytics as ta
from arrears.adapters.db.bulk import bulk_insert
from arrears.analytics import portfolio as pv
from arrears.analytics.filters import Filters
from arrears.analytics.operations import recovered_by_holder
from arrears.analytics.settings import AnalyticsSettings

RECOVERED_DAYS = 45  # payments loaded late still reach the right day
RECOVERY_REDO_DAYS = 31


@dataclass
class MaterialiseResult:
    """Rows written per table, and the days filled in."""

    rows: dict[str, int] = field(default_factory=dict)
    days: list[date] = field(default_factory=list)


def is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def _prev_month_end(day: date) -> date:
    return day.replace(day=1) - timedelta(days=1)


def _next_month_end(day: date) -> date:
    first = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _records(frame: pd.DataFrame, money: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Plain values for the driver: Decimal money, Python numbers, dates (every date
    column of these tables is a day)."""
    rows = frame.to_dict("records")
    for row in rows:
        for key, value in row.items():
            if key in money:
                row[key] = Decimal(str(value or 0)).quantize(pv.ZERO)
            elif isinstance(value, pd.Timestamp):
                row[key] = value.date()
            elif hasattr(value, "item"):
                row[key] = value.item()
    return rows


def _snapshots(con: Any, day: date) -> Any:
    t = con.table(pv.SNAPSHOTS)
    return t.filter(t.as_of == day)


def bucket_rows(con: Any, day: date) -> pd.DataFrame:
    """Loans on book per product, currency and bucket on ``day``."""
    t = pv.on_book(_snapshots(con, day))
    agg = t.group_by(["product", "currency", "bucket"]).aggregate(
        min_dpd=t.dpd.min(), loans=t.count(), overdue_amount=t.overdue_amount.sum(),
        outstanding_principal=t.outstanding_principal.sum())
    return agg.to_pandas().assign(as_of=day)


def roll_rows(con: Any, to_day: date) -> pd.DataFrame:
    """Flows from the previous month end's on-book loans to their bucket at ``to_day``."""
    start = pv.on_book(_snapshots(con, _prev_month_end(to_day))).select(
        loan_id="loan_id", product="product", currency="currency", from_bucket="bucket",
        balance="outstanding_principal")
    end = _snapshots(con, to_day).select(end_id="loan_id", to_bucket="bucket")
    pairs = start.join(end, start.loan_id == end.end_id)
    agg = pairs.group_by(["product", "currency", "from_bucket", "to_bucket"]).aggregate(
        loans=pairs.count(), balance=pairs.balance.sum())
    return agg.to_pandas().assign(to_as_of=to_day)


def vintage_rows(con: Any, day: date, thresholds: list[int]) -> pd.DataFrame:
    """At month end ``day``: per vintage, its loans and how many ever reached each dpd."""
    t = con.table(pv.SNAPSHOTS)
    ends = t.filter((t.as_of <= day) & ((t.as_of + ibis.interval(days=1)).day() == 1)
                    & (t.disbursed_on <= t.as_of))
    worst = ends.group_by("loan_id").aggregate(worst=ends.dpd.max())
    now = _snapshots(con, day)
    now = now.filter(now.disbursed_on <= day)
    now = now.join(worst, "loan_id").mutate(vm=pv.month_index(now.disbursed_on))
    agg = now.group_by(["product", "currency", "vm"]).aggregate(
        loans=now.count(), **{f"ever_{d}": (now.worst >= d).cast("int64").sum()
                              for d in thresholds})
    frame = agg.to_pandas()
    month = day.year * 12 + day.month
    out = []
    for d in thresholds:
        part = frame[["product", "currency", "vm", "loans", f"ever_{d}"]].rename(
            columns={f"ever_{d}": "ever"})
        out.append(part.assign(dpd=d))
    rows = pd.concat(out, ignore_index=True) if out else frame
    rows["mob"] = month - rows["vm"]
    rows["vintage"] = rows["vm"].map(pv.month_label)
    return rows.drop(columns=["vm"]).assign(as_of=day)


def recovery_rows(con: Any, lo: date | None, hi: date, window: int) -> pd.DataFrame:
    """Entries on run days in (lo, hi] and the money paid within ``window`` days of each."""
    e = con.table(pv.EVENTS)
    e = e.filter(e.kind.isin(["entered", "rolled_forward"]) & (e.overdue_amount > 0)
                 & (e.as_of <= hi))
    if lo is not None:
        e = e.filter(e.as_of > lo)
    per = pv.recovered_per_entry(con, e, window_days=window, entered_after=lo, entered_by=hi)
    loans = con.table("loans").select(lid="loan_id", product="product", currency="currency")
    per = per.join(loans, per.loan_id == loans.lid)
    agg = per.group_by([per.as_of.name("entry_on"), "product", "currency",
                        per.to_bucket.name("bucket")]).aggregate(
        entries=per.count(), overdue_at_entry=per.overdue_amount.sum(),
        recovered=per.recovered.sum())
    return agg.to_pandas().assign(window_days=window)


def recovered_rows(session: Session, con: Any, day: date) -> pd.DataFrame:
    """Money paid on open cases in the last weeks per day, holder, product, currency."""
    return recovered_by_holder(session, con, Filters(), day - timedelta(days=RECOVERED_DAYS),
                               day, by=("product", "currency"))


def _rewrite(session: Session, table: Any, where: Any, frame: pd.DataFrame,
             money: tuple[str, ...] = ()) -> int:
    """Delete the partition ``where``, insert the frame's rows (driver executemany)."""
    session.execute(delete(table).where(where))
    rows = _records(frame, money)
    bulk_insert(session.connection(), table.__table__, rows)
    return len(rows)


def _portfolio_day(session: Session, con: Any, day: date, days: set[date],
                   settings: AnalyticsSettings, out: MaterialiseResult) -> None:
    """Bucket totals, and at a month end the flows and vintage points."""
    b, r, v = ta.AnalyticsBucketDay, ta.AnalyticsRollFlow, ta.AnalyticsVintage
    money = ("overdue_amount", "outstanding_principal", "balance")
    out.rows["buckets"] = out.rows.get("buckets", 0) + _rewrite(
        session, b, b.as_of == day, bucket_rows(con, day), money)
    if not is_month_end(day):
        return
    for to_day in (day, _next_month_end(day)):
        if to_day in days:
            out.rows["rolls"] = out.rows.get("rolls", 0) + _rewrite(
                session, r, r.to_as_of == to_day, roll_rows(con, to_day), money)
    out.rows["vintages"] = out.rows.get("vintages", 0) + _rewrite(
        session, v, v.as_of == day, vintage_rows(con, day, settings.vintage_dpd))


def _recovery(session: Session, con: Any, day: date, settings: AnalyticsSettings) -> date:
    """Entries whose window has passed by ``day``: the missing ones and the last month."""
    window = settings.recovery_window_days
    hi = day - timedelta(days=window)
    done = session.scalar(select(func.max(ta.AnalyticsRun.recovery_through)).where(
        ta.AnalyticsRun.recovery_window_days == window))
    lo = None if done is None else min(done, hi) - timedelta(days=RECOVERY_REDO_DAYS)
    rec = ta.AnalyticsRecovery
    where = (rec.window_days == window) & (rec.entry_on <= hi)
    if lo is not None:
        where = where & (rec.entry_on > lo)
    frame = recovery_rows(con, lo, hi, window) if pv.has_table(con, pv.EVENTS) \
        and pv.has_table(con, pv.PAYMENTS) else pd.DataFrame()
    _rewrite(session, rec, where, frame, ("overdue_at_entry", "recovered"))
    return hi


def _arms(session: Session, app: Any, day: date) -> int:
    from arrears.analytics.partners import CC_RATES, arm_results

    rows = []
    for r in arm_results(session, app=app, as_of=day):
        for metric in (*CC_RATES, "recovered_per_contact"):
            i = getattr(r, metric)
            rows.append({"as_of": day, "experiment": r.experiment, "arm": r.arm,
                         "metric": metric, "cases": r.cases, "contacts": r.contacts,
                         "recovered": r.recovered, "n": i.n, "estimate": float(i.value),
                         "low": float(i.low), "high": float(i.high)})
    a = ta.AnalyticsArm
    return _rewrite(session, a, a.as_of == day, pd.DataFrame(rows), ("recovered",))


def _missing_days(session: Session, con: Any, day: date) -> tuple[list[date], set[date]]:
    run = set(session.scalars(select(ta.AnalyticsRun.as_of)))
    days = set(pv.snapshot_days(con))
    return sorted(d for d in days if d < day and d not in run), days


def materialise_day(session: Session, *, app: Any, as_of: date,
                    settings: AnalyticsSettings) -> MaterialiseResult:
    """Write ``as_of``'s figures (and fill any run day not yet materialised)."""
    began = time.perf_counter()
    con = app.portfolio()
    out = MaterialiseResult()
    if not pv.has_table(con, pv.SNAPSHOTS):
        return out
    missing, days = _missing_days(session, con, as_of)
    for day in [*missing, as_of]:
        _portfolio_day(session, con, day, days, settings, out)
    through = _recovery(session, con, as_of, settings)
    rec = ta.AnalyticsRecovered
    start = as_of - timedelta(days=RECOVERED_DAYS)
    out.rows["recovered"] = _rewrite(session, rec, rec.paid_on.between(start, as_of),
                                     recovered_rows(session, con, as_of), ("recovered",))
    out.rows["arms"] = _arms(session, app, as_of)
    rows = int(_snapshots(con, as_of).count().to_pyarrow().as_py())
    for day in [*missing, as_of]:
        session.merge(ta.AnalyticsRun(
            as_of=day, computed_at=app.clock(), snapshot_rows=rows if day == as_of else 0,
            vintage_dpd=list(settings.vintage_dpd),
            recovery_window_days=settings.recovery_window_days,
            recovery_through=through if day == as_of else None,
            seconds=round(time.perf_counter() - began, 3)))
    out.days = [*missing, as_of]
    return out
