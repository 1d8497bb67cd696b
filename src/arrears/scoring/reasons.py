"""Reason codes: the features that pushed each row's risk up the most, vectorised.

Both model kinds produce a contribution matrix (rows x features) in which a larger value
means more risk: points lost against the best bin for a scorecard, SHAP or tree-path
contributions for gradient boosting. The top reasons are a partial argsort of that matrix;
no Python loop runs per row.
"""

from __future__ import annotations

import numpy as np


def top_reasons(contributions: np.ndarray, names: list[str], *, k: int = 3,
                min_contribution: float = 1e-9) -> list[np.ndarray]:
    """``k`` arrays of reason names (most important first); empty where nothing adds risk."""
    positions, _ = top_reason_positions(contributions, k=k, min_contribution=min_contribution)
    labels = np.asarray([*names, ""], dtype=object)
    return [labels[positions[:, j]] for j in range(positions.shape[1])]


def top_reason_positions(contributions: np.ndarray, *, k: int = 3,
                         min_contribution: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """(rows x k feature positions, their contributions), most important first; where
    nothing more adds risk the position is the number of features (no reason)."""
    n_rows, n_features = contributions.shape
    k = min(k, n_features)
    if n_rows == 0 or k == 0:
        return np.zeros((n_rows, k), dtype=np.int64), np.zeros((n_rows, k))
    part = np.argpartition(-contributions, k - 1, axis=1)[:, :k]
    values = np.take_along_axis(contributions, part, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    top = np.take_along_axis(part, order, axis=1)
    top_values = np.take_along_axis(values, order, axis=1)
    return np.where(top_values > min_contribution, top, n_features), top_values


def points_scaling(*, base_score: float, base_odds: float, pdo: float) -> tuple[float, float]:
    """(offset, factor) so that points = offset + factor * ln(odds good:bad)."""
    factor = pdo / np.log(2.0)
    offset = base_score - factor * np.log(base_odds)
    return float(offset), float(factor)


def points_from_logit(risk_logit: np.ndarray, *, offset: float, factor: float) -> np.ndarray:
    """Points for log-odds of the positive (bad) class: fewer points, more risk."""
    return offset - factor * risk_logit
