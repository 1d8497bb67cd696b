"""Operations-store tables of the compliance part of the product.

Holds and flags live in the core ``customer_flags`` table (refused contacts and channel
opt-outs too, with the contact they concern); agencies' whitelist in ``agencies``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.adapters.db.base import Base


class ComplianceDecision(Base):
    """Every decision of the engine, with the pack, version, rules and the borrower's time."""

    __tablename__ = "compliance_decisions"
    decision_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    channel: Mapped[str] = mapped_column(String(10))
    party: Mapped[str] = mapped_column(String(20))
    contact_id: Mapped[str | None] = mapped_column(String(64))
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    agency_id: Mapped[str | None] = mapped_column(String(64))
    initiated_by: Mapped[str] = mapped_column(String(20))
    template_id: Mapped[str | None] = mapped_column(String(64))
    pack: Mapped[str] = mapped_column(String(10))
    version: Mapped[str] = mapped_column(String(80))
    allowed: Mapped[bool] = mapped_column(Boolean)
    rules: Mapped[list] = mapped_column(JSON, default=list)
    hits: Mapped[list] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(Text)
    local_time: Mapped[str] = mapped_column(String(40))
    local_date: Mapped[str] = mapped_column(String(10), index=True)
    zone: Mapped[str] = mapped_column(String(64))
    next_allowed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    override_by: Mapped[str | None] = mapped_column(String(100))
    override_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    override_reason: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_compliance_decisions_at", "at"),)


class ComplianceConsent(Base):
    """Consents and preferences the borrower recorded (times, channels, consent to calls)."""

    __tablename__ = "compliance_consents"
    consent_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    window_from: Mapped[str | None] = mapped_column(String(5))
    window_until: Mapped[str | None] = mapped_column(String(5))
    channel: Mapped[str | None] = mapped_column(String(10))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
