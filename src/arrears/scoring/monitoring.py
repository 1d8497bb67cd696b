"""Drift monitoring of the behaviour models: PSI of the score and of each feature between
the training reference and the cases scored on a day, and AUC on matured outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables_scoring import CaseScore, ScoringMonitor
from arrears.scoring import metrics
from arrears.scoring.behaviour import HORIZON_DAYS, feature_frame, outcomes
from arrears.scoring.behaviour_models import TARGETS, book_context, model_for
from arrears.scoring.settings import scoring_settings
from arrears.scoring.stored import RISK_MODEL, scored_day
from arrears.scoring.workbench import LoadedModel


@dataclass
class MonitorResult:
    """The day's figures (one dict per model, metric and subject) and the alerts among them."""

    as_of: date
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["alert"]]


def _scores(session: Any, *, model: str, day: date) -> tuple[list[str], np.ndarray]:
    rows = session.execute(select(CaseScore.customer_id, CaseScore.score).where(
        CaseScore.model == model, CaseScore.as_of == day)).all()
    return [r[0] for r in rows], np.array([r[1] for r in rows], dtype=float)


def _psi_row(name: str, subject: str, ref: dict[str, Any], values: np.ndarray,
             settings: Any, model_id: int, day: date) -> dict[str, Any]:
    edges = np.asarray(ref["edges"], dtype=float)
    value = metrics.psi(np.asarray(ref["share"]), metrics.distribution(values, edges))
    level = ("alert" if value >= settings.psi_alert else
             "watch" if value >= settings.psi_warn else "stable")
    return {"model": name, "model_id": model_id, "metric": "psi", "subject": subject,
            "value": round(value, 4), "threshold": settings.psi_alert,
            "alert": level == "alert", "detail": {"level": level, "scored_on": day.isoformat(),
                                                  "rows": int(len(values))}}


def monitor(*, app: Any, as_of: date) -> MonitorResult:
    """Compute and store the day's drift figures and alerts (re-running replaces them)."""
    settings = scoring_settings(app)
    ctx = book_context(app)
    result = MonitorResult(as_of=as_of)
    with app.session_factory() as session:
        for name in TARGETS:
            model = model_for(session, name=name, as_of=as_of)
            day = scored_day(session, model=name, on_or_before=as_of)
            if model is None or day is None:
                result.notes.append(f"{name}: no model or no scores on or before {as_of}")
                continue
            ref = LoadedModel.load(Path(model.path)).meta["reference"]
            customers, scores = _scores(session, model=name, day=day)
            result.rows.append(_psi_row(name, "score", ref["score"], scores, settings,
                                        model.model_id, day))
            feats = feature_frame(backend=ctx.backend, session=session, as_of=day,
                                  tolerance=ctx.tolerance, buckets=ctx.buckets, zone=ctx.zone,
                                  customers=sorted(set(customers)))
            for feature, fref in ref["features"].items():
                if feature in feats.columns:
                    result.rows.append(_psi_row(name, feature, fref,
                                                feats[feature].to_numpy(float), settings,
                                                model.model_id, day))
            matured = _matured_auc(session, ctx=ctx, name=name, as_of=as_of, settings=settings,
                                   model_id=model.model_id)
            if matured:
                result.rows.append(matured)
    _store(app, result)
    return result


def _matured_auc(session: Any, *, ctx: Any, name: str, as_of: date, settings: Any,
                 model_id: int) -> dict[str, Any] | None:
    """AUC of the scores of the latest day whose 30-day outcome is known by ``as_of``."""
    day = scored_day(session, model=name, on_or_before=as_of - timedelta(days=HORIZON_DAYS))
    if day is None:
        return None
    customers, scores = _scores(session, model=name, day=day)
    feats = feature_frame(backend=ctx.backend, session=session, as_of=day,
                          tolerance=ctx.tolerance, buckets=ctx.buckets, zone=ctx.zone,
                          customers=sorted(set(customers)))
    later = outcomes(ctx.backend, as_of=day, tolerance=ctx.tolerance,
                     buckets=ctx.buckets).to_pandas()
    merged = feats[["customer_id", "dpd_now"]].merge(later, on="customer_id", how="left")
    dpd_later = dict(zip(merged["customer_id"], merged["dpd_later"].fillna(0), strict=True))
    dpd_now = dict(zip(merged["customer_id"], merged["dpd_now"], strict=True))
    if name == "roll30":
        y = np.array([dpd_later.get(c, 0) >= dpd_now.get(c, 0) + HORIZON_DAYS
                      for c in customers], dtype=int)
    else:
        y = np.array([dpd_later.get(c, 0) == 0 for c in customers], dtype=int)
    value = metrics.auc(y, scores)
    if np.isnan(value):
        return None
    return {"model": name, "model_id": model_id, "metric": "auc", "subject": "matured",
            "value": round(value, 4), "threshold": settings.auc_alert,
            "alert": value < settings.auc_alert,
            "detail": {"scored_on": day.isoformat(), "rows": int(len(y)),
                       "event_rate": round(float(y.mean()), 4)}}


def _store(app: Any, result: MonitorResult) -> None:
    with unit_of_work(app.session_factory) as session:
        session.execute(delete(ScoringMonitor).where(ScoringMonitor.as_of == result.as_of))
        if result.rows:
            session.execute(insert(ScoringMonitor), [{**r, "as_of": result.as_of}
                                                     for r in result.rows])


def risk_overview(session: Any, *, as_of: date) -> dict[str, Any]:
    """Plain figures for the risk team's page: models, recent runs, bands, drift, alerts."""
    from arrears.adapters.db.tables_scoring import ScoringModel, ScoringRun
    from arrears.scoring.bands import BANDS
    from arrears.scoring.charts import bar_chart

    models = [{"name": m.name, "id": m.model_id, "kind": m.kind, "trained_as_of": m.trained_as_of,
               "rows": m.rows, "active": m.active,
               "auc": (m.metrics.get("validation") or {}).get("auc")}
              for m in session.scalars(select(ScoringModel).order_by(
                  ScoringModel.model_id.desc())).all()[:10]]
    runs = [{"as_of": r.as_of, "model": r.model, "status": r.status, "reason": r.reason,
             "cases": r.cases}
            for r in session.scalars(select(ScoringRun).where(ScoringRun.as_of <= as_of)
                                     .order_by(ScoringRun.as_of.desc(), ScoringRun.model)
                                     ).all()[:14]]
    day = scored_day(session, model=RISK_MODEL, on_or_before=as_of)
    counts = dict(session.execute(select(CaseScore.band, func.count()).where(
        CaseScore.model == RISK_MODEL, CaseScore.as_of == day).group_by(CaseScore.band)).all()
        ) if day else {}
    mon_day = session.scalar(select(func.max(ScoringMonitor.as_of)).where(
        ScoringMonitor.as_of <= as_of))
    drift = [{"model": m.model, "metric": m.metric, "subject": m.subject, "value": m.value,
              "threshold": m.threshold, "alert": m.alert,
              "level": (m.detail or {}).get("level", "alert" if m.alert else "ok")}
             for m in session.scalars(select(ScoringMonitor).where(
                 ScoringMonitor.as_of == mon_day).order_by(
                 ScoringMonitor.alert.desc(), ScoringMonitor.model,
                 ScoringMonitor.metric, ScoringMonitor.value.desc())).all()] if mon_day else []
    chart = bar_chart(f"roll30 bands {day}", [(b, float(counts.get(b, 0))) for b in BANDS],
                      x_label="cases") if counts else ""
    return {"models": models, "runs": runs, "scored_day": day, "bands": counts,
            "band_chart": chart, "monitor_day": mon_day, "drift": drift,
            "alerts": sum(1 for d in drift if d["alert"])}
