"""CLI of the scoring part: ``arrears score ...`` and ``arrears bench score``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from arrears.entrypoints.cli_app import app, bench_app, console, get_app

score_app = typer.Typer(help="Risk scores: model workbench, behaviour scores, monitoring.",
                        no_args_is_help=True)
app.add_typer(score_app, name="score")


def _split_list(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


@score_app.command("train")
def score_train(
    data: Path = typer.Option(..., help="Training table: CSV or Parquet."),
    target: str = typer.Option(..., help="Target column (two values)."),
    out: Path = typer.Option(..., help="Model directory to write (or a .zip archive)."),
    model: str = typer.Option("gbm", help="scorecard or gbm."),
    id_column: str | None = typer.Option(None, "--id", help="Id column: carried, never a feature."),
    exclude: str | None = typer.Option(None, help="Columns to leave out, comma-separated."),
    categorical: str | None = typer.Option(None, help="Numeric columns to treat as categories."),
    positive: str | None = typer.Option(None, help="Target value of the positive class "
                                                   "(default 1, else the larger value)."),
    monotone: str | None = typer.Option(None, help="gbm: constraints col=+1,col=-1 "
                                                   "(+1: risk rises with the value)."),
    series: bool = typer.Option(True, help="Derive max/mean/min/count/trend of numbered "
                                           "column series (X1..X6)."),
    seed: int = typer.Option(42, help="Seed of the fit/validation split and the model."),
    validation_share: float = typer.Option(0.2, help="Share of rows kept for validation."),
    calibration: str = typer.Option("platt", help="platt or isotonic (on the validation part)."),
    base_score: float = typer.Option(600.0, help="Points at the base odds."),
    base_odds: float = typer.Option(50.0, help="Base odds good:bad."),
    pdo: float = typer.Option(20.0, help="Points to double the odds."),
) -> None:
    """Train a scorecard or a gradient-boosting model on any table with a binary target."""
    from arrears.scoring.workbench import Scaling, TrainOptions, train_file

    options = TrainOptions(kind=model, id_column=id_column, exclude=_split_list(exclude),
                           categorical=_split_list(categorical), positive=positive,
                           monotone=monotone, series=series, seed=seed,
                           validation_share=validation_share, calibration=calibration,
                           scaling=Scaling(base_score=base_score, base_odds=base_odds, pdo=pdo))
    with console.status(f"training {model} on {data.name}"):
        trained = train_file(data=data, target=target, out=out, options=options,
                             created_at=get_app(store=False).clock())
    m = trained.meta["metrics"]["validation"]
    console.print(f"[green]model saved[/] {out}  ({model}, {len(trained.meta['features']['raw'])}"
                  f" input columns)")
    console.print(f"validation: AUC {m['auc']:.4f}  KS {m['ks']:.4f}  Gini {m['gini']:.4f}  "
                  f"rows {m['rows']}")
    console.print(f"report: {out / 'report.html' if out.suffix != '.zip' else out}")


@score_app.command("apply")
def score_apply(
    model: Path = typer.Option(..., help="Saved model (directory or .zip)."),
    data: Path = typer.Option(..., help="Rows to score: CSV or Parquet."),
    out: Path = typer.Option(..., help="Scores file (CSV, or Parquet by suffix)."),
    top: int = typer.Option(3, help="Reason codes per row."),
    reasons: str = typer.Option("auto", help="gbm reasons: shap (exact TreeSHAP), path "
                                             "(tree-path attribution), auto (shap up to "
                                             "100,000 rows) or none (scores alone)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Score every row of a table with a saved model: id, score, points, reason codes."""
    from arrears.scoring.workbench import apply_file

    with console.status(f"scoring {data.name}"):
        summary = apply_file(model=model, data=data, out=out, top=top, reasons=reasons)
    if as_json:
        typer.echo(json.dumps(summary))
        return
    console.print(f"[green]{summary['rows']} rows scored[/] -> {out}  (reasons: "
                  f"{summary['reasons']})")
    if "metrics" in summary:
        m = summary["metrics"]
        console.print(f"target present: AUC {m['auc']:.4f}  KS {m['ks']:.4f}  "
                      f"Gini {m['gini']:.4f}")


@bench_app.command("score")
def bench_score(
    rows: int = typer.Option(1_000_000, help="Rows to score."),
    model: str = typer.Option("both", help="gbm, scorecard or both."),
    as_json: bool = typer.Option(False, "--json", help="Print figures as JSON."),
) -> None:
    """Time ``score apply`` (read, score, reasons, write) on a generated table."""
    from arrears.scoring.bench import run_bench

    kinds = ["scorecard", "gbm"] if model == "both" else [model]
    figures = run_bench(rows=rows, kinds=kinds, progress=not as_json)
    if as_json:
        typer.echo(json.dumps(figures))
        return
    for f in figures["runs"]:
        console.print(f"{f['kind']:<10} {f['rows']:>10,} rows  read {f['read_s']:.2f} s  "
                      f"score+reasons {f['score_s']:.2f} s  write {f['write_s']:.2f} s  "
                      f"total {f['total_s']:.2f} s  ({f['rows_per_s']:,.0f} rows/s, "
                      f"reasons: {f['reasons']})")


def _parse_day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@score_app.command("train-behaviour")
def score_train_behaviour(
    as_of: str | None = typer.Option(None, "--as-of", help="Train on history matured by this "
                                                           "day (default today)."),
    model: str | None = typer.Option(None, help="gbm or scorecard (default: [scoring])."),
) -> None:
    """Train the roll-forward and cure models on the book's matured history."""
    from arrears.scoring.behaviour_models import train_behaviour

    application = get_app()
    day = _parse_day(as_of) or application.today()
    with console.status(f"training behaviour models as of {day}"):
        trained = train_behaviour(app=application, as_of=day, created_at=application.clock(),
                                  kind=model)
    for m in trained:
        v = m.metrics["validation"]
        console.print(f"[green]{m.name}[/] #{m.model_id} ({m.kind}, {m.rows} observations): "
                      f"AUC {v['auc']:.4f}  KS {v['ks']:.4f}  Gini {v['gini']:.4f}  -> {m.path}")


@score_app.command("monitor")
def score_monitor(
    as_of: str | None = typer.Option(None, "--as-of", help="Day to monitor (default today)."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Population stability of scores and features, AUC on matured outcomes, alerts."""
    from arrears.scoring.monitoring import monitor

    application = get_app()
    day = _parse_day(as_of) or application.today()
    result = monitor(app=application, as_of=day)
    if as_json:
        typer.echo(json.dumps({"as_of": day.isoformat(), "rows": result.rows,
                               "notes": result.notes}, default=str))
        return
    for note in result.notes:
        console.print(f"[yellow]{note}[/]")
    for r in result.rows:
        mark = "[red]ALERT[/]" if r["alert"] else r["detail"].get("level", "ok")
        console.print(f"{r['model']:<7} {r['metric']:<4} {r['subject']:<24} {r['value']:>8.4f}  "
                      f"{mark}")
    console.print(f"{len(result.alerts)} alert(s)")
