"""The catalogue of figures: what each chart shows, from which computation, on which page.

A :class:`Figure` is a chart and the exact data behind it; the desk draws it with ECharts,
the report draws it as SVG, and both offer the same rows as CSV and XLSX.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

LINE, BAR, STACKED, HEATMAP, INTERVAL = "line", "bar", "stacked", "heatmap", "interval"


@dataclass(frozen=True)
class Chart:
    """How a figure's frame becomes a chart.

    ``x`` is the category axis; values come from ``y`` (one series per column) or, when
    ``series`` is set, from ``y[0]`` split into one series per value of that column.
    ``latest`` keeps only the rows of the last value of that column (a heatmap of the
    newest month); ``last_series`` keeps only that many of the newest series.
    """

    kind: str
    x: str
    y: tuple[str, ...]
    series: str | None = None
    fmt: str = "number"  # number | percent | money
    latest: str | None = None
    last_series: int | None = None
    low: str | None = None  # interval charts: the columns of the interval's ends
    high: str | None = None
    label_series: bool = False  # the series values are column names: show their labels


@dataclass(frozen=True)
class Figure:
    """A chart's definition and its data (a small frame with plain values)."""

    key: str
    group: str  # portfolio | operations | compliance | strategy
    chart: Chart
    frame: pd.DataFrame = field(compare=False, repr=False)
    note: str | None = None  # i18n key of a remark shown under the chart
    # Heatmaps: every category of both axes in order (the full bucket table), also those
    # no loan sits in this month.
    axis: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.frame.empty


RATES = ("contact_rate", "rpc_rate", "promise_rate", "kept_rate")

CHARTS: dict[str, tuple[str, Chart]] = {
    "bucket_amount": ("portfolio", Chart(STACKED, "as_of", ("overdue_amount",), "bucket",
                                         fmt="money")),
    "bucket_count": ("portfolio", Chart(STACKED, "as_of", ("loans",), "bucket")),
    "flow_rates": ("portfolio", Chart(LINE, "to_month", ("loan_share",), "flow",
                                      fmt="percent")),
    "roll_count": ("portfolio", Chart(HEATMAP, "to_bucket", ("loan_share",), "from_bucket",
                                      fmt="percent", latest="to_month")),
    "roll_balance": ("portfolio", Chart(HEATMAP, "to_bucket", ("balance_share",),
                                        "from_bucket", fmt="percent", latest="to_month")),
    "cure_rates": ("portfolio", Chart(LINE, "to_month", ("cure_rate",), "from_bucket",
                                      fmt="percent")),
    "recovery": ("portfolio", Chart(BAR, "entry_month", ("recovery_rate",), "bucket",
                                    fmt="percent")),
    "ops_daily": ("operations", Chart(LINE, "day", RATES, fmt="percent")),
    "ops_weekly": ("operations", Chart(BAR, "week", RATES, fmt="percent")),
    "ops_collectors": ("operations", Chart(BAR, "collector", RATES, fmt="percent")),
    "ops_teams": ("operations", Chart(BAR, "team_id", RATES, fmt="percent")),
    "recovered_daily": ("operations", Chart(STACKED, "day", ("recovered",), "team_id",
                                            fmt="money")),
    "recovered_collectors": ("operations", Chart(BAR, "collector", ("recovered",),
                                                 fmt="money")),
    "plan_adherence": ("operations", Chart(BAR, "week", ("adherence_rate",), fmt="percent")),
    "compliance_blocks": ("compliance", Chart(STACKED, "day", ("blocks",), "rule")),
    "flagged_calls": ("compliance", Chart(STACKED, "day", ("calls",), "category")),
    "champion_challenger": ("strategy", Chart(INTERVAL, "arm", ("estimate",), "metric",
                                              fmt="percent", low="low", high="high",
                                              label_series=True)),
    "cc_recovery": ("strategy", Chart(INTERVAL, "arm", ("estimate",), fmt="money", low="low",
                                      high="high")),
}


def vintage_key(threshold: int) -> str:
    """The figure key of the vintage curve for ``threshold`` dpd (``vintage_30``)."""
    return f"vintage_{threshold}"


def vintage_chart(threshold: int) -> Chart:
    return Chart(LINE, "mob", (f"ever_{threshold}_rate",), "vintage", fmt="percent",
                 last_series=12)


# The dashboards, one per role (the risk page is for the people who own the credit risk).
DASHBOARDS: dict[str, tuple[str, ...]] = {
    "team": ("ops_daily", "ops_collectors", "recovered_collectors", "ops_weekly",
             "plan_adherence", "recovered_daily"),
    "compliance": ("compliance_blocks", "flagged_calls", "ops_daily"),
    "management": ("bucket_amount", "bucket_count", "flow_rates", "recovery", "ops_teams",
                   "recovered_daily", "champion_challenger", "cc_recovery"),
    "risk": ("roll_count", "roll_balance", "flow_rates", "cure_rates", "vintage",
             "recovery", "champion_challenger"),
}

DASHBOARD_ROLES: dict[str, tuple[str, ...]] = {
    "team": ("team_lead", "admin"),
    "compliance": ("compliance_officer", "admin"),
    "management": ("admin",),
    "risk": ("admin", "team_lead", "compliance_officer"),
}

REPORTS: dict[str, tuple[str, ...]] = {
    "portfolio": ("bucket_amount", "bucket_count", "flow_rates", "roll_count", "roll_balance",
                  "cure_rates", "vintage", "recovery"),
    "operations": ("ops_daily", "ops_weekly", "ops_teams", "ops_collectors", "recovered_daily",
                   "recovered_collectors", "plan_adherence", "compliance_blocks",
                   "flagged_calls"),
    "strategy": ("champion_challenger", "cc_recovery"),
}


def expand(keys: tuple[str, ...], thresholds: list[int]) -> list[str]:
    """Figure keys with ``vintage`` replaced by one vintage curve per configured threshold."""
    out: list[str] = []
    for key in keys:
        if key == "vintage":
            out.extend(vintage_key(d) for d in thresholds)
        else:
            out.append(key)
    return out
