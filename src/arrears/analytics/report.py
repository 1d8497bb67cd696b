"""``arrears report``: the figures as CSV files, one workbook, and a summary that
management can receive by e-mail: self-contained HTML (inline SVG charts, no scripts) and
the same as a PDF."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from arrears.analytics import figures as fg
from arrears.analytics.charts import chart_data
from arrears.analytics.export import to_csv, to_xlsx
from arrears.analytics.filters import Filters
from arrears.analytics.labels import column_label, figure_title, label
from arrears.analytics.svg import render_svg
from arrears.analytics.workbench import Workbench
from arrears.errors import InvalidInput

KINDS = ("portfolio", "operations", "strategy", "all")
TABLE_ROWS = 12


class UnknownReport(InvalidInput):
    code = "unknown_report"


@dataclass
class ReportResult:
    """What a report run wrote and how long each figure took."""

    out: Path
    files: list[Path] = field(default_factory=list)
    figure_seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def report_keys(kind: str, bench: Workbench) -> list[str]:
    """The figure keys of a report kind (``all`` is every group)."""
    if kind not in KINDS:
        raise UnknownReport(f"unknown report '{kind}': choose one of {', '.join(KINDS)}",
                            field="kind")
    groups = ["portfolio", "operations", "strategy"] if kind == "all" else [kind]
    return [k for g in groups for k in bench.keys(fg.REPORTS[g])]


def build_report(*, app: Any, kind: str, as_of: date, out: Path, filters: Filters | None = None,
                 locale: str = "zh-CN",
                 on_figure: Callable[[str], None] | None = None) -> ReportResult:
    """Compute the report's figures as of ``as_of`` and write them into ``out``.

    Files are written to a scratch folder beside ``out`` and moved in at the end, so a
    failed run leaves no half-written report.
    """
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    result = ReportResult(out=out)
    with app.session_factory() as session, Workbench(
            app=app, session=session, filters=filters or Filters(), as_of=as_of) as bench:
        keys = report_keys(kind, bench)
        figures = []
        for key in keys:
            t0 = time.perf_counter()
            figures.append(bench.figure(key))
            result.figure_seconds[key] = round(time.perf_counter() - t0, 4)
            result.rows[key] = len(figures[-1].frame)
            if on_figure:
                on_figure(key)
        scratch = Path(tempfile.mkdtemp(prefix=".report-", dir=out))
        try:
            _write(scratch, figures, bench=bench, kind=kind, locale=locale)
            for path in sorted(scratch.iterdir()):
                os.replace(path, out / path.name)
                result.files.append(out / path.name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _write(folder: Path, figures: list[fg.Figure], *, bench: Workbench, kind: str,
           locale: str) -> None:
    for figure in figures:
        (folder / f"{figure.key}.csv").write_bytes(to_csv(figure))
    (folder / f"report-{kind}.xlsx").write_bytes(to_xlsx(figures, locale=locale))
    html = summary_html(figures, bench=bench, kind=kind, locale=locale)
    (folder / f"report-{kind}.html").write_text(html, encoding="utf-8")
    from arrears.analytics.pdf import write_summary_pdf

    write_summary_pdf(folder / f"report-{kind}.pdf", figures, title=_title(kind, locale),
                      meta=_meta(bench, locale),
                      highlights=_highlights(figures, bench=bench, locale=locale),
                      locale=locale)


def _title(kind: str, locale: str) -> str:
    if kind == "all":
        return label("report.title", locale)
    return f"{label('report.title', locale)} · {label(f'group.{kind}', locale)}"


def _meta(bench: Workbench, locale: str) -> str:
    return label("report.generated", locale, date=bench.as_of.isoformat(),
                 currency=bench.currency)


STYLE = """
body{font-family:Helvetica,Arial,'PingFang SC','Microsoft YaHei',sans-serif;color:#222;
max-width:800px;margin:24px auto;padding:0 12px;line-height:1.45}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;border-bottom:2px solid #5470c6;
padding-bottom:4px;margin-top:32px}h3{font-size:15px;margin:24px 0 6px}
.meta{color:#666;font-size:13px}ul.hl li{margin:3px 0}
table{border-collapse:collapse;font-size:12px;margin:6px 0 4px}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:right}th{background:#f3f5fa}
td.t,th.t{text-align:left}.note{color:#777;font-size:12px}
"""


def summary_html(figures: list[fg.Figure], *, bench: Workbench, kind: str, locale: str) -> str:
    """The management summary: highlights, then each figure as a chart and its newest rows."""
    title, meta = _title(kind, locale), _meta(bench, locale)
    parts = [f"<!DOCTYPE html><html lang=\"{locale}\"><head><meta charset=\"utf-8\">",
             f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(title)}</h1>",
             f"<p class=\"meta\">{escape(meta)}</p>"]
    highlights = _highlights(figures, bench=bench, locale=locale)
    if highlights:
        parts.append(f"<h2>{escape(label('report.highlights', locale))}</h2><ul class=\"hl\">")
        parts += [f"<li>{escape(h)}</li>" for h in highlights]
        parts.append("</ul>")
    group = None
    for figure in figures:
        if figure.group != group:
            group = figure.group
            parts.append(f"<h2>{escape(label(f'group.{group}', locale))}</h2>")
        parts.append(_figure_html(figure, locale=locale))
    parts.append(f"<p class=\"note\">{escape(label('report.data_files', locale))}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _figure_html(figure: fg.Figure, *, locale: str) -> str:
    name = figure_title(figure.key, locale)
    svg = render_svg(chart_data(figure, locale=locale), label=name,
                     empty_text=label("no_data", locale))
    return (f"<h3>{escape(name)}</h3>{svg}{_table(figure, locale=locale)}"
            f"<p class=\"note\">{escape(figure.key)}.csv · "
            f"{escape(label('report.rows', locale, rows=len(figure.frame)))}</p>")


def _table(figure: fg.Figure, *, locale: str) -> str:
    frame = figure.frame.tail(TABLE_ROWS)
    if frame.empty:
        return ""
    head = "".join(f"<th class=\"t\">{escape(column_label(c, locale))}</th>"
                   for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = "".join(_td(col, value) for col, value in zip(frame.columns, row, strict=True))
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _td(column: str, value: Any) -> str:
    numeric = isinstance(value, (int, float, Decimal))
    return f"<td{'' if numeric else ' class=t'}>{escape(cell_text(column, value))}</td>"


def cell_text(column: str, value: Any) -> str:
    """A table cell as read in a summary: money with two decimals, shares as percent."""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float) and (column.endswith(("_rate", "_share"))
                                     or column in {"estimate", "low", "high"}):
        return f"{value * 100:.2f}%"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _highlights(figures: list[fg.Figure], *, bench: Workbench, locale: str) -> list[str]:
    by_key = {f.key: f.frame for f in figures}
    out: list[str] = []
    trend = by_key.get("bucket_amount")
    if trend is not None and not trend.empty:
        last = trend[trend["as_of"] == trend["as_of"].max()]
        loans = by_key.get("bucket_count")
        n = int(loans[loans["as_of"] == last["as_of"].iloc[0]]["loans"].sum()) \
            if loans is not None else 0
        out.append(label("hl.delinquent_balance", locale, date=last["as_of"].iloc[0],
                         amount=f"{sum(last['overdue_amount'], Decimal(0)):,.2f} "
                                f"{bench.currency}", loans=n))
    flows = by_key.get("flow_rates")
    if flows is not None and not flows.empty:
        latest = flows[flows["to_month"] == flows["to_month"].max()]
        for row in latest.head(3).itertuples(index=False):
            out.append(label("hl.flow", locale, flow=row.flow, month=row.to_month,
                             rate=_pct(row.loan_share)))
    teams = by_key.get("ops_teams")
    if teams is not None and not teams.empty and teams["attempts"].sum() > 0:
        t = teams[["attempts", "contacts", "rpc", "kept", "promises_due"]].sum()
        out.append(label("hl.contact", locale, contact=_pct(t.contacts / t.attempts),
                         rpc=_pct(t.rpc / t.attempts),
                         kept=_pct(t.kept / t.promises_due) if t.promises_due else "-"))
        recovered = sum(teams["recovered"], Decimal(0))
        out.append(label("hl.recovered", locale, amount=f"{recovered:,.2f} {bench.currency}"))
    return out
