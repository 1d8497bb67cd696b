"""Operations-store tables of the analytics part of the product.

The daily run's ``analytics`` step materialises the portfolio figures of each run day into
these small tables (aggregates by product, currency and bucket), so the supervisors'
dashboards read a few hundred rows from the store instead of scanning the book.
``analytics_runs`` marks the days that are materialised.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.adapters.db.base import Base
from arrears.adapters.db.tables import MONEY


class AnalyticsRun(Base):
    """A run day whose figures are materialised, with the settings they were made with."""

    __tablename__ = "analytics_runs"
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    snapshot_rows: Mapped[int] = mapped_column(Integer)
    vintage_dpd: Mapped[list] = mapped_column(JSON, default=list)
    recovery_window_days: Mapped[int] = mapped_column(Integer)
    recovery_through: Mapped[date | None] = mapped_column(Date)
    seconds: Mapped[float] = mapped_column(Float)


class AnalyticsBucketDay(Base):
    """Loans on book per bucket on one run day."""

    __tablename__ = "analytics_bucket_days"
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    product: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(20), primary_key=True)
    min_dpd: Mapped[int] = mapped_column(Integer)
    loans: Mapped[int] = mapped_column(Integer)
    overdue_amount: Mapped[Decimal] = mapped_column(MONEY)
    outstanding_principal: Mapped[Decimal] = mapped_column(MONEY)


class AnalyticsRollFlow(Base):
    """Loans (and their balance) moving from a bucket at one month end to a bucket at the
    next month end; ``month`` is the later month end's month (``YYYY-MM``)."""

    __tablename__ = "analytics_roll_flows"
    to_as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    product: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    from_bucket: Mapped[str] = mapped_column(String(20), primary_key=True)
    to_bucket: Mapped[str] = mapped_column(String(20), primary_key=True)
    loans: Mapped[int] = mapped_column(Integer)
    balance: Mapped[Decimal] = mapped_column(MONEY)


class AnalyticsVintage(Base):
    """At one month end: a vintage's loans at that many months on book and how many have
    ever reached ``dpd``."""

    __tablename__ = "analytics_vintages"
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    product: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    vintage: Mapped[str] = mapped_column(String(7), primary_key=True)
    dpd: Mapped[int] = mapped_column(Integer, primary_key=True)
    mob: Mapped[int] = mapped_column(Integer)
    loans: Mapped[int] = mapped_column(Integer)
    ever: Mapped[int] = mapped_column(Integer)


class AnalyticsRecovery(Base):
    """Entries into a delinquent bucket on one run day and what was paid in the window."""

    __tablename__ = "analytics_recovery"
    entry_on: Mapped[date] = mapped_column(Date, primary_key=True)
    window_days: Mapped[int] = mapped_column(Integer, primary_key=True)
    product: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(20), primary_key=True)
    entries: Mapped[int] = mapped_column(Integer)
    overdue_at_entry: Mapped[Decimal] = mapped_column(MONEY)
    recovered: Mapped[Decimal] = mapped_column(MONEY)


class AnalyticsRecovered(Base):
    """Money paid (net of reversals) on open cases per day, credited to the collector who
    held the case that day (0: no one)."""

    __tablename__ = "analytics_recovered"
    paid_on: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    recovered: Mapped[Decimal] = mapped_column(MONEY)


class AnalyticsArm(Base):
    """A champion/challenger arm's measure with its 95% interval on one run day."""

    __tablename__ = "analytics_arms"
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    experiment: Mapped[str] = mapped_column(String(64), primary_key=True)
    arm: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer)
    contacts: Mapped[int] = mapped_column(Integer)
    recovered: Mapped[Decimal] = mapped_column(MONEY)
    n: Mapped[int] = mapped_column(Integer)
    estimate: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
