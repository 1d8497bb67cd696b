"""Collections behaviour features and outcomes, as of a day D, set-based in the portfolio
engine (Ibis) plus promise and contact history from the operations store.

As-of discipline: everything is computed from rows dated on or before D: payments by
their local ``paid_on`` (a reversal counts from its own date), loans disbursed by D,
installments due by D, promises made by the end of D and resolved by D, contact attempts
made by the end of D. Outcomes (``cured_30``, ``rolled_30``) look at D + 30 and are used
for training only, never as features.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import CollectionCase, ContactAttempt, Promise
from arrears.adapters.portfolio import delinquency as dq
from arrears.adapters.portfolio.engine import PortfolioEngine

HORIZON_DAYS = 30
MONEY = "decimal(18,2)"

# Feature name -> what it means (the desk and reports show these; zh-CN in locales).
FEATURES = {
    "dpd_now": "days past due today (worst loan)",
    "worst_dpd_3m": "worst days past due in the last 3 months",
    "worst_dpd_6m": "worst days past due in the last 6 months",
    "worst_dpd_12m": "worst days past due in the last 12 months",
    "late_installments_12m": "installments paid late or unpaid, last 12 months",
    "pay_to_due_3m": "paid / due over the last 3 months",
    "payments_3m": "payments made in the last 3 months",
    "days_since_payment": "days since the last payment",
    "overdue_amount": "amount overdue",
    "balance": "outstanding principal",
    "overdue_share": "overdue amount / principal lent",
    "loans": "loans held",
    "months_on_book": "months since the first loan",
    "product": "product of the most overdue loan",
    "promises_kept_12m": "promises kept, last 12 months",
    "promises_broken_12m": "promises broken, last 12 months",
    "promises_open": "promises open today",
    "attempts_30d": "contact attempts, last 30 days",
    "rpc_30d": "right-party contacts, last 30 days",
    "no_answer_30d": "unanswered attempts, last 30 days",
    "days_since_rpc": "days since the last right-party contact, within a year",
}
CATEGORICAL = ("product",)
MONOTONE = {"roll30": {"dpd_now": 1, "worst_dpd_12m": 1, "days_since_payment": 1},
            "cure30": {"dpd_now": -1, "worst_dpd_12m": -1, "days_since_payment": -1}}


def _money(value: Decimal | int) -> ir.Value:
    return ibis.literal(Decimal(value), type=MONEY)


def counted_payments(backend: Any, *, as_of: date) -> ir.Table:
    """Payments counted as of D, each with the loan's running total in payment order."""
    payments = backend.table("payments")
    day = ibis.literal(as_of)
    counted = payments.filter((payments.kind == "payment") & (payments.paid_on <= day)
                              & (payments.reversed_on.isnull() | (payments.reversed_on > day)))
    window = ibis.window(group_by="loan_key",
                         order_by=[counted.paid_at_utc, counted.payment_id], rows=(None, 0))
    return counted.mutate(running=counted.amount.sum().over(window))


def installment_lateness(backend: Any, counted: ir.Table, *, as_of: date,
                         tolerance: Decimal) -> ir.Table:
    """Installments due before D with the day each was paid off (null: still unpaid by D).

    Payments go to the oldest installment first, so installment k is paid off by the
    first payment whose running total reaches what the installments up to k add up to.
    """
    inst = backend.table("installments")
    day = ibis.literal(as_of)
    inst = inst.filter(inst.due_date < day)
    inst = inst.mutate(due=inst.principal_due + inst.interest_due + inst.fee_due)
    inst = inst.mutate(covered_at=inst.due_before + inst.due - _money(tolerance))
    hits = inst.join(counted, [inst.loan_key == counted.loan_key,
                               counted.running >= inst.covered_at])
    paid_off = hits.group_by([hits.loan_key, hits.seq]).aggregate(paid_off_on=hits.paid_on.min())
    joined = inst.left_join(paid_off, [inst.loan_key == paid_off.loan_key,
                                       inst.seq == paid_off.seq])
    end = ibis.coalesce(joined.paid_off_on, day)
    late = ibis.greatest(end.delta(joined.due_date, unit="day"), 0)
    return joined.select(loan_key=joined.loan_key, due_date=joined.due_date, due=joined.due,
                         end=end, late=late.cast("int32"))


def _days_before(as_of: date, days: int) -> ir.Value:
    return ibis.literal(as_of - timedelta(days=days))


def portfolio_features(backend: Any, *, as_of: date, tolerance: Decimal,
                       buckets: Sequence[Any], snapshot: bool = False) -> ir.Table:
    """One row per customer with a loan disbursed by D: the repayment-history features.

    ``snapshot``: the loans' positions on D are read from D's delinquency snapshot rather
    than computed again (the daily run scores after it has stored the day's snapshot)."""
    day = ibis.literal(as_of)
    loans = backend.table("loans")
    live = loans.filter(loans.disbursed_on <= day).select("loan_key", "customer_id")
    if snapshot:
        pos = backend.table(SNAPSHOTS)
        pos = pos.filter(pos.as_of == day)
    else:
        pos = dq.positions(backend, as_of=as_of, tolerance=tolerance, buckets=buckets)
    pos = pos.filter(pos.disbursed_on <= day)
    per_customer = pos.group_by("customer_id").aggregate(
        dpd_now=pos.dpd.max(), overdue_amount=pos.overdue_amount.sum(),
        balance=pos.outstanding_principal.sum(), principal=pos.principal.sum(),
        loans=pos.loan_id.count(), first_disbursed=pos.disbursed_on.min(),
        # the most overdue loan's product; ties go to the newest loan, so reruns agree
        product=pos.product.argmax(pos.dpd.cast("int64") * 10_000_000_000
                                   + pos.loan_key.cast("int64")))
    counted = counted_payments(backend, as_of=as_of)
    late = installment_lateness(backend, counted, as_of=as_of, tolerance=tolerance)
    late = late.join(live, "loan_key")
    history = late.group_by("customer_id").aggregate(
        worst_dpd_3m=late.late.max(where=late.end > _days_before(as_of, 90)),
        worst_dpd_6m=late.late.max(where=late.end > _days_before(as_of, 182)),
        worst_dpd_12m=late.late.max(where=late.end > _days_before(as_of, 365)),
        late_installments_12m=late.late.count(
            where=(late.late > 0) & (late.due_date >= _days_before(as_of, 365))),
        due_3m=late.due.sum(where=late.due_date >= _days_before(as_of, 90)))
    paid = counted.join(live, "loan_key")
    paid = paid.group_by("customer_id").aggregate(
        paid_3m=paid.amount.sum(where=paid.paid_on > _days_before(as_of, 90)),
        payments_3m=paid.amount.count(where=paid.paid_on > _days_before(as_of, 90)),
        last_paid_on=paid.paid_on.max())
    j = per_customer.left_join(history, "customer_id").left_join(paid, "customer_id")
    return j.select(
        customer_id=j.customer_id, dpd_now=j.dpd_now,
        worst_dpd_3m=ibis.coalesce(j.worst_dpd_3m, 0),
        worst_dpd_6m=ibis.coalesce(j.worst_dpd_6m, 0),
        worst_dpd_12m=ibis.coalesce(j.worst_dpd_12m, 0),
        late_installments_12m=ibis.coalesce(j.late_installments_12m, 0),
        pay_to_due_3m=ibis.ifelse(j.due_3m > 0, ibis.coalesce(j.paid_3m, 0).cast("float64")
                                  / j.due_3m.cast("float64"), ibis.null("float64")),
        payments_3m=ibis.coalesce(j.payments_3m, 0),
        days_since_payment=day.delta(j.last_paid_on, unit="day"),
        overdue_amount=j.overdue_amount.cast("float64"), balance=j.balance.cast("float64"),
        overdue_share=ibis.ifelse(j.principal > 0, j.overdue_amount.cast("float64")
                                  / j.principal.cast("float64"), ibis.null("float64")),
        loans=j.loans, months_on_book=day.delta(j.first_disbursed, unit="day") / 30.4375,
        product=j.product)


def outcomes(backend: Any, *, as_of: date, tolerance: Decimal,
             buckets: Sequence[Any]) -> ir.Table:
    """Per customer: worst dpd at D + 30 over the loans held at D (training labels)."""
    later = as_of + timedelta(days=HORIZON_DAYS)
    pos = dq.positions(backend, as_of=later, tolerance=tolerance, buckets=buckets)
    pos = pos.filter(pos.disbursed_on <= ibis.literal(as_of))
    return pos.group_by("customer_id").aggregate(dpd_later=pos.dpd.max())


def end_of_day(as_of: date, zone: str) -> datetime:
    """The first instant after D in the reporting zone (contacts and promises before it),
    in UTC, as the store keeps instants: SQLite compares them as written, so a bound in
    another zone would move the day's end by the zone's offset."""
    return datetime.combine(as_of + timedelta(days=1), time(0),
                            tzinfo=ZoneInfo(zone)).astimezone(UTC)


CONTACT_WINDOW_DAYS = 365  # contact attempts looked at: the year before the end of D


def ops_features(session: Session, *, as_of: date, zone: str) -> pd.DataFrame:
    """Per customer: promises kept/broken/open and contact outcomes, as of D.

    Contact attempts are counted over the month before the end of D (a range of their
    time index), and each customer's last reach is found within the year from an index of
    right-party contacts by customer and time, so that the day's read follows a month of
    calls, not a year or the whole history; a customer last reached before the year has no
    ``days_since_rpc``, like one never reached. Promises are read case by case (in the
    order of the cases' customer index, which groups them without sorting): on a year of
    promises that is several times faster than a window on their resolution day, whose
    index lookups cost more than the rows they skip until the history is many years long.
    """
    cutoff = end_of_day(as_of, zone)
    year_ago = as_of - timedelta(days=365)
    p, c = Promise, CollectionCase
    resolved = and_(p.resolved_on.is_not(None), p.resolved_on <= as_of)
    promises = session.execute(
        select(c.customer_id,
               func.sum(case((and_(resolved, p.status.in_(("kept", "partly_kept")),
                                   p.resolved_on >= year_ago), 1), else_=0)),
               func.sum(case((and_(resolved, p.status == "broken",
                                   p.resolved_on >= year_ago), 1), else_=0)),
               func.sum(case((~resolved, 1), else_=0)))
        .join(c, c.case_id == p.case_id).where(p.created_at < cutoff)
        .group_by(c.customer_id)).all()
    a = ContactAttempt
    month_ago = cutoff - timedelta(days=30)
    rpc = a.result == "right_party_contact"
    # the month's attempts by the time index; the last reach within the year from the
    # (result, customer, time) index alone: a year of calls is not read row by row
    month = session.execute(
        select(a.customer_id, func.count(), func.sum(case((rpc, 1), else_=0)),
               func.sum(case((a.result == "no_answer", 1), else_=0)))
        .where(a.at >= month_ago, a.at < cutoff).group_by(a.customer_id)).all()
    reached = session.execute(
        select(a.customer_id, func.max(a.at))
        .where(rpc, a.at >= cutoff - timedelta(days=CONTACT_WINDOW_DAYS), a.at < cutoff)
        .group_by(a.customer_id)).all()
    # plain tuples (see ``case_scores.open_cases``)
    pf = pd.DataFrame([tuple(r) for r in promises],
                      columns=["customer_id", "promises_kept_12m", "promises_broken_12m",
                               "promises_open"])
    counts = ["attempts_30d", "rpc_30d", "no_answer_30d"]
    cf = pd.DataFrame([tuple(r) for r in month], columns=["customer_id", *counts]).merge(
        pd.DataFrame([tuple(r) for r in reached], columns=["customer_id", "last_rpc_at"]),
        on="customer_id", how="outer")
    cf[counts] = cf[counts].fillna(0).astype(int)
    # instants as the store returns them: ISO text on SQLite (UTC), datetimes on PostgreSQL
    reached_at = pd.to_datetime(cf["last_rpc_at"], utc=True, format="ISO8601")
    cf["days_since_rpc"] = (pd.Timestamp(cutoff) - reached_at).dt.days.astype(float)
    return pf.merge(cf.drop(columns=["last_rpc_at"]), on="customer_id", how="outer")


class CustomerScope:
    """The portfolio tables as seen by a set of customers: their loans, and the payments and
    installments of those loans, so the engine computes nothing for anyone else.

    The ids go to the engine as a table (an ``IN (SELECT ...)`` semi-join; PostgreSQL
    takes no ``SEMI JOIN`` inside a larger query), never as literals in the SQL. Stands in
    for the backend wherever only ``table(name)`` is used (the delinquency positions, the
    features, the outcomes), on DuckDB and PostgreSQL alike.
    """

    def __init__(self, backend: Any, customers: Sequence[str]) -> None:
        wanted = ibis.memtable(pa.table({"customer_id": pa.array(list(customers),
                                                                 type=pa.string())}))
        self._backend = backend
        loans = backend.table("loans")
        self._loans = loans.filter(loans.customer_id.isin(wanted.customer_id))

    def table(self, name: str) -> ir.Table:
        if name == "loans":
            return self._loans
        if name in LOAN_TABLES or name == SNAPSHOTS:
            table = self._backend.table(name)
            return table.filter(table.loan_key.isin(self._loans.loan_key))
        raise ValueError(f"portfolio table {name!r} is not scoped to customers")

    @contextmanager
    def kept(self) -> Iterator[KeptScope]:
        """The scope's rows copied once into temporary tables, for work that reads them
        many times: training reads them twice per observation day, and each read of the
        scope itself picks the customers' rows out of the whole book again (a 10M-loan
        book's 134M installments, some thirty times). Dropped on leaving."""
        made: dict[str, ir.Table] = {}
        names: list[str] = []
        try:
            for name in ("loans", *LOAN_TABLES):
                names.append(f"_scope_{name}_{uuid4().hex[:12]}")
                made[name] = self._backend.create_table(names[-1], self.table(name),
                                                        temp=True)
            yield KeptScope(made)
        finally:
            engine = PortfolioEngine(self._backend)
            for temp in names:
                engine.execute(f"DROP TABLE IF EXISTS {temp}")


class KeptScope:
    """A :class:`CustomerScope` kept in temporary tables (see ``CustomerScope.kept``)."""

    def __init__(self, tables: dict[str, ir.Table]) -> None:
        self._tables = tables

    def table(self, name: str) -> ir.Table:
        if name not in self._tables:
            raise ValueError(f"portfolio table {name!r} is not scoped to customers")
        return self._tables[name]


LOAN_TABLES = ("payments", "installments")
SNAPSHOTS = "delinquency_snapshots"


def has_snapshot(backend: Any, *, as_of: date) -> bool:
    """Whether the delinquency snapshot of ``as_of`` is stored."""
    positions = backend.table("delinquency_positions")
    return bool(positions.filter(positions.as_of == ibis.literal(as_of)).limit(1)
                .count().to_pandas())


def feature_frame(*, backend: Any, session: Session, as_of: date, tolerance: Decimal,
                  buckets: Sequence[Any], zone: str, customers: Sequence[str] | None = None,
                  snapshot: bool = False) -> pd.DataFrame:
    """The behaviour features as of D for every customer (or only ``customers``: only their
    loans are read and computed; ``snapshot``: see ``portfolio_features``)."""
    source = backend if customers is None else CustomerScope(backend, customers)
    expr = portfolio_features(source, as_of=as_of, tolerance=tolerance, buckets=buckets,
                              snapshot=snapshot)
    frame = expr.to_pandas()
    ops = ops_features(session, as_of=as_of, zone=zone)
    frame = frame.merge(ops, on="customer_id", how="left")
    for col in ("promises_kept_12m", "promises_broken_12m", "promises_open", "attempts_30d",
                "rpc_30d", "no_answer_30d"):
        frame[col] = frame[col].fillna(0).astype(float)
    frame["product"] = frame["product"].astype(object)
    ordered = ["customer_id", *FEATURES]
    numeric = [f for f in FEATURES if f not in CATEGORICAL]
    frame[numeric] = frame[numeric].astype(float)
    return frame[ordered].sort_values("customer_id", kind="stable").reset_index(drop=True)
