"""The model workbench: train a scorecard or a gradient-boosting model on any table with a
binary target, and apply a saved model to new rows.

Training splits the rows (seeded, stratified) into a fitting part and a validation part;
the validation part stops the boosting, fits the calibration and gives the report's
figures. Applying returns one row per input row, in order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arrears.scoring import metrics
from arrears.scoring.calibration import apply_calibration, fit_calibration, logit
from arrears.scoring.dataset import file_sha256, read_table, training_frame
from arrears.scoring.errors import BadModel, BadTrainingData
from arrears.scoring.features import FeatureSpec, build_features, infer_spec
from arrears.scoring.gbm import GbmParams
from arrears.scoring.model_store import (
    FORMAT,
    FORMAT_VERSION,
    LIGHTGBM,
    REPORT,
    SCORECARD,
    ModelFiles,
    library_versions,
    load_model,
    save_model,
)
from arrears.scoring.reasons import points_from_logit, points_scaling, top_reasons
from arrears.scoring.scorecard import ScorecardParams

KINDS = ("scorecard", "gbm")


@dataclass(frozen=True)
class Scaling:
    """Points: ``base_score`` at odds ``base_odds``:1 (good:bad), ``pdo`` to double them."""

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    def offset_factor(self) -> tuple[float, float]:
        return points_scaling(base_score=self.base_score, base_odds=self.base_odds, pdo=self.pdo)


@dataclass(frozen=True)
class TrainOptions:
    """Everything ``score train`` can set; defaults are the CLI's defaults."""

    kind: str = "gbm"
    id_column: str | None = None
    exclude: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    positive: str | None = None
    monotone: str | None = None
    series: bool = True
    seed: int = 42
    validation_share: float = 0.2
    calibration: str = "platt"
    scaling: Scaling = field(default_factory=Scaling)
    scorecard: ScorecardParams = field(default_factory=ScorecardParams)
    gbm: GbmParams = field(default_factory=GbmParams)


@dataclass(frozen=True)
class Fitted:
    """What training one kind returns: files, raw log-odds on both parts, explanations."""

    files: dict[str, str]
    details: dict[str, Any]
    raw_fit: np.ndarray
    raw_valid: np.ndarray


def split_rows(y: np.ndarray, *, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded, stratified split into (fitting rows, validation rows) positions."""
    from sklearn.model_selection import train_test_split

    if not 0.05 <= share <= 0.5:
        raise BadTrainingData("validation share must be between 0.05 and 0.5",
                              field="validation_share")
    positions = np.arange(len(y))
    fit, valid = train_test_split(positions, test_size=share, random_state=seed, stratify=y)
    return np.sort(fit), np.sort(valid)


def train_frame(frame: pd.DataFrame, *, target: str, options: TrainOptions,
                created_at: datetime, data_info: dict[str, Any]) -> ModelFiles:
    """Train a model of ``options.kind`` on ``frame``; returns the model's files in memory."""
    if options.kind not in KINDS:
        raise BadTrainingData(f"unknown model {options.kind!r}; choose {' or '.join(KINDS)}",
                              field="model")
    tf = training_frame(frame, target=target, id_column=options.id_column,
                        exclude=list(options.exclude), positive=options.positive)
    spec = infer_spec(tf.features, categorical=list(options.categorical), series=options.series)
    x = build_features(tf.features, spec)
    fit_rows, valid_rows = split_rows(tf.target, share=options.validation_share, seed=options.seed)
    y_fit, y_valid = tf.target[fit_rows], tf.target[valid_rows]
    fitted = _fit_kind(x, spec, fit_rows, valid_rows, tf.target, options)
    calibration = fit_calibration(fitted.raw_valid, y_valid, method=options.calibration)
    p_fit = apply_calibration(fitted.raw_fit, calibration)
    p_valid = apply_calibration(fitted.raw_valid, calibration)
    offset, factor = options.scaling.offset_factor()
    meta = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "kind": options.kind,
        "created_at": created_at.isoformat(),
        "target": {"column": target, "positive": tf.positive_label},
        "id_column": options.id_column, "features": spec.to_dict(),
        "training_data": {**data_info, "rows": int(len(frame)),
                          "event_rate": round(float(tf.target.mean()), 4)},
        "split": {"seed": options.seed, "validation_share": options.validation_share,
                  "fit_rows": int(len(fit_rows)), "validation_rows": int(len(valid_rows))},
        "params": _params(options),
        "scaling": {**asdict(options.scaling), "offset": offset, "factor": factor},
        "calibration": calibration,
        "metrics": {"fit": metrics.summary(y_fit, p_fit),
                    "validation": metrics.summary(y_valid, p_valid)},
        "reference": _reference(x.iloc[valid_rows], p_valid, spec),
        "libraries": library_versions(),
        **fitted.details,
    }
    model = ModelFiles(meta=meta, files=dict(fitted.files))
    from arrears.scoring.report import training_report

    model.files[REPORT] = training_report(model, y_valid=y_valid, p_valid=p_valid)
    return model


def _params(options: TrainOptions) -> dict[str, Any]:
    chosen = asdict(options.scorecard) if options.kind == "scorecard" else asdict(options.gbm)
    return {**chosen, "calibration": options.calibration, "series_features": options.series}


def _fit_kind(x: pd.DataFrame, spec: FeatureSpec, fit_rows: np.ndarray, valid_rows: np.ndarray,
              y: np.ndarray, options: TrainOptions) -> Fitted:
    if options.kind == "scorecard":
        return _fit_scorecard(x, spec, fit_rows, valid_rows, y, options)
    return _fit_gbm(x, spec, fit_rows, valid_rows, y, options)


def _fit_scorecard(x: pd.DataFrame, spec: FeatureSpec, fit_rows: np.ndarray,
                   valid_rows: np.ndarray, y: np.ndarray, options: TrainOptions) -> Fitted:
    from arrears.scoring.scorecard import fit_scorecard, score_scorecard

    offset, factor = options.scaling.offset_factor()
    card = fit_scorecard(x.iloc[fit_rows], y[fit_rows], categorical=list(spec.categorical),
                         params=options.scorecard, offset=offset, factor=factor)
    raw_fit = score_scorecard(card, x.iloc[fit_rows])[0]
    raw_valid = score_scorecard(card, x.iloc[valid_rows])[0]
    details = {"scorecard": {"table": SCORECARD, "intercept": card.intercept,
                             "features": card.features,
                             "information_value": _iv(card.table)}}
    table_csv = card.table.to_csv(index=False, float_format="%.10g")
    return Fitted(files={SCORECARD: table_csv}, details=details, raw_fit=raw_fit,
                  raw_valid=raw_valid)


def _iv(table: pd.DataFrame) -> dict[str, float]:
    iv = table.groupby("feature", sort=False)["iv"].sum()
    return {k: round(float(v), 4) for k, v in iv.sort_values(ascending=False).items()}


def _fit_gbm(x: pd.DataFrame, spec: FeatureSpec, fit_rows: np.ndarray, valid_rows: np.ndarray,
             y: np.ndarray, options: TrainOptions) -> Fitted:
    from arrears.scoring.gbm import category_codes, encode, fit_gbm, importance, parse_monotone

    names = spec.names
    monotone = parse_monotone(options.monotone, names)
    codes = category_codes(x.iloc[fit_rows], list(spec.categorical))
    matrix = encode(x, codes)
    booster = fit_gbm(train=(matrix[fit_rows], y[fit_rows]),
                      valid=(matrix[valid_rows], y[valid_rows]), features=names,
                      categorical=list(spec.categorical), monotone=monotone,
                      params=options.gbm, seed=options.seed)
    best = int(booster.best_iteration or booster.current_iteration())
    text = booster.model_to_string(num_iteration=best)
    raw_fit = booster.predict(matrix[fit_rows], raw_score=True, num_iteration=best)
    raw_valid = booster.predict(matrix[valid_rows], raw_score=True, num_iteration=best)
    details = {"gbm": {"model_file": LIGHTGBM, "best_iteration": best,
                       "category_codes": codes, "monotone": monotone,
                       "importance": importance(booster, names)}}
    return Fitted(files={LIGHTGBM: text}, details=details, raw_fit=raw_fit, raw_valid=raw_valid)


def _reference(x: pd.DataFrame, p: np.ndarray, spec: FeatureSpec) -> dict[str, Any]:
    """Distributions of the score and numeric features, for stability monitoring later."""
    edges = metrics.psi_edges(p)
    out: dict[str, Any] = {"score": {"edges": edges.tolist(),
                                     "share": metrics.distribution(p, edges).tolist()},
                           "features": {}}
    for name in spec.names:
        if name in spec.categorical:
            continue
        fe = metrics.psi_edges(x[name].to_numpy(dtype=float))
        out["features"][name] = {"edges": fe.tolist(),
                                 "share": metrics.distribution(x[name].to_numpy(float),
                                                               fe).tolist()}
    return out


def train_file(*, data: Path, target: str, out: Path, options: TrainOptions,
               created_at: datetime) -> ModelFiles:
    """``score train``: read ``data``, train, save to ``out`` (directory or .zip)."""
    frame = read_table(data)
    info = {"file": data.name, "sha256": file_sha256(data)}
    model = train_frame(frame, target=target, options=options, created_at=created_at,
                        data_info=info)
    save_model(model, out)
    return model


# ---------------------------------------------------------------- applying a model

@dataclass
class Scored:
    """Scores of a batch: calibrated probability, points, and contributions to risk."""

    score: np.ndarray
    points: np.ndarray
    raw: np.ndarray
    contributions: np.ndarray
    names: list[str]
    reason_method: str


class LoadedModel:
    """A saved model ready to score frames (the booster and tables built once)."""

    def __init__(self, files: ModelFiles) -> None:
        self.files = files
        self.meta = files.meta
        self.spec = FeatureSpec.from_dict(self.meta["features"])
        self._booster = None
        self._paths = None
        self._card = None

    @classmethod
    def load(cls, path: Path) -> LoadedModel:
        return cls(load_model(path))

    @property
    def kind(self) -> str:
        return self.files.kind

    @property
    def id_column(self) -> str | None:
        return self.meta.get("id_column")

    def score(self, frame: pd.DataFrame, *, reasons: str = "auto") -> Scored:
        """Score ``frame`` (raw columns as in training); ``reasons``: shap, path or auto, or
        none for scores alone (a gradient-boosting model's contributions are then empty)."""
        x = build_features(frame, self.spec)
        if self.kind == "scorecard":
            return self._score_card(x)
        return self._score_gbm(x, reasons=reasons)

    def _score_card(self, x: pd.DataFrame) -> Scored:
        from arrears.scoring.scorecard import Scorecard, check_points, score_scorecard

        if self._card is None:
            sc = self.meta["scaling"]
            self._card = Scorecard(table=self.files.scorecard_table(),
                                   intercept=float(self.meta["scorecard"]["intercept"]),
                                   offset=sc["offset"], factor=sc["factor"])
        raw, points, lost = score_scorecard(self._card, x)
        check_points(self._card, raw[:1000], points[:1000])
        p = apply_calibration(raw, self.meta["calibration"])
        return Scored(score=p, points=points, raw=raw, contributions=lost,
                      names=self._card.features, reason_method="points_lost")

    def booster(self):  # type: ignore[no-untyped-def]
        if self._booster is None:
            import lightgbm as lgb

            self._booster = lgb.Booster(model_str=self.files.files[LIGHTGBM])
        return self._booster

    def _score_gbm(self, x: pd.DataFrame, *, reasons: str) -> Scored:
        from arrears.scoring.gbm import contributions, encode, path_contributions, path_tables

        matrix = encode(x, self.meta["gbm"]["category_codes"])
        method = reasons if reasons != "auto" else ("shap" if len(x) <= SHAP_ROWS else "path")
        if method == "shap":
            raw, contrib = contributions(self.booster(), matrix)
        elif method == "none":
            raw = self.booster().predict(matrix, raw_score=True)
            contrib = np.zeros((len(matrix), 0))
        elif method == "path":
            if self._paths is None:
                self._paths = path_tables(self.booster())
            raw, contrib = _chunked(lambda m: path_contributions(
                self.booster(), self._paths, m, n_features=len(self.spec.names)), matrix)
        else:
            raise BadModel(f"unknown reason method {reasons!r}; use shap, path, auto or none",
                           field="reasons")
        p = apply_calibration(raw, self.meta["calibration"])
        sc = self.meta["scaling"]
        points = points_from_logit(logit(p), offset=sc["offset"], factor=sc["factor"])
        return Scored(score=p, points=points, raw=raw, contributions=contrib,
                      names=self.spec.names, reason_method=method)


SHAP_ROWS = 100_000
CHUNK_ROWS = 200_000


def _chunked(fn, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Run ``fn`` over row chunks to bound memory (leaf matrices are rows x trees)."""
    raws, contribs = [], []
    for start in range(0, max(len(matrix), 1), CHUNK_ROWS):
        raw, contrib = fn(matrix[start:start + CHUNK_ROWS])
        raws.append(raw)
        contribs.append(contrib)
    return np.concatenate(raws), np.concatenate(contribs)


def scores_frame(model: LoadedModel, frame: pd.DataFrame, *, top: int = 3,
                 reasons: str = "auto") -> tuple[pd.DataFrame, str]:
    """One row per input row, in order: id, score, points, reason_1..reason_top."""
    id_col = model.id_column
    if id_col and id_col not in frame.columns:
        raise BadTrainingData(f"the data lacks the id column {id_col!r} the model was trained "
                              "with", field="id")
    scored = model.score(frame, reasons=reasons)
    out: dict[str, Any] = {}
    if id_col:
        out[id_col] = frame[id_col].to_numpy()
    else:
        out["row"] = np.arange(1, len(frame) + 1)
    out["score"] = np.round(scored.score, 6)
    out["points"] = np.round(scored.points, 1)
    for i, col in enumerate(top_reasons(scored.contributions, scored.names, k=top), start=1):
        out[f"reason_{i}"] = col
    return pd.DataFrame(out), scored.reason_method


def write_scores(frame: pd.DataFrame, out: Path) -> None:
    """Write scores as CSV (fast Arrow writer) or Parquet, atomically."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    out.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    tmp = out.with_name(f".{out.name}.part")
    if out.suffix.lower() in {".parquet", ".pq"}:
        pq.write_table(table, tmp)
    else:
        pacsv.write_csv(table, tmp)
    tmp.replace(out)


def apply_file(*, model: Path, data: Path, out: Path, top: int = 3,
               reasons: str = "auto") -> dict[str, Any]:
    """``score apply``: score every row of ``data`` with the saved ``model`` into ``out``."""
    loaded = LoadedModel.load(model)
    frame = read_table(data)
    scores, method = scores_frame(loaded, frame, top=top, reasons=reasons)
    write_scores(scores, out)
    target = loaded.meta["target"]["column"]
    summary: dict[str, Any] = {"rows": int(len(scores)), "kind": loaded.kind,
                               "reasons": method, "mean_score": float(scores["score"].mean())
                               if len(scores) else None}
    if target in frame.columns and frame[target].notna().all():
        y = (frame[target].astype(str).to_numpy() == loaded.meta["target"]["positive"])
        if 0 < y.sum() < len(y):
            summary["metrics"] = metrics.summary(y.astype(int), scores["score"].to_numpy())
    return summary
