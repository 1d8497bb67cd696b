"""The Typer application and its shared groups; area modules add their commands."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(name="arrears", help="Arrears: collections platform for consumer lenders.",
                  no_args_is_help=True, pretty_exceptions_enable=False,
                  add_completion=False)
bench_app = typer.Typer(help="Benchmarks: time the product's hot paths on this machine.",
                        no_args_is_help=True)
db_app = typer.Typer(help="Operations store maintenance.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
app.add_typer(db_app, name="db")

console = Console()
err_console = Console(stderr=True)


def get_app(*, store: bool = True):  # type: ignore[no-untyped-def]
    """The wired application (bootstrap reads the environment here, in the entrypoint),
    its operations store brought to the newest schema first, so that ``load`` then
    ``run-day`` work on a new ARREARS_HOME (``store=False``: a command that only reads the
    settings)."""
    from arrears.bootstrap import build_app

    application = build_app()
    if store:
        application.migrate()
    return application


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the operations store to the newest schema."""
    application = get_app()
    console.print(f"[green]operations store is up to date[/] ({application.engine.url.drivername})")
