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
