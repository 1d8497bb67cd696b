"""Reading tabular data for the workbench: CSV or Parquet, columns checked, hashed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from arrears.scoring.errors import BadTrainingData

SUFFIXES = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}


def read_table(path: Path, *, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file into a data frame (column names kept as written)."""
    if not path.exists():
        raise BadTrainingData(f"data file {path} does not exist", field="data")
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise BadTrainingData(f"{path}: unsupported file type {path.suffix!r}; "
                              "use .csv or .parquet", field="data")
    try:
        if kind == "parquet":
            return pd.read_parquet(path, columns=columns)
        return pd.read_csv(path, engine="pyarrow", usecols=columns)
    except (ValueError, OSError) as exc:
        raise BadTrainingData(f"{path}: cannot read: {exc}", field="data") from exc


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes: which data a model was trained on."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class TrainingFrame:
    """Features, binary target (1 = positive class) and the id column, split apart."""

    features: pd.DataFrame
    target: np.ndarray
    ids: pd.Series | None
    positive_label: str


def require_columns(frame: pd.DataFrame, names: list[str], *, what: str) -> None:
    """Fail naming the columns that are missing."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise BadTrainingData(f"{what}: column(s) {', '.join(missing)} not in the data "
                              f"(columns: {', '.join(map(str, frame.columns[:30]))})", field=what)


def binary_target(values: pd.Series, *, positive: str | None) -> tuple[np.ndarray, str]:
    """Map a two-valued column to 0/1; the positive class is ``positive`` or the larger value."""
    if values.isna().any():
        rows = (np.flatnonzero(values.isna().to_numpy())[:5] + 2).tolist()
        raise BadTrainingData(f"target {values.name!r} is empty on {int(values.isna().sum())} "
                              f"row(s), e.g. file lines {rows}", field="target")
    labels = sorted(values.astype(str).unique())
    if len(labels) != 2:
        raise BadTrainingData(f"target {values.name!r} must have exactly two values, found "
                              f"{len(labels)}: {labels[:10]}", field="target")
    if positive is None:
        positive = "1" if "1" in labels else ("True" if "True" in labels else labels[-1])
    if positive not in labels:
        raise BadTrainingData(f"positive class {positive!r} is not a value of {values.name!r} "
                              f"({labels})", field="positive")
    return (values.astype(str).to_numpy() == positive).astype(np.int8), positive


def training_frame(frame: pd.DataFrame, *, target: str, id_column: str | None,
                   exclude: list[str] | None = None, positive: str | None = None,
                   min_rows: int = 200) -> TrainingFrame:
    """Split a raw table into features, target and ids; the id is never a feature."""
    require_columns(frame, [target], what="target")
    if id_column:
        require_columns(frame, [id_column], what="id")
    if exclude:
        require_columns(frame, exclude, what="exclude")
    if len(frame) < min_rows:
        raise BadTrainingData(f"only {len(frame)} rows; at least {min_rows} are needed",
                              field="data")
    y, label = binary_target(frame[target], positive=positive)
    if min(int(y.sum()), int(len(y) - y.sum())) < 20:
        raise BadTrainingData("each class of the target needs at least 20 rows", field="target")
    dropped = {target, *(exclude or [])} | ({id_column} if id_column else set())
    features = frame[[c for c in frame.columns if c not in dropped]]
    if features.shape[1] == 0:
        raise BadTrainingData("no feature columns left after target, id and exclusions",
                              field="data")
    ids = frame[id_column] if id_column else None
    return TrainingFrame(features=features, target=y, ids=ids, positive_label=label)
