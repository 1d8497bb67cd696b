"""Compute figures for one set of filters, sharing the work between figures.

A :class:`Workbench` is made per page view or report: it holds the store session, the
portfolio engine and the filters, computes each underlying view once (the roll-rate flows
feed four figures) and hands out :class:`Figure` objects by key.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from arrears.analytics import figures as fg
from arrears.analytics import operations as ops
from arrears.analytics import portfolio as pv
from arrears.analytics import precomputed as pc
from arrears.analytics.filters import Filters
from arrears.analytics.settings import AnalyticsSettings, analytics_settings
from arrears.errors import NotFound

# One embedded engine connection serves the whole process; its queries run one at a time.
ENGINE_LOCK = threading.RLock()


class UnknownFigure(NotFound):
    """A figure key that is not in the catalogue."""

    code = "unknown_figure"


# Portfolio figures change only when a daily run rewrites the engine: they are kept per
# process, keyed by the engine file's state (and the filters), for the next page view.
_CACHE: dict[tuple[Any, ...], Any] = {}
CACHE_SIZE = 128


def engine_stamp(app: Any) -> tuple[Any, ...] | None:
    """The DuckDB file's and its write-ahead log's (mtime, size); None when not a file."""
    url = app.settings.resolved_portfolio_url()
    if not url.startswith("duckdb://"):
        return None
    path = Path(url[len("duckdb://"):])
    parts: list[Any] = [str(path)]
    for part in (path, path.with_name(path.name + ".wal")):
        try:
            st = part.stat()
            parts.append((st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            parts.append(None)
    return tuple(parts)


def open_reader(app: Any) -> Any:
    """A read-only connection of its own to the portfolio engine.

    DuckDB lets no other process write while a connection is open, so pages and reports
    read on a short-lived read-only connection; before anything is loaded there is no
    file yet, and an empty in-memory engine answers with empty figures.
    """
    import ibis

    url = app.settings.resolved_portfolio_url()
    if url.startswith("duckdb://"):
        path = Path(url[len("duckdb://"):])
        if not path.exists():
            return ibis.duckdb.connect()
        return ibis.duckdb.connect(str(path), read_only=True)
    return ibis.connect(url)


class Workbench:
    """Figures for one filter set, as of one business date."""

    def __init__(self, *, app: Any, session: Session, filters: Filters, as_of: date) -> None:
        self.app = app
        self.session = session
        self.as_of = as_of
        self.settings: AnalyticsSettings = analytics_settings(app)
        self.raw_filters = filters
        self._figures: dict[str, fg.Figure] = {}

    @cached_property
    def con(self) -> Any:
        shared = getattr(self.app, "_portfolio", None)
        if shared is not None:  # this process already holds the engine
            return shared
        self._owned = open_reader(self.app)
        return self._owned

    def close(self) -> None:
        """Release the engine connection this workbench opened (if any)."""
        owned = self.__dict__.pop("_owned", None)
        if owned is not None:
            self.__dict__.pop("con", None)
            owned.disconnect()

    def __enter__(self) -> Workbench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @cached_property
    def pre(self) -> Any:
        """The materialised run day these figures read (None: computed live)."""
        from arrears.analytics.precomputed import materialised_day

        return materialised_day(self.session, as_of=self.as_of)

    @cached_property
    def stamp(self) -> tuple[Any, ...] | None:
        """What cached figures are keyed by: the materialised day, or the engine file."""
        if self.pre is not None:
            return ("materialised", self.pre.as_of, str(self.pre.computed_at))
        return engine_stamp(self.app)

    def engine_value(self, name: str, compute: Any, *args: Any) -> Any:
        """``compute()`` under the engine lock, cached while the engine is unchanged."""
        key = (self.stamp, name, *args) if self.stamp is not None else None
        with ENGINE_LOCK:
            if key is not None and key in _CACHE:
                return _CACHE[key]
            value = compute()
            if key is not None:
                if len(_CACHE) >= CACHE_SIZE:
                    _CACHE.pop(next(iter(_CACHE)))
                _CACHE[key] = value
            return value

    @cached_property
    def days(self) -> list[date]:
        if self.pre is not None:
            return self.engine_value("days", lambda: pc.snapshot_days(self.session))
        return self.engine_value("days", lambda: pv.snapshot_days(self.con))

    @cached_property
    def currencies(self) -> list[str]:
        if self.pre is not None:
            return self.engine_value("currencies", lambda: pc.currencies(self.session))
        return self.engine_value("currencies", lambda: pv.currencies(self.con))

    @cached_property
    def products(self) -> list[str]:
        if self.pre is not None:
            return self.engine_value("products", lambda: pc.products(self.session))
        return self.engine_value("products", lambda: pv.products(self.con))

    @cached_property
    def base_filters(self) -> Filters:
        """The filters, with money figures in the book's main currency unless one is chosen."""
        if self.raw_filters.currency is None and self.currencies:
            return replace(self.raw_filters, currency=self.currencies[0])
        return self.raw_filters

    @property
    def currency(self) -> str:
        return self.base_filters.currency or "-"

    @cached_property
    def last_day(self) -> date:
        """The last run day on or before as_of (as_of itself before any run)."""
        if self.pre is not None:
            return self.pre.as_of  # type: ignore[no-any-return]
        return max((d for d in self.days if d <= self.as_of), default=self.as_of)

    @cached_property
    def portfolio_filters(self) -> Filters:
        """Default portfolio window: ``history_months`` up to the last run day (or as_of)."""
        return self.base_filters.with_defaults(as_of=self.last_day,
                                               days=31 * self.settings.history_months)

    @cached_property
    def ops_filters(self) -> Filters:
        """Default operations window: ``operations_days`` days up to as_of."""
        return self.base_filters.with_defaults(as_of=self.as_of,
                                               days=self.settings.operations_days - 1)

    @cached_property
    def buckets(self) -> list[str]:
        if self.pre is not None:
            return self.engine_value("buckets", lambda: pc.bucket_order(self.session))
        return self.engine_value("buckets", lambda: pv.bucket_order(self.con))

    @cached_property
    def trend(self) -> pd.DataFrame:
        f = self.portfolio_filters
        if self.pre is not None:
            frame = self.engine_value("trend", lambda: pc.bucket_trend(
                self.session, filters=f, order=self.buckets), f)
        else:
            frame = self.engine_value("trend", lambda: pv.bucket_trend(self.con, filters=f), f)
        current = self.buckets[0] if self.buckets else None
        return frame[frame["bucket"] != current].reset_index(drop=True)

    @cached_property
    def rolls(self) -> pd.DataFrame:
        f = self.portfolio_filters
        if self.pre is not None:
            return self.engine_value("rolls", lambda: pc.roll_rates(
                self.session, filters=f, order=self.buckets), f)
        return self.engine_value("rolls", lambda: pv.roll_rates(self.con, filters=f), f)

    @cached_property
    def daily(self) -> pd.DataFrame:
        """Operations per day and collector; the days before today are kept per filters
        and materialised day (they change only with a daily run), today is read afresh."""
        f, today = self.ops_filters, self.as_of
        assert f.date_from and f.date_to
        if f.date_from < today <= f.date_to:
            past = replace(f, date_to=today - timedelta(days=1))
            parts = [self.engine_value("ops", lambda: self._activity(past), past, today),
                     self._activity(replace(f, date_from=today))]
            frame = pd.concat([p for p in parts if not p.empty] or parts[:1],
                              ignore_index=True)
        elif f.date_to < today:
            frame = self.engine_value("ops", lambda: self._activity(f), f, today)
        else:
            frame = self._activity(f)
        return frame.assign(week=frame["day"].map(ops.iso_week))

    def _activity(self, filters: Filters) -> pd.DataFrame:
        through = self.pre.as_of if self.pre is not None else None
        ctx = ops.OpsContext(session=self.session,
                             portfolio=None if through else self.con,
                             settings=self.settings, timezone=self.timezone, filters=filters,
                             materialised_through=through)
        if through is not None:
            return ops.daily_activity(ctx)
        with ENGINE_LOCK:
            return ops.daily_activity(ctx)

    @property
    def timezone(self) -> str:
        return str(self.app.business.raw("business").get("reporting_timezone", "Asia/Shanghai"))

    def keys(self, keys: tuple[str, ...]) -> list[str]:
        """Expand a dashboard's or report's keys (one vintage curve per threshold)."""
        return fg.expand(keys, self.settings.vintage_dpd)

    def figure(self, key: str) -> fg.Figure:
        """The figure ``key`` with its data for these filters."""
        if key not in self._figures:
            group, chart, frame = self._compute(key)
            axis = tuple(self.buckets) if chart.kind == fg.HEATMAP else ()
            self._figures[key] = fg.Figure(key=key, group=group, chart=chart, frame=frame,
                                           axis=axis)
        return self._figures[key]

    def _compute(self, key: str) -> tuple[str, fg.Chart, pd.DataFrame]:
        if key.startswith("vintage_") and key[8:].isdigit():
            threshold = int(key[8:])
            if threshold in self.settings.vintage_dpd:
                return "portfolio", fg.vintage_chart(threshold), self._vintage(threshold)
        if key not in fg.CHARTS:
            raise UnknownFigure(f"no figure called '{key}'", field="figure")
        group, chart = fg.CHARTS[key]
        return group, chart, getattr(self, f"_{key}")()

    # Portfolio figures -------------------------------------------------------------
    def _bucket_amount(self) -> pd.DataFrame:
        return self.trend[["as_of", "bucket", "overdue_amount", "outstanding_principal"]]

    def _bucket_count(self) -> pd.DataFrame:
        return self.trend[["as_of", "bucket", "loans"]]

    def _roll_count(self) -> pd.DataFrame:
        return self.rolls[["from_month", "to_month", "from_bucket", "to_bucket", "loans",
                           "loan_share"]]

    def _roll_balance(self) -> pd.DataFrame:
        return self.rolls[["from_month", "to_month", "from_bucket", "to_bucket", "balance",
                           "balance_share"]]

    def _flow_rates(self) -> pd.DataFrame:
        """Each bucket's flow into the next one, month over month (M0->M1, M1->M2, ...)."""
        nxt = dict(zip(self.buckets, self.buckets[1:], strict=False))
        rolls = self.rolls
        mask = rolls["to_bucket"] == rolls["from_bucket"].map(nxt)
        flows = rolls[mask].assign(flow=rolls["from_bucket"] + "→" + rolls["to_bucket"])
        return flows[["from_month", "to_month", "flow", "loans", "loan_share", "balance",
                      "balance_share"]].reset_index(drop=True)

    def _cure_rates(self) -> pd.DataFrame:
        return pv.cure_rates(self.rolls, current=self.buckets[0] if self.buckets else None)

    @cached_property
    def vintages(self) -> pd.DataFrame:
        f, dpd = self.portfolio_filters, tuple(self.settings.vintage_dpd)
        if self.pre is not None and set(dpd) <= set(self.pre.vintage_dpd):
            return self.engine_value("vintages", lambda: pc.vintage_curves(
                self.session, filters=f, thresholds=list(dpd)), f, dpd)
        return self.engine_value("vintages", lambda: pv.vintage_curves(
            self.con, filters=f, thresholds=list(dpd)), f, dpd)

    def _vintage(self, threshold: int) -> pd.DataFrame:
        keep = f"ever_{threshold}"
        return self.vintages[["vintage", "mob", "loans", keep, f"{keep}_rate"]]

    def _recovery(self) -> pd.DataFrame:
        f, days = self.portfolio_filters, self.settings.recovery_window_days
        last = f.date_to or self.as_of
        if self.pre is not None and self.pre.recovery_window_days == days:
            return self.engine_value("recovery", lambda: pc.recovery_by_entry(
                self.session, filters=f, window_days=days, as_of=last,
                order=self.buckets), f, days, last)
        return self.engine_value("recovery", lambda: pv.recovery_by_entry(
            self.con, filters=f, window_days=days, as_of=last), f, days, last)

    # Operations figures ------------------------------------------------------------
    def _ops(self, by: list[str]) -> pd.DataFrame:
        return ops.rollup(self.daily, by)

    def _ops_daily(self) -> pd.DataFrame:
        return self._ops(["day"])

    def _ops_weekly(self) -> pd.DataFrame:
        return self._ops(["week"])

    def _ops_collectors(self) -> pd.DataFrame:
        frame = self._ops(["team_id", "user_id", "collector"])
        return frame[frame["user_id"] != ops.UNASSIGNED].reset_index(drop=True)

    def _ops_teams(self) -> pd.DataFrame:
        return self._ops(["team_id"])

    def _recovered_daily(self) -> pd.DataFrame:
        return self._ops(["day", "team_id"])[["day", "team_id", "recovered"]]

    def _recovered_collectors(self) -> pd.DataFrame:
        frame = self._ops_collectors()
        return frame[["team_id", "collector", "recovered"]]

    def _plan_adherence(self) -> pd.DataFrame:
        from arrears.analytics.partners import plan_adherence

        return plan_adherence(self.session, filters=self.ops_filters)

    def _compliance_blocks(self) -> pd.DataFrame:
        from arrears.analytics.partners import compliance_blocks

        return compliance_blocks(self.session, filters=self.ops_filters, timezone=self.timezone)

    def _flagged_calls(self) -> pd.DataFrame:
        from arrears.analytics.partners import flagged_calls

        return flagged_calls(self.session, filters=self.ops_filters, timezone=self.timezone)

    @cached_property
    def arms(self) -> list[Any]:
        from arrears.analytics.partners import arm_results

        # The strategy part reads the engine through the application's own connection; a
        # process may not hold a read-only one beside it, so ours is released first.
        with ENGINE_LOCK:
            self.close()
            return arm_results(self.session, app=self.app, as_of=self.as_of)

    def _champion_challenger(self) -> pd.DataFrame:
        from arrears.analytics.partners import champion_challenger

        if self.pre is not None:
            return pc.arms(self.session, as_of=self.pre.as_of)[0]
        return champion_challenger(self.arms)

    def _cc_recovery(self) -> pd.DataFrame:
        from arrears.analytics.partners import champion_challenger_recovery

        if self.pre is not None:
            return pc.arms(self.session, as_of=self.pre.as_of)[1]
        return champion_challenger_recovery(self.arms)

