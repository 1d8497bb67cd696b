"""CLI commands of the analytics part of the product: ``arrears report`` and
``arrears bench report``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from arrears.entrypoints.cli_app import app, bench_app, console, get_app  # noqa: F401


@app.command("report")
def report(
    kind: str = typer.Argument(..., help="portfolio, operations, strategy or all."),
    as_of: str = typer.Option(None, "--as-of", help="Business date (default: today)."),
    out: Path = typer.Option(..., "--out", help="Folder for the CSV files and the summary."),
    date_from: str = typer.Option(None, "--from", help="First day of the figures' range."),
    product: str = typer.Option(None, help="Only this product."),
    bucket: str = typer.Option(None, help="Only this bucket."),
    team: str = typer.Option(None, help="Only this team (operations figures)."),
    currency: str = typer.Option(None, help="Money figures in this currency."),
    locale: str = typer.Option("zh-CN", help="Language of the summary: zh-CN or en."),
) -> None:
    """Write the figures as CSV, one workbook, and an HTML summary fit to e-mail."""
    from arrears.analytics.filters import parse_day, parse_filters
    from arrears.analytics.report import KINDS, UnknownReport, build_report

    if kind not in KINDS:
        raise UnknownReport(f"unknown report '{kind}': choose one of {', '.join(KINDS)}",
                            field="kind")
    application = get_app()
    day = parse_day(as_of, "as_of") or application.today()
    filters = parse_filters(date_from=date_from, date_to=None, product=product, bucket=bucket,
                            team=team, currency=currency)
    with _progress() as progress:
        task = progress.add_task("figures", total=None)
        result = build_report(app=application, kind=kind, as_of=day, out=out, filters=filters,
                              locale=locale, on_figure=lambda key: progress.update(
                                  task, advance=1, description=key))
    table = Table("figure", "rows", "seconds")
    for key, rows in result.rows.items():
        table.add_row(key, str(rows), f"{result.figure_seconds[key]:.3f}")
    console.print(table)
    console.print(f"[green]report written[/] to {result.out} in {result.seconds:.2f} s "
                  f"({len(result.files)} files)")


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                    TextColumn("{task.completed} done"), TimeElapsedColumn(), console=console)


@bench_app.command("report")
def bench_report(
    loans: int = typer.Option(100_000, help="Loans in the generated book."),
    seed: int = typer.Option(7, help="Seed of the generated book."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Time ``arrears report all`` over a generated book (built once, then reused)."""
    from arrears.analytics.bench import run_report_bench

    application = get_app()
    figures = run_report_bench(app=application, loans=loans, seed=seed, quiet=as_json,
                               console=console)
    if as_json:
        print(json.dumps(figures))
        return
    table = Table("measure", "value")
    for key, value in figures.items():
        if not isinstance(value, dict):
            table.add_row(key, str(value))
    console.print(table)


@bench_app.command("dashboards")
def bench_dashboards(
    as_of: str = typer.Option(None, "--as-of", help="Business date (default: today)."),
    rounds: int = typer.Option(5, min=1, max=50, help="Views per dashboard and state."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Time each dashboard on the book in ARREARS_HOME (build it with `arrears demo`)."""
    from arrears.analytics.bench import run_dashboard_bench
    from arrears.analytics.filters import parse_day

    application = get_app()
    day = parse_day(as_of, "as_of") or application.today()
    figures = run_dashboard_bench(app=application, as_of=day, rounds=rounds)
    if as_json:
        print(json.dumps(figures))
        return
    table = Table("dashboard", "first view (s)", "warm view (s)")
    for name, seconds in figures["first_view_seconds"].items():
        table.add_row(name, f"{seconds:.3f}", f"{figures['warm_view_seconds'][name]:.3f}")
    console.print(table)
    console.print(f"as of {figures['as_of']}; materialised: {figures['materialised']}")
