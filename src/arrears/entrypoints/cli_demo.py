"""`arrears demo`: a realistic demo book, the daily run over recent days, the desk served."""

from __future__ import annotations

from datetime import date, timedelta

import typer

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
    from arrears.batch.run_day import run_day
    from arrears.services.auth import seed_demo_users
    from arrears.services.loading import load_portfolio

    application = get_app()
    today = application.today()
    application.migrate()
    out_dir = application.settings.resolved_home() / "demo-book"
    console.rule("[bold]1. demo portfolio")
    generate_portfolio(loans=loans, seed=seed, out_dir=out_dir, as_of=today)
    console.rule("[bold]2. load")
    load_portfolio(app=application, source=out_dir, progress=True)
    console.rule("[bold]3. demo users")
    users = seed_demo_users(app=application)
    console.rule("[bold]4. daily run")
    result = None
    for day in demo_days(today):
        result = run_day(app=application, as_of=day, progress=False)
        console.print(f"  run-day {day}: done")
    if result is not None:
        console.print(result)
    console.rule("[bold]5. the desk")
    url = f"http://{host}:{port}/"
    console.print(f"Desk: [link={url}]{url}[/link]")
    for user in users:
        console.print(f"  {user.role:<20} {user.username:<14} password: {user.password}")
    if serve:
        import uvicorn

        from arrears.entrypoints.web import create_app

        uvicorn.run(create_app(application), host=host, port=port, log_level="warning")
