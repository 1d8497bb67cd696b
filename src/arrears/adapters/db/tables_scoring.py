"""Operations-store tables of the scoring part of the product.

``case_scores`` is what the strategy reads: per open case, day and model, the score, the
risk band (A lowest risk .. E), the reason codes and the segment. It is keyed day first
(``as_of, model, case_id``) and, on SQLite, stored in that order (no rowid): each day's
rows go in at the end of the key, so writing a day costs the same after a year of history
as on the first day, and a day, a model's day or one case's row of a day is found by the
key; a case's latest row is looked for day by day (``arrears.scoring.stored``).
``scoring_models`` registers the behaviour models trained on the book, ``scoring_runs``
records what each day's scoring did (or why it was skipped), ``scoring_monitoring`` keeps
drift figures.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from arrears.adapters.db.base import Base


class CaseScore(Base):
    __tablename__ = "case_scores"
    case_id: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    model: Mapped[str] = mapped_column(String(40))
    model_id: Mapped[int | None] = mapped_column(Integer)
    customer_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    points: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(1))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    bucket: Mapped[str | None] = mapped_column(String(10))
    balance_band: Mapped[str | None] = mapped_column(String(10))
    segment: Mapped[str | None] = mapped_column(String(40))
    __table_args__ = (PrimaryKeyConstraint("as_of", "model", "case_id"),
                      {"sqlite_with_rowid": False})


class ScoringModel(Base):
    __tablename__ = "scoring_models"
    model_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    trained_as_of: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    path: Mapped[str] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    band_edges: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ScoringRun(Base):
    __tablename__ = "scoring_runs"
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    model: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))  # scored, skipped
    reason: Mapped[str | None] = mapped_column(Text)
    model_id: Mapped[int | None] = mapped_column(Integer)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScoringMonitor(Base):
    __tablename__ = "scoring_monitoring"
    monitor_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    model: Mapped[str] = mapped_column(String(40))
    model_id: Mapped[int | None] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(20))  # psi, auc
    subject: Mapped[str] = mapped_column(String(80))  # score or a feature name
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    alert: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
