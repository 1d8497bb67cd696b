"""Charts as static SVG for reports that travel by e-mail (no scripts, no external files)."""

from __future__ import annotations

import math
from html import escape

from arrears.analytics.charts import PALETTE, ChartData
from arrears.analytics.figures import HEATMAP, INTERVAL, LINE, STACKED

W, H = 760, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 36, 56
FONT = 'font-family="Helvetica,Arial,\'PingFang SC\',\'Microsoft YaHei\',sans-serif"'


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** math.floor(math.log10(value))
    for mult in (1, 2, 2.5, 5, 10):
        if value <= mult * step:
            return mult * step
    return 10 * step


def _fmt(value: float, fmt: str) -> str:
    if fmt == "percent":
        return f"{value:.0f}%" if value >= 10 or value == 0 else f"{value:.1f}%"
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1_000:.0f}k"
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:.2f}"


def _text(x: float, y: float, body: str, *, size: int = 11, anchor: str = "middle",
          fill: str = "#444", rotate: int = 0) -> str:
    turn = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" {FONT}{turn}>{escape(body)}</text>')


def _frame(parts: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
            f'viewBox="0 0 {W} {H}" role="img" aria-label="{escape(label)}">'
            f'<rect width="{W}" height="{H}" fill="#fff"/>{"".join(parts)}</svg>')


def _legend(data: ChartData) -> list[str]:
    parts, x = [], LEFT
    for i, s in enumerate(data.series[:12]):
        color = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="10" width="12" height="12" fill="{color}"/>')
        parts.append(_text(x + 16, 20, s.name, anchor="start"))
        x += 28 + 7 * len(s.name)
        if x > W - 80:
            break
    return parts


def _axes(data: ChartData, top: float, bottom_value: float = 0.0) -> tuple[list[str], float]:
    """Grid lines and labels of the value axis, and the category labels."""
    parts: list[str] = []
    plot_h = H - TOP - BOTTOM
    for i in range(5):
        value = bottom_value + (top - bottom_value) * i / 4
        y = H - BOTTOM - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" '
                     f'stroke="#e5e5e5"/>')
        parts.append(_text(LEFT - 6, y + 4, _fmt(value, data.fmt), anchor="end"))
    n = max(len(data.categories), 1)
    slot = (W - LEFT - RIGHT) / n
    every = max(1, math.ceil(n / 16))
    for i, cat in enumerate(data.categories):
        if i % every == 0:
            x = LEFT + slot * (i + 0.5)
            parts.append(_text(x, H - BOTTOM + 14, cat, size=10, rotate=-30 if n > 8 else 0,
                               anchor="end" if n > 8 else "middle"))
    return parts, slot


def _y(value: float, top: float) -> float:
    return H - BOTTOM - (H - TOP - BOTTOM) * (value / top if top else 0)


def render_svg(data: ChartData, *, label: str, empty_text: str) -> str:
    """The chart as an SVG document fragment."""
    if not data.has_data:
        return _frame([_text(W / 2, H / 2, empty_text, size=14, fill="#888")], label)
    if data.kind == HEATMAP:
        return _frame(_heatmap(data), label)
    if data.kind == INTERVAL:
        return _frame(_intervals(data), label)
    if data.kind == LINE:
        return _frame(_lines(data), label)
    return _frame(_bars(data), label)


def _values(data: ChartData) -> list[float]:
    return [v for s in data.series for v in s.values if v is not None]


def _lines(data: ChartData) -> list[str]:
    top = _nice_max(max(_values(data)))
    parts, slot = _axes(data, top)
    for i, s in enumerate(data.series):
        color = PALETTE[i % len(PALETTE)]
        points = [f"{LEFT + slot * (j + 0.5):.1f},{_y(v, top):.1f}"
                  for j, v in enumerate(s.values) if v is not None]
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                     f'points="{" ".join(points)}"/>')
        if len(s.values) <= 40:
            parts += [f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="2.5" '
                      f'fill="{color}"/>' for p in points]
    return parts + _legend(data)


def _bars(data: ChartData) -> list[str]:
    stacked = data.kind == STACKED
    n_cat = len(data.categories)
    totals = [sum(s.values[j] or 0 for s in data.series) for j in range(n_cat)]
    top = _nice_max(max(totals) if stacked else max(_values(data)))
    parts, slot = _axes(data, top)
    n = 1 if stacked else max(len(data.series), 1)
    width = slot * 0.8 / n
    base = [0.0] * n_cat
    for i, s in enumerate(data.series):
        color = PALETTE[i % len(PALETTE)]
        for j, v in enumerate(s.values):
            if not v:
                continue
            x = LEFT + slot * j + slot * 0.1 + (0 if stacked else width * i)
            y0, y1 = _y(base[j], top), _y(base[j] + v, top)
            parts.append(f'<rect x="{x:.1f}" y="{y1:.1f}" width="{max(width - 1, 1):.1f}" '
                         f'height="{max(y0 - y1, 0.5):.1f}" fill="{color}"/>')
            if stacked:
                base[j] += v
    return parts + _legend(data)


def _heatmap(data: ChartData) -> list[str]:
    rows, cols = len(data.series), len(data.categories)
    cell_w = (W - LEFT - RIGHT) / max(cols, 1)
    cell_h = (H - TOP - BOTTOM) / max(rows, 1)
    parts = []
    for j, cat in enumerate(data.categories):
        parts.append(_text(LEFT + cell_w * (j + 0.5), TOP - 8, cat))
    for i, s in enumerate(data.series):
        y = TOP + cell_h * i
        parts.append(_text(LEFT - 6, y + cell_h / 2 + 4, s.name, anchor="end"))
        for j, v in enumerate(s.values):
            share = (v or 0) / 100
            shade = int(247 - 200 * share)
            fill = f"rgb({shade},{int(251 - 150 * share)},255)"
            parts.append(f'<rect x="{LEFT + cell_w * j:.1f}" y="{y:.1f}" width="{cell_w:.1f}" '
                         f'height="{cell_h:.1f}" fill="{fill}" stroke="#fff"/>')
            if v is not None:
                parts.append(_text(LEFT + cell_w * (j + 0.5), y + cell_h / 2 + 4,
                                   _fmt(v, "percent"), fill="#fff" if share > 0.5 else "#222"))
    return parts


def _intervals(data: ChartData) -> list[str]:
    highs = [v for s in data.series for v in (s.high or []) if v is not None]
    top = _nice_max(max(highs + _values(data)))
    parts, slot = _axes(data, top)
    n = max(len(data.series), 1)
    for i, s in enumerate(data.series):
        color = PALETTE[i % len(PALETTE)]
        for j, v in enumerate(s.values):
            if v is None:
                continue
            x = LEFT + slot * j + slot * (i + 0.5) / n
            lo, hi = (s.low or [None] * len(s.values))[j], (s.high or [None] * len(s.values))[j]
            if lo is not None and hi is not None:
                parts.append(f'<line x1="{x:.1f}" y1="{_y(lo, top):.1f}" x2="{x:.1f}" '
                             f'y2="{_y(hi, top):.1f}" stroke="{color}" stroke-width="2"/>')
                for end in (lo, hi):
                    parts.append(f'<line x1="{x - 5:.1f}" y1="{_y(end, top):.1f}" '
                                 f'x2="{x + 5:.1f}" y2="{_y(end, top):.1f}" stroke="{color}"/>')
            parts.append(f'<circle cx="{x:.1f}" cy="{_y(v, top):.1f}" r="4" fill="{color}"/>')
    return parts + _legend(data)
