"""``arrears bench report``: time the management report over a generated book.

The book (generated, loaded and run over six month ends) lives in its own folder under
ARREARS_HOME and is reused by later runs of the same size and seed; only the report and the
dashboards are timed.
"""

from __future__ import annotations

import resource
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from arrears.analytics import figures as fg
from arrears.analytics.dashboards import cards
from arrears.analytics.filters import Filters
from arrears.analytics.report import build_report
from arrears.analytics.workbench import Workbench
from arrears.errors import InvalidInput

BOOK_AS_OF = date(2026, 10, 31)
MONTHS = 6


def bench_days(as_of: date = BOOK_AS_OF, months: int = MONTHS) -> list[date]:
    """The run days of the bench book: ``as_of`` and the month ends before it."""
    days, cursor = [as_of], as_of.replace(day=1)
    while len(days) < months:
        last = cursor - timedelta(days=1)
        days.append(last)
        cursor = last.replace(day=1)
    return sorted(days)


def _bench_app(app: Any, loans: int, seed: int) -> Any:
    from arrears.bootstrap import build_app

    home = app.settings.resolved_home().resolve() / f"bench-report-{loans}-{seed}"
    return build_app(home=home, database_url=None, portfolio_url=None,
                     config=app.settings.config)


def _ready_marker(bench_app: Any) -> Path:
    return bench_app.settings.resolved_home() / "book-ready"


def prepare_book(*, bench_app: Any, loans: int, seed: int, quiet: bool) -> dict[str, float]:
    """Generate, load and run the book once; later calls reuse it."""
    if _ready_marker(bench_app).exists():
        return {}
    from arrears.adapters.portfolio.generator import generate_portfolio
    from arrears.batch.run_day import run_day
    from arrears.services.loading import load_portfolio

    timings: dict[str, float] = {}
    home = bench_app.settings.resolved_home()
    book = home / "book"
    t0 = time.perf_counter()
    generate_portfolio(loans=loans, seed=seed, out_dir=book, as_of=BOOK_AS_OF,
                       fmt="parquet", progress=not quiet)
    timings["generate_seconds"] = round(time.perf_counter() - t0, 2)
    bench_app.migrate()
    t0 = time.perf_counter()
    load_portfolio(app=bench_app, source=book, progress=not quiet)
    timings["load_seconds"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    for day in bench_days():
        run_day(app=bench_app, as_of=day, progress=not quiet)
    timings["run_days_seconds"] = round(time.perf_counter() - t0, 2)
    _ready_marker(bench_app).write_text(BOOK_AS_OF.isoformat())
    return timings


def _dashboard_seconds(bench_app: Any) -> dict[str, float]:
    """Time each dashboard's charts as the desk computes them (fresh filters each)."""
    out = {}
    for name in fg.DASHBOARDS:
        with bench_app.session_factory() as session:
            t0 = time.perf_counter()
            with Workbench(app=bench_app, session=session, filters=Filters(),
                           as_of=BOOK_AS_OF) as bench:
                cards(name, bench, locale="zh-CN")
            out[name] = round(time.perf_counter() - t0, 3)
    return out


def run_report_bench(*, app: Any, loans: int, seed: int, quiet: bool,
                     console: Any = None) -> dict[str, Any]:
    """Prepare (or reuse) the book, then time ``report all`` and each dashboard."""
    bench_app = _bench_app(app, loans, seed)
    try:
        setup = prepare_book(bench_app=bench_app, loans=loans, seed=seed, quiet=quiet)
        con = bench_app.portfolio()
        snapshot_rows = int(con.table("delinquency_snapshots").count().to_pyarrow().as_py())
        out = Path(tempfile.mkdtemp(prefix="arrears-report-bench-"))
        try:
            t0 = time.perf_counter()
            result = build_report(app=bench_app, kind="all", as_of=BOOK_AS_OF, out=out)
            report_seconds = round(time.perf_counter() - t0, 3)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        dashboards = _dashboard_seconds(bench_app)
    finally:
        bench_app.close()
    return {"loans": loans, "seed": seed, "run_days": len(bench_days()),
            "snapshot_rows": snapshot_rows, "report_seconds": report_seconds,
            "report_under_60s": report_seconds < 60, "dashboard_seconds": dashboards,
            "figure_seconds": result.figure_seconds, "book_reused": not setup, **setup,
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


class NothingToMeasure(InvalidInput):
    code = "nothing_to_measure"


def _view_seconds(app: Any, name: str, as_of: date, *, fresh: bool) -> float:
    from arrears.analytics import workbench

    if fresh:
        workbench._CACHE.clear()
    with app.session_factory() as session:
        t0 = time.perf_counter()
        with Workbench(app=app, session=session, filters=Filters(), as_of=as_of) as bench:
            cards(name, bench, locale="zh-CN")
        return time.perf_counter() - t0


def run_dashboard_bench(*, app: Any, as_of: date, rounds: int = 5) -> dict[str, Any]:
    """Time each dashboard's charts on the book in ``app`` (built by ``arrears demo``).

    Per dashboard: the median of ``rounds`` views with the process cache emptied (what
    the first supervisor sees after a daily run) and of ``rounds`` views served warm.
    """
    from statistics import median

    from arrears.analytics.precomputed import materialised_day

    with app.session_factory() as session:
        pre = materialised_day(session, as_of=as_of)
        if pre is None and not (app.settings.resolved_home() / "portfolio.duckdb").exists():
            raise NothingToMeasure("no daily run to measure: run `arrears demo` first",
                                   field="as_of")
    _view_seconds(app, "risk", as_of, fresh=True)  # imports and first connection
    out: dict[str, Any] = {"as_of": as_of.isoformat(), "materialised": pre is not None,
                           "first_view_seconds": {}, "warm_view_seconds": {}}
    for name in fg.DASHBOARDS:
        cold = [_view_seconds(app, name, as_of, fresh=True) for _ in range(rounds)]
        warm = [_view_seconds(app, name, as_of, fresh=False) for _ in range(rounds)]
        out["first_view_seconds"][name] = round(median(cold), 3)
        out["warm_view_seconds"][name] = round(median(warm), 3)
    out["all_under_one_second"] = max(out["first_view_seconds"].values()) < 1.0
    return out
