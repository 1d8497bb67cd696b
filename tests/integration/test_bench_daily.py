"""`arrears bench daily --json` prints one JSON object with the agreed figures."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arrears.entrypoints.cli import app as cli

REQUIRED = {"loans", "installments", "load_seconds", "run_day_seconds", "raw_groupby_seconds",
            "pandas_seconds", "ratio_vs_raw", "speedup_vs_pandas", "peak_rss_bytes"}


def bench(home: Path, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["bench", "daily", "--loans", "300", "--seed", "3",
                                      "--json", *args], env={"ARREARS_HOME": str(home)})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_shape_and_reuse_of_the_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARREARS_DATABASE_URL", raising=False)
    monkeypatch.delenv("ARREARS_PORTFOLIO_URL", raising=False)
    first = bench(tmp_path)
    assert REQUIRED <= set(first)
    assert first["loans"] == 300 and first["installments"] > 300 * 3
    assert all(isinstance(first[k], float) and first[k] > 0 for k in
               ("load_seconds", "run_day_seconds", "raw_groupby_seconds", "pandas_seconds"))
    assert first["peak_rss_bytes"] > 10 * 2**20
    assert first["export_matches_pandas"] is True
    assert first["generate_seconds"] is not None

    again = bench(tmp_path, "--skip-pandas")
    assert again["generate_seconds"] is None, "the cached book is reused"
    assert again["pandas_seconds"] is None and again["speedup_vs_pandas"] is None
    assert again["installments"] == first["installments"]


def test_reuse_load_starts_from_the_saved_state(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARREARS_DATABASE_URL", raising=False)
    monkeypatch.delenv("ARREARS_PORTFOLIO_URL", raising=False)
    first = bench(tmp_path, "--skip-pandas", "--reuse-load")
    assert first["load_reused"] is False
    saved = json.loads(next((tmp_path / "bench" / "loaded").glob("*/loaded.json")).read_text())
    assert saved["load_seconds"] == pytest.approx(first["load_seconds"], abs=1e-3)
    again = bench(tmp_path, "--skip-pandas", "--reuse-load")
    assert again["load_reused"] is True
    assert again["load_seconds"] == pytest.approx(first["load_seconds"], abs=1e-3)
    # the copied state is the loaded book, not the state the first bench's days left
    with sqlite3.connect(tmp_path / "bench" / "work" / "operations.sqlite") as db:
        days = [d for (d,) in db.execute("SELECT as_of FROM day_runs ORDER BY run_id")]
    assert days == ["2026-06-30", "2026-07-01"]
    assert again["installments"] == first["installments"]
    for run in (first, again):
        assert run["next_day_seconds"] > 0 and run["next_day_step_seconds"]
