"""Progress of long portfolio work on the terminal (rich), fed by DuckDB's own progress."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class StepProgress:
    """One bar per step; while a step's query runs, the bar follows DuckDB's progress."""

    def __init__(self, *, enabled: bool, duckdb_con: Any = None,
                 console: Console | None = None) -> None:
        self.enabled = enabled
        self.con = duckdb_con
        self._progress: Progress | None = None
        self._task: Any = None
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self.console = console or Console(stderr=True)

    @contextmanager
    def running(self) -> Iterator[StepProgress]:
        if not self.enabled:
            yield self
            return
        if self.con is not None:
            self.con.execute("SET enable_progress_bar = true")
            self.con.execute("SET enable_progress_bar_print = false")
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                  BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                                  TimeElapsedColumn(), console=self.console, transient=False)
        with self._progress:
            self._poller = threading.Thread(target=self._poll, daemon=True)
            self._poller.start()
            try:
                yield self
            finally:
                self._finish_task()
                self._stop.set()
                self._poller.join(timeout=2)

    def step(self, description: str) -> None:
        """Start a new step (the previous one is marked done)."""
        if self._progress is None:
            return
        self._finish_task()
        self._task = self._progress.add_task(description, total=100)

    def _finish_task(self) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=100)

    def _poll(self) -> None:
        while not self._stop.wait(0.25):
            if self.con is None or self._task is None or self._progress is None:
                continue
            try:
                done = float(self.con.query_progress())
            except Exception:  # noqa: BLE001 - no query running, or no progress to report
                continue
            if done >= 0:
                self._progress.update(self._task, completed=min(done, 99.0))
