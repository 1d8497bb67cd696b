"""Probability calibration fitted on the validation part, stored as plain numbers.

``platt``: p = 1 / (1 + exp(-(a * logit + b))) on the model's raw log-odds; keeps the
order of scores. ``isotonic``: a step function from raw probability to observed rate,
kept as its breakpoints and applied with linear interpolation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arrears.scoring.errors import BadModel

METHODS = ("platt", "isotonic")


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def fit_calibration(raw_logit: np.ndarray, y: np.ndarray, *, method: str) -> dict[str, Any]:
    """Fit ``method`` mapping the raw log-odds to calibrated probabilities."""
    if method == "platt":
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=1e6, max_iter=1000)
        model.fit(raw_logit.reshape(-1, 1), y)
        return {"method": "platt", "a": float(model.coef_[0, 0]),
                "b": float(model.intercept_[0])}
    if method == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(out_of_bounds="clip", y_min=1e-6, y_max=1 - 1e-6)
        iso.fit(sigmoid(raw_logit), y)
        return {"method": "isotonic", "x": [float(v) for v in iso.X_thresholds_],
                "y": [float(v) for v in iso.y_thresholds_]}
    raise BadModel(f"unknown calibration {method!r}; choose one of {', '.join(METHODS)}",
                   field="calibration")


def apply_calibration(raw_logit: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Calibrated probabilities for raw log-odds."""
    method = params.get("method")
    if method == "platt":
        return sigmoid(params["a"] * raw_logit + params["b"])
    if method == "isotonic":
        return np.interp(sigmoid(raw_logit), np.asarray(params["x"]), np.asarray(params["y"]))
    if method == "none":
        return sigmoid(raw_logit)
    raise BadModel(f"unknown calibration {method!r} in the model", field="calibration")
