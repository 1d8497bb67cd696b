"""CLI commands of the conversation part of the product."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from arrears.entrypoints.cli_app import app, bench_app, console

conversation_app = typer.Typer(help="Conversation analysis: prohibited language, customer "
                               "signals, emotion; model training and evaluation.",
                               no_args_is_help=True)
app.add_typer(conversation_app, name="conversation")


def analyze_line(raw: str, lineno: int) -> dict[str, Any]:
    """One JSONL utterance to one result; malformed input gives an error result."""
    from arrears.conversation import analyze_one
    from arrears.errors import ArrearsError

    try:
        item = json.loads(raw)
    except json.JSONDecodeError as exc:
        return {"id": None, "error": {"line": lineno, "field": None,
                                      "reason": f"not valid JSON: {exc.msg}"}}
    if not isinstance(item, dict):
        return {"id": None, "error": {"line": lineno, "field": None,
                                      "reason": "each line must be a JSON object"}}
    uid = item.get("id")
    for name in ("id", "speaker", "text"):
        if name not in item:
            return {"id": uid, "error": {"line": lineno, "field": name,
                                         "reason": f"{name} is required"}}
    try:
        result = analyze_one(item["text"], speaker=item["speaker"])
    except ArrearsError as exc:
        return {"id": uid, "error": {"line": lineno, "field": exc.field, "reason": exc.message}}
    out = result.to_dict(id=uid)
    for key in ("case_id", "at"):
        if key in item:
            out[key] = item[key]
    return out


@conversation_app.command("analyze")
def analyze_cmd(file: Path = typer.Argument(..., help="JSONL: one utterance a line "
                                            "{id, speaker, text, case_id?, at?}; - for stdin"),
                out: Path | None = typer.Option(None, "--out", "-o",
                                                help="write results here instead of stdout")
                ) -> None:
    """Analyse utterances: one result a line, in input order."""
    from arrears.conversation.analyzer import InvalidUtterance

    if str(file) != "-" and not file.exists():
        raise InvalidUtterance(f"file not found: {file}", field="FILE")
    lines = (sys.stdin if str(file) == "-" else file.open(encoding="utf-8"))
    sink = out.open("w", encoding="utf-8") if out else sys.stdout
    try:
        for n, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            sink.write(json.dumps(analyze_line(raw, n), ensure_ascii=False) + "\n")
    finally:
        if out:
            sink.close()


@conversation_app.command("train")
def train_cmd(data: Path = typer.Option(None, help="data folder (collection_calls/, cold/)"),
              out: Path = typer.Option(None, help="model folder (default: the package's)")
              ) -> None:
    """Train the violation, signal, emotion and Chinese insult models (seeded)."""
    from arrears.conversation import training
    from arrears.conversation.models import MODEL_DIR

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("training", total=None)

        def say(msg: str) -> None:
            progress.update(task, description=msg)
            console.print(f"  {msg}")

        report = training.train_all(data_dir=data or training.DEFAULT_DATA,
                                    out_dir=out or MODEL_DIR, progress=say)
    for name, size in report["sizes"].items():
        console.print(f"[green]{name}[/] {size / 1024:.0f} KiB, thresholds "
                      f"{report['thresholds'][name]}")


@conversation_app.command("evaluate")
def evaluate_cmd(data: Path = typer.Option(None, help="data folder"),
                 as_json: bool = typer.Option(False, "--json", help="print JSON"),
                 report_out: Path | None = typer.Option(None, "--report",
                                                        help="also write a Markdown report")
                 ) -> None:
    """Precision and recall per category on the held-out set (and COLD's test split)."""
    from arrears.conversation import analyze_one, training
    from arrears.conversation.models import INSULT_MODEL, shipped

    data_dir = data or training.DEFAULT_DATA
    examples = training.read_examples(data_dir / "collection_calls" / "heldout.tsv")
    report = training.evaluate_examples(examples, lambda t, s: analyze_one(t, speaker=s))
    insult = shipped(INSULT_MODEL)
    if insult is not None and (data_dir / "cold" / "test.csv").exists():
        report["cold_test"] = training.evaluate_cold(data_dir / "cold", insult)
    if report_out:
        report_out.write_text(training.markdown_report(report), encoding="utf-8")
    if as_json:
        console.print_json(json.dumps(report))
        return
    _print_report(report)


def _print_report(report: dict[str, Any]) -> None:
    for lang in ("all", "zh-CN", "zh-TW", "en"):
        table = Table(title=f"held-out utterances: {lang}")
        for col in ("category", "precision", "recall", "F1", "support"):
            table.add_column(col)
        for cat, s in report[lang].items():
            if isinstance(s, dict):
                table.add_row(cat, f"{s['precision']:.3f}", f"{s['recall']:.3f}",
                              f"{s['f1']:.3f}", str(s["support"]))
        table.add_row("emotion accuracy", str(report[lang]["emotion_accuracy"]), "", "", "")
        console.print(table)
    if "cold_test" in report:
        c = report["cold_test"]
        console.print(f"COLD test ({c['test_rows']} rows, threshold {c['threshold']}): "
                      f"precision {c['offensive']['precision']}, recall "
                      f"{c['offensive']['recall']}; attacks on individuals recall "
                      f"{c['recall_attacks_on_individuals']}")


@bench_app.command("conversation")
def bench_conversation(n: int = typer.Option(20000, help="utterances to analyse"),
                       as_json: bool = typer.Option(False, "--json", help="print JSON")
                       ) -> None:
    """Utterances analysed per second on one core (models loaded and warmed first)."""
    from arrears.conversation import analyze_one, training

    pool = [(ex.text, ex.speaker)
            for f in training.training_files(training.DEFAULT_DATA)
            for ex in training.read_examples(f)]
    t0 = time.perf_counter()
    for text, speaker in pool[::25]:  # every language and speaker: loads every model
        analyze_one(text, speaker=speaker)
    warm = time.perf_counter() - t0
    flagged = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        text, speaker = pool[i % len(pool)]
        # vary the text so no cache can answer
        r = analyze_one(f"{text} {i}", speaker=speaker)
        flagged += bool(r.violations or r.signals)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = {"utterances": n, "seconds": round(elapsed, 3), "cpu_seconds": round(cpu, 3),
           "utterances_per_second": round(n / elapsed, 1),
           "utterances_per_cpu_second": round(n / cpu, 1),
           "load_and_warm_seconds": round(warm, 3), "flagged_or_signalled": flagged}
    if as_json:
        console.print_json(json.dumps(out))
    else:
        console.print(f"{n} utterances in {elapsed:.2f}s ({cpu:.2f}s CPU, one core): "
                      f"[bold]{n / elapsed:,.0f} utterances/second[/], "
                      f"{n / cpu:,.0f} per CPU second (models loaded in {warm:.2f}s)")
