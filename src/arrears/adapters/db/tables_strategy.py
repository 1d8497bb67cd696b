"""Operations-store tables of the strategy part of the product.

Strategy versions, each case's daily treatment (step and why), champion/challenger
assignments, repayment plans and their installments, allocation history, agency
placements, collector profiles and the outbox of messages.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from arrears.adapters.db.base import Base
from arrears.adapters.db.tables import MONEY


class StrategyVersion(Base):
    """An uploaded strategy file; the newest version effective on a day applies."""

    __tablename__ = "strategy_versions"
    version_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date, index=True)
    yaml_text: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("name", "version", name="uq_strategy_versions_name"),)


class CaseTreatment(Base):
    """The step each open case is on, per run day, with the rule that put it there.

    Keyed day first, without rowid on SQLite (see ``arrears.adapters.db.by_day``): a day's
    rows go in at the end of the key whatever the history."""

    __tablename__ = "case_treatments"
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"))
    as_of: Mapped[date] = mapped_column(Date)
    strategy_version_id: Mapped[int | None] = mapped_column(Integer)
    strategy_name: Mapped[str] = mapped_column(String(60))
    arm: Mapped[str] = mapped_column(String(40))
    segment: Mapped[str] = mapped_column(String(60))
    path: Mapped[str] = mapped_column(String(60))
    step_id: Mapped[str] = mapped_column(String(60))
    step_kind: Mapped[str] = mapped_column(String(30))
    step_index: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))
    script: Mapped[str | None] = mapped_column(String(60))
    tone: Mapped[str] = mapped_column(String(10))
    team_id: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    agency: Mapped[bool] = mapped_column(Boolean, default=False)
    entered_on: Mapped[date] = mapped_column(Date)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    dpd: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[str] = mapped_column(String(10))
    balance: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(Text)
    __table_args__ = (PrimaryKeyConstraint("as_of", "case_id"),
                      Index("ix_case_treatments_day", "as_of", "step_id"),
                      {"sqlite_with_rowid": False})


class StrategyAssignment(Base):
    """Champion/challenger arm of a case in an experiment: first assignment wins."""

    __tablename__ = "strategy_assignments"
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"),
                                         primary_key=True)
    experiment: Mapped[str] = mapped_column(String(60), primary_key=True)
    arm: Mapped[str] = mapped_column(String(40), index=True)
    assigned_on: Mapped[date] = mapped_column(Date)
    bucket: Mapped[str] = mapped_column(String(10))
    dpd: Mapped[int] = mapped_column(Integer)
    overdue_amount: Mapped[Decimal] = mapped_column(MONEY)


class RepaymentPlan(Base):
    """An installment plan, a deferral or a settlement, from proposal to kept or broken."""

    __tablename__ = "repayment_plans"
    plan_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"), index=True)
    kind: Mapped[str] = mapped_column(String(15))
    # proposed, active, rejected, cancelled, completed, broken
    status: Mapped[str] = mapped_column(String(12), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    bucket: Mapped[str] = mapped_column(String(10))
    basis: Mapped[Decimal] = mapped_column(MONEY)
    discount: Mapped[Decimal] = mapped_column(MONEY)
    down_payment: Mapped[Decimal] = mapped_column(MONEY)
    agreed_amount: Mapped[Decimal] = mapped_column(MONEY)
    months: Mapped[int] = mapped_column(Integer)
    first_due_on: Mapped[date] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    loans: Mapped[list] = mapped_column(JSON, default=list)
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.user_id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    approval_reasons: Mapped[list] = mapped_column(JSON, default=list)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.user_id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    note: Mapped[str | None] = mapped_column(Text)


class PlanInstallment(Base):
    __tablename__ = "plan_installments"
    plan_id: Mapped[int] = mapped_column(ForeignKey("repayment_plans.plan_id"),
                                         primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open kept broken
    resolved_on: Mapped[date | None] = mapped_column(Date)


class CollectorProfile(Base):
    """Allocation skills and capacity of a collector (language comes from users.languages)."""

    __tablename__ = "collector_profiles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.user_id"), primary_key=True)
    buckets: Mapped[str | None] = mapped_column(String(100))  # comma list; empty: any
    capacity: Mapped[int] = mapped_column(Integer, default=200)


class CaseAllocation(Base):
    """Who works each case on each run day, and why it went (or stayed) there. Keyed day
    first, without rowid on SQLite (see ``arrears.adapters.db.by_day``)."""

    __tablename__ = "case_allocations"
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"))
    as_of: Mapped[date] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[str | None] = mapped_column(String(64))
    agency_id: Mapped[str | None] = mapped_column(String(64))
    changed: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text)
    __table_args__ = (PrimaryKeyConstraint("as_of", "case_id"), {"sqlite_with_rowid": False})


class AgencyPlacement(Base):
    """A case placed with an external agency, until recalled; with what was recovered."""

    __tablename__ = "agency_placements"
    placement_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.agency_id"), index=True)
    placed_on: Mapped[date] = mapped_column(Date)
    placed_reason: Mapped[str] = mapped_column(Text)
    overdue_at_placement: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(10), default="placed")  # placed recalled
    recalled_on: Mapped[date | None] = mapped_column(Date)
    recall_reason: Mapped[str | None] = mapped_column(Text)
    recovered: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))


class OutboxMessage(Base):
    """An outbound SMS, e-mail or letter, from queued to sent (or blocked, failed)."""

    __tablename__ = "outbox_messages"
    message_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))
    template_id: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(10))
    step_id: Mapped[str | None] = mapped_column(String(60))
    source_key: Mapped[str] = mapped_column(String(120), unique=True)
    # queued, deferred, sent, blocked, failed
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_id: Mapped[int | None] = mapped_column(Integer)
    provider_ref: Mapped[str | None] = mapped_column(String(200))
    # What was sent (subject and body hold personal data): encrypted with the key ring.
    content_enc: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
