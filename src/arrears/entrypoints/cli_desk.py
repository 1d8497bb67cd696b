"""CLI commands of the desk part of the product: serve, users, audit, keys, demo users."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from arrears.entrypoints.cli_app import app, bench_app, console, err_console, get_app  # noqa: F401

users_app = typer.Typer(help="Desk users and API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys of personal data.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")


@app.command("serve")
def serve(host: str = typer.Option("127.0.0.1", help="Address to listen on."),
          port: int = typer.Option(8000, help="Port to listen on."),
          proxy_headers: bool = typer.Option(False, help="Trust X-Forwarded-* (behind TLS).")
          ) -> None:
    """Serve the collectors' desk and the REST API (uvicorn)."""
    import uvicorn

    from arrears.entrypoints.web import create_app

    application = get_app()
    console.print(f"Desk: http://{host}:{port}/  ·  API: http://{host}:{port}/api/v1/openapi.json")
    uvicorn.run(create_app(application), host=host, port=port, log_level="info",
                proxy_headers=proxy_headers, server_header=False)


@users_app.command("create")
def users_create(username: str = typer.Argument(..., help="Sign-in name."),
                 role: str = typer.Option(..., help="collector, team_lead, qa_reviewer, "
                                          "compliance_officer, admin or agency."),
                 display_name: str = typer.Option(None, help="Name shown in the desk."),
                 team: str = typer.Option(None, help="Team id."),
                 agency: str = typer.Option(None, help="Agency id (agency users)."),
                 locale: str = typer.Option(None, help="zh-CN or en."),
                 password: str = typer.Option(..., prompt=True, hide_input=True,
                                              confirmation_prompt=True,
                                              envvar="ARREARS_NEW_PASSWORD")) -> None:
    """Create a desk user."""
    from arrears.adapters.db.base import unit_of_work
    from arrears.services.auth import create_user

    application = get_app()
    with unit_of_work(application.session_factory) as session:
        user = create_user(session, username=username, password=password, role=role,
                           display_name=display_name, team_id=team, agency_id=agency,
                           locale=locale, actor="cli", at=application.clock())
        console.print(f"[green]created[/] {user.username} ({user.role}), id {user.user_id}")


@users_app.command("list")
def users_list() -> None:
    """List desk users."""
    from sqlalchemy import select

    from arrears.adapters.db.base import unit_of_work
    from arrears.adapters.db.tables import User

    application = get_app()
    table = Table("id", "user", "name", "role", "team", "agency", "locale", "active", "locked")
    with unit_of_work(application.session_factory) as session:
        for u in session.scalars(select(User).order_by(User.user_id)):
            table.add_row(str(u.user_id), u.username, u.display_name, u.role, u.team_id or "",
                          u.agency_id or "", u.locale or "", "yes" if u.active else "no",
                          str(u.locked_until or ""))
    console.print(table)


def _user_change(username: str, change: str) -> None:
    from sqlalchemy import select

    from arrears.adapters.db.base import unit_of_work
    from arrears.adapters.db.tables import User
    from arrears.errors import NotFound
    from arrears.services import auth

    application = get_app()
    at = application.clock()
    with unit_of_work(application.session_factory) as session:
        user_id = session.scalar(select(User.user_id).where(User.username == username))
        if user_id is None:
            raise NotFound(f"no user {username!r}", field="username")
        if change == "reset":
            password = auth.reset_password(session, user_id=user_id, actor="cli", at=at)
            console.print(f"new password of {username} (shown once): {password}",
                          soft_wrap=True, markup=False)
        elif change == "unlock":
            auth.unlock_user(session, user_id=user_id, actor="cli", at=at)
        else:
            auth.set_active(session, user_id=user_id, active=change == "activate",
                            actor="cli", at=at)
    console.print(f"[green]{change}[/] {username}")


@users_app.command("deactivate")
def users_deactivate(username: str = typer.Argument(..., help="Sign-in name.")) -> None:
    """Deactivate a user: signed out everywhere, API tokens refused."""
    _user_change(username, "deactivate")


@users_app.command("activate")
def users_activate(username: str = typer.Argument(..., help="Sign-in name.")) -> None:
    """Reactivate a deactivated user."""
    _user_change(username, "activate")


@users_app.command("unlock")
def users_unlock(username: str = typer.Argument(..., help="Sign-in name.")) -> None:
    """Lift a lock-out after repeated failed sign-ins."""
    _user_change(username, "unlock")


@users_app.command("reset-password")
def users_reset_password(username: str = typer.Argument(..., help="Sign-in name.")) -> None:
    """Give a user a new random password (printed once) and sign them out."""
    _user_change(username, "reset")


@users_app.command("token")
def users_token(username: str = typer.Argument(..., help="The user the system acts as."),
                name: str = typer.Option("api", help="What the token is for.")) -> None:
    """Create an API token (Bearer) for a system; it is shown once."""
    from arrears.adapters.db.base import unit_of_work
    from arrears.services.auth import create_api_token

    application = get_app()
    with unit_of_work(application.session_factory) as session:
        token = create_api_token(session, username=username, name=name, actor="cli",
                                 at=application.clock())
    console.print(token, soft_wrap=True)


@app.command("seed-demo-users")
def seed_demo_users_cmd() -> None:
    """Create one demo user per role and print their passwords (for demos only)."""
    from arrears.services.auth import seed_demo_users

    application = get_app()
    table = Table("role", "username", "password", "team", "agency")
    for u in seed_demo_users(app=application):
        table.add_row(u.role, u.username, u.password, u.team_id or "", u.agency_id or "")
    console.print(table)


@audit_app.command("verify")
def audit_verify(file: Path = typer.Option(None, "--file", help="An export to verify "
                                           "instead of the operations store.")) -> None:
    """Check the audit log's hash chain; exits 1 at the first altered entry."""
    from arrears.adapters.db.base import unit_of_work
    from arrears.services.audit import verify_file, verify_store

    if file is not None:
        if not file.exists():
            err_console.print(f"[red]error[/]: no file {file}")
            raise typer.Exit(2)
        report = verify_file(file)
    else:
        application = get_app()
        with unit_of_work(application.session_factory) as session:
            report = verify_store(session)
    if report.ok:
        console.print(f"[green]audit log intact[/]: {report.entries} entries, head {report.head}")
        return
    where = f" at entry {report.first_bad}" if report.first_bad is not None else ""
    err_console.print(f"[red]audit log tampered[/]{where}: {report.problem} "
                      f"({report.entries} entries verified before it)")
    raise typer.Exit(1)


@audit_app.command("export")
def audit_export(out: Path = typer.Option(..., "--out", help="File to write (JSON lines).")
                 ) -> None:
    """Export the audit log (canonical JSON lines; verify it with --file)."""
    from arrears.adapters.db.base import unit_of_work
    from arrears.services.audit import append_audit, export_audit

    application = get_app()
    at = application.clock()
    with unit_of_work(application.session_factory) as session:
        append_audit(session, actor="cli", action="audit.export", object_type="audit_log",
                     detail={"file": out.name}, at=at)
    with unit_of_work(application.session_factory) as session:
        report = export_audit(session, out=out, at=at)
    console.print(f"wrote {report.entries} entries to {out} (head {report.head})")


@keys_app.command("rotate")
def keys_rotate(new_key: bool = typer.Option(False, "--new-key", help="First add a fresh "
                                             "key to the key file (ARREARS_HOME/keys.json)."),
                batch: int = typer.Option(500, min=1, max=100000, help="Rows per transaction.")
                ) -> None:
    """Re-encrypt personal data with the newest key, batch by batch (no downtime)."""
    from arrears.services.audit import append_audit
    from arrears.services.keys import add_key_to_file, rotate_keys

    application = get_app()
    if new_key:
        _ = application.keyring  # the key file is made on first use
        kid = add_key_to_file(application.settings.resolved_home() / "keys.json")
        application.__dict__.pop("keyring", None)
        console.print(f"new key {kid} is now the active key")
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed} rows"), console=console) as bar:
        tasks: dict[str, int] = {}

        def progress(table: str, n: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=None)
            bar.advance(tasks[table], n)

        report = rotate_keys(app=application, batch=batch, progress=progress)
    from arrears.adapters.db.base import unit_of_work

    with unit_of_work(application.session_factory) as session:
        append_audit(session, actor="cli", action="keys.rotate", object_type="keyring",
                     object_id=report.active_kid,
                     detail={"scanned": report.scanned, "reencrypted": report.reencrypted},
                     at=application.clock())
    console.print(f"active key {report.active_kid}: {report.reencrypted} of {report.scanned} "
                  "rows re-encrypted")
