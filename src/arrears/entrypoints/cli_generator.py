"""`arrears generate-portfolio`: a realistic synthetic book in the interchange format."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from arrears.entrypoints.cli_app import app, bench_app, console, get_app


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

    day = parse_day(as_of, option="--as-of") or get_app(store=False).today()
    report = generate_portfolio(loans=loans, seed=seed, out_dir=out, as_of=day, fmt=fmt,
                                progress=True)
    for name, rows in report.rows.items():
        console.print(f"  {name:<13} {rows:>12,} rows  {report.files[name]}")
    console.print(f"[green]book as of {day} written to[/] {report.out_dir}")


def _gib(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**30:.2f} GiB"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f} s"


def _print_bench(result) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    table = Table(title=f"arrears bench daily: {result.loans:,} loans, "
                        f"{result.installments:,} installments, {result.payments:,} payments")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    rows = [
        ("generate book", _seconds(result.generate_seconds) if result.generate_seconds
         else "reused", ""),
        ("load" + (" (saved earlier)" if result.load_reused else ""),
         _seconds(result.load_seconds), ""),
        ("run-day (first day)", _seconds(result.run_day_seconds), ""),
        ("run-day (next day)", _seconds(result.next_day_seconds), ""),
        ("raw engine group-by", _seconds(result.raw_groupby_seconds), ""),
        ("pandas: read and type", _seconds(result.pandas_read_seconds), ""),
        ("pandas: delinquency rules", _seconds(result.pandas_seconds), ""),
        *[(f"  step {name}", _seconds(sec), "") for name, sec in
          result.run_day_step_seconds.items()],
        *[(f"  next day: step {name}", _seconds(sec), "") for name, sec in
          result.next_day_step_seconds.items()],
        ("run-day / raw group-by", f"{result.ratio_vs_raw:.2f}x", "<= 3x"),
        ("next day / raw group-by", "-" if result.next_day_ratio_vs_raw is None
         else f"{result.next_day_ratio_vs_raw:.2f}x", ""),
        ("delinquency step / raw group-by", "-" if result.delinquency_ratio_vs_raw is None
         else f"{result.delinquency_ratio_vs_raw:.2f}x", ""),
        ("pandas / run-day", "-" if result.speedup_vs_pandas is None
         else f"{result.speedup_vs_pandas:.2f}x", ">= 20x"),
        ("peak memory (load, run-day)", _gib(result.peak_rss_bytes), "< 12 GiB"),
        ("peak memory (pandas)", _gib(result.pandas_peak_rss_bytes), ""),
        ("export equals pandas reference", {True: "yes", False: "NO", None: "-"}[
            result.export_matches_pandas], "yes"),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if result.pandas_skipped_reason:
        console.print(f"pandas skipped: {result.pandas_skipped_reason}")


@bench_app.command("daily")
def bench_daily_cmd(
    loans: int = typer.Option(..., "--loans", help="Loans in the benchmark book."),
    seed: int = typer.Option(42, "--seed", help="Seed of the benchmark book."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    skip_pandas: bool = typer.Option(False, "--skip-pandas", help="Do not time pandas."),
    data_dir: Path = typer.Option(None, "--data-dir",
                                  help="Book folder (default: ARREARS_HOME/bench/books/...)."),
    reuse_load: bool = typer.Option(
        False, "--reuse-load", help="Start from the state saved after an earlier load of the "
        "same book (saved on first use; the load time reported is that load's)."),
) -> None:
    """Time load and run-day against the raw engine's group-by and the pandas reference."""
    from arrears.services.bench_daily import run_daily_bench

    home = get_app(store=False).settings.resolved_home()
    result = run_daily_bench(home=home, loans=loans, seed=seed, data_dir=data_dir,
                             skip_pandas=skip_pandas, progress=not as_json,
                             reuse_load=reuse_load)
    if as_json:
        print(result.to_json())
    else:
        _print_bench(result)
