"""The training report: one self-contained HTML page (inline SVG charts, no scripts)."""

from __future__ import annotations

from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape

from arrears.scoring import metrics
from arrears.scoring.charts import bar_chart, histogram, line_chart
from arrears.scoring.model_store import ModelFiles

_ENV = Environment(loader=PackageLoader("arrears.scoring", "templates"),
                   autoescape=select_autoescape(["html"]))


def score_histogram(y: np.ndarray, p: np.ndarray, *, bins: int = 20) -> str:
    """Score distribution of each class (shares per bin)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    series = []
    for label, mask in (("target = 0", y == 0), ("target = 1", y == 1)):
        counts = np.histogram(p[mask], bins=edges)[0].astype(float)
        series.append((label, (counts / max(counts.sum(), 1)).tolist()))
    return histogram("Score distribution (validation)", edges.tolist(), series,
                     x_label="calibrated probability", y_label="share of class")


def charts(model: ModelFiles, y: np.ndarray, p: np.ndarray) -> dict[str, str]:
    """ROC, calibration, score distribution and importance charts as SVG strings."""
    cal = metrics.calibration_table(y, p)
    top = max([r["predicted"] for r in cal] + [r["observed"] for r in cal] + [0.05])
    out = {
        "roc": line_chart("ROC (validation)", [("model", metrics.roc_points(y, p))],
                          x_label="false positive rate", y_label="true positive rate",
                          diagonal=True),
        "calibration": line_chart("Calibration by decile (validation)",
                                  [("observed", [(r["predicted"], r["observed"]) for r in cal])],
                                  x_label="mean predicted", y_label="observed rate",
                                  diagonal=True, markers=True, x_range=(0, top),
                                  y_range=(0, top)),
        "distribution": score_histogram(y, p),
    }
    if model.kind == "scorecard":
        iv = model.meta["scorecard"]["information_value"]
        out["importance"] = bar_chart("Information value per feature", list(iv.items()),
                                      x_label="information value (IV)")
    else:
        imp = model.meta["gbm"]["importance"]
        out["importance"] = bar_chart("Feature importance (gain share)",
                                      [(r["feature"], r["gain_share"]) for r in imp],
                                      x_label="share of total gain")
    return out


def training_report(model: ModelFiles, *, y_valid: np.ndarray, p_valid: np.ndarray) -> str:
    """Render the report of a freshly trained model."""
    meta = model.meta
    table: list[dict[str, Any]] = []
    if model.kind == "scorecard":
        table = model.scorecard_table().to_dict("records")
    return _ENV.get_template("scoring_report.html").render(
        meta=meta, charts=charts(model, y_valid, p_valid), scorecard=table,
        calibration=metrics.calibration_table(y_valid, p_valid))
