"""The README's daily commands, as a new user types them, on a new ARREARS_HOME: the
operations store is brought to its schema by the commands themselves."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arrears.entrypoints.cli import app as cli


def test_generate_load_run_day_export_on_a_new_home(tmp_path: Path, ops_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARREARS_PORTFOLIO_URL", raising=False)
    env = {"ARREARS_HOME": str(tmp_path / "home"), "ARREARS_DATABASE_URL": ops_url}
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    run("generate-portfolio", "--loans", "80", "--seed", "5", "--as-of", "2026-06-30",
        "--out", str(tmp_path / "book"))
    run("load", str(tmp_path / "book"), "--no-progress")
    out = run("run-day", "--as-of", "2026-06-30", "--no-progress", "--json")
    assert '"collection_list"' in out
    run("export", "delinquency", "--as-of", "2026-06-30", "--out", str(tmp_path / "d.csv"))
    with (tmp_path / "d.csv").open(newline="") as f:
        assert len(list(csv.DictReader(f))) == 80
