"""Portfolio views, computed set-based in the portfolio engine through Ibis.

They read the daily run's ``delinquency_snapshots`` (one row per loan per run day),
``bucket_events`` and ``payments``. Every view returns a small pandas frame: the engine does
the work over the whole book, Python only sees the aggregates.

Definitions (the report and the desk say the same):
- A loan is *on book* on a run day when it is disbursed and still owes principal or arrears.
- A *month-end snapshot* is a run day that is the last calendar day of its month.
- *Roll rates* pair each loan's month-end snapshot with the next month's: the share of the
  loans (and of their outstanding principal at the first month-end) of each bucket that sit
  in each bucket a month later. The *cure rate* is the share that is current (dpd 0) then.
- *Vintage curves*: per disbursement month and months on book (calendar months between
  disbursement and the month-end), the share of the vintage's loans whose dpd has reached the
  threshold at any month-end so far.
- *Recovery by bucket at entry*: for each entry into a delinquent bucket (entered or rolled
  forward), the money paid in the following ``window`` days (net of reversals, at most the
  arrears at entry) over the arrears at entry; only entries whose window has passed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import ibis
import pandas as pd
from ibis.common.exceptions import TableNotFound

from arrears.analytics.filters import Filters

SNAPSHOTS = "delinquency_snapshots"
EVENTS = "bucket_events"
PAYMENTS = "payments"
ZERO = Decimal("0.00")


def month_index(col: Any) -> Any:
    """Months since year 0 (year * 12 + month) of a date column."""
    return col.year() * 12 + col.month()


def month_label(index: int) -> str:
    """``YYYY-MM`` of a month index."""
    year, month = divmod(int(index) - 1, 12)
    return f"{year:04d}-{month + 1:02d}"


def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den as a float share rounded to 4 places; 0 where the denominator is 0."""
    n = pd.to_numeric(num.astype(float), errors="coerce")
    d = pd.to_numeric(den.astype(float), errors="coerce")
    return (n / d.where(d != 0)).fillna(0.0).round(4)


def _money(series: pd.Series) -> pd.Series:
    return series.map(lambda v: ZERO if v is None or pd.isna(v) else Decimal(v).quantize(ZERO))


def has_table(con: Any, name: str) -> bool:
    """Whether the portfolio engine holds table ``name`` (nothing loaded yet: no figures)."""
    try:
        con.table(name)
    except TableNotFound:
        return False
    return True


def snapshot_days(con: Any) -> list[date]:
    """Every run day with a snapshot, oldest first."""
    if not has_table(con, SNAPSHOTS):
        return []
    t = con.table(SNAPSHOTS)
    days = t.select("as_of").distinct().order_by("as_of").to_pandas()["as_of"]
    return [pd.Timestamp(d).date() for d in days]


def products(con: Any) -> list[str]:
    """The products in the book, for the filter list."""
    if not has_table(con, SNAPSHOTS):
        return []
    t = con.table(SNAPSHOTS)
    return sorted(str(p) for p in t.select("product").distinct().to_pandas()["product"])


def bucket_order(con: Any) -> list[str]:
    """Buckets from the least to the most delinquent (by the lowest dpd seen in each)."""
    if not has_table(con, SNAPSHOTS):
        return []
    t = con.table(SNAPSHOTS)
    frame = t.group_by("bucket").aggregate(lo=t.dpd.min()).order_by("lo").to_pandas()
    return [str(b) for b in frame["bucket"]]


def on_book(t: Any) -> Any:
    """Snapshot rows of loans disbursed and still owing principal or arrears."""
    return t.filter((t.disbursed_on <= t.as_of)
                    & ((t.outstanding_principal > 0) | (t.overdue_amount > 0)))


def _scoped(con: Any, filters: Filters) -> Any:
    t = con.table(SNAPSHOTS)
    if filters.product:
        t = t.filter(t.product == filters.product)
    if filters.currency:
        t = t.filter(t.currency == filters.currency)
    return t


def _narrow(t: Any, filters: Filters, *, day: str, bucket: str) -> Any:
    """Apply the date range to column ``day`` and the bucket filter to column ``bucket``."""
    if filters.date_from:
        t = t.filter(t[day] >= filters.date_from)
    if filters.date_to:
        t = t.filter(t[day] <= filters.date_to)
    if filters.bucket:
        t = t.filter(t[bucket] == filters.bucket)
    return t


def sort_buckets(frame: pd.DataFrame, order: list[str], *cols: str) -> pd.DataFrame:
    """Order a frame's rows by bucket severity (unknown buckets last)."""
    rank = {b: i for i, b in enumerate(order)}
    keys = [frame[c].map(lambda b: rank.get(b, len(rank))) for c in cols]
    names = [f"_k{i}" for i in range(len(keys))]
    tmp = frame.assign(**dict(zip(names, keys, strict=True)))
    return tmp.sort_values(names, kind="stable").drop(columns=names)


def bucket_trend(con: Any, *, filters: Filters) -> pd.DataFrame:
    """Loans, arrears and outstanding principal per bucket on each run day in the range."""
    cols = ["as_of", "bucket", "loans", "overdue_amount", "outstanding_principal"]
    if not has_table(con, SNAPSHOTS):
        return pd.DataFrame(columns=cols)
    t = _narrow(on_book(_scoped(con, filters)), filters, day="as_of", bucket="bucket")
    agg = t.group_by(["as_of", "bucket"]).aggregate(
        loans=t.count(), overdue_amount=t.overdue_amount.sum(),
        outstanding_principal=t.outstanding_principal.sum())
    frame = agg.to_pandas()
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    frame["loans"] = frame["loans"].astype(int)
    for col in ("overdue_amount", "outstanding_principal"):
        frame[col] = _money(frame[col])
    frame = sort_buckets(frame.sort_values("as_of", kind="stable"), bucket_order(con), "bucket")
    return frame.sort_values("as_of", kind="stable")[cols].reset_index(drop=True)


def _month_ends(t: Any) -> Any:
    ends = t.filter((t.as_of + ibis.interval(days=1)).day() == 1)
    return ends.mutate(m=month_index(ends.as_of))


def roll_rates(con: Any, *, filters: Filters) -> pd.DataFrame:
    """Month-end to next month-end flows, bucket to bucket, by count and by balance."""
    cols = ["from_month", "to_month", "from_bucket", "to_bucket", "loans", "balance",
            "loan_share", "balance_share"]
    if not has_table(con, SNAPSHOTS):
        return pd.DataFrame(columns=cols)
    ends = _month_ends(_scoped(con, filters))
    start = on_book(ends).select(loan_id="loan_id", m="m", from_as_of="as_of",
                                  from_bucket="bucket", balance="outstanding_principal")
    end = ends.select(loan_id="loan_id", m_next="m", to_as_of="as_of", to_bucket="bucket")
    pairs = start.join(end, (start.loan_id == end.loan_id) & (end.m_next == start.m + 1))
    pairs = _narrow(pairs, filters, day="to_as_of", bucket="from_bucket")
    agg = pairs.group_by(["m", "from_bucket", "to_bucket"]).aggregate(
        loans=pairs.count(), balance=pairs.balance.sum())
    frame = agg.to_pandas()
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame["loans"] = frame["loans"].astype(int)
    frame["balance"] = _money(frame["balance"])
    frame["from_month"] = frame["m"].map(month_label)
    frame["to_month"] = (frame["m"] + 1).map(month_label)
    totals = frame.groupby(["m", "from_bucket"])[["loans", "balance"]].transform("sum")
    frame["loan_share"] = ratio(frame["loans"], totals["loans"])
    frame["balance_share"] = ratio(frame["balance"], totals["balance"])
    order = bucket_order(con)
    frame = sort_buckets(frame, order, "from_bucket", "to_bucket")
    return frame.sort_values("m", kind="stable")[cols].reset_index(drop=True)


def current_bucket(con: Any) -> str | None:
    """The bucket that holds loans with dpd 0 (``M0`` by default)."""
    order = bucket_order(con)
    return order[0] if order else None


def cure_rates(rolls: pd.DataFrame, *, current: str | None) -> pd.DataFrame:
    """From the roll-rate flows: per month and delinquent bucket, the share current a month on."""
    cols = ["to_month", "from_bucket", "loans", "cured", "cure_rate", "balance",
            "cured_balance", "balance_cure_rate"]
    late = rolls[rolls["from_bucket"] != current]
    if late.empty or current is None:
        return pd.DataFrame(columns=cols)
    late = late.assign(cured=late["loans"].where(late["to_bucket"] == current, 0),
                       cured_balance=late["balance"].where(late["to_bucket"] == current, ZERO))
    frame = late.groupby(["to_month", "from_bucket"], sort=False, as_index=False).agg(
        loans=("loans", "sum"), cured=("cured", "sum"), balance=("balance", "sum"),
        cured_balance=("cured_balance", "sum"))
    frame["cure_rate"] = ratio(frame["cured"], frame["loans"])
    frame["balance_cure_rate"] = ratio(frame["cured_balance"], frame["balance"])
    return frame[cols].reset_index(drop=True)


def vintage_curves(con: Any, *, filters: Filters, thresholds: list[int]) -> pd.DataFrame:
    """Per disbursement month and months on book: loans and the share ever past each dpd."""
    flags = [f"ever_{d}" for d in thresholds]
    cols = ["vintage", "mob", "loans", *[c for f in flags for c in (f, f"{f}_rate")]]
    if not has_table(con, SNAPSHOTS):
        return pd.DataFrame(columns=cols)
    ends = _month_ends(_scoped(con, filters))
    if filters.date_to:
        ends = ends.filter(ends.as_of <= filters.date_to)
    ends = ends.filter(ends.disbursed_on <= ends.as_of)
    ends = ends.mutate(vm=month_index(ends.disbursed_on))
    win = ibis.window(group_by=ends.loan_id, order_by=ends.as_of, preceding=None, following=0)
    worst = ends.mutate(worst=ends.dpd.max().over(win), mob=ends.m - ends.vm)
    agg = worst.group_by(["vm", "mob"]).aggregate(
        loans=worst.count(),
        **{f: (worst.worst >= d).cast("int64").sum()
           for f, d in zip(flags, thresholds, strict=True)})
    frame = agg.to_pandas().sort_values(["vm", "mob"], kind="stable")
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame["vintage"] = frame["vm"].map(month_label)
    frame["loans"] = frame["loans"].astype(int)
    for f in flags:
        frame[f] = frame[f].fillna(0).astype(int)
        frame[f"{f}_rate"] = ratio(frame[f], frame["loans"])
    frame["mob"] = frame["mob"].astype(int)
    return frame[cols].reset_index(drop=True)


def scoped_loans(con: Any, filters: Filters) -> Any:
    """The loans of the filtered product and currency."""
    loans = con.table("loans")
    if filters.product:
        loans = loans.filter(loans.product == filters.product)
    if filters.currency:
        loans = loans.filter(loans.currency == filters.currency)
    return loans


def currencies(con: Any) -> list[str]:
    """The book's currencies, the one with the most loans first."""
    if not has_table(con, SNAPSHOTS):
        return []
    t = con.table(SNAPSHOTS)
    frame = t.group_by("currency").aggregate(n=t.count()).order_by(ibis.desc("n")).to_pandas()
    return [str(c) for c in frame["currency"]]


def net_payments(con: Any, *, start: date | None = None, end: date | None = None) -> Any:
    """Payments (paid from ``start`` to ``end`` when given) with their signed amount: a
    reversal takes back the payment it names."""
    p = con.table(PAYMENTS)
    if start is not None:
        p = p.filter(p.paid_on >= start)
    if end is not None:
        p = p.filter(p.paid_on <= end)
    original = con.table(PAYMENTS).select(rid="payment_id", ramount="amount")
    # only payments these name can match: the join then hashes a handful, not the book
    original = original.semi_join(p, original.rid == p.reverses_payment_id)
    joined = p.left_join(original, p.reverses_payment_id == original.rid)
    signed = ibis.ifelse(joined.kind == "reversal", -joined.ramount.fill_null(joined.amount),
                         joined.amount)
    return joined.select(loan_id="loan_id", paid_on="paid_on", signed=signed)


def recovered_per_entry(con: Any, events: Any, *, window_days: int,
                        entered_after: date | None = None, entered_by: date | None = None) -> Any:
    """Each bucket entry with the money paid in the ``window_days`` after it (net of
    reversals, at most the arrears at entry): ``as_of, loan_id, to_bucket,
    overdue_amount, recovered``. Bounds the ``events`` keep to (entries after
    ``entered_after``, by ``entered_by``) narrow the payments read to their windows."""
    e = events.select("as_of", "loan_id", "to_bucket", "overdue_amount").mutate(
        event_id=ibis.row_number())
    pay = net_payments(
        con, start=entered_after + timedelta(days=1) if entered_after else None,
        end=entered_by + timedelta(days=window_days) if entered_by else None)
    hits = e.join(pay, (e.loan_id == pay.loan_id) & (pay.paid_on > e.as_of)
                  & (pay.paid_on <= e.as_of + ibis.interval(days=window_days)))
    paid = hits.group_by("event_id").aggregate(paid=hits.signed.sum())
    per = e.left_join(paid, e.event_id == paid.event_id)
    capped = ibis.greatest(ibis.least(per.paid.fill_null(0), per.overdue_amount), 0)
    return per.select("as_of", "loan_id", "to_bucket", "overdue_amount", recovered=capped)


def recovery_by_entry(con: Any, *, filters: Filters, window_days: int,
                      as_of: date) -> pd.DataFrame:
    """Per month of entry and bucket entered: arrears at entry and the share recovered."""
    cols = ["entry_month", "bucket", "entries", "overdue_at_entry", "recovered", "recovery_rate"]
    if not (has_table(con, EVENTS) and has_table(con, PAYMENTS)):
        return pd.DataFrame(columns=cols)
    e = con.table(EVENTS)
    e = e.filter(e.kind.isin(["entered", "rolled_forward"]) & (e.overdue_amount > 0)
                 & (e.as_of <= as_of - timedelta(days=window_days)))
    e = _narrow(e, filters, day="as_of", bucket="to_bucket")
    if filters.product or filters.currency:
        e = e.semi_join(scoped_loans(con, filters).select("loan_id"), "loan_id")
    per = recovered_per_entry(con, e, window_days=window_days,
                              entered_by=as_of - timedelta(days=window_days))
    per = per.mutate(em=month_index(per.as_of))
    agg = per.group_by(["em", "to_bucket"]).aggregate(
        entries=per.count(), overdue_at_entry=per.overdue_amount.sum(),
        recovered=per.recovered.sum())
    frame = agg.to_pandas()
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame = frame.rename(columns={"to_bucket": "bucket"})
    frame["entry_month"] = frame["em"].map(month_label)
    frame["entries"] = frame["entries"].astype(int)
    for col in ("overdue_at_entry", "recovered"):
        frame[col] = _money(frame[col])
    frame["recovery_rate"] = ratio(frame["recovered"], frame["overdue_at_entry"])
    frame = sort_buckets(frame, bucket_order(con), "bucket")
    return frame.sort_values("em", kind="stable")[cols].reset_index(drop=True)
