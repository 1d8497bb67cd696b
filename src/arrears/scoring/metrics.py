"""Discrimination, calibration and stability measures (numpy, vectorised)."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); NaN with one class."""
    y = np.asarray(y).astype(bool)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(p)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def ks(y: np.ndarray, p: np.ndarray) -> float:
    """Kolmogorov-Smirnov: the largest gap between the score CDFs of the two classes."""
    y = np.asarray(y).astype(bool)
    if y.all() or not y.any():
        return float("nan")
    order = np.argsort(p, kind="stable")
    ys = y[order]
    ps = np.asarray(p)[order]
    cum_pos = np.cumsum(ys) / ys.sum()
    cum_neg = np.cumsum(~ys) / (~ys).sum()
    last = np.r_[ps[1:] != ps[:-1], True]  # only compare at the end of tied runs
    return float(np.max(np.abs(cum_pos - cum_neg)[last]))


def gini(y: np.ndarray, p: np.ndarray) -> float:
    """Gini (accuracy ratio) = 2 AUC - 1."""
    return 2 * auc(y, p) - 1


def roc_points(y: np.ndarray, p: np.ndarray, *, points: int = 101) -> list[tuple[float, float]]:
    """(false positive rate, true positive rate) at ``points`` thresholds for a chart."""
    y = np.asarray(y).astype(bool)
    thresholds = np.unique(np.quantile(p, np.linspace(0, 1, points)))[::-1]
    pos, neg = max(int(y.sum()), 1), max(int((~y).sum()), 1)
    p = np.asarray(p)
    out = [(0.0, 0.0)]
    for t in thresholds:
        flagged = p >= t
        out.append((float((flagged & ~y).sum() / neg), float((flagged & y).sum() / pos)))
    out.append((1.0, 1.0))
    return out


def calibration_table(y: np.ndarray, p: np.ndarray, *, bins: int = 10) -> list[dict[str, float]]:
    """Mean predicted vs observed rate per score decile."""
    p = np.asarray(p)
    y = np.asarray(y).astype(float)
    edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
    index = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, max(len(edges) - 2, 0))
    rows = []
    for b in range(max(len(edges) - 1, 1)):
        mask = index == b
        if mask.any():
            rows.append({"predicted": float(p[mask].mean()), "observed": float(y[mask].mean()),
                         "count": int(mask.sum())})
    return rows


def summary(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """AUC, KS, Gini, Brier score, event rate and row count of one sample."""
    y = np.asarray(y)
    p = np.asarray(p, dtype=float)
    return {"auc": round(auc(y, p), 4), "ks": round(ks(y, p), 4), "gini": round(gini(y, p), 4),
            "brier": round(float(np.mean((p - y) ** 2)), 4),
            "event_rate": round(float(np.mean(y)), 4), "rows": int(len(y))}


def psi_edges(reference: np.ndarray, *, bins: int = 10) -> np.ndarray:
    """Bin edges for PSI from the reference population's quantiles (unique, open ends)."""
    ref = np.asarray(reference, dtype=float)
    ref = ref[~np.isnan(ref)]
    if ref.size == 0:
        return np.array([])
    inner = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1))[1:-1])
    return inner


def distribution(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of values per bin (bins from ``edges``, plus one for missing values)."""
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    idx = np.searchsorted(edges, values[~missing], side="right")
    counts = np.bincount(idx, minlength=len(edges) + 1).astype(float)
    counts = np.append(counts, float(missing.sum()))
    total = counts.sum()
    return counts / total if total else counts


def psi(reference_share: np.ndarray, current_share: np.ndarray, *, floor: float = 1e-4) -> float:
    """Population stability index between two binned distributions."""
    ref = np.maximum(np.asarray(reference_share, dtype=float), floor)
    cur = np.maximum(np.asarray(current_share, dtype=float), floor)
    return float(np.sum((cur - ref) * np.log(cur / ref)))
