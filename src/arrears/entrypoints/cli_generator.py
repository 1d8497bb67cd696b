"""`arrears generate-portfolio`: a realistic synthetic book in the interchange format."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from arrears.entrypoints.cli_app import app, console, get_app


def parse_day(text: str | None, *, option: str) -> date | None:
    """A ``YYYY-MM-DD`` option value, with an error that names the option."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        from arrears.adapters.portfolio.generator import GeneratorInputError

        raise GeneratorInputError(f"{option} must be a date YYYY-MM-DD, got {text!r}",
                                  field=option) from exc


@app.command("generate-portfolio")
def generate_portfolio_cmd(
    loans: int = typer.Option(..., "--loans", help="Number of loans in the book."),
    seed: int = typer.Option(42, "--seed", help="Seed: the same seed writes the same files."),
    out: Path = typer.Option(..., "--out", help="Folder the five tables are written to."),
    as_of: str = typer.Option(None, "--as-of", help="Date of the book (default: today)."),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet (parquet for big books)."),
) -> None:
    """Write a realistic synthetic lender's book (customers, contacts, loans, installments,
    payments) in the portfolio interchange format."""
    from arrears.adapters.portfolio.generator import generate_portfolio

    day = parse_day(as_of, option="--as-of") or get_app().today()
    report = generate_portfolio(loans=loans, seed=seed, out_dir=out, as_of=day, fmt=fmt,
                                progress=True)
    for name, rows in report.rows.items():
        console.print(f"  {name:<13} {rows:>12,} rows  {report.files[name]}")
    console.print(f"[green]book as of {day} written to[/] {report.out_dir}")
