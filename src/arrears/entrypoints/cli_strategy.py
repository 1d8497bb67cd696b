"""CLI commands of the strategy part of the product: strategies, plans, outbox, allocation."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from arrears.entrypoints.cli_app import app, bench_app, console, get_app  # noqa: F401

strategy_app = typer.Typer(help="Treatment strategies: validate, show, upload, report.",
                           no_args_is_help=True)
plans_app = typer.Typer(help="Repayment plans (分期, 延期, 减免).", no_args_is_help=True)
outbox_app = typer.Typer(help="Outbound SMS, e-mail and letters.", no_args_is_help=True)
allocation_app = typer.Typer(help="Allocation (分案): collectors and agencies.",
                             no_args_is_help=True)
app.add_typer(strategy_app, name="strategy")
app.add_typer(plans_app, name="plans")
app.add_typer(outbox_app, name="outbox")
app.add_typer(allocation_app, name="allocation")

AsOf = Annotated[str | None, typer.Option("--as-of", help="Business date YYYY-MM-DD "
                                          "(default: today in the reporting zone).")]


def _as_of(application: Any, value: str | None) -> date:
    from arrears.errors import InvalidInput

    if value is None:
        return application.today()  # type: ignore[no-any-return]
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"--as-of must be a date YYYY-MM-DD, not {value!r}",
                           field="--as-of") from exc


def _session(application: Any) -> Any:
    from arrears.adapters.db.base import unit_of_work

    return unit_of_work(application.session_factory)


@strategy_app.command("validate")
def strategy_validate(file: Path) -> None:
    """Check a strategy file: format, ladders, templates. Errors name the bad field."""
    from arrears.errors import InvalidInput
    from arrears.services.strategy import validate_strategy_text

    if not file.exists():
        raise InvalidInput(f"{file} does not exist", field="FILE")
    spec = validate_strategy_text(file.read_text(encoding="utf-8"), source=str(file))
    arms = ", ".join(f"{c.name} {c.share:.0%}" for c in spec.challengers) or "none"
    console.print(f"[green]valid[/] strategy {spec.name!r}, effective {spec.effective_from}, "
                  f"{len(spec.segments)} segments, {len(spec.paths)} paths, challengers: {arms}")


def _strategy_table(active: Any) -> Table:
    table = Table(title=f"{active.strategy.name} v{active.version} "
                        f"(effective {active.strategy.effective_from})")
    for col in ("arm", "segment", "when", "path", "ladder"):
        table.add_column(col)
    for arm, spec_segments, paths in _arms_of(active.spec):
        for seg in spec_segments:
            when = ", ".join(f"{k}={v}" for k, v in seg.when.model_dump(
                exclude_none=True, mode="json").items()) or "(any)"
            ladder = " → ".join(f"{s.id}@{s.after_days}d" for s in paths[seg.path])
            table.add_row(arm, seg.id, when, seg.path, ladder)
    return table


def _arms_of(spec: Any) -> list[tuple[str, list[Any], dict[str, Any]]]:
    out = [("champion", spec.segments, spec.paths)]
    for ch in spec.challengers:
        out.append((f"{ch.name} ({ch.share:.0%})", ch.segments or spec.segments,
                    {**spec.paths, **(ch.paths or {})}))
    return out


@strategy_app.command("show")
def strategy_show(as_of: AsOf = None,
                  yaml_out: Annotated[bool, typer.Option("--yaml", help="Print the YAML.")]
                  = False) -> None:
    """Show the strategy in force: segments, paths and ladders per arm."""
    from arrears.services.strategy import active_strategy

    application = get_app()
    with _session(application) as session:
        active = active_strategy(session, as_of=_as_of(application, as_of))
    if yaml_out:
        typer.echo(active.text)
        return
    console.print(_strategy_table(active))


@strategy_app.command("upload")
def strategy_upload(file: Path, note: Annotated[str | None, typer.Option()] = None,
                    actor: Annotated[str, typer.Option(help="Who uploads it.")] = "cli") -> None:
    """Store a new version of a strategy (validated; effective from its effective_from)."""
    from arrears.services.strategy import upload_strategy

    application = get_app()
    with _session(application) as session:
        row = upload_strategy(session, yaml_text=file.read_text(encoding="utf-8"), actor=actor,
                              at=application.clock(), note=note)
        console.print(f"[green]stored[/] {row.name} version {row.version} "
                      f"(id {row.version_id}), effective {row.effective_from}")


@strategy_app.command("versions")
def strategy_versions_cmd() -> None:
    """List stored strategy versions, newest first."""
    from arrears.services.strategy import strategy_versions

    application = get_app()
    table = Table("id", "name", "version", "effective", "uploaded by", "uploaded at", "note")
    with _session(application) as session:
        for v in strategy_versions(session):
            table.add_row(str(v.version_id), v.name, str(v.version), str(v.effective_from),
                          v.uploaded_by, f"{v.uploaded_at:%Y-%m-%d %H:%M}", v.note or "")
    console.print(table)


def _pct(i: Any) -> str:
    return f"{i.value:.1%} [{i.low:.1%}, {i.high:.1%}] n={i.n}"


@strategy_app.command("report")
def strategy_report(as_of: AsOf = None,
                    as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Champion/challenger results per arm with 95% intervals."""
    from arrears.services.strategy import champion_challenger_report

    application = get_app()
    with _session(application) as session:
        results = champion_challenger_report(session, app=application,
                                             as_of=_as_of(application, as_of))
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in results], default=str, indent=2))
        return
    table = Table("arm", "cases", "cure rate", "roll rate", "promises kept", "recovered",
                  "contacts", "recovered / contact",
                  title=f"experiment {results[0].experiment}" if results else "no cases yet")
    for r in results:
        per = r.recovered_per_contact
        table.add_row(r.arm, str(r.cases), _pct(r.cure_rate), _pct(r.roll_rate),
                      _pct(r.promises_kept), f"{r.recovered:,.2f}", str(r.contacts),
                      f"{per.value:,.2f} [{per.low:,.2f}, {per.high:,.2f}]")
    console.print(table)


@strategy_app.command("run")
def strategy_run(as_of: AsOf = None) -> None:
    """Run only the strategy step for a day (the daily run does this after promises/plans)."""
    from arrears.batch.strategy import run

    application = get_app()
    result = run(app=application, as_of=_as_of(application, as_of))
    console.print(result.detail)


@plans_app.command("export")
def plans_export(out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
                 status: Annotated[list[str] | None, typer.Option(
                     "--status", help="Plan states to export (default: active).")] = None
                 ) -> None:
    """Write plans as CSV in the interchange format's installments layout."""
    from arrears.services.plans import export_plans

    application = get_app()
    with _session(application) as session:
        n = export_plans(session, out=out, statuses=tuple(status or ["active"]))
    console.print(f"[green]wrote[/] {n} installment rows to {out}")


@plans_app.command("options")
def plans_options(case_id: int, role: Annotated[str, typer.Option()] = "collector",
                  as_of: AsOf = None) -> None:
    """The plans the policy allows on a case, with their schedules."""
    from arrears.services.plans import plan_options

    application = get_app()
    with _session(application) as session:
        opts = plan_options(session, app=application, case_id=case_id, role=role,
                            as_of=_as_of(application, as_of))
    table = Table("kind", "months", "discount", "down payment", "agreed", "approval",
                  "first installments")
    for o in opts:
        first = ", ".join(f"{i.due_on}:{i.amount}" for i in o.installments[:3])
        table.add_row(o.kind, str(o.months), str(o.discount), str(o.down_payment),
                      str(o.agreed), "needed" if o.needs_approval else "-", first)
    console.print(table)


@outbox_app.command("send")
def outbox_send(limit: Annotated[int, typer.Option(min=1)] = 1000,
                at: Annotated[str | None, typer.Option(help="ISO instant (default now).")]
                = None) -> None:
    """Dispatch the messages that are due (each checked by compliance first)."""
    from sqlalchemy import func, select

    from arrears.adapters.db.tables_strategy import OutboxMessage
    from arrears.services.outbox import send_due

    application = get_app()
    when = datetime.fromisoformat(at) if at else application.clock()
    with _session(application) as session:
        due = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_(("queued", "deferred")), OutboxMessage.due_at <= when))
    with Progress(TextColumn("sending"), BarColumn(), MofNCompleteColumn(),
                  console=console) as bar:
        task = bar.add_task("send", total=min(due or 0, limit))
        report = send_due(app=application, at=when, limit=limit,
                          progress=lambda: bar.advance(task))
    console.print(f"due {report.due}: [green]sent {report.sent}[/], deferred "
                  f"{report.deferred}, blocked {report.blocked}, failed {report.failed}")


@outbox_app.command("status")
def outbox_status() -> None:
    """Messages per delivery state."""
    from arrears.services.outbox import outbox_counts

    application = get_app()
    with _session(application) as session:
        counts = outbox_counts(session)
    table = Table("state", "messages")
    for state, n in sorted(counts.items()):
        table.add_row(state, str(n))
    console.print(table)


@allocation_app.command("agencies")
def allocation_agencies(as_of: AsOf = None) -> None:
    """Agency placements and results: placed, active, recalled, recovered."""
    from arrears.services.allocation import agency_results

    application = get_app()
    with _session(application) as session:
        rows = agency_results(session, app=application, as_of=_as_of(application, as_of))
    table = Table("agency", "eligible", "placed", "active", "recalled", "overdue placed",
                  "recovered")
    for r in rows:
        table.add_row(r.agency_id, "yes" if r.eligible else f"no: {r.why}", str(r.placed),
                      str(r.active), str(r.recalled), f"{r.overdue_placed:,.2f}",
                      f"{r.recovered:,.2f}")
    console.print(table)


@allocation_app.command("profile")
def allocation_profile(user_id: int,
                       buckets: Annotated[str | None, typer.Option(
                           help="Comma list of buckets the collector works (empty: all).")]
                       = None,
                       capacity: Annotated[int, typer.Option(min=1)] = 200) -> None:
    """Set a collector's bucket skills and capacity."""
    from arrears.services.allocation import set_collector_profile

    application = get_app()
    with _session(application) as session:
        set_collector_profile(session, user_id=user_id, capacity=capacity,
                              buckets=[b.strip() for b in (buckets or "").split(",")
                                       if b.strip()])
    console.print(f"[green]saved[/] collector {user_id}: buckets {buckets or 'all'}, "
                  f"capacity {capacity}")


@bench_app.command("strategy")
def bench_strategy(loans: Annotated[int, typer.Option(min=100)] = 20000,
                   seed: Annotated[int, typer.Option(min=0)] = 7,
                   as_of: Annotated[str, typer.Option("--as-of")] = "2026-06-30",
                   as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Time promises, plans, strategy, allocation and tasks steps on a generated book."""
    import shutil

    from arrears.bootstrap import build_app
    from arrears.services.strategy import run_strategy_bench

    home = get_app(store=False).settings.resolved_home() / "bench" / "strategy"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    application = build_app(home=home)
    application.migrate()
    with console.status(f"generating, loading and running {loans} loans..."):
        result = run_strategy_bench(app=application, loans=loans, seed=seed,
                                    as_of=_as_of(application, as_of), workdir=home)
    application.close()
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    table = Table("day", "promises", "plans", "strategy", "allocation", "tasks", "whole day",
                  title=f"{result['open_cases']} open cases from {loans} loans; "
                        f"{result['promises']} promises, {result['plans']} plans")
    for day, row in result["days"].items():
        s = row["seconds"]
        table.add_row(day, *[f"{s.get(k, 0):.2f}s" for k in
                             ("promises", "plans", "strategy", "allocation", "tasks")],
                      f"{row['run_day_seconds']:.2f}s")
    console.print(table)
