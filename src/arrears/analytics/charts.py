"""From a figure's frame to chart data, and to an ECharts option (plain JSON, no functions).

The desk passes the option to ECharts through a data attribute; the report draws the same
:class:`ChartData` as SVG (``arrears.analytics.svg``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from arrears.analytics.figures import BAR, HEATMAP, INTERVAL, LINE, STACKED, Figure
from arrears.analytics.labels import column_label

PALETTE = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452",
           "#9a60b4", "#ea7ccc"]


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    low: list[float | None] | None = None
    high: list[float | None] | None = None


@dataclass(frozen=True)
class ChartData:
    """Categories on the x axis, series of values (percent already scaled to 0-100)."""

    kind: str
    fmt: str
    categories: list[str]
    series: list[Series]

    @property
    def has_data(self) -> bool:
        return any(v is not None for s in self.series for v in s.values)


def _num(value: Any, fmt: str) -> float | None:
    if value is None or (not isinstance(value, Decimal) and pd.isna(value)):
        return None
    number = float(value)
    return round(number * 100, 2) if fmt == "percent" else round(number, 2)


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _ordered(values: pd.Series) -> list[Any]:
    return list(dict.fromkeys(values.tolist()))


def _bounds(frame: pd.DataFrame, column: str | None, fmt: str) -> list[float | None] | None:
    return [_num(v, fmt) for v in frame[column]] if column else None


def chart_data(figure: Figure, *, locale: str) -> ChartData:
    """Pivot the figure's frame into categories and series, as its chart says."""
    c = figure.chart
    frame = figure.frame
    if c.latest and not frame.empty:
        frame = frame[frame[c.latest] == frame[c.latest].max()]
    if frame.empty:
        return ChartData(c.kind, c.fmt, [], [])
    cats = _ordered(frame[c.x])
    if c.kind == HEATMAP and figure.axis:
        return _full_matrix(figure, frame, locale=locale)
    if not c.series:
        indexed = frame.set_index(c.x).reindex(cats)
        series = [Series(column_label(y, locale), [_num(v, c.fmt) for v in indexed[y]],
                         _bounds(indexed, c.low, c.fmt), _bounds(indexed, c.high, c.fmt))
                  for y in c.y]
        return ChartData(c.kind, c.fmt, [_text(x) for x in cats], series)
    names = _ordered(frame[c.series])
    if c.last_series:
        names = names[-c.last_series:]
    out = []
    for name in names:
        part = frame[frame[c.series] == name].set_index(c.x).reindex(cats)
        title = column_label(name, locale) if c.label_series else _text(name)
        out.append(Series(title, [_num(v, c.fmt) for v in part[c.y[0]]],
                          _bounds(part, c.low, c.fmt), _bounds(part, c.high, c.fmt)))
    return ChartData(c.kind, c.fmt, [_text(x) for x in cats], out)


def _full_matrix(figure: Figure, frame: pd.DataFrame, *, locale: str) -> ChartData:
    """A heatmap over every category on both axes; absent cells stay empty."""
    c = figure.chart
    axis = list(figure.axis)
    extra = [v for v in _ordered(pd.concat([frame[c.x], frame[c.series]])) if v not in axis]
    axis += extra
    cells = frame.set_index([c.series, c.x])[c.y[0]]
    series = [Series(_text(row), [_num(cells.get((row, col)), c.fmt) for col in axis])
              for row in axis]
    return ChartData(c.kind, c.fmt, [_text(x) for x in axis], series)


def echarts_option(data: ChartData, *, locale: str) -> dict[str, Any]:
    """An ECharts option for the chart data (JSON-serialisable)."""
    if data.kind == HEATMAP:
        return _heatmap(data)
    if data.kind == INTERVAL:
        return _interval(data)
    unit = "{value}%" if data.fmt == "percent" else "{value}"
    kind = "line" if data.kind == LINE else "bar"
    series = [{"name": s.name, "type": kind, "data": s.values, "connectNulls": True,
               **({"stack": "total"} if data.kind == STACKED else {}),
               **({"showSymbol": len(data.categories) < 40} if kind == "line" else {})}
              for s in data.series]
    return {"color": PALETTE, "animation": False,
            "tooltip": {"trigger": "axis"},
            "legend": {"type": "scroll", "top": 0, "data": [s.name for s in data.series]},
            "grid": {"left": 60, "right": 20, "top": 40, "bottom": 40, "containLabel": True},
            "xAxis": {"type": "category", "data": data.categories,
                      "boundaryGap": data.kind in (BAR, STACKED)},
            "yAxis": {"type": "value", "axisLabel": {"formatter": unit}},
            "series": series}


def _heatmap(data: ChartData) -> dict[str, Any]:
    cells = [[x, y, v] for y, s in enumerate(data.series) for x, v in enumerate(s.values)
             if v is not None]
    return {"animation": False, "tooltip": {"position": "top"},
            "grid": {"left": 60, "right": 20, "top": 20, "bottom": 70, "containLabel": True},
            "xAxis": {"type": "category", "data": data.categories, "splitArea": {"show": True}},
            "yAxis": {"type": "category", "data": [s.name for s in data.series],
                      "inverse": True, "splitArea": {"show": True}},
            "visualMap": {"min": 0, "max": 100, "calculable": True, "orient": "horizontal",
                          "left": "center", "bottom": 0,
                          "inRange": {"color": ["#f7fbff", "#6baed6", "#08306b"]}},
            "series": [{"type": "heatmap", "data": cells, "label": {"show": True},
                        "emphasis": {"itemStyle": {"borderColor": "#333", "borderWidth": 1}}}]}


def _interval(data: ChartData) -> dict[str, Any]:
    series: list[dict[str, Any]] = []
    for s in data.series:
        boxes = [[lo, lo, v, hi, hi] if None not in (lo, v, hi) else []
                 for lo, v, hi in zip(s.low or [], s.values, s.high or [], strict=False)]
        series.append({"name": s.name, "type": "boxplot", "data": boxes,
                       "itemStyle": {"borderWidth": 2}})
        series.append({"name": s.name, "type": "scatter", "data": s.values, "symbolSize": 9})
    return {"color": PALETTE, "animation": False, "tooltip": {"trigger": "item"},
            "legend": {"type": "scroll", "top": 0, "data": [s.name for s in data.series]},
            "grid": {"left": 60, "right": 20, "top": 40, "bottom": 40, "containLabel": True},
            "xAxis": {"type": "category", "data": data.categories},
            "yAxis": {"type": "value", "scale": True, "axisLabel": {
                "formatter": "{value}%" if data.fmt == "percent" else "{value}"}},
            "series": series}
