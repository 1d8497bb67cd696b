"""Scoring every open case for a day: score, band, reason codes and segment per model.

A gradient-boosting model's reason codes come from tree-path attribution unless
``[scoring] case_reasons = "shap"``: the same scores and bands, the same log-odds shared out
along each tree's path instead of over every feature ordering (exact TreeSHAP costs some
thirty times as much, which a book of a million open cases cannot afford daily).
"""

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
from arrears.adapters.db.bulk import insert_rows
from arrears.adapters.db.tables import CollectionCase
from arrears.adapters.db.tables_scoring import CaseScore, ScoringModel, ScoringRun
from arrears.scoring.bands import balance_band, risk_bands, segment
from arrears.scoring.behaviour import feature_frame, has_snapshot
from arrears.scoring.behaviour_models import (
    PRIMARY,
    TARGETS,
    _risk,
    book_context,
    model_for,
    train_behaviour,
)
from arrears.scoring.errors import BadModel, ModelNotFound, NotEnoughHistory
from arrears.scoring.reasons import top_reason_positions
from arrears.scoring.settings import scoring_settings
from arrears.scoring.workbench import LoadedModel

REASONS_PER_CASE = 3
CHUNK_CASES = 100_000  # scored and written this many cases at a time


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
    # Core rows, not ORM ones, handed to pandas as plain tuples: pandas probes each row
    # for attributes a SQLAlchemy row does not have, which costs several times the read.
    rows = session.connection().execute(
        select(c.case_id, c.customer_id, c.bucket, c.outstanding_principal)
        .where(c.status == "open", c.opened_on <= as_of).order_by(c.case_id))
    return pd.DataFrame([tuple(r) for r in rows],
                        columns=["case_id", "customer_id", "bucket", "case_balance"])


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
            # the daily run has stored the day's snapshot: positions are not computed again
            feats = feature_frame(backend=ctx.backend, session=session, as_of=as_of,
                                  tolerance=ctx.tolerance, buckets=ctx.buckets, zone=ctx.zone,
                                  customers=sorted(set(cases["customer_id"])),
                                  snapshot=has_snapshot(ctx.backend, as_of=as_of))
    results: list[ModelScores] = []
    frame = cases
    if feats is not None:
        frame = cases.merge(feats, on="customer_id", how="left")
        del feats
        for name in (PRIMARY, *[n for n in models if n != PRIMARY]):
            if models.get(name) is None:
                continue
            results.append(_score_model(frame, models[name], name=name,
                                        reasons=settings.case_reasons))
            outcome.scored[name] = len(frame)
    for name in TARGETS:
        if name not in outcome.skipped and name not in outcome.scored:
            outcome.scored[name] = 0
    _store(app, as_of=as_of, at=at, frame=frame, results=results, outcome=outcome,
           balance_edges=settings.balance_bands)
    return outcome


@dataclass
class ModelScores:
    """One model's results for the day's cases, in case order, kept compact: the rows (and
    their reasons' JSON) are only built chunk by chunk as they are written."""

    name: str
    model_id: int
    score: np.ndarray
    points: np.ndarray
    band: np.ndarray | None        # the primary model's risk band
    reasons: np.ndarray            # cases x k feature positions (len(names): no reason)
    impact: np.ndarray             # cases x k contributions to risk
    names: list[str]


def _score_model(frame: pd.DataFrame, model: ScoringModel, *, name: str,
                 reasons: str) -> ModelScores:
    try:
        loaded = LoadedModel.load(Path(model.path))
    except (ModelNotFound, BadModel) as exc:
        raise BadModel(f"behaviour model {name} #{model.model_id}: {exc.message}",
                       field="model") from exc
    parts = []
    for start in range(0, len(frame), CHUNK_CASES):
        scored = loaded.score(frame.iloc[start:start + CHUNK_CASES], reasons=reasons)
        # Reasons explain the risk: for cure30 that is what lowers the chance to cure.
        contrib = scored.contributions if name == "roll30" else -scored.contributions
        top, impact = top_reason_positions(contrib, k=REASONS_PER_CASE)
        parts.append((scored.score, scored.points, top, impact))
    score, points, top, impact = (np.concatenate(p) for p in zip(*parts, strict=True))
    band = risk_bands(_risk(name, score), model.band_edges) if name == PRIMARY else None
    return ModelScores(name=name, model_id=model.model_id, score=score, points=points,
                       band=band, reasons=top, impact=impact, names=scored.names)


ROW_COLUMNS = ("case_id", "as_of", "model", "model_id", "customer_id", "score", "points",
               "band", "reasons", "bucket", "balance_band", "segment")


def _rows(frame: pd.DataFrame, result: ModelScores, *, start: int, stop: int, as_of: date,
          segments: list[str | None], balance: list[str]) -> list[tuple[Any, ...]]:
    """The ``case_scores`` rows of cases ``start:stop``, values in ``ROW_COLUMNS`` order
    (reasons as JSON text)."""
    part = frame.iloc[start:stop]
    n = len(part)
    band = [None] * n if result.band is None else result.band[start:stop].tolist()
    columns = (part["case_id"].tolist(), [as_of] * n, [result.name] * n,
               [result.model_id] * n, part["customer_id"].tolist(),
               result.score[start:stop].tolist(), result.points[start:stop].tolist(), band,
               reasons_text(part, result.names, result.reasons[start:stop],
                            result.impact[start:stop]),
               part["bucket"].tolist(), balance[start:stop], segments[start:stop])
    return list(zip(*columns, strict=True))


def reasons_text(part: pd.DataFrame, names: list[str], top: np.ndarray,
                 impact: np.ndarray) -> list[str]:
    """Per row, its reasons as the JSON text ``json.dumps`` gives for the list of
    ``{"code", "value", "impact"}`` (the row's value of the feature; impact rounded to 4
    places). Each distinct value is written once (features and impacts repeat across
    cases), and the texts are put together a reason slot and a feature at a time, as
    arrays, never a row at a time in Python."""
    n = len(part)
    out = np.full(n, "[", dtype=object)
    started = np.zeros(n, dtype=bool)
    for slot in range(top.shape[1]):
        positions = top[:, slot]
        item = np.empty(n, dtype=object)
        impact_text = _texts(impact[:, slot], _impact_text)
        for j in np.unique(positions).tolist():
            if j >= len(names):
                continue
            rows = np.flatnonzero(positions == j)
            head = f'{{"code": {json.dumps(names[j])}, "value": '
            item[rows] = (head + _texts(part[names[j]].to_numpy()[rows], _json_value)
                          + ', "impact": ' + impact_text[rows] + "}")
        has = positions < len(names)
        later, first = has & started, has & ~started
        out[later] = out[later] + ", " + item[later]
        out[first] = out[first] + item[first]
        started |= has
    return (out + "]").tolist()


def _texts(values: np.ndarray, write: Any) -> np.ndarray:
    """``write`` of each value as an array of texts, each distinct value written once
    (float and integer columns; anything else value by value)."""
    kind = values.dtype.kind
    if kind not in "fiu" or len(values) == 0:
        return np.asarray([write(v) for v in values.tolist()], dtype=object)
    # floats by their bits: -0.0 and 0.0 are equal but written apart, NaNs compare unequal
    keys = values.astype(np.float64).view(np.int64) if kind == "f" else values
    _, first, where = np.unique(keys, return_index=True, return_inverse=True)
    texts = np.asarray([write(v) for v in values[first].tolist()], dtype=object)
    return texts[where.reshape(-1)]


def _impact_text(value: float) -> str:
    return repr(round(value, 4))


def _json_value(value: Any) -> str:
    plain = _plain(value)
    return repr(plain) if isinstance(plain, float) else json.dumps(plain)


def _plain(value: Any) -> Any:
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    return value if value is None or isinstance(value, (str, int)) else str(value)


def _store(app: Any, *, as_of: date, at: datetime, frame: pd.DataFrame,
           results: list[ModelScores], outcome: ScoringOutcome,
           balance_edges: list[Any]) -> None:
    """Rewrite the day: its rows go through the driver in chunks (the reasons as JSON
    text, which SQLite and PostgreSQL both read back as the stored list)."""
    balance, segments = _segments(frame, results, balance_edges)
    with unit_of_work(app.session_factory) as session:
        session.execute(delete(CaseScore).where(CaseScore.as_of == as_of))
        conn = session.connection()
        for result in results:
            for start in range(0, len(frame), CHUNK_CASES):
                insert_rows(conn, CaseScore.__table__, ROW_COLUMNS,
                            _rows(frame, result, start=start, stop=start + CHUNK_CASES,
                                  as_of=as_of, segments=segments, balance=balance))
        session.execute(delete(ScoringRun).where(ScoringRun.as_of == as_of))
        model_ids = {r.name: r.model_id for r in results}
        runs = [{"as_of": as_of, "model": n, "status": "scored", "reason": None,
                 "model_id": model_ids.get(n), "cases": c, "at": at}
                for n, c in outcome.scored.items()]
        runs += [{"as_of": as_of, "model": n, "status": "skipped", "reason": why,
                  "model_id": None, "cases": 0, "at": at} for n, why in outcome.skipped.items()]
        session.execute(insert(ScoringRun), runs)


def _segments(frame: pd.DataFrame, results: list[ModelScores],
              balance_edges: list[Any]) -> tuple[list[str], list[str | None]]:
    """Per case: balance band, and segment (risk band of the primary model x balance band x
    bucket; none without a primary score)."""
    if not results:
        return [], []
    balance = [balance_band(b, balance_edges) for b in frame["case_balance"].tolist()]
    bands = next((r.band for r in results if r.band is not None), None)
    if bands is None:
        return balance, [None] * len(frame)
    return balance, [segment(r, b, k) for r, b, k in zip(bands.tolist(), balance,
                                                          frame["bucket"].tolist(), strict=True)]


def reasons_json(reasons: list[dict[str, Any]]) -> str:
    """Reasons as stored (for exports)."""
    return json.dumps(reasons, ensure_ascii=False)
