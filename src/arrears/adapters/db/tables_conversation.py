"""Operations-store tables of the conversation part of the product.

A transcript (a recorded call, a live call being transcribed, or lines attached to a
contact) holds lines in order; each line is analysed on arrival and its analysis stored
with it. Signals raise proposed actions that a person confirms or dismisses. QA reviews
score calls; well-handled calls are published, masked, to the training library.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from arrears.adapters.db.base import Base


class Transcript(Base):
    __tablename__ = "transcripts"
    transcript_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("contact_attempts.attempt_id"))
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(10))  # api | live | desk
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    collector_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.user_id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    violation_count: Mapped[int] = mapped_column(Integer, default=0)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    signals: Mapped[list] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(10))


class TranscriptLine(Base):
    __tablename__ = "transcript_lines"
    line_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.transcript_id"),
                                               index=True)
    seq: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    language: Mapped[str] = mapped_column(String(10))
    violations: Mapped[list] = mapped_column(JSON, default=list)
    signals: Mapped[list] = mapped_column(JSON, default=list)
    emotion: Mapped[str] = mapped_column(String(10))
    emotion_score: Mapped[float] = mapped_column(Float)
    suggestion: Mapped[dict | None] = mapped_column(JSON)
    __table_args__ = (UniqueConstraint("transcript_id", "seq", name="uq_transcript_line_seq"),)


class SignalAction(Base):
    """An action a customer signal calls for, proposed until a person decides."""

    __tablename__ = "signal_actions"
    action_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.transcript_id"))
    line_id: Mapped[int] = mapped_column(ForeignKey("transcript_lines.line_id"))
    signal: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))  # offer_plan dispute_hold compliance_hold
    evidence: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
    flag: Mapped[str | None] = mapped_column(String(40))
    __table_args__ = (UniqueConstraint("transcript_id", "signal", name="uq_signal_action"),
                      Index("ix_signal_actions_open", "case_id", "status"))


class QaReview(Base):
    __tablename__ = "qa_reviews"
    review_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.transcript_id"),
                                               unique=True)
    reviewer: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(10))  # flagged | sampled
    scores: Mapped[dict] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(Integer)
    coaching: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TrainingCase(Base):
    """A well-handled call, masked, for collectors to learn from."""

    __tablename__ = "training_cases"
    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.transcript_id"),
                                               unique=True)
    situation: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(200))
    lines: Mapped[list] = mapped_column(JSON)
    qa_total: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(10))
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
