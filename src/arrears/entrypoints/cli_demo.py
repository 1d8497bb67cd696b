"""`arrears demo`: a realistic demo book, the daily run over recent days, the desk served."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from arrears.entrypoints.cli_app import app, console, get_app


def demo_days(today: date, *, months: int = 6) -> list[date]:
    """Month ends over the last ``months`` months, then each of the last seven days.

    Month ends give the roll-rate and vintage views their history; the last week gives
    promises, tasks and the collectors' lists their recent days.
    """
    days: list[date] = []
    first = today.replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    cursor = first
    while cursor < today - timedelta(days=7):
        nxt = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
        days.append(nxt - timedelta(days=1))
        cursor = nxt
    days += [today - timedelta(days=n) for n in range(6, -1, -1)]
    return sorted(d for d in set(days) if d <= today)


@app.command("demo")
def demo(
    loans: int = typer.Option(5000, help="Loans in the demo book."),
    seed: int = typer.Option(42, help="Seed of the demo book."),
    host: str = typer.Option("127.0.0.1", help="Address the desk listens on."),
    port: int = typer.Option(8000, help="Port the desk listens on."),
    serve: bool = typer.Option(True, help="Serve the desk at the end."),
) -> None:
    """Build a demo portfolio, load it, run the recent days, and serve the desk."""
    from arrears.adapters.portfolio.generator import generate_portfolio
    from arrears.services.auth import seed_demo_users
    from arrears.services.loading import load_portfolio

    application = get_app()
    today = application.today()
    out_dir = application.settings.resolved_home() / "demo-book"
    console.rule("[bold]1. demo portfolio")
    generate_portfolio(loans=loans, seed=seed, out_dir=out_dir, as_of=today)
    console.rule("[bold]2. load")
    report = load_portfolio(app=application, source=out_dir, progress=True)
    console.print(report.text(), markup=False, highlight=False)
    console.rule("[bold]3. demo users")
    users = seed_demo_users(app=application)
    _evaluate_demo_agencies(application, on=today - timedelta(days=30))
    console.rule("[bold]4. daily run")
    _run_days(application, today=today, seed=seed)
    application.close()
    console.rule("[bold]5. what the day found")
    _print_summary(application, as_of=today)
    console.rule("[bold]6. the desk")
    url = f"http://{host}:{port}/"
    console.print(f"Desk: [link={url}]{url}[/link]")
    table = Table("role", "user", "password")
    for user in users:
        table.add_row(user.role, user.username, user.password)
    console.print(table)
    if serve:
        import uvicorn

        from arrears.entrypoints.web import create_app

        console.print("Press Ctrl+C to stop.")
        uvicorn.run(create_app(application), host=host, port=port, log_level="warning")


def _evaluate_demo_agencies(application: Any, *, on: date) -> None:
    """The demo agency passed its yearly evaluation, so cases may be placed with it."""
    from sqlalchemy import update

    from arrears.adapters.db.base import unit_of_work
    from arrears.adapters.db.tables import Agency

    with unit_of_work(application.session_factory) as session:
        session.execute(update(Agency).where(Agency.last_evaluated_on.is_(None))
                        .values(whitelisted=True, last_evaluated_on=on))


def _run_days(application: Any, *, today: date, seed: int) -> None:
    """The daily run over the demo days; collectors work the last week's lists."""
    from arrears.batch.run_day import run_day
    from arrears.services.demo_activity import simulate_day

    days = demo_days(today)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("run-day", total=len(days))
        for day in days:
            bar.update(task, description=f"run-day {day}")
            run_day(app=application, as_of=day, progress=False)
            if today - day < timedelta(days=7) and day < today:
                activity = simulate_day(app=application, as_of=day, seed=seed)
                bar.console.print(f"  {day}: {activity.attempts} calls recorded, "
                                  f"{activity.promises} promises, "
                                  f"{activity.blocked} blocked by compliance")
            bar.advance(task)


def _print_summary(application: Any, *, as_of: date) -> None:
    """Open cases by bucket and the top of today's collection list (masked)."""
    from sqlalchemy import func, select

    from arrears.adapters.db.base import unit_of_work
    from arrears.adapters.db.tables import CollectionCase, CollectionListEntry, Customer
    from arrears.domain.money import format_money

    with unit_of_work(application.session_factory) as session:
        by_bucket = session.execute(
            select(CollectionCase.bucket, func.count(), func.sum(CollectionCase.overdue_amount))
            .where(CollectionCase.status == "open").group_by(CollectionCase.bucket)
            .order_by(CollectionCase.bucket)).all()
        top = session.execute(
            select(CollectionListEntry.rank, CollectionCase.case_id, Customer.full_name_masked,
                   CollectionCase.dpd, CollectionCase.bucket, CollectionCase.overdue_amount,
                   CollectionCase.currency, CollectionListEntry.may_call,
                   CollectionListEntry.call_from)
            .join(CollectionCase, CollectionCase.case_id == CollectionListEntry.case_id)
            .join(Customer, Customer.customer_id == CollectionCase.customer_id)
            .where(CollectionListEntry.as_of == as_of)
            .order_by(CollectionListEntry.rank).limit(10)).all()
    cases = Table("bucket", "open cases", "overdue", title=f"Open cases on {as_of}")
    for bucket, count, amount in by_bucket:
        cases.add_row(bucket, f"{count:,}", format_money(amount or 0))
    console.print(cases)
    listing = Table("#", "case", "customer", "dpd", "bucket", "overdue", "may call",
                    title="Top of today's collection list")
    for rank, case_id, name, dpd, bucket, amount, currency, may_call, call_from in top:
        when = "yes" if may_call else f"from {call_from:%H:%M} UTC" if call_from else "no"
        listing.add_row(str(rank), str(case_id), name, str(dpd), bucket,
                        f"{format_money(amount)} {currency}", when)
    console.print(listing)
