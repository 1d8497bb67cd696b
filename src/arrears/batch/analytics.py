"""Daily-run step ``analytics``: the day's supervisor figures, materialised.

Runs last, after ``screening``: the snapshots, bucket events, allocations and promises of
the day are final by then. It rewrites its own partitions (see
``arrears.analytics.materialise``), so the dashboards read small precomputed tables.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from arrears.adapters.db.base import unit_of_work
from arrears.analytics.materialise import materialise_day
from arrears.analytics.settings import analytics_settings
from arrears.batch.base import StepResult


def run(*, app: Any, as_of: date) -> StepResult:
    """Materialise ``as_of``'s portfolio figures, money recovered and strategy arms."""
    settings = analytics_settings(app)
    with unit_of_work(app.session_factory) as session:
        res = materialise_day(session, app=app, as_of=as_of, settings=settings)
    return StepResult("analytics", rows_in=len(res.days), rows_out=sum(res.rows.values()),
                      detail={**res.rows, "days": len(res.days)})
