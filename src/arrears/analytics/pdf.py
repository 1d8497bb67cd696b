"""The management summary as a PDF (reportlab): the same highlights, charts and newest
rows as the HTML summary, set in a font that covers Chinese (the letters' font)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from arrears.adapters.channels.letters import letter_font
from arrears.analytics import figures as fg
from arrears.analytics.charts import PALETTE, ChartData, chart_data
from arrears.analytics.labels import column_label, figure_title, label

WIDTH, HEIGHT = 165 * mm, 58 * mm
TABLE_ROWS = 8


def _styles() -> dict[str, ParagraphStyle]:
    font = letter_font()
    base = ParagraphStyle("b", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {"body": base,
            "h1": ParagraphStyle("h1", parent=base, fontSize=17, leading=23, spaceAfter=4),
            "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=18, spaceBefore=10,
                                 textColor=colors.HexColor("#2f4b9a")),
            "h3": ParagraphStyle("h3", parent=base, fontSize=10.5, leading=15, spaceBefore=6),
            "small": ParagraphStyle("s", parent=base, fontSize=7.5, leading=10,
                                    textColor=colors.HexColor("#666666"))}


def _values(data: ChartData) -> list[float]:
    return [v for s in data.series for v in s.values if v is not None]


def _scale(data: ChartData) -> tuple[float, float]:
    values = _values(data)
    if data.kind == fg.STACKED:
        values = [sum(s.values[i] or 0 for s in data.series)
                  for i in range(len(data.categories))] or [0.0]
    return min(0.0, *values), max(1e-9, *values)


def chart_drawing(data: ChartData, *, font: str) -> Drawing:
    """Lines, bars or stacked bars on a category axis, with a legend."""
    d = Drawing(WIDTH, HEIGHT)
    left, bottom, top = 34, 16, HEIGHT - 14
    plot_w, plot_h = WIDTH - left - 6, top - bottom
    lo, hi = _scale(data)
    n = max(len(data.categories), 1)

    def y(v: float) -> float:
        return bottom + (v - lo) / (hi - lo) * plot_h

    d.add(Line(left, bottom, left + plot_w, bottom, strokeColor=colors.grey))
    d.add(Line(left, bottom, left, top, strokeColor=colors.grey))
    unit = "%" if data.fmt == "percent" else ""
    for v in (lo, (lo + hi) / 2, hi):
        d.add(String(left - 3, y(v) - 2, f"{v:,.0f}{unit}" if abs(hi) >= 10 else
                     f"{v:,.2f}{unit}", fontName=font, fontSize=6, textAnchor="end"))
    step = max(1, n // 8)
    for i, cat in enumerate(data.categories):
        if i % step == 0:
            d.add(String(left + (i + 0.5) * plot_w / n, bottom - 9, str(cat)[:10],
                         fontName=font, fontSize=6, textAnchor="middle"))
    _plot(d, data, left=left, plot_w=plot_w, y=y, n=n)
    for k, s in enumerate(data.series[:8]):
        x = left + k * (plot_w / 8)
        d.add(Rect(x, HEIGHT - 9, 6, 6, fillColor=colors.HexColor(PALETTE[k % len(PALETTE)]),
                   strokeColor=None))
        d.add(String(x + 8, HEIGHT - 8, s.name[:14], fontName=font, fontSize=6))
    return d


def _plot(d: Drawing, data: ChartData, *, left: float, plot_w: float, y: Any,
          n: int) -> None:
    slot = plot_w / n
    base = [0.0] * n
    for k, s in enumerate(data.series):
        color = colors.HexColor(PALETTE[k % len(PALETTE)])
        if data.kind == fg.LINE:
            pts = [c for i, v in enumerate(s.values) if v is not None
                   for c in (left + (i + 0.5) * slot, y(v))]
            if len(pts) >= 4:
                d.add(PolyLine(pts, strokeColor=color, strokeWidth=1.2))
            continue
        width = slot * 0.8 / (1 if data.kind == fg.STACKED else len(data.series))
        for i, v in enumerate(s.values):
            if v is None:
                continue
            x = left + i * slot + slot * 0.1 + (0 if data.kind == fg.STACKED else k * width)
            y0 = base[i] if data.kind == fg.STACKED else 0.0
            d.add(Rect(x, y(y0), width, y(y0 + v) - y(y0), fillColor=color, strokeColor=None))
            if data.kind == fg.STACKED:
                base[i] += v


def heatmap_table(data: ChartData, *, font: str) -> Table:
    """The flow matrix with every bucket on both axes, cells shaded by share."""
    head = ["", *data.categories]
    rows = [[s.name, *("" if v is None else f"{v:.1f}%" for v in s.values)]
            for s in data.series]
    table = Table([head, *rows], hAlign="LEFT")
    style = [("FONT", (0, 0), (-1, -1), font, 7), ("GRID", (0, 0), (-1, -1), 0.3,
                                                     colors.lightgrey),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f5fa")),
             ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f5fa"))]
    for r, s in enumerate(data.series, start=1):
        for c, v in enumerate(s.values, start=1):
            if v:
                share = max(0.0, min(1.0, v / 100))
                style.append(("BACKGROUND", (c, r), (c, r), colors.Color(
                    1 - 0.8 * share, 1 - 0.6 * share, 1 - 0.3 * share)))
    table.setStyle(TableStyle(style))
    return table


def rows_table(figure: fg.Figure, *, locale: str, font: str) -> Table | None:
    """The figure's newest rows, as in the HTML summary."""
    from arrears.analytics.report import cell_text

    frame = figure.frame.tail(TABLE_ROWS)
    if frame.empty:
        return None
    head = [column_label(c, locale) for c in frame.columns]
    body = [[cell_text(c, v) for c, v in zip(frame.columns, row, strict=True)]
            for row in frame.itertuples(index=False)]
    table = Table([head, *body], hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 6.5),
                               ("GRID", (0, 0), (-1, -1), 0.3, colors.lightgrey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f5fa"))]))
    return table


def _figure_flowables(figure: fg.Figure, *, locale: str, st: dict[str, Any],
                      font: str) -> list[Any]:
    data = chart_data(figure, locale=locale)
    out: list[Any] = [Paragraph(escape(figure_title(figure.key, locale)), st["h3"])]
    if not data.has_data:
        out.append(Paragraph(escape(label("no_data", locale)), st["small"]))
    elif data.kind == fg.HEATMAP:
        out.append(heatmap_table(data, font=font))
    elif data.kind != fg.INTERVAL:
        out.append(chart_drawing(data, font=font))
    table = rows_table(figure, locale=locale, font=font)
    if table is not None:
        out += [Spacer(1, 2 * mm), table]
    out.append(Paragraph(escape(f"{figure.key}.csv · "
                                + label("report.rows", locale, rows=len(figure.frame))),
                         st["small"]))
    return [KeepTogether(out)]


def write_summary_pdf(out: Path, figures: list[fg.Figure], *, title: str, meta: str,
                      highlights: list[str], locale: str) -> Path:
    """Write the management summary to ``out`` (A4 pages)."""
    st, font = _styles(), letter_font()
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=title)
    story: list[Any] = [Paragraph(escape(title), st["h1"]), Paragraph(escape(meta),
                                                                      st["small"])]
    if highlights:
        story.append(Paragraph(escape(label("report.highlights", locale)), st["h2"]))
        story += [Paragraph("• " + escape(h), st["body"]) for h in highlights]
    group = None
    for figure in figures:
        if figure.group != group:
            group = figure.group
            story.append(Paragraph(escape(label(f"group.{group}", locale)), st["h2"]))
        story += _figure_flowables(figure, locale=locale, st=st, font=font)
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(escape(label("report.data_files", locale)), st["small"]))
    doc.build(story)
    return out
