"""``arrears bench score``: time applying saved models to a large generated table."""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arrears.scoring.dataset import read_table
from arrears.scoring.model_store import save_model
from arrears.scoring.workbench import (
    LoadedModel,
    TrainOptions,
    scores_frame,
    train_frame,
    write_scores,
)

MONTHS = 6


def synthetic_credit(rows: int, *, seed: int) -> pd.DataFrame:
    """A credit-card-like table: limit, age, a category, six months of status, bills, payments."""
    rng = np.random.default_rng(seed)
    limit = rng.lognormal(11.5, 0.8, rows).round(-3)
    age = rng.integers(21, 70, rows)
    region = rng.choice(np.array(["north", "south", "east", "west"], dtype=object), rows)
    propensity = rng.normal(0, 1, rows)
    frame: dict[str, Any] = {"id": np.arange(1, rows + 1), "limit": limit, "age": age,
                             "region": region}
    for m in range(1, MONTHS + 1):
        status = np.clip(np.round(propensity + rng.normal(0, 0.8, rows)), -2, 8)
        bill = np.maximum(limit * rng.uniform(0, 1.1, rows), 0).round(0)
        paid = (bill * np.clip(rng.normal(0.3 - 0.15 * propensity, 0.2), 0, 1)).round(0)
        frame[f"status{m}"], frame[f"bill{m}"], frame[f"paid{m}"] = status, bill, paid
    risk = 1.2 * propensity - 0.3 * np.log(limit / 1e5) - 0.01 * (age - 40) - 1.5
    frame["bad"] = (rng.random(rows) < 1 / (1 + np.exp(-risk))).astype(int)
    return pd.DataFrame(frame)


def run_bench(*, rows: int, kinds: list[str], progress: bool = True) -> dict[str, Any]:
    """Train each kind on 20,000 generated rows, then time scoring ``rows`` rows from CSV."""
    from rich.progress import Progress

    figures: dict[str, Any] = {"rows": rows, "runs": []}
    with tempfile.TemporaryDirectory(prefix="arrears-bench-") as tmp, \
            Progress(disable=not progress, transient=True) as bar:
        folder = Path(tmp)
        task = bar.add_task("preparing", total=1 + 2 * len(kinds))
        data = folder / "rows.csv"
        synthetic_credit(rows, seed=7).drop(columns=["bad"]).to_csv(data, index=False)
        bar.advance(task)
        train = synthetic_credit(20_000, seed=1)
        for kind in kinds:
            bar.update(task, description=f"training {kind}")
            model = train_frame(train, target="bad", created_at=datetime(2026, 1, 1, tzinfo=UTC),
                                options=TrainOptions(kind=kind, id_column="id"),
                                data_info={"file": "synthetic", "sha256": None})
            save_model(model, folder / kind)
            bar.advance(task)
            bar.update(task, description=f"scoring {rows:,} rows with {kind}")
            figures["runs"].append(_time_apply(folder / kind, data, folder / f"{kind}.csv"))
            bar.advance(task)
    return figures


def _time_apply(model_dir: Path, data: Path, out: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    model = LoadedModel.load(model_dir)
    frame = read_table(data)
    t1 = time.perf_counter()
    scores, method = scores_frame(model, frame, top=3)
    t2 = time.perf_counter()
    write_scores(scores, out)
    t3 = time.perf_counter()
    return {"kind": model.kind, "rows": int(len(scores)), "reasons": method,
            "read_s": round(t1 - t0, 3), "score_s": round(t2 - t1, 3),
            "write_s": round(t3 - t2, 3), "total_s": round(t3 - t0, 3),
            "rows_per_s": round(len(scores) / max(t3 - t0, 1e-9))}
