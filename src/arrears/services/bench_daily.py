"""`arrears bench daily`: time loading and the daily run against plain baselines.

One run, on one book (generated once per size and seed, then reused from
``ARREARS_HOME/bench/books``), in a fresh workspace ``ARREARS_HOME/bench/work``:

1. load the book into the portfolio engine (with ``reuse_load``, the state right after an
   earlier load of the same book is copied back instead, and that load's time reported);
2. run the day (delinquency, events, cases, collection list, and every later step): the
   first day, which opens every case and trains the behaviour models; then the next
   calendar day, the daily run as it runs every morning once cases and models exist;
3. the raw engine doing one plain group-by over the same installments and payments
   (dues per loan joined with payments per loan), the floor any engine work stands on;
4. the pandas reference of the same rules (``batch.reference_pandas``), skipped when the
   book cannot fit in memory; its answer is also checked against the export.

Peak memory is sampled (this process and its children) phase by phase.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import resource
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psutil

from arrears.adapters.portfolio.generator import TABLES, generate_portfolio
from arrears.errors import InvalidInput

BENCH_AS_OF = date(2026, 6, 30)
BOOK_MARKER = "book.json"
# Rough bytes the pandas reference needs per installment and per payment row.
PANDAS_BYTES_PER_ROW = 320


class BenchInputError(InvalidInput):
    """A benchmark parameter or data folder that cannot be used."""

    code = "bench_input"


@dataclass
class DailyBench:
    """The figures of one benchmark run (``--json`` prints exactly this)."""

    loans: int
    installments: int
    payments: int
    as_of: str
    book: str
    generate_seconds: float | None
    load_seconds: float
    run_day_seconds: float
    raw_groupby_seconds: float
    pandas_read_seconds: float | None
    pandas_seconds: float | None
    ratio_vs_raw: float
    speedup_vs_pandas: float | None
    peak_rss_bytes: int
    pandas_peak_rss_bytes: int | None
    export_matches_pandas: bool | None
    delinquency_step_seconds: float | None = None
    delinquency_ratio_vs_raw: float | None = None
    run_day_step_seconds: dict[str, float] = field(default_factory=dict)
    load_reused: bool = False
    next_day_seconds: float | None = None
    next_day_ratio_vs_raw: float | None = None
    next_day_step_seconds: dict[str, float] = field(default_factory=dict)
    pandas_skipped_reason: str | None = None
    phase_peak_rss_bytes: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=False)


# --------------------------------------------------------------------------- memory


class PeakMemory:
    """Samples the RSS of this process and its children; keeps the peak of each phase."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peaks: dict[str, int] = {}
        self._phase: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._proc = psutil.Process()

    def _rss(self) -> int:
        total = 0
        for proc in [self._proc, *self._proc.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _sample(self) -> None:
        phase = self._phase  # read once: the main thread may end the phase meanwhile
        if phase is not None:
            self.peaks[phase] = max(self.peaks.get(phase, 0), self._rss())

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._phase = name
        self._sample()
        try:
            yield
        finally:
            self._sample()
            self._phase = None


@contextmanager
def _timed(into: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        into[name] = time.perf_counter() - start


# --------------------------------------------------------------------------- the book


def _marker(folder: Path) -> dict[str, Any] | None:
    return _marker_file(folder / BOOK_MARKER)


def _has_book(folder: Path) -> bool:
    return all(any((folder / f"{t}.{ext}").exists() for ext in ("csv", "parquet"))
               for t in TABLES)


def ensure_book(*, folder: Path, loans: int, seed: int, as_of: date,
                progress: bool) -> tuple[dict[str, Any], float | None]:
    """The book in ``folder``: reused when it was made with the same size, seed and date,
    used as it is when it is a lender's book without our marker, generated otherwise.

    Generation runs in a child process so that its memory is not counted as the product's.
    """
    wanted = {"loans": loans, "seed": seed, "as_of": as_of.isoformat(), "format": "parquet"}
    marker = _marker(folder)
    if marker is not None and all(marker.get(k) == v for k, v in wanted.items()):
        return marker, None
    if marker is None and _has_book(folder):
        return {"loans": None, "as_of": as_of.isoformat(), "foreign": True}, None
    if folder.exists():
        shutil.rmtree(folder)
    start = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_generate_child,
                        args=(loans, seed, str(folder), as_of.isoformat(), progress))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise BenchInputError(f"generating the benchmark book in {folder} failed "
                              f"(exit code {child.exitcode})", field="data_dir")
    seconds = time.perf_counter() - start
    marker = _marker(folder)
    if marker is None:
        raise BenchInputError(f"the benchmark book in {folder} is incomplete", field="data_dir")
    return marker, seconds


def _generate_child(loans: int, seed: int, folder: str, as_of: str, progress: bool) -> None:
    report = generate_portfolio(loans=loans, seed=seed, out_dir=folder,
                                as_of=date.fromisoformat(as_of), fmt="parquet",
                                progress=progress)
    marker = {"loans": loans, "seed": seed, "as_of": as_of, "format": "parquet",
              "rows": report.rows}
    (Path(folder) / BOOK_MARKER).write_text(json.dumps(marker), encoding="utf-8")


# --------------------------------------------------------------------------- phases


def raw_groupby(*, con: Any, as_of: date) -> int:
    """The plain engine query: dues per loan joined with payments counted per loan.

    Runs on the stored tables through the backend's own SQL and materialises its result,
    as the daily run materialises its snapshot. Returns the number of loans.
    """
    key = _join_key(con)
    con.raw_sql("DROP TABLE IF EXISTS bench_raw_groupby")
    con.raw_sql(f"""
        CREATE TABLE bench_raw_groupby AS
        SELECT d.{key}, d.due, COALESCE(p.paid, 0) AS paid
        FROM (SELECT {key}, SUM(principal_due + interest_due + COALESCE(fee_due, 0)) AS due
              FROM installments GROUP BY {key}) AS d
        LEFT JOIN (SELECT {key}, SUM(amount) AS paid FROM payments
                   WHERE paid_on <= DATE '{as_of.isoformat()}' GROUP BY {key}) AS p
          ON p.{key} = d.{key}""")
    count = _scalar(con, "SELECT COUNT(*) FROM bench_raw_groupby")
    con.raw_sql("DROP TABLE bench_raw_groupby")
    return count


def _join_key(con: Any) -> str:
    """The engine's own loan key when the tables carry one (an integer), else loan_id."""
    columns = set(con.table("installments").columns) & set(con.table("payments").columns)
    return "loan_key" if "loan_key" in columns else "loan_id"


def _scalar(con: Any, sql: str) -> int:
    result = con.raw_sql(sql)
    row = result.fetchone()
    # DuckDB hands back its connection itself: closing that would close the engine.
    if result is not getattr(con, "con", None) and hasattr(result, "close"):
        result.close()
    return int(row[0])


def _pandas_fits(rows: int) -> tuple[bool, str | None]:
    need = rows * PANDAS_BYTES_PER_ROW
    available = psutil.virtual_memory().available
    if need > 0.7 * available:
        return False, (f"needs about {need / 2**30:.1f} GiB, "
                       f"{available / 2**30:.1f} GiB available")
    return True, None


def _run_pandas(*, book: Path, as_of: date, timings: dict[str, float], zone: str) -> Any:
    from arrears.batch.reference_pandas import delinquency_typed, read_book

    with _timed(timings, "pandas_read"):
        typed = read_book(book, reporting_tz=zone)
    with _timed(timings, "pandas"):
        result = delinquency_typed(typed, as_of=as_of)
    return result


def _export_matches(export_path: Path, reference: Any) -> bool:
    import pandas as pd

    exported = pd.read_csv(export_path, dtype=str, keep_default_na=False)
    expected = reference.astype(str)
    return (list(exported.columns) == list(expected.columns)
            and exported.reset_index(drop=True).equals(expected.reset_index(drop=True)))


# --------------------------------------------------------------------------- the run


def _workspace_app(work: Path, *, fresh: bool = True) -> Any:
    from arrears.bootstrap import build_app

    if fresh:
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
    app = build_app(home=work, database_url=f"sqlite:///{(work / 'operations.sqlite').resolve()}",
                    portfolio_url=f"duckdb://{(work / 'portfolio.duckdb').resolve()}")
    app.migrate()
    return app


LOADED_MARKER = "loaded.json"
# What a workspace holds right after a load (copied back by ``reuse_load``).
WORKSPACE_FILES = ("portfolio.duckdb", "operations.sqlite", "keys.json")


def _saved_load(saved: Path, marker: dict[str, Any]) -> float | None:
    """The load time of the saved state of this book, if one was saved."""
    info = _marker_file(saved / LOADED_MARKER)
    if info is None or info.get("book") != marker or not all(
            (saved / f).exists() for f in WORKSPACE_FILES):
        return None
    seconds = info.get("load_seconds")
    return float(seconds) if isinstance(seconds, (int, float)) else None


def _marker_file(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _copy_state(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in WORKSPACE_FILES:
        shutil.copy2(source / name, target / name)


def _save_load(work: Path, saved: Path, marker: dict[str, Any], seconds: float) -> None:
    if saved.exists():
        shutil.rmtree(saved)
    _copy_state(work, saved)
    (saved / LOADED_MARKER).write_text(json.dumps({"book": marker, "load_seconds": seconds}),
                                       encoding="utf-8")


def loaded_workspace(*, home: Path, folder: Path, marker: dict[str, Any], reuse: bool,
                     timings: dict[str, float], progress: bool) -> tuple[Any, bool]:
    """A fresh workspace with the book loaded: by loading it (timed), or, with ``reuse``,
    by copying back the state saved after an earlier load of the same book."""
    from arrears.services.loading import load_portfolio

    work = home / "bench" / "work"
    saved = home / "bench" / "loaded" / folder.name
    seconds = _saved_load(saved, marker) if reuse else None
    if seconds is not None:
        if work.exists():
            shutil.rmtree(work)
        _copy_state(saved, work)
        timings["load"] = seconds
        return _workspace_app(work, fresh=False), True
    app = _workspace_app(work)
    with _timed(timings, "load"):
        load_portfolio(app=app, source=folder, progress=progress)
    if reuse:
        app.close()
        _save_load(work, saved, marker, timings["load"])
        app = _workspace_app(work, fresh=False)
    return app, False


def run_daily_bench(*, home: Path, loans: int, seed: int, as_of: date = BENCH_AS_OF,
                    data_dir: Path | None = None, skip_pandas: bool = False,
                    progress: bool = True, reuse_load: bool = False) -> DailyBench:
    """Generate or reuse a book, then time load, run-day, the raw group-by and pandas."""
    from arrears.batch.run_day import run_day
    from arrears.services.export import export_delinquency

    if loans <= 0:
        raise BenchInputError(f"--loans must be positive, got {loans}", field="loans")
    bench = home / "bench"
    folder = data_dir or bench / "books" / f"loans{loans}-seed{seed}-{as_of.isoformat()}"
    marker, generate_seconds = ensure_book(folder=folder, loans=loans, seed=seed, as_of=as_of,
                                           progress=progress)
    timings: dict[str, float] = {}
    export_path = bench / "work" / "delinquency.csv"
    with PeakMemory() as memory:
        with memory.phase("load"):
            app, reused = loaded_workspace(home=home, folder=folder, marker=marker,
                                           reuse=reuse_load, timings=timings,
                                           progress=progress)
        try:
            with memory.phase("run_day"), _timed(timings, "run_day"):
                day = run_day(app=app, as_of=as_of, progress=progress)
            with memory.phase("next_day"), _timed(timings, "next_day"):
                next_day = run_day(app=app, as_of=as_of + timedelta(days=1), progress=progress)
            steps = {name: round(sec, 3) for name, sec in day.seconds.items()}
            con = app.portfolio()
            with memory.phase("raw_groupby"), _timed(timings, "raw_groupby"):
                raw_groupby(con=con, as_of=as_of)
            counted_loans = _scalar(con, "SELECT COUNT(*) FROM loans")
            installments = _scalar(con, "SELECT COUNT(*) FROM installments")
            payments = _scalar(con, "SELECT COUNT(*) FROM payments")
            zone = app.business.raw("business").get("reporting_timezone", "Asia/Shanghai")
            export_delinquency(app=app, as_of=as_of, out=export_path)
        finally:
            app.close()
        product_peak = max(memory.peaks.values(), default=0)
        product_peak = max(product_peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
        gc.collect()
        fits, reason = _pandas_fits(installments + payments)
        reference = None
        if skip_pandas:
            reason = "--skip-pandas"
        elif fits:
            with memory.phase("pandas"):
                reference = _run_pandas(book=folder, as_of=as_of, timings=timings, zone=zone)
    matches = _export_matches(export_path, reference) if reference is not None else None
    result = _result(marker=marker, folder=folder, as_of=as_of, loans=counted_loans,
                     installments=installments, payments=payments, timings=timings,
                     generate_seconds=generate_seconds, product_peak=product_peak,
                     memory=memory, matches=matches, reason=reason)
    result.run_day_step_seconds = steps
    result.load_reused = reused
    result.next_day_seconds = _r(timings["next_day"])
    result.next_day_ratio_vs_raw = round(timings["next_day"] / max(timings["raw_groupby"], 1e-9),
                                         2)
    result.next_day_step_seconds = {n: round(sec, 3) for n, sec in next_day.seconds.items()}
    if "delinquency" in steps:
        result.delinquency_step_seconds = steps["delinquency"]
        result.delinquency_ratio_vs_raw = round(
            steps["delinquency"] / max(timings["raw_groupby"], 1e-9), 2)
    return result


def _result(*, marker: dict[str, Any], folder: Path, as_of: date, loans: int, installments: int,
            payments: int, timings: dict[str, float], generate_seconds: float | None,
            product_peak: int, memory: PeakMemory, matches: bool | None,
            reason: str | None) -> DailyBench:
    run_day_s = timings["run_day"]
    pandas_s = timings.get("pandas")
    return DailyBench(
        loans=loans, installments=installments, payments=payments, as_of=as_of.isoformat(),
        book=str(folder), generate_seconds=_r(generate_seconds), load_seconds=_r(timings["load"]),
        run_day_seconds=_r(run_day_s), raw_groupby_seconds=_r(timings["raw_groupby"]),
        pandas_read_seconds=_r(timings.get("pandas_read")), pandas_seconds=_r(pandas_s),
        ratio_vs_raw=round(run_day_s / max(timings["raw_groupby"], 1e-9), 2),
        speedup_vs_pandas=round(pandas_s / max(run_day_s, 1e-9), 2) if pandas_s else None,
        peak_rss_bytes=product_peak, pandas_peak_rss_bytes=memory.peaks.get("pandas"),
        export_matches_pandas=matches,
        pandas_skipped_reason=reason if pandas_s is None else None,
        phase_peak_rss_bytes=dict(memory.peaks))


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
