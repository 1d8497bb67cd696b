"""The published bar on public data: UCI "default of credit card clients" (Yeh, CC BY 4.0).

Both models are trained with the CLI's defaults on a seeded 75% of dev.csv and judged on
the other 25%, which the training never sees.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from arrears.entrypoints.cli import app
from arrears.scoring import metrics
from tests.conftest import SHARED

DEV = SHARED / "data" / "taiwan-credit-default" / "dev.csv"
BARS = {"gbm": 0.78, "scorecard": 0.765}


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not DEV.exists():
        pytest.fail(f"{DEV} is missing")
    folder = tmp_path_factory.mktemp("taiwan")
    frame = pd.read_csv(DEV)
    held = frame.sample(frac=0.25, random_state=2005)
    frame.drop(held.index).to_csv(folder / "train.csv", index=False)
    held.drop(columns=["DEFAULT"]).to_csv(folder / "held.csv", index=False)
    held[["ID", "DEFAULT"]].to_csv(folder / "truth.csv", index=False)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["gbm", "scorecard"])
def test_model_reaches_the_published_level_on_unseen_clients(parts: Path, kind: str) -> None:
    runner = CliRunner()
    for args in (["score", "train", "--data", parts / "train.csv", "--target", "DEFAULT",
                  "--id", "ID", "--model", kind, "--out", parts / kind],
                 ["score", "apply", "--model", parts / kind, "--data", parts / "held.csv",
                  "--out", parts / f"{kind}.csv"]):
        result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    scores = pd.read_csv(parts / f"{kind}.csv").merge(pd.read_csv(parts / "truth.csv"), on="ID")
    assert len(scores) == 6000
    auc = metrics.auc(scores["DEFAULT"].to_numpy(), scores["score"].to_numpy())
    print(f"{kind}: held-back AUC {auc:.4f}, KS "
          f"{metrics.ks(scores['DEFAULT'].to_numpy(), scores['score'].to_numpy()):.4f}")
    assert auc >= BARS[kind]
