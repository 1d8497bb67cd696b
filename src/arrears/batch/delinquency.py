"""Daily-run step ``delinquency``: the dated snapshot of every loan and its bucket events.

Rewrites the ``as_of`` partition of ``delinquency_positions`` (read with the loans' attributes
through the ``delinquency_snapshots`` view) and of ``bucket_events`` in one
transaction; re-running any day gives the same answer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from arrears.adapters.portfolio import delinquency as dq
from arrears.adapters.portfolio.engine import PortfolioEngine
from arrears.adapters.portfolio.schema import columns
from arrears.batch.base import StepResult
from arrears.errors import ArrearsError
from arrears.services.business_settings import business_settings
from arrears.services.loading import check_reporting_zone, portfolio_engine


class NothingLoaded(ArrearsError):
    code = "portfolio_empty"
    status = 409


def previous_snapshot_day(engine: PortfolioEngine, *, as_of: date) -> date | None:
    """The latest snapshot day before ``as_of`` (bucket events compare against it)."""
    rows = engine.fetch("SELECT max(as_of) FROM delinquency_positions "
                        f"WHERE as_of < DATE '{as_of.isoformat()}'")
    return rows[0][0] if rows and rows[0][0] is not None else None


def run(*, app: Any, as_of: date) -> StepResult:
    """Compute and store the snapshot and the bucket events of ``as_of``."""
    settings = business_settings(app)
    engine = portfolio_engine(app)
    check_reporting_zone(engine, settings.reporting_timezone)
    loans = engine.fetch("SELECT count(*) FROM loans")[0][0]
    if not loans:
        raise NothingLoaded("the portfolio engine holds no loans: run `arrears load DIR` first")
    buckets = settings.bucket_table()
    day = f"DATE '{as_of.isoformat()}'"
    snapshot = dq.positions(engine.backend, as_of=as_of, tolerance=settings.tolerance,
                            buckets=buckets)
    snap_cols = ", ".join(columns("delinquency_positions"))
    previous = previous_snapshot_day(engine, as_of=as_of)
    events = dq.bucket_events(engine.backend, as_of=as_of, previous=previous, buckets=buckets)
    event_cols = ", ".join(columns("bucket_events"))
    engine.run_in_transaction([
        f"DELETE FROM delinquency_positions WHERE as_of = {day}",
        f"INSERT INTO delinquency_positions ({snap_cols}) "
        f"SELECT {snap_cols} FROM ({engine.compile(snapshot)}) AS s",
        f"DELETE FROM bucket_events WHERE as_of = {day}",
        f"INSERT INTO bucket_events ({event_cols}) "
        f"SELECT {event_cols} FROM ({engine.compile(events)}) AS e",
    ])
    counts = engine.fetch(f"""
        SELECT count(*) FILTER (WHERE dpd > 0), count(*)
        FROM delinquency_positions WHERE as_of = {day}""")[0]
    by_kind = dict(engine.fetch(f"SELECT kind, count(*) FROM bucket_events WHERE as_of = {day} "
                                "GROUP BY kind"))
    return StepResult(name="delinquency", rows_in=loans, rows_out=counts[1],
                      detail={"delinquent_loans": counts[0], "previous_day": (
                          previous.isoformat() if previous else None), "events": by_kind})
