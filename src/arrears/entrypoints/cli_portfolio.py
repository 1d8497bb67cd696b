"""CLI commands of the portfolio part of the product: load, run-day, export."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import typer

from arrears.entrypoints.cli_app import app, bench_app, console, get_app  # noqa: F401
from arrears.errors import InvalidInput

export_app = typer.Typer(help="Exports of the daily run's results.", no_args_is_help=True)
app.add_typer(export_app, name="export")


def parse_day(text: str, *, field: str = "--as-of") -> date:
    """A business date given on the command line (YYYY-MM-DD)."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a date YYYY-MM-DD", field=field) from exc


@app.command("load")
def load(
    directory: Path = typer.Argument(..., help="Folder with customers, contacts, loans, "
                                     "installments, payments (.csv or .parquet)."),
    progress: bool = typer.Option(True, help="Show progress bars."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check and load the lender's book into the portfolio engine (re-runnable)."""
    from arrears.services.loading import load_portfolio

    application = get_app()
    try:
        report = load_portfolio(app=application, source=directory, progress=progress)
    finally:
        application.close()
    if as_json:
        console.print_json(json.dumps(report.to_dict()))
        return
    console.print(report.text(), markup=False, highlight=False)
    console.print(f"report: {report.report_path}")


@app.command("run-day")
def run_day_command(
    as_of: str = typer.Option(..., "--as-of", help="Business date YYYY-MM-DD."),
    progress: bool = typer.Option(True, help="Show progress bars."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Run the daily run for one day: delinquency, cases, ..., today's collection list."""
    from arrears.batch.run_day import run_day

    day = parse_day(as_of)
    application = get_app()
    try:
        result = run_day(app=application, as_of=day, progress=progress)
    finally:
        application.close()
    if as_json:
        console.print_json(json.dumps(result.counts(), default=str))
        return
    console.print(f"run-day {day} (run {result.run_id})")
    for name, counts in result.counts().items():
        detail = ", ".join(f"{k}={v}" for k, v in counts.items())
        console.print(f"  {name:<16} {detail}", markup=False, highlight=False)


@export_app.command("delinquency")
def export_delinquency_command(
    as_of: str = typer.Option(..., "--as-of", help="Snapshot day YYYY-MM-DD."),
    out: Path = typer.Option(..., "--out", help="File to write (CSV)."),
) -> None:
    """Write the spec's delinquency export of one snapshot day."""
    from arrears.services.export import export_delinquency

    day = parse_day(as_of)
    application = get_app()
    try:
        count = export_delinquency(app=application, as_of=day, out=out)
    finally:
        application.close()
    console.print(f"{count:,} loans written to {out}")
