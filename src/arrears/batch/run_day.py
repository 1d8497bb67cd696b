"""``arrears run-day --as-of D``: every step of the daily run, in order, for one day.

The steps are listed in ``batch.pipeline.STEPS``; each rewrites its own partition for
``as_of``, so a day can be run again. A ``day_runs`` row records each run and its counts.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import insert, update

from arrears.adapters.db.tables import DayRun
from arrears.batch.base import StepResult
from arrears.batch.pipeline import STEPS


@dataclass
class DayRunResult:
    """What the day's run did, step by step, and how long each step took."""

    as_of: date
    run_id: int
    steps: list[StepResult] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)

    def counts(self) -> dict[str, Any]:
        return {s.name: {"rows_in": s.rows_in, "rows_out": s.rows_out, **s.detail,
                         "seconds": round(self.seconds.get(s.name, 0.0), 3)}
                for s in self.steps}


def resolve(target: str) -> Any:
    """``"module:function"`` to the function."""
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)


def run_day(*, app: Any, as_of: date, progress: bool = True) -> DayRunResult:
    """Run every step of the daily run for ``as_of``."""
    started = app.clock()
    with app.engine.begin() as conn:
        run_id = conn.execute(insert(DayRun.__table__).values(
            as_of=as_of, started_at=started, counts={}).returning(DayRun.run_id)).scalar_one()
    result = DayRunResult(as_of=as_of, run_id=run_id)
    with _progress(progress) as bar:
        task = bar.add_task(f"run-day {as_of}", total=len(STEPS)) if bar else None
        for name, target in STEPS:
            if bar is not None:
                bar.update(task, description=f"run-day {as_of}: {name}")
            began = time.perf_counter()
            result.steps.append(resolve(target)(app=app, as_of=as_of))
            result.seconds[name] = time.perf_counter() - began
            if bar is not None:
                bar.advance(task)
    with app.engine.begin() as conn:
        conn.execute(update(DayRun.__table__).where(DayRun.run_id == run_id).values(
            finished_at=app.clock(), counts=result.counts()))
    return result


class _NoProgress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(enabled: bool) -> Any:
    if not enabled:
        return _NoProgress()
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                    console=Console(stderr=True))
