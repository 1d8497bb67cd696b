"""Operations views: what the collectors did and what it brought, from the operations store.

Counts are computed in the database (SQLAlchemy Core, one grouped query per measure);
Python only joins the small aggregates. Days are days in the reporting time zone: each
attempt falls in the day whose UTC interval contains its timestamp (a range join on a small
table of day boundaries, exact across daylight-saving changes).

Definitions (result codes and channels from ``[analytics]``, by default the desk's):
- attempts: calls and field visits (``call_channels``); messages the outbox sent (sms,
  e-mail, letters: result ``sent``) are counted apart as ``messages``, never as attempts;
- contact rate: attempts that reached someone / attempts;
- right-party-contact (RPC) rate: attempts that reached the borrower / attempts;
- promise rate: promises to pay made / right-party contacts;
- promise kept rate: promises kept / promises that fell due and were resolved (kept, partly
  kept or broken);
- amount recovered: money paid (net of reversals) by the borrowers of open cases, credited
  to the collector who held the case on the day of payment (the strategy part's
  ``case_allocations`` history; today's collector for a case without history).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import pandas as pd
import pyarrow as pa
from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from arrears.adapters.db.bulk import bulk_insert
from arrears.adapters.db.tables import CollectionCase, ContactAttempt, Promise, User
from arrears.analytics.filters import Filters
from arrears.analytics.portfolio import ZERO, has_table, net_payments, ratio, scoped_loans
from arrears.analytics.settings import AnalyticsSettings

KEYS = ["day", "user_id"]
COUNTS = ["attempts", "contacts", "rpc", "messages", "promises", "promises_due", "kept",
          "partly_kept", "broken"]
MONEY_COLS = ["promised_amount", "recovered"]
RESOLVED = ("kept", "partly_kept", "broken")
UNASSIGNED = 0  # user_id used for money on cases assigned to no one


@dataclass(frozen=True)
class OpsContext:
    """What an operations query needs: the store, the engine and how to read the figures."""

    session: Session
    portfolio: Any
    settings: AnalyticsSettings
    timezone: str
    filters: Filters
    # The last run day whose money recovered the daily run materialised (None: live).
    materialised_through: date | None = None


def day_bounds(start: date, end: date, tz: str) -> list[tuple[date, datetime, datetime]]:
    """Each local day from ``start`` to ``end`` with its [start, end) instants in UTC."""
    zone = ZoneInfo(tz)
    out = []
    day = start
    while day <= end:
        lo = datetime.combine(day, time(0), zone).astimezone(UTC)
        hi = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
        out.append((day, lo, hi))
        day += timedelta(days=1)
    return out


def _days_cte(bounds: list[tuple[date, datetime, datetime]]) -> Any:
    rows = [select(literal(d, Date).label("day"), literal(lo, DateTime(timezone=True)).label("lo"),
                   literal(hi, DateTime(timezone=True)).label("hi")) for d, lo, hi in bounds]
    return union_all(*rows).cte("days")


def _team_users(ctx: OpsContext) -> Any:
    return select(User.user_id).where(User.team_id == ctx.filters.team_id)


def _attempt_counts(ctx: OpsContext, days: Any) -> pd.DataFrame:
    """Calls (attempts to reach a person), their contacts and right-party contacts, and
    the messages sent, per local day and collector."""
    a = ContactAttempt
    s = ctx.settings
    call = a.channel.in_(s.call_channels)

    def count(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    stmt = (select(days.c.day, func.coalesce(a.user_id, UNASSIGNED).label("user_id"),
                   count(call).label("attempts"),
                   count(call & a.result.in_(s.contact_results)).label("contacts"),
                   count(call & a.result.in_(s.rpc_results)).label("rpc"),
                   count(~call & a.result.in_(s.message_results)).label("messages"))
            .select_from(a).join(days, and_(a.at >= days.c.lo, a.at < days.c.hi))
            .group_by(days.c.day, a.user_id))
    if ctx.filters.team_id:
        stmt = stmt.where(a.user_id.in_(_team_users(ctx)))
    return _frame(ctx.session.execute(stmt))


def _promises_made(ctx: OpsContext, days: Any) -> pd.DataFrame:
    p = Promise
    uid = func.coalesce(p.user_id, UNASSIGNED)
    stmt = (select(days.c.day, uid.label("user_id"), func.count().label("promises"),
                   func.sum(p.amount).label("promised_amount"))
            .select_from(p).join(days, and_(p.created_at >= days.c.lo, p.created_at < days.c.hi))
            .group_by(days.c.day, p.user_id))
    if ctx.filters.currency:
        stmt = stmt.where(p.currency == ctx.filters.currency)
    if ctx.filters.team_id:
        stmt = stmt.where(p.user_id.in_(_team_users(ctx)))
    return _frame(ctx.session.execute(stmt))


def _promises_due(ctx: OpsContext, start: date, end: date) -> pd.DataFrame:
    p = Promise
    uid = func.coalesce(p.user_id, UNASSIGNED)
    counts = {s: func.sum(case((p.status == s, 1), else_=0)).label(s) for s in RESOLVED}
    stmt = (select(p.due_on.label("day"), uid.label("user_id"),
                   func.count().label("promises_due"), *counts.values())
            .where(p.due_on.between(start, end), p.status.in_(RESOLVED))
            .group_by(p.due_on, p.user_id))
    if ctx.filters.team_id:
        stmt = stmt.where(p.user_id.in_(_team_users(ctx)))
    return _frame(ctx.session.execute(stmt))


def _frame(result: Any) -> pd.DataFrame:
    frame = pd.DataFrame(result.mappings().all())
    if not frame.empty and "day" in frame:
        frame["day"] = frame["day"].map(_as_date)
    return frame


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


_OWNERS = pa.schema([("case_id", pa.int64()), ("customer_id", pa.string()),
                     ("opened_on", pa.date32()), ("closed_on", pa.date32()),
                     ("user_id", pa.int64())])


def _case_owners(conn: Connection, start: date, end: date) -> pa.Table:
    """Cases open at some time in the range: customer, dates and today's collector.
    Read in batches; dates come as their ISO text and are parsed by Arrow."""
    c = CollectionCase
    result = conn.execute(select(
        c.case_id, c.customer_id, cast(c.opened_on, String), cast(c.closed_on, String),
        func.coalesce(c.assigned_to, UNASSIGNED)).where(
        c.opened_on <= end, or_(c.closed_on.is_(None), c.closed_on >= start)))
    batches = []
    for rows in result.partitions(100_000):
        cols = list(zip(*rows, strict=True))
        batches.append(pa.record_batch([
            pa.array(cols[0], pa.int64()), pa.array(cols[1], pa.string()),
            pa.array(cols[2], pa.string()).cast(pa.date32()),
            pa.array(cols[3], pa.string()).cast(pa.date32()),
            pa.array(cols[4], pa.int64())], schema=_OWNERS))
    return pa.Table.from_batches(batches, schema=_OWNERS)


#: Cases and days to find the holder of (a temporary table, filled per query).
_PAYDAYS = Table("analytics_paydays", MetaData(),
                 Column("k", Integer, primary_key=True, autoincrement=False),
                 Column("case_id", Integer), Column("paid_on", Date), prefixes=["TEMPORARY"])


def _holders(conn: Connection, pairs: pd.DataFrame) -> pd.Series:
    """Who held each case (``case_id``) on each day (``paid_on``): its allocation on the
    last allocation day on or before (the strategy part's history; every open case has
    one each run day), None without one. Looked up in the store per pair, by the
    allocations' key (day first), so the cost follows the payments, not the history."""
    from arrears.adapters.db.tables_strategy import CaseAllocation

    t, a = _PAYDAYS, CaseAllocation.__table__
    days = a.alias("days")
    # correlated to the pairs two levels up: left to itself, SQLAlchemy would put the pairs
    # in the subquery's FROM and take the latest day before any payment, for every payment
    last_day = select(func.max(days.c.as_of)).where(days.c.as_of <= t.c.paid_on).correlate(t)
    holder = (select(func.coalesce(a.c.user_id, UNASSIGNED))
              .where(a.c.as_of == last_day.scalar_subquery(), a.c.case_id == t.c.case_id)
              .scalar_subquery())
    t.drop(conn, checkfirst=True)  # left by a failed run (SQLite: DDL commits)
    t.create(conn)
    bulk_insert(conn, t, [{"k": k, "case_id": c, "paid_on": d} for k, c, d in zip(
        range(len(pairs)), pairs["case_id"].tolist(), pairs["paid_on"].tolist(), strict=True)])
    found = dict(conn.execute(select(t.c.k, holder)).all())
    t.drop(conn)
    return pd.Series([found.get(k) for k in range(len(pairs))], index=pairs.index,
                     dtype="object")


def recovered_by_holder(session: Session, con: Any, filters: Filters, start: date, end: date,
                        *, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Money paid on open cases per day, credited to the collector who held the case
    that day (and per ``by`` loan columns): ``paid_on, user_id, *by, recovered``.

    Net payments per customer and day are matched in the engine to every case of the
    customer open that day (the store's open cases are handed to it), so only those
    leave it; the holder is the case's allocation on the last run day on or before the
    payment (today's collector when the case has none). Sums are exact (in cents).
    """
    cols = ["paid_on", "user_id", *by, "recovered"]
    conn = session.connection()
    if not (has_table(con, "payments") and has_table(con, "loans")):
        return pd.DataFrame(columns=cols)
    owners = ibis.memtable(_case_owners(conn, start, end))
    loans = scoped_loans(con, filters).select("loan_id", "customer_id", *by)
    loans = loans.semi_join(owners, loans.customer_id == owners.customer_id)
    pay = net_payments(con, start=start, end=end).join(loans, "loan_id")
    paid = pay.group_by(["customer_id", "paid_on", *by]).aggregate(signed=pay.signed.sum())
    hit = paid.join(owners, [paid.customer_id == owners.customer_id,
                             paid.paid_on >= owners.opened_on,
                             owners.closed_on.isnull() | (paid.paid_on <= owners.closed_on)])
    hits = hit.select(owners.case_id, paid.paid_on, *(paid[c] for c in by), owners.user_id,
                      cents=(paid.signed * 100).cast("int64")).to_pandas()
    if hits.empty:
        return pd.DataFrame(columns=cols)
    hits["paid_on"] = hits["paid_on"].map(_as_date)
    pairs = hits[["case_id", "paid_on"]].drop_duplicates()
    held = hits.merge(pairs.assign(holder=_holders(conn, pairs)), on=["case_id", "paid_on"])
    held["user_id"] = held["holder"].where(held["holder"].notna(), held["user_id"]).astype(int)
    sums = held.groupby(["paid_on", "user_id", *by], as_index=False)["cents"].sum()
    sums["recovered"] = [Decimal(int(c)).scaleb(-2) for c in sums["cents"]]
    return sums[cols]


def _recovered(ctx: OpsContext, start: date, end: date) -> pd.DataFrame:
    """Net payments per day and collector for open cases, credited as they were held."""
    if ctx.materialised_through is not None:
        from arrears.analytics.precomputed import recovered

        team = _team_users(ctx) if ctx.filters.team_id else None
        return recovered(ctx.session, filters=ctx.filters, start=start,
                         end=min(end, ctx.materialised_through), team_users=team)
    frame = recovered_by_holder(ctx.session, ctx.portfolio, ctx.filters, start, end)
    if ctx.filters.team_id:
        frame = frame[frame["user_id"].isin(_team_user_ids(ctx))]
    if frame.empty:
        return pd.DataFrame(columns=["day", "user_id", "recovered"])
    return frame.rename(columns={"paid_on": "day"})


def _team_user_ids(ctx: OpsContext) -> set[int]:
    return set(ctx.session.scalars(_team_users(ctx)))


def daily_activity(ctx: OpsContext) -> pd.DataFrame:
    """One row per local day and collector: counts and money, zeros filled in."""
    f = ctx.filters
    assert f.date_from and f.date_to, "filters need a date range (Filters.with_defaults)"
    days = _days_cte(day_bounds(f.date_from, f.date_to, ctx.timezone))
    parts = [_attempt_counts(ctx, days), _promises_made(ctx, days),
             _promises_due(ctx, f.date_from, f.date_to), _recovered(ctx, f.date_from, f.date_to)]
    frame = _merge(parts)
    return _with_users(ctx.session, frame)


def _merge(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    merged = pd.DataFrame(columns=KEYS)
    for part in parts:
        if part is not None and not part.empty:
            merged = merged.merge(part, on=KEYS, how="outer")
    for col in COUNTS:
        merged[col] = (merged[col] if col in merged else pd.Series(0, index=merged.index))
        merged[col] = merged[col].fillna(0).astype(int)
    for col in MONEY_COLS:
        merged[col] = (merged[col] if col in merged else pd.Series(ZERO, index=merged.index))
        merged[col] = merged[col].map(_money)
    merged["user_id"] = merged["user_id"].astype(int)
    return merged.sort_values(KEYS, kind="stable").reset_index(drop=True)


def _money(value: Any) -> Decimal:
    if value is None or (not isinstance(value, Decimal) and pd.isna(value)):
        return ZERO
    return Decimal(str(value)).quantize(ZERO)


def _with_users(session: Session, frame: pd.DataFrame) -> pd.DataFrame:
    ids = [int(u) for u in frame["user_id"].unique() if u != UNASSIGNED]
    users = {r.user_id: r for r in session.execute(
        select(User.user_id, User.username, User.display_name, User.team_id)
        .where(User.user_id.in_(ids))).all()} if ids else {}
    frame["collector"] = frame["user_id"].map(
        lambda u: users[u].display_name if u in users else "-")
    frame["team_id"] = frame["user_id"].map(
        lambda u: (users[u].team_id or "-") if u in users else "-")
    return frame


def with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the four rates to a frame of summed counts."""
    return frame.assign(
        contact_rate=ratio(frame["contacts"], frame["attempts"]),
        rpc_rate=ratio(frame["rpc"], frame["attempts"]),
        promise_rate=ratio(frame["promises"], frame["rpc"]),
        kept_rate=ratio(frame["kept"], frame["promises_due"]))


def rollup(daily: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum the daily figures by ``by`` (for example week, team, collector) and add rates."""
    cols = [*by, *COUNTS, *MONEY_COLS]
    if daily.empty:
        return with_rates(pd.DataFrame(columns=cols).astype({c: int for c in COUNTS}))
    sums = daily.groupby(by, as_index=False, sort=True).agg(
        **{c: (c, "sum") for c in [*COUNTS, *MONEY_COLS]})
    for col in MONEY_COLS:
        sums[col] = sums[col].map(_money)
    return with_rates(sums[cols]).reset_index(drop=True)


def iso_week(day: date) -> str:
    """``2026-W09``: the ISO week a day belongs to."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
