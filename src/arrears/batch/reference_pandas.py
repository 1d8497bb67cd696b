"""An independent pandas statement of the spec's delinquency rules (portfolio-format.md).

Written straight from the normative text, separately from the engine's set-based run, so
that each checks the other: the tests compare the delinquency export with this to the
cent, and ``arrears bench daily`` times it as the plain pandas way of doing the same work.

Money is integer cents in int64 throughout (exact, like Decimal); nothing is a float.

Two steps, as the product has them:
- :func:`type_book` types the raw tables (what loading does): money to cents, dates,
  each payment's UTC instant and its local date in the reporting zone;
- :func:`delinquency_typed` applies the rules for one as-of date (what run-day does).
:func:`delinquency` does both.

Readings of the spec made here (each one stated so a disagreement is easy to find):
- payments are applied to the ordered sequence (installment by due date and seq; fee,
  interest, principal inside one), so the end state depends only on the total counted;
- ``overdue_*`` sum what remains of the *unpaid* installments due before D: a remainder
  within the tolerance makes an installment paid, so nothing of it remains unpaid;
- ``oldest_unpaid_due_date`` is the oldest due date of any unpaid installment, due
  before D or not (``unpaid`` is defined by the tolerance alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

Bucket = tuple[str, int, int | None]

DEFAULT_BUCKETS: tuple[Bucket, ...] = (
    ("M0", 0, 0), ("M1", 1, 30), ("M2", 31, 60), ("M3", 61, 90), ("M4", 91, 120),
    ("M5", 121, 150), ("M6", 151, 180), ("M7+", 181, None),
)
EXPORT_COLUMNS = [
    "as_of", "loan_id", "customer_id", "currency", "dpd", "bucket", "overdue_principal",
    "overdue_interest", "overdue_fee", "overdue_amount", "outstanding_principal",
    "credit_balance", "oldest_unpaid_due_date",
]
MONEY_COLUMNS = EXPORT_COLUMNS[6:12]
CENTS = pa.decimal128(20, 2)
NEEDED = {
    "loans": ["loan_id", "customer_id", "currency"],
    "installments": ["loan_id", "seq", "due_date", "principal_due", "interest_due", "fee_due"],
    "payments": ["payment_id", "loan_id", "paid_at", "amount", "kind", "reverses_payment_id"],
}


@dataclass(frozen=True)
class TypedBook:
    """The three tables the rules need, typed.

    installments: loan_id, seq, due_date (datetime64), principal_due, interest_due,
    fee_due (cents), sorted by loan_id, due_date, seq. payments: payment_id, loan_id,
    paid_at_utc, paid_on (local date in the reporting zone), amount (cents),
    is_reversal, reverses_payment_id. loans: loan_id, customer_id, currency.
    """

    installments: pd.DataFrame
    payments: pd.DataFrame
    loans: pd.DataFrame


# --------------------------------------------------------------------------- typing


def to_cents(values: pd.Series) -> np.ndarray:
    """Money values (decimal strings, Decimals, ints, Arrow decimals) as int64 cents.

    Empty values are 0 (``fee_due`` is optional). More than two fractional digits is
    an error: the reference does not round what the spec forbids.
    """
    if isinstance(values.dtype, pd.ArrowDtype):
        arr = pa.array(values.array)
    else:
        arr = pa.array(values.astype(object).where(values.notna(), None))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        arr = pc.utf8_trim_whitespace(arr)
        arr = pc.if_else(pc.equal(arr, ""), None, arr)
    try:
        arr = pc.fill_null(arr.cast(CENTS), pa.scalar(0, CENTS).cast(CENTS))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ValueError(f"money that is not a decimal with at most 2 fractional digits: {exc}"
                         ) from exc
    words = np.frombuffer(arr.buffers()[1], dtype=np.int64)
    return words[2 * arr.offset: 2 * (arr.offset + len(arr)): 2].copy()


def _dates(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.astype("datetime64[s]")
    return pd.to_datetime(values.astype("string"), format="%Y-%m-%d").astype("datetime64[s]")


def _instants(paid_at: pd.Series, reporting_tz: str) -> tuple[pd.Series, pd.Series]:
    """UTC instant and local date of each ``paid_at``; a bare date is 12:00 local."""
    text = paid_at.astype("string").str.strip()
    bare = text.str.len() == 10
    instant = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    if (~bare).any():
        instant[~bare] = pd.to_datetime(text[~bare], utc=True, format="ISO8601")
    if bare.any():
        noon = pd.to_datetime(text[bare], format="%Y-%m-%d") + pd.Timedelta(hours=12)
        instant[bare] = noon.dt.tz_localize(reporting_tz).dt.tz_convert("UTC")
    local = instant.dt.tz_convert(reporting_tz).dt.tz_localize(None).dt.floor("D")
    return instant, local.astype("datetime64[s]")


def type_book(installments_df: pd.DataFrame, payments_df: pd.DataFrame,
              loans_df: pd.DataFrame, *, reporting_tz: str = "Asia/Shanghai") -> TypedBook:
    """Type the raw spec tables (strings as read from CSV, or Parquet types)."""
    inst = installments_df.reindex(columns=NEEDED["installments"])
    typed_inst = pd.DataFrame({
        "loan_id": inst["loan_id"].astype("string"),
        "seq": pd.to_numeric(inst["seq"]).astype("int64"),
        "due_date": _dates(inst["due_date"]),
        "principal_due": to_cents(inst["principal_due"]),
        "interest_due": to_cents(inst["interest_due"]),
        "fee_due": to_cents(inst["fee_due"]),
    }).sort_values(["loan_id", "due_date", "seq"], ignore_index=True)
    pay = payments_df.reindex(columns=NEEDED["payments"])
    instant, local = _instants(pay["paid_at"], reporting_tz)
    kind = pay["kind"].astype("string").fillna("payment").str.strip().str.lower()
    typed_pay = pd.DataFrame({
        "payment_id": pay["payment_id"].astype("string"),
        "loan_id": pay["loan_id"].astype("string"),
        "paid_at_utc": instant.dt.tz_convert(None).to_numpy(),
        "paid_on": local.values,
        "amount": to_cents(pay["amount"]),
        "is_reversal": (kind == "reversal").to_numpy(),
        "reverses_payment_id": pay["reverses_payment_id"].astype("string"),
    })
    loans = loans_df.reindex(columns=NEEDED["loans"]).astype("string")
    return TypedBook(typed_inst, typed_pay, loans.reset_index(drop=True))


def read_book(source: Path | str, *, reporting_tz: str = "Asia/Shanghai") -> TypedBook:
    """Read and type ``loans``, ``installments`` and ``payments`` (CSV or Parquet) in a folder."""
    folder = Path(source)
    frames: dict[str, pd.DataFrame] = {}
    for name, columns in NEEDED.items():
        parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
        if parquet.exists():
            import pyarrow.parquet as pq

            present = [c for c in columns if c in pq.read_schema(parquet).names]
            table = pq.read_table(parquet, columns=present)
            frames[name] = table.to_pandas(
                date_as_object=False,
                types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_decimal(t) else None)
        elif csv.exists():
            frames[name] = pd.read_csv(csv, dtype=str, keep_default_na=False,
                                       na_values=[""], encoding="utf-8")
        else:
            raise FileNotFoundError(f"{folder}: no {name}.csv or {name}.parquet")
    return type_book(frames["installments"], frames["payments"], frames["loans"],
                     reporting_tz=reporting_tz)


# --------------------------------------------------------------------------- the rules


def _counted_paid(payments: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Per loan, the cents of payments that count as of D (reversed ones removed)."""
    counted = payments[payments["paid_on"] <= as_of]
    reversals = counted[counted["is_reversal"]]
    money = counted[~counted["is_reversal"]]
    money = money[~money["payment_id"].isin(reversals["reverses_payment_id"].dropna())]
    return money.groupby("loan_id", sort=False)["amount"].sum().rename("paid")


def _apply_waterfall(inst: pd.DataFrame, paid: pd.Series) -> pd.DataFrame:
    """Apply each loan's counted money oldest installment first; fee, interest, principal."""
    inst = inst.merge(paid, left_on="loan_id", right_index=True, how="left")
    inst["paid"] = inst["paid"].fillna(0).astype("int64")
    inst["due"] = inst["fee_due"] + inst["interest_due"] + inst["principal_due"]
    inst["before"] = inst.groupby("loan_id", sort=False)["due"].cumsum() - inst["due"]
    applied = (inst["paid"] - inst["before"]).clip(lower=0)
    applied = applied.where(applied < inst["due"], inst["due"])
    fee_paid = applied.where(applied < inst["fee_due"], inst["fee_due"])
    left = applied - fee_paid
    interest_paid = left.where(left < inst["interest_due"], inst["interest_due"])
    inst["rem_fee"] = inst["fee_due"] - fee_paid
    inst["rem_interest"] = inst["interest_due"] - interest_paid
    inst["rem_principal"] = inst["principal_due"] - (left - interest_paid)
    inst["remaining"] = inst["due"] - applied
    return inst


def _per_loan(inst: pd.DataFrame, as_of: pd.Timestamp, tolerance_cents: int) -> pd.DataFrame:
    """Aggregate the installments of each loan into the export's measures."""
    unpaid = inst["remaining"] > tolerance_cents
    overdue = (inst["due_date"] < as_of) & unpaid
    parts = pd.DataFrame({
        "loan_id": inst["loan_id"],
        "overdue_principal": inst["rem_principal"].where(overdue, 0),
        "overdue_interest": inst["rem_interest"].where(overdue, 0),
        "overdue_fee": inst["rem_fee"].where(overdue, 0),
        "outstanding_principal": inst["rem_principal"],
        "total_due": inst["due"],
        "oldest_overdue": inst["due_date"].where(overdue),
        "oldest_unpaid": inst["due_date"].where(unpaid),
    })
    return parts.groupby("loan_id", sort=False).agg({
        "overdue_principal": "sum", "overdue_interest": "sum", "overdue_fee": "sum",
        "outstanding_principal": "sum", "total_due": "sum", "oldest_overdue": "min",
        "oldest_unpaid": "min"})


def bucket_for(dpd: np.ndarray, buckets: Sequence[Bucket] = DEFAULT_BUCKETS) -> np.ndarray:
    """The bucket name of each dpd through the bucket table (rows: name, low, high)."""
    top = np.iinfo(np.int64).max
    inside = [(dpd >= low) & (dpd <= (top if high is None else high)) for _, low, high in buckets]
    covered = np.logical_or.reduce(inside) if inside else np.zeros(dpd.shape, bool)
    if not covered.all():
        raise ValueError(f"the bucket table does not cover dpd {dpd[~covered][0]}")
    return np.select(inside, [name for name, _, _ in buckets], default="").astype(object)


def format_cents(cents: pd.Series | np.ndarray) -> pd.Series:
    """Cents as money text with exactly two fractional digits (``-12.05``)."""
    values = pd.Series(np.asarray(cents, dtype=np.int64))
    absolute = values.abs()
    text = (absolute // 100).astype("string") + "." + (absolute % 100).astype("string").str.zfill(2)
    return text.where(values >= 0, "-" + text)


def delinquency_typed(book: TypedBook, *, as_of: date, tolerance: Decimal = Decimal("0"),
                      buckets: Sequence[Bucket] = DEFAULT_BUCKETS) -> pd.DataFrame:
    """The delinquency export as of ``as_of`` from a typed book (see the module notes)."""
    day = pd.Timestamp(as_of)
    tolerance_cents = int((tolerance * 100).to_integral_value(rounding=ROUND_FLOOR))
    paid = _counted_paid(book.payments, day)
    inst = _apply_waterfall(book.installments, paid)
    agg = _per_loan(inst, day, tolerance_cents)
    out = book.loans.merge(agg, left_on="loan_id", right_index=True, how="left")
    out = out.merge(paid, left_on="loan_id", right_index=True, how="left")
    out = out.sort_values("loan_id", ignore_index=True)
    money = {c: out[c].fillna(0).astype("int64") for c in
             ("overdue_principal", "overdue_interest", "overdue_fee", "outstanding_principal",
              "total_due", "paid")}
    dpd = (day - out["oldest_overdue"]).dt.days.fillna(0).astype("int64").to_numpy()
    overdue_amount = money["overdue_principal"] + money["overdue_interest"] + money["overdue_fee"]
    oldest = out["oldest_unpaid"].dt.strftime("%Y-%m-%d").astype("string").fillna("")
    return pd.DataFrame({
        "as_of": as_of.isoformat(),
        "loan_id": out["loan_id"],
        "customer_id": out["customer_id"],
        "currency": out["currency"],
        "dpd": dpd,
        "bucket": bucket_for(dpd, buckets),
        "overdue_principal": format_cents(money["overdue_principal"]),
        "overdue_interest": format_cents(money["overdue_interest"]),
        "overdue_fee": format_cents(money["overdue_fee"]),
        "overdue_amount": format_cents(overdue_amount),
        "outstanding_principal": format_cents(money["outstanding_principal"]),
        "credit_balance": format_cents((money["paid"] - money["total_due"]).clip(lower=0)),
        "oldest_unpaid_due_date": oldest.to_numpy(),
    }, columns=EXPORT_COLUMNS)


def delinquency(installments_df: pd.DataFrame, payments_df: pd.DataFrame,
                loans_df: pd.DataFrame, *, as_of: date, reporting_tz: str = "Asia/Shanghai",
                tolerance: Decimal = Decimal("0"),
                buckets: Sequence[Bucket] = DEFAULT_BUCKETS) -> pd.DataFrame:
    """The spec's delinquency export, one row per loan sorted by ``loan_id``.

    Takes the raw spec tables; money columns come back as text with two decimals,
    ``dpd`` as an integer, dates as ``YYYY-MM-DD`` (empty when nothing is unpaid).
    """
    book = type_book(installments_df, payments_df, loans_df, reporting_tz=reporting_tz)
    return delinquency_typed(book, as_of=as_of, tolerance=tolerance, buckets=buckets)
