"""Gradient boosting with LightGBM: early stopping, monotone constraints, SHAP reasons.

Categorical columns are coded as integers from the categories seen in training (kept in
the model's metadata; an unseen category is treated as missing). The booster is saved as
LightGBM's own text format.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from arrears.scoring.errors import BadTrainingData


@dataclass(frozen=True)
class GbmParams:
    """Hyperparameters (the CLI's defaults, tuned on public credit data)."""

    learning_rate: float = 0.03
    num_leaves: int = 15
    min_child_samples: int = 100
    feature_fraction: float = 0.7
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 1.0
    max_rounds: int = 3000
    early_stopping_rounds: int = 100
    threads: int = 2

    def lightgbm(self, *, seed: int) -> dict[str, object]:
        params = asdict(self)
        rounds = {k: params.pop(k) for k in ("max_rounds", "early_stopping_rounds", "threads")}
        return {**params, "objective": "binary", "metric": "auc", "verbose": -1,
                "seed": seed, "deterministic": True, "force_row_wise": True,
                "num_threads": rounds["threads"]}


def parse_monotone(text: str | None, features: list[str]) -> dict[str, int]:
    """``"col=+1,other=-1"`` to a mapping; every name must be a feature."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, sep, sign = part.partition("=")
        if not sep or sign.strip() not in {"+1", "1", "-1", "0"}:
            raise BadTrainingData(f"monotone constraint {part!r}: write column=+1, column=-1 "
                                  "or column=0", field="monotone")
        if name.strip() not in features:
            raise BadTrainingData(f"monotone constraint on {name.strip()!r}: not a feature",
                                  field="monotone")
        out[name.strip()] = int(sign)
    return out


def category_codes(x: pd.DataFrame, categorical: list[str]) -> dict[str, list[str]]:
    """The categories seen in training for each categorical column (sorted)."""
    return {c: sorted({str(v) for v in x[c].dropna().unique()}) for c in categorical}


def encode(x: pd.DataFrame, codes: dict[str, list[str]]) -> np.ndarray:
    """Float matrix for LightGBM: categories as their code, unseen or missing as NaN."""
    out = np.empty(x.shape, dtype=np.float64)
    for j, name in enumerate(x.columns):
        if name in codes:
            lookup = {c: float(i) for i, c in enumerate(codes[name])}
            out[:, j] = pd.Series(x[name].to_numpy(), dtype=object).map(lookup).to_numpy(float)
        else:
            out[:, j] = x[name].to_numpy(dtype=float)
    return out


def fit_gbm(*, train: tuple[np.ndarray, np.ndarray], valid: tuple[np.ndarray, np.ndarray],
            features: list[str], categorical: list[str], monotone: dict[str, int],
            params: GbmParams, seed: int):  # type: ignore[no-untyped-def]
    """Train with early stopping on the validation part; returns the LightGBM booster."""
    import lightgbm as lgb

    bad = [c for c in monotone if c in categorical and monotone[c]]
    if bad:
        raise BadTrainingData(f"monotone constraints need numeric columns, not {bad}",
                              field="monotone")
    config = params.lightgbm(seed=seed)
    if monotone:
        config["monotone_constraints"] = [monotone.get(f, 0) for f in features]
        config["monotone_constraints_method"] = "advanced"
    cat_index = [features.index(c) for c in categorical]
    dtrain = lgb.Dataset(train[0], train[1], feature_name=features,
                         categorical_feature=cat_index, free_raw_data=False)
    dvalid = lgb.Dataset(valid[0], valid[1], reference=dtrain)
    return lgb.train(config, dtrain, num_boost_round=params.max_rounds, valid_sets=[dvalid],
                     callbacks=[lgb.early_stopping(params.early_stopping_rounds, verbose=False)])


def contributions(booster, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """(raw log-odds, SHAP contribution per feature) from LightGBM's ``pred_contrib``."""
    contrib = booster.predict(matrix, pred_contrib=True, num_iteration=booster.best_iteration)
    return contrib.sum(axis=1), contrib[:, :-1]


def importance(booster, features: list[str]) -> list[dict[str, float]]:  # type: ignore[no-untyped-def]
    """Gain importance per feature, largest first, as shares of the total."""
    gain = booster.feature_importance(importance_type="gain")
    total = float(gain.sum()) or 1.0
    rows = [{"feature": f, "gain_share": float(g) / total} for f, g in zip(features, gain,
                                                                            strict=True)]
    return sorted(rows, key=lambda r: -r["gain_share"])


@dataclass(frozen=True)
class PathTables:
    """Per tree: the features its splits use and, per leaf, each one's share of the path."""

    features: list[np.ndarray]   # per tree: feature indexes used
    tables: list[np.ndarray]     # per tree: (features used x leaves) contributions
    bias: float                  # sum of the trees' root values


def path_tables(booster) -> PathTables:  # type: ignore[no-untyped-def]
    """Decompose each tree's leaf values along its decision path (tree-path attribution).

    Every split on the way from the root to a leaf moves the expected value from the
    parent's to the child's; that move is credited to the split's feature. A row's
    contributions therefore depend only on the leaves it reaches, which lets a million
    rows be explained with a few gathers per tree.
    """
    feats: list[np.ndarray] = []
    tabs: list[np.ndarray] = []
    bias = 0.0
    for tree in booster.dump_model()["tree_info"]:
        root = tree["tree_structure"]
        per_leaf: dict[int, dict[int, float]] = {}
        _walk(root, {}, per_leaf)
        used = sorted({f for d in per_leaf.values() for f in d})
        table = np.zeros((len(used), max(tree["num_leaves"], 1)), dtype=np.float64)
        for leaf, credit in per_leaf.items():
            for f, v in credit.items():
                table[used.index(f), leaf] = v
        bias += float(root.get("internal_value", root.get("leaf_value", 0.0)))
        feats.append(np.asarray(used, dtype=np.int64))
        tabs.append(table)
    return PathTables(features=feats, tables=tabs, bias=bias)


def _walk(node: dict, credit: dict[int, float], out: dict[int, dict[int, float]]) -> None:
    if "leaf_index" in node:
        out[node["leaf_index"]] = credit
        return
    if "split_feature" not in node:  # a single-leaf tree
        out[0] = credit
        return
    value = node["internal_value"]
    feature = node["split_feature"]
    for child in (node["left_child"], node["right_child"]):
        child_value = child.get("internal_value", child.get("leaf_value", value))
        moved = dict(credit)
        moved[feature] = moved.get(feature, 0.0) + child_value - value
        _walk(child, moved, out)


def path_contributions(booster, tables: PathTables, matrix: np.ndarray,  # type: ignore[no-untyped-def]
                       *, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """(raw log-odds, contribution per feature) by tree-path attribution, vectorised."""
    leaves = booster.predict(matrix, pred_leaf=True).astype(np.int32, copy=False)
    leaves = np.ascontiguousarray(leaves.T)
    acc = np.zeros((n_features, matrix.shape[0]), dtype=np.float64)
    for t, (used, table) in enumerate(zip(tables.features, tables.tables, strict=True)):
        at = leaves[t]
        for k, f in enumerate(used):
            acc[f] += table[k][at]
    contrib = acc.T
    return contrib.sum(axis=1) + tables.bias, contrib
