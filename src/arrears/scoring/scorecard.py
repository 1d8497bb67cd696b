"""Scorecard: optimal monotonic binning (optbinning), WoE, logistic regression, points.

The fitted scorecard is nothing but its table (one row per feature and bin with its WoE,
coefficient and points) plus the intercept: it is saved as CSV, read by a person, and
applied straight from the table with numpy, so no binary object is ever stored.
WoE follows optbinning: ln(share of non-events / share of events), so a higher WoE is a
safer bin and a sound coefficient is negative.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from arrears.scoring.errors import BadModel, BadTrainingData
from arrears.scoring.reasons import points_from_logit

MISSING = "Missing"
TABLE_COLUMNS = ["feature", "kind", "bin_index", "bin", "lower", "upper", "categories", "count",
                 "count_share", "event_rate", "woe", "iv", "coefficient", "points"]


@dataclass(frozen=True)
class ScorecardParams:
    """Hyperparameters of the scorecard (the CLI's defaults)."""

    min_iv: float = 0.01
    min_bin_size: float = 0.02
    max_bins: int = 10
    monotonic_trend: str = "auto_asc_desc"
    regularization_c: float = 1.0


@dataclass(frozen=True)
class Scorecard:
    """A fitted scorecard: its table (see ``TABLE_COLUMNS``) and the logistic intercept."""

    table: pd.DataFrame
    intercept: float
    offset: float
    factor: float

    @property
    def features(self) -> list[str]:
        return list(dict.fromkeys(self.table["feature"]))


def fit_scorecard(x: pd.DataFrame, y: np.ndarray, *, categorical: list[str],
                  params: ScorecardParams, offset: float, factor: float) -> Scorecard:
    """Bin every feature, keep the informative ones, fit the regression, scale to points."""
    bins = _fit_bins(x, y, categorical=categorical, params=params)
    if not bins:
        raise BadTrainingData(f"no feature reaches an information value of {params.min_iv}",
                              field="data")
    features = list(bins)
    while True:
        woe = np.column_stack([_woe_of(x[f].to_numpy(), bins[f]) for f in features])
        coef, intercept = _logistic(woe, y, c=params.regularization_c)
        wrong = [f for f, b in zip(features, coef, strict=True) if b > 0]
        if not wrong or len(features) == 1:
            break
        # A positive coefficient on WoE contradicts the bin's own evidence (collinearity):
        # drop the worst offender and refit, so every row of the table reads sensibly.
        features.remove(max(wrong, key=lambda f: coef[features.index(f)]))
    table = _table(bins, features, coef, intercept, offset=offset, factor=factor)
    return Scorecard(table=table, intercept=intercept, offset=offset, factor=factor)


def _fit_bins(x: pd.DataFrame, y: np.ndarray, *, categorical: list[str],
              params: ScorecardParams) -> dict[str, pd.DataFrame]:
    from optbinning import OptimalBinning

    out: dict[str, pd.DataFrame] = {}
    cats = set(categorical)
    for name in x.columns:
        kind = "categorical" if name in cats else "numerical"
        values = x[name].to_numpy()
        extra = {} if kind == "categorical" else {"monotonic_trend": params.monotonic_trend}
        ob = OptimalBinning(name=name, dtype=kind, min_prebin_size=params.min_bin_size,
                            max_n_bins=params.max_bins, **extra)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ob.fit(values if kind == "categorical" else values.astype(float), y)
        bins = _bins_frame(ob, kind)
        if bins["iv"].sum() >= params.min_iv:
            out[name] = bins
    return out


def _bins_frame(ob, kind: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """One row per bin (regular bins, then Missing) from a fitted OptimalBinning."""
    built = ob.binning_table.build(add_totals=False)
    regular = built[~built["Bin"].isin(["Special", "Missing"])].reset_index(drop=True)
    missing = built[built["Bin"] == "Missing"].iloc[0]
    rows = []
    splits = list(ob.splits)
    for i, row in regular.iterrows():
        if kind == "numerical":
            lower = -np.inf if i == 0 else float(splits[i - 1])
            upper = np.inf if i == len(splits) else float(splits[i])
            label, cats = f"[{lower:g}, {upper:g})", ""
        else:
            members = [str(v) for v in splits[i]]
            lower = upper = np.nan
            label, cats = ", ".join(members), json.dumps(members, ensure_ascii=False)
        rows.append(_bin_row(kind, i, label, lower, upper, cats, row))
    rows.append(_bin_row(kind, len(regular), MISSING, np.nan, np.nan, "", missing))
    return pd.DataFrame(rows)


def _bin_row(kind, index, label, lower, upper, cats, row) -> dict:  # type: ignore[no-untyped-def]
    return {"kind": kind, "bin_index": index, "bin": label, "lower": lower, "upper": upper,
            "categories": cats, "count": int(row["Count"]),
            "count_share": float(row["Count (%)"]), "event_rate": float(row["Event rate"] or 0),
            "woe": float(row["WoE"] or 0.0), "iv": float(row["IV"] or 0.0)}


def _logistic(woe: np.ndarray, y: np.ndarray, *, c: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(woe, y)
    return model.coef_[0].astype(float), float(model.intercept_[0])


def _table(bins: dict[str, pd.DataFrame], features: list[str], coef: np.ndarray,
           intercept: float, *, offset: float, factor: float) -> pd.DataFrame:
    parts = []
    n = len(features)
    for name, beta in zip(features, coef, strict=True):
        frame = bins[name].copy()
        frame.insert(0, "feature", name)
        frame["coefficient"] = float(beta)
        frame["points"] = offset / n - factor * (beta * frame["woe"] + intercept / n)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)[TABLE_COLUMNS]


def _woe_of(values: np.ndarray, bins: pd.DataFrame, column: str = "woe") -> np.ndarray:
    """Per-row value of ``column`` for the bin each value falls in."""
    index = bin_index(values, bins)
    return bins[column].to_numpy(dtype=float)[index]


def bin_index(values: np.ndarray, bins: pd.DataFrame) -> np.ndarray:
    """Row position in ``bins`` for each value; missing and unseen values go to Missing."""
    missing_at = len(bins) - 1
    if bins["kind"].iloc[0] == "numerical":
        x = np.asarray(values, dtype=float)
        splits = bins["upper"].to_numpy(dtype=float)[:-2]  # uppers of all but the last bin
        index = np.searchsorted(splits, x, side="right")
        return np.where(np.isnan(x), missing_at, index)
    lookup: dict[str, int] = {}
    for pos, cats in enumerate(bins["categories"]):
        for cat in json.loads(cats) if isinstance(cats, str) and cats else []:
            lookup[cat] = pos
    mapped = pd.Series(values, dtype=object).map(lookup)
    return mapped.fillna(missing_at).to_numpy(dtype=np.int64)


def score_scorecard(card: Scorecard, x: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(raw log-odds of the positive class, points, points lost per feature) for ``x``."""
    n = len(x)
    features = card.features
    points = np.zeros(n)
    lost = np.empty((n, len(features)))
    logit = np.full(n, card.intercept)
    for j, (name, bins) in enumerate(card.table.groupby("feature", sort=False)):
        bins = bins.reset_index(drop=True)
        index = bin_index(x[name].to_numpy(), bins)
        row_points = bins["points"].to_numpy(dtype=float)[index]
        points += row_points
        lost[:, j] = bins["points"].max() - row_points
        logit += bins["coefficient"].iloc[0] * bins["woe"].to_numpy(dtype=float)[index]
    return logit, points, lost


def check_points(card: Scorecard, logit: np.ndarray, points: np.ndarray) -> None:
    """Points and log-odds must agree; a hand-edited table that breaks this is refused."""
    expected = points_from_logit(logit, offset=card.offset, factor=card.factor)
    if len(points) and not np.allclose(points, expected, atol=1e-6 * max(1.0, card.factor)):
        raise BadModel("scorecard.csv points do not match its WoE and coefficients",
                       field="model")


def read_table(path) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Load a saved scorecard table, checking its columns."""
    table = pd.read_csv(path, keep_default_na=False, na_values=[""],
                        dtype={"categories": str, "bin": str})
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise BadModel(f"{path}: scorecard table lacks column(s) {missing}", field="model")
    table["categories"] = table["categories"].fillna("")
    return table
