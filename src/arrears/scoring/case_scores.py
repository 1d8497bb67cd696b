"""Scoring every open case for a day: score, band, reason codes and segment per model."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, insert, select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import CollectionCase
from arrears.adapters.db.tables_scoring import CaseScore, ScoringModel, ScoringRun
from arrears.scoring.bands import balance_band, risk_bands, segment
from arrears.scoring.behaviour import feature_frame
from arrears.scoring.behaviour_models import (
    PRIMARY,
    TARGETS,
    _risk,
    book_context,
    model_for,
    train_behaviour,
)
from arrears.scoring.errors import BadModel, ModelNotFound, NotEnoughHistory
from arrears.scoring.reasons import top_reasons
from arrears.scoring.settings import scoring_settings
from arrears.scoring.workbench import LoadedModel

REASONS_PER_CASE = 3


@dataclass
class ScoringOutcome:
    """What scoring a day did, per model: cases scored, or why it was skipped."""

    as_of: date
    scored: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    trained: list[str] = field(default_factory=list)


def open_cases(session: Any, *, as_of: date) -> pd.DataFrame:
    """Open cases on ``as_of``: id, customer, bucket and balance."""
    c = CollectionCase
    rows = session.execute(select(c.case_id, c.customer_id, c.bucket, c.outstanding_principal)
                           .where(c.status == "open", c.opened_on <= as_of)
                           .order_by(c.case_id)).all()
    return pd.DataFrame(rows, columns=["case_id", "customer_id", "bucket", "case_balance"])


def ensure_models(*, app: Any, as_of: date, at: datetime, outcome: ScoringOutcome) -> None:
    """Train the behaviour models when none can serve ``as_of`` and history allows."""
    with app.session_factory() as session:
        missing = [n for n in TARGETS if model_for(session, name=n, as_of=as_of) is None]
    if not missing:
        return
    try:
        models = train_behaviour(app=app, as_of=as_of, created_at=at)
    except NotEnoughHistory as exc:
        for name in missing:
            outcome.skipped[name] = f"no behaviour model yet and not enough history: {exc.message}"
        return
    outcome.trained += [m.name for m in models]


def score_day(*, app: Any, as_of: date, at: datetime) -> ScoringOutcome:
    """Score every open case with each behaviour model; rewrite the day's rows."""
    outcome = ScoringOutcome(as_of=as_of)
    ensure_models(app=app, as_of=as_of, at=at, outcome=outcome)
    settings = scoring_settings(app)
    with app.session_factory() as session:
        cases = open_cases(session, as_of=as_of)
        models = {n: model_for(session, name=n, as_of=as_of) for n in TARGETS
                  if n not in outcome.skipped}
        feats = None
        if len(cases) and models:
            ctx = book_context(app)
            feats = feature_frame(backend=ctx.backend, session=session, as_of=as_of,
                                  tolerance=ctx.tolerance, buckets=ctx.buckets, zone=ctx.zone,
                                  customers=sorted(set(cases["customer_id"])))
    rows: list[dict[str, Any]] = []
    if feats is not None:
        frame = cases.merge(feats, on="customer_id", how="left")
        bands: dict[int, str] = {}
        for name in (PRIMARY, *[n for n in models if n != PRIMARY]):
            if models.get(name) is None:
                continue
            scored = _score_model(frame, models[name], name=name)
            if name == PRIMARY:
                bands = dict(zip(frame["case_id"], scored["band"], strict=True))
            rows += _rows(frame, scored, models[name], name=name, as_of=as_of, bands=bands,
                          balance_edges=settings.balance_bands)
            outcome.scored[name] = len(frame)
    for name in TARGETS:
        if name not in outcome.skipped and name not in outcome.scored:
            outcome.scored[name] = 0
    _store(app, as_of=as_of, at=at, rows=rows, outcome=outcome,
           model_ids={n: m.model_id for n, m in models.items() if m is not None})
    return outcome


def _score_model(frame: pd.DataFrame, model: ScoringModel, *, name: str) -> dict[str, Any]:
    try:
        loaded = LoadedModel.load(Path(model.path))
    except (ModelNotFound, BadModel) as exc:
        raise BadModel(f"behaviour model {name} #{model.model_id}: {exc.message}",
                       field="model") from exc
    scored = loaded.score(frame, reasons="shap")
    risk = _risk(name, scored.score)
    # Reasons explain the risk: for cure30 that is what lowers the chance to cure.
    contrib = scored.contributions if name == "roll30" else -scored.contributions
    names = top_reasons(contrib, scored.names, k=REASONS_PER_CASE)
    order = {n: i for i, n in enumerate(scored.names)}
    return {"score": scored.score, "points": scored.points,
            "band": risk_bands(risk, model.band_edges), "reasons": names,
            "contrib": contrib, "order": order}


def _rows(frame: pd.DataFrame, scored: dict[str, Any], model: ScoringModel, *, name: str,
          as_of: date, bands: dict[int, str], balance_edges: list[Any]) -> list[dict[str, Any]]:
    out = []
    for i, case in enumerate(frame.itertuples(index=False)):
        reasons = []
        for column in scored["reasons"]:
            code = column[i]
            if code:
                value = getattr(case, code)
                reasons.append({"code": code, "value": _plain(value),
                                "impact": round(float(scored["contrib"][i, scored["order"][code]]),
                                                4)})
        band = scored["band"][i] if name == PRIMARY else None
        bal = balance_band(case.case_balance, balance_edges)
        risk_band = bands.get(case.case_id)
        out.append({"case_id": int(case.case_id), "as_of": as_of, "model": name,
                    "model_id": model.model_id, "customer_id": case.customer_id,
                    "score": float(scored["score"][i]), "points": float(scored["points"][i]),
                    "band": band, "reasons": reasons, "bucket": case.bucket,
                    "balance_band": bal,
                    "segment": segment(risk_band, bal, case.bucket) if risk_band else None})
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    return value if value is None or isinstance(value, (str, int)) else str(value)


def _store(app: Any, *, as_of: date, at: datetime, rows: list[dict[str, Any]],
           outcome: ScoringOutcome, model_ids: dict[str, int]) -> None:
    with unit_of_work(app.session_factory) as session:
        session.execute(delete(CaseScore).where(CaseScore.as_of == as_of))
        if rows:
            session.execute(insert(CaseScore), rows)
        session.execute(delete(ScoringRun).where(ScoringRun.as_of == as_of))
        runs = [{"as_of": as_of, "model": n, "status": "scored", "reason": None,
                 "model_id": model_ids.get(n), "cases": c, "at": at}
                for n, c in outcome.scored.items()]
        runs += [{"as_of": as_of, "model": n, "status": "skipped", "reason": why,
                  "model_id": None, "cases": 0, "at": at} for n, why in outcome.skipped.items()]
        session.execute(insert(ScoringRun), runs)


def reasons_json(reasons: list[dict[str, Any]]) -> str:
    """Reasons as stored (for exports)."""
    return json.dumps(reasons, ensure_ascii=False)
