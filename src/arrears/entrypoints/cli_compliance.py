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
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
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
    from arrears.domain.compliance import get_pack
    from arrears.errors import InvalidInput

    try:
        get_pack(pack)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="--pack") from None
    stream = sys.stdin.buffer if str(file) == "-" else _open(file)
    sys.stdout.flush()
    out = sys.stdout.buffer
    answer = line_answers(pack, locale)
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            out.write(dumps_line(answer(line, number)))
    out.flush()


def line_answers(pack: str, locale: str = "en") -> Callable[[bytes, int], dict[str, Any]]:
    """The answer to each line of a file of scenarios, given the line and its number:
    from the line as written where the compiled answer gives it, else read as JSON and
    decided. (What it calls is looked up once, not at every line.)"""
    from arrears.domain.compliance import evaluate_line, evaluate_scenario
    from arrears.services.compliance import scenario_with_text

    def answer(line: bytes, number: int) -> dict[str, Any]:
        found = evaluate_line(pack, line, locale)
        if found is not None:
            return found
        try:
            scenario = loads_line(line)
        except ValueError as exc:
            return not_json(exc, number)
        return evaluate_scenario(pack, scenario_with_text(scenario), locale)

    return answer


def not_json(exc: ValueError, number: int) -> dict[str, Any]:
    """The answer to line ``number`` when the JSON reader refuses it with ``exc``."""
    from arrears.domain.compliance import error_json

    reason = getattr(exc, "msg", None) or str(exc)
    return error_json(None, "line", f"line {number} is not JSON: {reason}")


def loads_line(line: bytes | str) -> Any:
    """One JSON value (orjson; the standard library for what orjson refuses, such as
    integers beyond 64 bits, so every valid JSON line is read)."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def dumps_line(value: Any) -> bytes:
    """One JSON line in UTF-8, ending with a newline."""
    try:
        return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        return (json.dumps(value, ensure_ascii=False) + "\n").encode()


def _open(file: Path) -> Any:
    from arrears.errors import InvalidInput

    try:
        return file.open("rb")
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}", field="FILE") from None


# Where each pack's dialler lists call: (phone prefix, digits that follow, weight) and the
# zone a customer's record or address would give; the dialler writes times in its own offset.
_BENCH_PLACES: dict[str, dict[str, Any]] = {
    "cn": {"country": "CN", "offset": "+08:00", "results": (
        "no_answer", "no_answer", "no_answer", "voicemail", "busy", "not_connected",
        "conversation"), "channels": ("call", "call", "call", "sms"), "phones": [
        ("+86138", 8, 3, "Asia/Shanghai"), ("+86139", 8, 3, "Asia/Shanghai"),
        ("+86150", 8, 2, "Asia/Shanghai"), ("+86186", 8, 2, "Asia/Shanghai"),
        ("+86177", 8, 1, "Asia/Shanghai")]},
    "us": {"country": "US", "offset": "-05:00", "results": (
        "no_answer", "no_answer", "voicemail", "voicemail", "busy", "not_connected",
        "conversation"), "channels": ("call", "call", "call", "sms", "email"), "phones": [
        ("+1212", 7, 3, "America/New_York"), ("+1718", 7, 2, "America/New_York"),
        ("+1305", 7, 2, "America/New_York"), ("+1404", 7, 2, "America/New_York"),
        ("+1312", 7, 2, "America/Chicago"), ("+1713", 7, 2, "America/Chicago"),
        ("+1214", 7, 2, "America/Chicago"), ("+1303", 7, 1, "America/Denver"),
        ("+1602", 7, 1, "America/Phoenix"), ("+1213", 7, 3, "America/Los_Angeles"),
        ("+1415", 7, 1, "America/Los_Angeles"), ("+1206", 7, 1, "America/Los_Angeles"),
        ("+1907", 7, 1, "America/Anchorage"), ("+1808", 7, 1, "Pacific/Honolulu")]},
    "gb": {"country": "GB", "offset": "+00:00", "results": (
        "no_answer", "no_answer", "voicemail", "voicemail", "busy", "conversation"),
        "channels": ("call", "call", "sms", "email"), "phones": [
        ("+447", 9, 6, "Europe/London"), ("+4420", 8, 2, "Europe/London"),
        ("+44161", 7, 1, "Europe/London"), ("+44131", 7, 1, "Europe/London")]},
}


def bench_scenarios(count: int, *, pack: str = "cn", seed: int = 7,
                    history: int = 20) -> list[dict[str, Any]]:
    """Realistic dialler-list scenarios of ``pack``'s country, ``history`` attempts each.

    Numbers from the country's ranges (us: every zone from New York to Honolulu), some
    customers with a recorded zone or an address in another zone, a few holds, consents
    and opt-outs; history over the last nine days with calls, texts and e-mails, written to
    the second in the dialler's own offset, as a dialler's log is.
    """
    rng = random.Random(seed)
    place = _BENCH_PLACES[pack]
    phones = [p for p in place["phones"] for _ in range(p[2])]
    zones = sorted({p[3] for p in place["phones"]})
    start = datetime.fromisoformat(f"2026-11-27T08:00:00{place['offset']}")
    return [_bench_scenario(rng, i, pack, place, rng.choice(phones), zones, start, history)
            for i in range(count)]


def _bench_scenario(rng: random.Random, i: int, pack: str, place: dict[str, Any],
                    phone: tuple[str, int, int, str], zones: list[str], start: datetime,
                    history: int) -> dict[str, Any]:
    prefix, digits, _, home = phone
    number = f"{prefix}{rng.randrange(10 ** digits):0{digits}d}"
    at = start + timedelta(seconds=rng.randrange(0, 15 * 3600))
    debts = ("L1", "L1", "L1", "L2") if pack == "us" else ("L1",)
    events = []
    for k in range(history):
        when = at - timedelta(seconds=rng.randrange(300, 9 * 86400))
        channel = rng.choice(place["channels"])
        events.append({"at": when.isoformat(), "channel": channel, "party": "self",
                       "contact_id": f"K{k % 3}", "contact_value": number,
                       "debt_id": rng.choice(debts),
                       "result": rng.choice(place["results"]) if channel in ("call", "visit")
                       else "conversation",
                       "initiated_by": "customer" if rng.random() < 0.05 else "collector",
                       "agency_id": rng.choice((None, None, "AG1"))})
    return {"id": f"{pack}{i}", "options": {"quiet_start": "21:00"} if pack == "cn" and i % 2
            else {},
            "attempt": {"at": at.isoformat(), "channel": "call", "party": "self",
                        "contact_id": "K0", "contact_value": number, "debt_id": "L1",
                        "initiated_by": "collector", "agency_id": None, "template": None,
                        "mentions_debt": True, "collectors": 1},
            "customer": _bench_customer(rng, pack, place, home, zones),
            "history": sorted(events, key=lambda e: e["at"])}


def _bench_customer(rng: random.Random, pack: str, place: dict[str, Any], home: str,
                    zones: list[str]) -> dict[str, Any]:
    roll = rng.random()
    flags = (["dispute"] if roll < 0.01 else ["opt_out_sms"] if roll < 0.03
             else ["financial_difficulty"] if pack == "gb" and roll < 0.06 else [])
    consents = []
    if rng.random() < 0.04:
        consents = ([{"kind": "call", "given_at": "2026-11-25T10:00:00" + place["offset"]}]
                    if pack == "us" else
                    [{"kind": "preferred_time", "from": "09:00", "until": "17:00"}]
                    if pack == "gb" else
                    [{"kind": "call_time", "from": "21:00", "until": "22:00"}])
    recorded = home if rng.random() < 0.3 else None
    moved = rng.choice(zones) if rng.random() < 0.1 else None
    return {"country": place["country"], "timezone": recorded, "address_timezone": moved,
            "flags": flags, "refused_contacts": [], "consents": consents,
            "breathing_space_until": "2026-12-20" if pack == "gb" and roll > 0.99 else None}


@bench_app.command("compliance")
def bench_compliance(
    decisions: int = typer.Option(50_000, "--decisions", help="How many scenarios to decide."),
    pack: str = typer.Option("cn", "--pack", help="cn, us or gb: its own scenario set."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
    rounds: int = typer.Option(3, "--rounds", min=1, help="Best of this many rounds."),
) -> None:
    """Decisions per second on one core for scenarios with 20-attempt histories.

    ``decisions_per_second`` is the whole path from a scenario (a JSON object, as a
    dialler or ``compliance evaluate`` hands it over) to its decision (validation, zones,
    history, the rules, the explanation), timed on scenarios decided as they arrive, in
    batches of 256 read just before; ``prebuilt_decisions_per_second`` decides the same
    scenarios from one list built in memory beforehand (the memory, not the rules, sets
    that pace); ``jsonl_decisions_per_second`` adds reading and writing the JSON lines;
    ``engine_decisions_per_second`` is the engine alone on parsed inputs. Times are CPU
    seconds of this single-threaded process (one core, so a busy machine does not hide
    the figures), best of ``--rounds``; the engine's caches start empty in every round.
    """
    from arrears.domain.compliance import clear_caches, evaluate_scenario, get_pack
    from arrears.domain.compliance.kernel import compiled_kernel
    from arrears.errors import InvalidInput

    try:
        get_pack(pack)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="--pack") from None
    scenarios = bench_scenarios(decisions, pack=pack)
    lines = [dumps_line(s) for s in scenarios]
    answers = [evaluate_scenario(pack, s) for s in scenarios]
    blocked = sum(a["decision"] == "block" for a in answers)
    seconds = _streamed(rounds, pack, lines)
    prebuilt, wall = _best_of(rounds, lambda: [evaluate_scenario(pack, s) for s in scenarios],
                              clear_caches)
    answer = line_answers(pack)
    jsonl_seconds, _ = _best_of(rounds, lambda: [
        dumps_line(answer(line, number)) for number, line in enumerate(lines, start=1)],
        clear_caches)
    engine_seconds = _bench_engine(pack, scenarios, rounds)
    result = {"pack": pack, "decisions": decisions, "history_per_scenario": 20,
              "seconds": round(seconds, 4),
              "decisions_per_second": round(decisions / seconds),
              "clock": "cpu",
              "blocked": blocked,
              "rules": _rule_counts(answers),
              "prebuilt_seconds": round(prebuilt, 4),
              "prebuilt_wall_seconds": round(wall, 4),
              "prebuilt_decisions_per_second": round(decisions / prebuilt),
              "jsonl_seconds": round(jsonl_seconds, 4),
              "jsonl_decisions_per_second": round(decisions / jsonl_seconds),
              "engine_seconds": round(engine_seconds, 4),
              "engine_decisions_per_second": round(decisions / engine_seconds),
              # whether the compiled history reading and counting took part
              "compiled": compiled_kernel() is not None}
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    console.print(f"[bold]compliance[/] pack {pack}: {decisions:,} decisions "
                  f"(20-attempt histories) in {seconds:.3f} CPU s = "
                  f"[green]{result['decisions_per_second']:,}[/] decisions/s scenario to "
                  f"decision; JSON lines in and out {result['jsonl_decisions_per_second']:,}/s; "
                  f"engine alone {result['engine_decisions_per_second']:,}/s; "
                  f"{blocked:,} blocked"
                  + ("" if result["compiled"] else
                     " (history read and counted in Python: the compiled part is not built)"))


def _rule_counts(answers: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for answer in answers:
        for rule in answer["rules"]:
            counts[rule] = counts.get(rule, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _best_of(rounds: int, work: Any, setup: Any = None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of the fastest of ``rounds`` runs of ``work``."""
    best = (float("inf"), float("inf"))
    for _ in range(rounds):
        if setup is not None:
            setup()
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


def _streamed(rounds: int, pack: str, lines: list[bytes], batch: int = 256) -> float:
    """CPU seconds of deciding ``lines`` as they arrive: each batch is read from JSON
    (not timed) just before it is decided (timed); best of ``rounds``."""
    from arrears.domain.compliance import clear_caches, evaluate_scenario

    best = float("inf")
    clock = time.process_time
    for _ in range(rounds):
        clear_caches()
        gc.collect()
        gc.disable()
        total = 0.0
        try:
            for i in range(0, len(lines), batch):
                arrived = [loads_line(line) for line in lines[i:i + batch]]
                started = clock()
                for scenario in arrived:
                    evaluate_scenario(pack, scenario)
                total += clock() - started
        finally:
            gc.enable()
        best = min(best, total)
    return best


def _bench_engine(pack: str, scenarios: list[dict[str, Any]], rounds: int) -> float:
    """CPU seconds of the engine alone on parsed inputs (the screening and dialler path)."""
    from arrears.domain.compliance import decide, rules_for
    from arrears.domain.compliance.parse import parse_attempt, parse_customer, parse_history
    from arrears.domain.compliance.zones import candidate_zones

    typed = []
    for s in scenarios:
        rules = rules_for(pack, s.get("options"))
        attempt = parse_attempt(s["attempt"])
        customer = parse_customer(s["customer"], rules.country)
        zones = candidate_zones(customer.timezone, attempt.contact_value,
                                customer.address_timezone, customer.country)
        typed.append((rules, attempt, customer, parse_history(s["history"]), zones))
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
