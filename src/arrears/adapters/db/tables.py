"""Core tables of the operations store.

Personal data (names, national IDs, phone numbers, e-mail and postal addresses) is stored
encrypted (``*_enc``), with a keyed hash (``*_hash``) for exact search and a masked copy
(``*_masked``) for lists; nothing readable is kept.
Other parts of the product keep their tables in modules of their own on the same ``Base``.
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
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from arrears.adapters.db.base import Base

MONEY = Numeric(18, 2)


class Customer(Base):
    __tablename__ = "customers"
    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    full_name_enc: Mapped[str] = mapped_column(Text)
    full_name_masked: Mapped[str] = mapped_column(String(200))
    national_id_enc: Mapped[str | None] = mapped_column(Text)
    national_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    national_id_masked: Mapped[str | None] = mapped_column(String(64))
    birth_date: Mapped[date | None] = mapped_column(Date)
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str | None] = mapped_column(String(64))
    preferred_language: Mapped[str | None] = mapped_column(String(20))
    address_enc: Mapped[str | None] = mapped_column(Text)
    address_masked: Mapped[str | None] = mapped_column(String(200))
    address_timezone: Mapped[str | None] = mapped_column(String(64))


class ContactPoint(Base):
    __tablename__ = "contact_points"
    contact_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    value_enc: Mapped[str] = mapped_column(Text)
    value_hash: Mapped[str] = mapped_column(String(64), index=True)
    value_masked: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(20))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str | None] = mapped_column(String(64))


class Agency(Base):
    __tablename__ = "agencies"
    agency_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    whitelisted: Mapped[bool] = mapped_column(Boolean, default=True)
    last_evaluated_on: Mapped[date | None] = mapped_column(Date)


class CollectionCase(Base):
    """One case per customer, grouping all of that customer's delinquent loans."""

    __tablename__ = "collection_cases"
    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(String(40))
    as_of: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    dpd: Mapped[int] = mapped_column(Integer, default=0)
    bucket: Mapped[str] = mapped_column(String(10))
    overdue_amount: Mapped[Decimal] = mapped_column(MONEY)
    outstanding_principal: Mapped[Decimal] = mapped_column(MONEY)
    loan_count: Mapped[int] = mapped_column(Integer, default=1)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.user_id"), index=True)
    team_id: Mapped[str | None] = mapped_column(String(64))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.agency_id"))
    lease_user_id: Mapped[int | None] = mapped_column(Integer)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (Index("ix_open_case_customer", "customer_id", "status"),)


class LoanPosition(Base):
    """A loan's delinquency on the latest run day, for loans in a case."""

    __tablename__ = "loan_positions"
    loan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("collection_cases.case_id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    principal: Mapped[Decimal] = mapped_column(MONEY)
    dpd: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[str] = mapped_column(String(10))
    overdue_principal: Mapped[Decimal] = mapped_column(MONEY)
    overdue_interest: Mapped[Decimal] = mapped_column(MONEY)
    overdue_fee: Mapped[Decimal] = mapped_column(MONEY)
    overdue_amount: Mapped[Decimal] = mapped_column(MONEY)
    outstanding_principal: Mapped[Decimal] = mapped_column(MONEY)
    credit_balance: Mapped[Decimal] = mapped_column(MONEY)
    oldest_unpaid_due_date: Mapped[date | None] = mapped_column(Date)


class CollectionListEntry(Base):
    """Today's collection list: the open cases in priority order."""

    __tablename__ = "collection_list"
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    may_call: Mapped[bool] = mapped_column(Boolean, default=True)
    call_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    screening_reason: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_list_rank", "as_of", "rank"),)


class DayRun(Base):
    __tablename__ = "day_runs"
    run_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    counts: Mapped[dict] = mapped_column(JSON, default=dict)


class User(Base):
    __tablename__ = "users"
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[str | None] = mapped_column(String(64))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.agency_id"))
    locale: Mapped[str | None] = mapped_column(String(10))
    languages: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    __tablename__ = "api_tokens"
    token_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.user_id"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    __tablename__ = "web_sessions"
    session_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.user_id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Append-only, hash-chained audit log (``arrears audit verify``)."""

    __tablename__ = "audit_log"
    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class ContactAttempt(Base):
    __tablename__ = "contact_attempts"
    # Attempts by time carry their customer and result, so that the behaviour features'
    # month of calls is read from the index alone; a customer's last reach is its
    # right-party contacts in time order, from the other index alone.
    __table_args__ = (Index("ix_contact_attempts_time", "at", "customer_id", "result"),
                      Index("ix_contact_attempts_last_reach", "result", "customer_id", "at"))
    attempt_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    contact_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.user_id"))
    agency_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(10))
    party: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(String(30))
    initiated_by: Mapped[str] = mapped_column(String(20), default="collector")
    overdue_reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    decision_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="desk")


class Promise(Base):
    __tablename__ = "promises"
    # The daily run reads the open promises (and a case range's broken ones) by status,
    # not through the resolved history.
    __table_args__ = (Index("ix_promises_status_case", "status", "case_id"),)
    promise_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("contact_attempts.attempt_id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.user_id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    # open, kept, partly_kept, broken, cancelled
    status: Mapped[str] = mapped_column(String(15), default="open")
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    resolved_on: Mapped[date | None] = mapped_column(Date)


class Note(Base):
    __tablename__ = "notes"
    note_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("contact_attempts.attempt_id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.user_id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(20), default="note")  # note, transcript
    text: Mapped[str] = mapped_column(Text)
    flagged: Mapped[dict | None] = mapped_column(JSON)
    override_reason: Mapped[str | None] = mapped_column(Text)


class CustomerFlag(Base):
    """Holds and flags (dispute, cease, hardship, unreachable, opt-outs...), with who and why."""

    __tablename__ = "customer_flags"
    flag_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    flag: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[str | None] = mapped_column(String(64))
    until: Mapped[date | None] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class Task(Base):
    """Follow-up work on a collector's list: callbacks, promise due dates, plan installments."""

    __tablename__ = "tasks"
    task_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.case_id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.user_id"))
    status: Mapped[str] = mapped_column(String(15), default="open")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    source_key: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (UniqueConstraint("source_key", name="uq_tasks_source_key"),)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
