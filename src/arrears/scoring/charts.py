"""Small inline SVG charts for reports and the desk: no scripts, no network, print-ready."""

from __future__ import annotations

from html import escape

W, H, PAD = 420, 300, 44
COLOURS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c")


def _frame(title: str, x_label: str, y_label: str, body: list[str],
           x_ticks: list[tuple[float, str]], y_ticks: list[tuple[float, str]]) -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" '
             f'role="img" aria-label="{escape(title)}" class="chart">',
             f'<text x="{W / 2}" y="16" text-anchor="middle" font-size="13" '
             f'font-weight="600">{escape(title)}</text>',
             f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - 10}" y2="{H - PAD}" stroke="#555"/>',
             f'<line x1="{PAD}" y1="28" x2="{PAD}" y2="{H - PAD}" stroke="#555"/>']
    for px, label in x_ticks:
        parts.append(f'<text x="{px:.1f}" y="{H - PAD + 14}" font-size="10" '
                     f'text-anchor="middle">{escape(label)}</text>')
    for py, label in y_ticks:
        parts.append(f'<text x="{PAD - 4}" y="{py + 3:.1f}" font-size="10" '
                     f'text-anchor="end">{escape(label)}</text>')
        parts.append(f'<line x1="{PAD}" y1="{py:.1f}" x2="{W - 10}" y2="{py:.1f}" '
                     'stroke="#eee"/>')
    parts.append(f'<text x="{(W + PAD) / 2}" y="{H - 8}" font-size="11" '
                 f'text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text x="12" y="{H / 2}" font-size="11" text-anchor="middle" '
                 f'transform="rotate(-90 12 {H / 2})">{escape(y_label)}</text>')
    return "".join(parts + body + ["</svg>"])


def _sx(x: float, lo: float, hi: float) -> float:
    return PAD + (x - lo) / ((hi - lo) or 1) * (W - 10 - PAD)


def _sy(y: float, lo: float, hi: float) -> float:
    return H - PAD - (y - lo) / ((hi - lo) or 1) * (H - PAD - 28)


def _ticks(lo: float, hi: float, scale, n: int = 5, fmt: str = "{:.2f}"):  # type: ignore[no-untyped-def]
    step = (hi - lo) / n
    return [(scale(lo + i * step, lo, hi), fmt.format(lo + i * step)) for i in range(n + 1)]


def line_chart(title: str, series: list[tuple[str, list[tuple[float, float]]]], *,
               x_label: str, y_label: str, diagonal: bool = False,
               x_range: tuple[float, float] = (0.0, 1.0),
               y_range: tuple[float, float] = (0.0, 1.0), markers: bool = False) -> str:
    """Lines (ROC, calibration); ``diagonal`` draws the y = x reference."""
    (x0, x1), (y0, y1) = x_range, y_range
    body = []
    if diagonal:
        body.append(f'<line x1="{_sx(x0, x0, x1)}" y1="{_sy(y0, y0, y1)}" '
                    f'x2="{_sx(x1, x0, x1)}" y2="{_sy(y1, y0, y1)}" stroke="#999" '
                    'stroke-dasharray="4 3"/>')
    for i, (label, pts) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join(f"{_sx(x, x0, x1):.1f},{_sy(y, y0, y1):.1f}" for x, y in pts)
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        if markers:
            body += [f'<circle cx="{_sx(x, x0, x1):.1f}" cy="{_sy(y, y0, y1):.1f}" r="3" '
                     f'fill="{colour}"/>' for x, y in pts]
        body.append(f'<text x="{W - 14}" y="{H - PAD - 10 - 14 * i}" font-size="11" '
                    f'text-anchor="end" fill="{colour}">{escape(label)}</text>')
    return _frame(title, x_label, y_label, body, _ticks(x0, x1, _sx), _ticks(y0, y1, _sy))


def histogram(title: str, edges: list[float], series: list[tuple[str, list[float]]], *,
              x_label: str, y_label: str) -> str:
    """Side-by-side bars per bin (shares), one colour per series."""
    lo, hi = edges[0], edges[-1]
    top = max([max(v) for _, v in series if v] + [1e-9]) * 1.1
    body = []
    width = (W - 10 - PAD) / max(len(edges) - 1, 1) / max(len(series), 1)
    for s, (label, values) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        for i, v in enumerate(values):
            x = _sx(edges[i], lo, hi) + s * width
            y = _sy(v, 0, top)
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width - 1, 1):.1f}" '
                        f'height="{H - PAD - y:.1f}" fill="{colour}" opacity="0.8"/>')
        body.append(f'<text x="{W - 14}" y="{40 + 14 * s}" font-size="11" text-anchor="end" '
                    f'fill="{colour}">{escape(label)}</text>')
    fmt = "{:.0f}" if hi - lo > 20 else "{:.2f}"
    return _frame(title, x_label, y_label, body, _ticks(lo, hi, _sx, fmt=fmt),
                  _ticks(0, top, _sy))


def bar_chart(title: str, rows: list[tuple[str, float]], *, x_label: str) -> str:
    """Horizontal bars (importance, information value), largest first."""
    rows = rows[:20]
    height = 40 + 18 * len(rows)
    top = max([v for _, v in rows] + [1e-9])
    left = 170
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W + 120} {height}" '
             f'role="img" aria-label="{escape(title)}" class="chart">',
             f'<text x="{(W + 120) / 2}" y="16" text-anchor="middle" font-size="13" '
             f'font-weight="600">{escape(title)}</text>']
    for i, (label, value) in enumerate(rows):
        y = 28 + 18 * i
        w = value / top * (W + 120 - left - 60)
        parts.append(f'<text x="{left - 6}" y="{y + 11}" font-size="11" '
                     f'text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="13" fill="{COLOURS[0]}"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 11}" font-size="10">'
                     f'{value:.3f}</text>')
    parts.append(f'<text x="{left}" y="{height - 4}" font-size="10">{escape(x_label)}</text>')
    return "".join(parts + ["</svg>"])
