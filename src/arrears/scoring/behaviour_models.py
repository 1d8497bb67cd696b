"""Behaviour models on our own book: training from past snapshots, scoring open cases.

Two models: ``roll30`` (probability that a delinquent customer rolls to the next bucket
within 30 days: the risk that sets the band) and ``cure30`` (probability of being current
again within 30 days). A model trained as of D learns only from observation days whose
outcome had matured by D, and is used only for days on or after D.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables_scoring import ScoringModel
from arrears.scoring.bands import quintile_edges
from arrears.scoring.behaviour import (
    CATEGORICAL,
    FEATURES,
    HORIZON_DAYS,
    MONOTONE,
    CustomerScope,
    feature_frame,
    outcomes,
)
from arrears.scoring.errors import NotEnoughHistory
from arrears.scoring.gbm import GbmParams
from arrears.scoring.model_store import save_model
from arrears.scoring.settings import ScoringSettings, scoring_settings
from arrears.scoring.stored import RISK_MODEL
from arrears.scoring.workbench import LoadedModel, TrainOptions, train_frame

TARGETS = {"roll30": "rolled_30", "cure30": "cured_30"}
PRIMARY = RISK_MODEL  # its probability is the risk that sets the band
# A book gives up to ~2 observations per sampled customer (175,000 rows from 100,000
# customers of a 1M-loan book): a faster rate than the CLI's; early stopping picks the trees.
BEHAVIOUR_GBM = GbmParams(learning_rate=0.1, min_child_samples=50, max_rounds=400,
                          early_stopping_rounds=30)


@dataclass(frozen=True)
class BookContext:
    """What the feature queries need from the application."""

    backend: Any
    tolerance: Any
    buckets: Any
    zone: str


def book_context(app: Any) -> BookContext:
    from arrears.services.business_settings import business_settings
    from arrears.services.loading import portfolio_engine

    settings = business_settings(app)
    engine = portfolio_engine(app)
    return BookContext(backend=engine.backend, tolerance=settings.tolerance,
                       buckets=settings.bucket_table(), zone=settings.reporting_timezone)


def observation_days(*, as_of: date, first_day: date | None,
                     settings: ScoringSettings) -> list[date]:
    """Past days whose 30-day outcome is known by ``as_of``, newest first."""
    if first_day is None:
        return []
    last = as_of - timedelta(days=HORIZON_DAYS)
    earliest = max(first_day + timedelta(days=HORIZON_DAYS),
                   last - timedelta(days=settings.lookback_days))
    days = []
    day = last
    while day >= earliest:
        days.append(day)
        day -= timedelta(days=settings.observation_step_days)
    return days


@ibis.udf.scalar.builtin
def md5(value: str) -> str:  # type: ignore[empty-body]
    """The engine's MD5 as lowercase hex (DuckDB and PostgreSQL agree on it)."""


def training_customers(backend: Any, *, held_by: date,
                       limit: int) -> tuple[int, list[str] | None]:
    """(customers holding a loan by ``held_by``, the ones to train on; None: all of them).

    Past ``limit`` customers, the sample is the ``limit`` customers whose MD5 of the id is
    smallest: a uniform choice that every run, engine and release makes the same way, and
    that keeps a customer chosen while the book grows unless a newcomer displaces them.
    """
    loans = backend.table("loans")
    held = loans.filter(loans.disbursed_on <= ibis.literal(held_by)).select("customer_id")
    held = held.distinct()
    count = int(held.count().to_pandas() or 0)
    if count <= limit:
        return count, None
    chosen = held.order_by([md5(held.customer_id), held.customer_id]).limit(limit)
    return count, sorted(chosen.customer_id.to_pandas())


def training_table(*, app: Any, ctx: BookContext, as_of: date,
                   settings: ScoringSettings) -> pd.DataFrame:
    """Delinquent customers on each observation day, their features then, outcomes 30 days on.

    A book of more than ``max_training_customers`` customers is read through a sample of
    them (only their loans are computed, picked out of the book once and kept in temporary
    tables while the days are computed); the table's ``attrs`` say how many there were.
    """
    first = ctx.backend.table("loans").disbursed_on.min().to_pandas()
    first_day = pd.Timestamp(first).date() if first is not None and not pd.isna(first) else None
    days = observation_days(as_of=as_of, first_day=first_day, settings=settings)
    held, sample = training_customers(ctx.backend, held_by=days[0] if days else as_of,
                                      limit=settings.max_training_customers)
    customers = held if sample is None else len(sample)
    if customers * len(days) < settings.min_training_rows:
        # Even if every customer were late on every day there would be too few rows:
        # say so without computing a single feature.
        raise NotEnoughHistory(f"{customers} customers over {len(days)} matured observation "
                               f"day(s) cannot give the {settings.min_training_rows} "
                               "observations needed", rows=0)
    if sample is None:
        table = observations(app=app, ctx=ctx, source=ctx.backend, days=days)
    else:
        with CustomerScope(ctx.backend, sample).kept() as source:
            table = observations(app=app, ctx=ctx, source=source, days=days)
    table.attrs["customers"] = {"held": held, "sampled": None if sample is None else customers}
    return table


def observations(*, app: Any, ctx: BookContext, source: Any, days: list[date]) -> pd.DataFrame:
    """Delinquent customers of ``source`` (the book, or a :class:`CustomerScope`) on each of
    ``days``: their features then and their outcomes 30 days on."""
    parts = []
    with app.session_factory() as session:
        for day in days:
            feats = feature_frame(backend=source, session=session, as_of=day,
                                  tolerance=ctx.tolerance, buckets=ctx.buckets, zone=ctx.zone)
            feats = feats[feats["dpd_now"] > 0]
            if feats.empty:
                continue
            later = outcomes(source, as_of=day, tolerance=ctx.tolerance,
                             buckets=ctx.buckets).to_pandas()
            feats = feats.merge(later, on="customer_id", how="left")
            feats["cured_30"] = (feats["dpd_later"].fillna(0) == 0).astype(int)
            feats["rolled_30"] = (feats["dpd_later"].fillna(0)
                                  >= feats["dpd_now"] + HORIZON_DAYS).astype(int)
            feats["observed_on"] = day.isoformat()
            parts.append(feats.drop(columns=["dpd_later"]))
    if not parts:
        return pd.DataFrame(columns=["customer_id", *FEATURES, "cured_30", "rolled_30",
                                     "observed_on"])
    table = pd.concat(parts, ignore_index=True)
    table["obs_id"] = table["customer_id"].astype(str) + "@" + table["observed_on"]
    return table


def check_history(table: pd.DataFrame, settings: ScoringSettings) -> None:
    """Refuse to train on too little matured history (say how much there is)."""
    rows = len(table)
    if rows < settings.min_training_rows:
        raise NotEnoughHistory(f"{rows} matured delinquent observations; at least "
                               f"{settings.min_training_rows} are needed", rows=rows)
    for name, col in TARGETS.items():
        events = int(table[col].sum())
        if min(events, rows - events) < settings.min_events:
            raise NotEnoughHistory(f"{name}: {events} of {rows} observations are positive; each "
                                   f"outcome needs at least {settings.min_events}", rows=rows)


def train_behaviour(*, app: Any, as_of: date, created_at: datetime,
                    kind: str | None = None) -> list[ScoringModel]:
    """Train and register ``roll30`` and ``cure30`` as of ``as_of``; returns the new models."""
    settings = scoring_settings(app)
    ctx = book_context(app)
    table = training_table(app=app, ctx=ctx, as_of=as_of, settings=settings)
    check_history(table, settings)
    folder = app.settings.resolved_home() / "models" / "behaviour"
    trained = []
    for name, target in TARGETS.items():
        other = [t for t in TARGETS.values() if t != target]
        options = TrainOptions(kind=kind or settings.behaviour_model, id_column="obs_id",
                               exclude=("customer_id", "observed_on", *other),
                               categorical=CATEGORICAL, series=False, calibration="platt",
                               gbm=BEHAVIOUR_GBM,
                               monotone=",".join(f"{k}={v:+d}" for k, v in MONOTONE[name].items()))
        model = train_frame(table, target=target, options=options, created_at=created_at,
                            data_info={"file": f"book as of {as_of}", "sha256": None,
                                       "observation_days": int(table["observed_on"].nunique()),
                                       "customers": table.attrs.get("customers")})
        model.meta["behaviour"] = {"name": name, "trained_as_of": as_of.isoformat()}
        path = save_model(model, _free_dir(folder, f"{name}-{as_of.isoformat()}"))
        # the training rows' risk sets the band edges: their scores alone are wanted
        risk = _risk(name, LoadedModel(model).score(table, reasons="none").score)
        trained.append(_register(app, name=name, target=target, model=model, path=path,
                                 as_of=as_of, created_at=created_at, rows=len(table),
                                 edges=settings.band_edges or quintile_edges(risk)))
    return trained


def _risk(name: str, score: np.ndarray) -> np.ndarray:
    """Risk in the band's sense: the chance of rolling, or of not curing."""
    return score if name == "roll30" else 1.0 - score


def _free_dir(folder: Path, stem: str) -> Path:
    n = 1
    while (folder / f"{stem}-{n}").exists():
        n += 1
    return folder / f"{stem}-{n}"


def _register(app: Any, *, name: str, target: str, model: Any, path: Path, as_of: date,
              created_at: datetime, rows: int, edges: list[float]) -> ScoringModel:
    with unit_of_work(app.session_factory) as session:
        session.execute(update(ScoringModel).where(ScoringModel.name == name,
                                                   ScoringModel.active.is_(True))
                        .values(active=False))
        row = ScoringModel(name=name, target=target, kind=model.kind, trained_as_of=as_of,
                           created_at=created_at, path=str(path.resolve()), rows=rows,
                           metrics=model.meta["metrics"], band_edges=edges, active=True)
        session.add(row)
        session.flush()
        session.expunge(row)
    return row


def model_for(session: Session, *, name: str, as_of: date) -> ScoringModel | None:
    """The model to score ``as_of`` with: the newest trained on or before that day.

    Prefers the active one; an older model serves a re-run of a day before the active
    model's training day, so that no score ever uses a model that saw later data.
    """
    rows = session.scalars(select(ScoringModel).where(ScoringModel.name == name,
                                                      ScoringModel.trained_as_of <= as_of)
                           .order_by(ScoringModel.active.desc(),
                                     ScoringModel.trained_as_of.desc(),
                                     ScoringModel.model_id.desc())).all()
    return rows[0] if rows else None
