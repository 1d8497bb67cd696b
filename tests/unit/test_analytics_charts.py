"""Chart data from a figure's frame: the roll-rate heatmap keeps the full bucket table."""

from __future__ import annotations

import pandas as pd

from arrears.analytics import figures as fg
from arrears.analytics.charts import chart_data, echarts_option

BUCKETS = ("M0", "M1", "M2", "M3", "M4")


def roll_figure(rows: list[tuple[str, str, float]], axis: tuple[str, ...] = BUCKETS):
    frame = pd.DataFrame([("2026-01", "2026-02", f, t, s) for f, t, s in rows],
                         columns=["from_month", "to_month", "from_bucket", "to_bucket",
                                  "loan_share"])
    _group, chart = fg.CHARTS["roll_count"]
    return fg.Figure(key="roll_count", group="portfolio", chart=chart, frame=frame, axis=axis)


class TestHeatmapAxes:
    def test_every_bucket_on_both_axes_even_when_empty(self):
        data = chart_data(roll_figure([("M0", "M0", 0.9), ("M0", "M1", 0.1),
                                       ("M2", "M3", 1.0)]), locale="en")
        assert data.categories == list(BUCKETS)
        assert [s.name for s in data.series] == list(BUCKETS)
        assert data.series[0].values == [90.0, 10.0, None, None, None]
        assert data.series[1].values == [None] * 5  # no M1 loans this month
        option = echarts_option(data, locale="en")
        assert option["xAxis"]["data"] == option["yAxis"]["data"] == list(BUCKETS)
        assert [2, 3, 100.0] not in option["series"][0]["data"]
        assert [3, 2, 100.0] in option["series"][0]["data"]

    def test_a_bucket_missing_from_the_table_is_added_at_the_end(self):
        data = chart_data(roll_figure([("M0", "X9", 1.0)], axis=("M0", "M1")), locale="en")
        assert data.categories == ["M0", "M1", "X9"]
