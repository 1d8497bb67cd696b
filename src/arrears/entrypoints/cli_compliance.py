"""CLI commands of the compliance part of the product.

``arrears compliance evaluate --pack PACK FILE.jsonl``: decide scenarios (no database).
``arrears compliance report --date D --out DIR``: the day's evidence as CSV and HTML.
``arrears bench compliance [--json]``: decisions per second with 20-attempt histories.
"""

from __future__ import annotations

import gc
import json
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import typer

from arrears.entrypoints.cli_app import app, bench_app, console, get_app

compliance_app = typer.Typer(help="Contact compliance: evaluate scenarios, daily evidence.",
                             no_args_is_help=True)
app.add_typer(compliance_app, name="compliance")


@compliance_app.command("evaluate")
def evaluate(
    file: Path = typer.Argument(..., help="Scenarios, one JSON object a line ('-' for stdin)."),
    pack: str = typer.Option(..., "--pack", help="Policy pack: cn, us or gb."),
    locale: str = typer.Option("en", "--locale", help="Language of explanations (en, zh-CN)."),
) -> None:
    """Decide each scenario and print one decision a line, in order (a pure function)."""
    from arrears.domain.compliance import error_json, evaluate_scenario, get_pack
    from arrears.errors import InvalidInput

    try:
        get_pack(pack)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="--pack") from None
    stream = sys.stdin if str(file) == "-" else _open(file)
    out = sys.stdout
    loads, dumps = json.loads, json.dumps
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                scenario = loads(line)
            except json.JSONDecodeError as exc:
                answer = error_json(None, "line", f"line {number} is not JSON: {exc.msg}")
            else:
                answer = evaluate_scenario(pack, scenario, locale)
            out.write(dumps(answer, ensure_ascii=False))
            out.write("\n")
    out.flush()


def _open(file: Path) -> Any:
    from arrears.errors import InvalidInput

    try:
        return file.open(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}", field="FILE") from None


def bench_scenarios(count: int, *, seed: int = 7, history: int = 20) -> list[dict[str, Any]]:
    """Realistic dialler-list scenarios: cn, mixed zones, ``history`` attempts each."""
    rng = random.Random(seed)
    start = datetime.fromisoformat("2026-11-28T08:00:00+08:00")
    out = []
    for i in range(count):
        at = start + timedelta(minutes=rng.randrange(0, 15 * 60))
        number = f"+86138{rng.randrange(10**8):08d}"
        events = []
        for k in range(history):
            when = at - timedelta(minutes=rng.randrange(5, 9 * 24 * 60))
            events.append({"at": when.isoformat(), "channel": rng.choice(["call", "call", "sms"]),
                           "party": "self", "contact_id": f"K{k % 3}", "contact_value": number,
                           "debt_id": "L1", "result": rng.choice(
                               ["no_answer", "no_answer", "voicemail", "busy", "conversation"]),
                           "initiated_by": "collector", "agency_id": None})
        out.append({"id": f"b{i}", "options": {"quiet_start": "21:00"} if i % 2 else {},
                    "attempt": {"at": at.isoformat(), "channel": "call", "party": "self",
                                "contact_id": "K0", "contact_value": number, "debt_id": "L1",
                                "initiated_by": "collector", "agency_id": None,
                                "template": None, "mentions_debt": True, "collectors": 1},
                    "customer": {"country": "CN", "timezone": None, "address_timezone": None,
                                 "flags": [], "refused_contacts": [], "consents": [],
                                 "breathing_space_until": None},
                    "history": sorted(events, key=lambda e: e["at"])})
    return out


@bench_app.command("compliance")
def bench_compliance(
    decisions: int = typer.Option(50_000, "--decisions", help="How many scenarios to decide."),
    pack: str = typer.Option("cn", "--pack"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
    rounds: int = typer.Option(3, "--rounds", min=1, help="Best of this many rounds."),
) -> None:
    """Decisions per second on one core (20-attempt histories), and with JSON in and out.

    ``seconds`` is the CPU time of this single-threaded process (one core), best of
    ``--rounds``, so that a busy machine does not hide the engine's speed; ``wall_seconds``
    is the elapsed time of that round.
    """
    from arrears.domain.compliance import evaluate_scenario

    scenarios = bench_scenarios(decisions)
    lines = [json.dumps(s) for s in scenarios]
    evaluate_scenario(pack, scenarios[0])  # warm the caches of the pack, not of the data
    blocked = sum(evaluate_scenario(pack, s)["decision"] == "block" for s in scenarios)
    seconds, wall = _best_of(rounds, lambda: [evaluate_scenario(pack, s) for s in scenarios])
    jsonl_seconds, _ = _best_of(rounds, lambda: [
        json.dumps(evaluate_scenario(pack, json.loads(line))) for line in lines])
    engine_seconds = _bench_engine(pack, scenarios, rounds)
    result = {"pack": pack, "decisions": decisions, "history_per_scenario": 20,
              "seconds": round(seconds, 4),
              "decisions_per_second": round(decisions / seconds),
              "wall_seconds": round(wall, 4),
              "blocked": blocked,
              "jsonl_seconds": round(jsonl_seconds, 4),
              "jsonl_decisions_per_second": round(decisions / jsonl_seconds),
              "engine_seconds": round(engine_seconds, 4),
              "engine_decisions_per_second": round(decisions / engine_seconds)}
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    console.print(f"[bold]compliance[/] pack {pack}: {decisions:,} decisions "
                  f"(20-attempt histories) in {seconds:.3f} s = "
                  f"[green]{result['decisions_per_second']:,}[/] decisions/s; "
                  f"with JSON in and out {result['jsonl_decisions_per_second']:,}/s; "
                  f"{blocked:,} blocked")


def _best_of(rounds: int, work: Any) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of the fastest of ``rounds`` runs of ``work``."""
    best = (float("inf"), float("inf"))
    for _ in range(rounds):
        # As timeit does: the collector would otherwise walk the whole prepared list (a
        # million objects) again and again, which a streaming dialler never holds.
        gc.collect()
        gc.disable()
        try:
            wall, cpu = time.perf_counter(), time.process_time()
            work()
            took = (time.process_time() - cpu, time.perf_counter() - wall)
        finally:
            gc.enable()
        best = min(best, took)
    return best


def _bench_engine(pack: str, scenarios: list[dict[str, Any]], rounds: int) -> float:
    """CPU seconds of the engine alone on typed inputs (the screening and dialler path)."""
    from arrears.domain.compliance import decide, rules_for
    from arrears.domain.compliance.parse import parse_attempt, parse_customer, parse_history

    typed = []
    for s in scenarios:
        rules = rules_for(pack, s.get("options"))
        typed.append((rules, parse_attempt(s["attempt"]),
                      parse_customer(s["customer"], rules.country),
                      parse_history(s["history"])))
    return _best_of(rounds, lambda: [decide(*args) for args in typed])[0]


@compliance_app.command("report")
def report(
    day: str = typer.Option(..., "--date", help="The day (YYYY-MM-DD)."),
    out: Path = typer.Option(..., "--out", help="Folder for the CSV files and report.html."),
    locale: str = typer.Option("en", "--locale", help="Language of report.html (en, zh-CN)."),
) -> None:
    """The day's compliance evidence: blocks by rule, overrides, contacts per borrower,
    every decision; as CSV files and one HTML page for an examiner."""
    from arrears.adapters.db.base import unit_of_work
    from arrears.entrypoints.desk.compliance import REPORT_PARTS, report_csv
    from arrears.services.compliance import daily_report

    the_day = _parse_day(day)
    application = get_app()
    with unit_of_work(application.session_factory) as session:
        evidence = daily_report(session, app=application, day=the_day)
    out.mkdir(parents=True, exist_ok=True)
    for part in REPORT_PARTS:
        (out / f"{part}.csv").write_text(report_csv(evidence, part), encoding="utf-8")
    (out / "report.html").write_text(_report_html(evidence, locale, application),
                                     encoding="utf-8")
    console.print(f"compliance report {the_day}: {evidence.decisions} decisions, "
                  f"{evidence.blocked} blocked, {evidence.overridden} overridden -> {out}")


def _report_html(evidence: Any, locale: str, application: Any) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from arrears.entrypoints.deps import TEMPLATES_DIR
    from arrears.i18n import t

    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)),
                      autoescape=select_autoescape(["html"]))
    generated = application.clock().isoformat(timespec="seconds")
    return env.get_template("compliance_report_file.html").render(
        report=evidence, locale=locale, generated=generated,
        t=lambda key, **kw: t(key, locale, **kw))


def _parse_day(value: str) -> date:
    from arrears.errors import InvalidInput

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"expected a date YYYY-MM-DD, got {value!r}", field="--date") from None
