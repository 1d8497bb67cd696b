"""Daily-run step ``cases``: collection cases in the operations store from the snapshot.

One case per customer groups all of that customer's delinquent loans. A case opens when
one of them reaches ``case_open_dpd``, is updated every day while any is delinquent, and
closes (``cured``) when all are current; a later delinquency opens a new case. The
customers and contact points of customers with cases are copied (still encrypted) from
the portfolio engine, and ``loan_positions`` is brought to the delinquent loans of
customers with an open case. Everything is written in bulk in one transaction; only
delinquent loans and their customers are read from the engine.

Re-running the latest day gives the same cases (a case closed by a first run of the day
is reopened if the rerun finds the customer delinquent). Days before the latest applied
day leave the cases alone: their snapshot is still recomputed by ``delinquency``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa
from sqlalchemy import Connection, func, select

from arrears.adapters.db.bulk import bulk_delete, bulk_insert, bulk_update
from arrears.adapters.db.tables import (
    CollectionCase,
    ContactPoint,
    Customer,
    DayRun,
    LoanPosition,
)
from arrears.adapters.portfolio.delinquency import bucket_expr
from arrears.batch.base import StepResult
from arrears.services.business_settings import business_settings
from arrears.services.loading import portfolio_engine

POSITION_COLS = ("loan_id", "customer_id", "product", "currency", "principal", "dpd", "bucket",
                 "overdue_principal", "overdue_interest", "overdue_fee", "overdue_amount",
                 "outstanding_principal", "credit_balance", "oldest_unpaid_due_date")
MONEY_COLS = frozenset({"principal", "overdue_principal", "overdue_interest", "overdue_fee",
                        "overdue_amount", "outstanding_principal", "credit_balance"})
# Loans the lender no longer holds, or has closed, are not collected.
NOT_COLLECTED = ("sold", "closed")


@dataclass(slots=True)
class CustomerDebt:
    """A customer's delinquent loans summed up (one future or current case)."""

    customer_id: str
    dpd: int
    bucket: str
    currency: str
    overdue_amount: Decimal
    outstanding_principal: Decimal
    loan_count: int


def _delinquent(app: Any, *, as_of: date) -> Any:
    """The snapshot rows of ``as_of`` with dpd above zero, for loans still collected."""
    snaps = portfolio_engine(app).backend.table("delinquency_snapshots")
    return snaps.filter((snaps.as_of == ibis.literal(as_of)) & (snaps.dpd > 0)
                        & ~snaps.status.isin(NOT_COLLECTED))


def delinquent_loans(app: Any, *, as_of: date, size: int = 100_000,
                     money_as_text: bool = False) -> Iterator[list[tuple[Any, ...]]]:
    """The day's delinquent, collected loans as ``POSITION_COLS`` tuples, ``size`` at a
    time (a first day at 10M loans has more than a million). ``money_as_text``: amounts
    as the engine writes its decimals (``649.57``), which is what SQLite is handed for a
    Decimal: a million Decimals are neither built nor written out again."""
    engine = portfolio_engine(app)
    loans = _delinquent(app, as_of=as_of)
    columns = [loans[c].cast("string").name(c) if money_as_text and c in MONEY_COLS
               else loans[c] for c in POSITION_COLS]
    return engine.fetch_batches(engine.compile(loans.select(*columns)), size)


def customer_debts(app: Any, *, as_of: date, buckets: Any) -> dict[str, CustomerDebt]:
    """Per customer, in the engine: the worst dpd and its bucket, the sums, and the currency
    of the loan with most overdue (the larger code on a tie)."""
    loans = _delinquent(app, as_of=as_of)
    ranked = loans.mutate(rank=ibis.row_number().over(
        group_by="customer_id", order_by=[loans.overdue_amount.desc(), loans.currency.desc()]))
    lead = ranked.filter(ranked.rank == 0).select("customer_id", "currency")
    sums = loans.group_by("customer_id").aggregate(
        dpd=loans.dpd.max(), overdue_amount=loans.overdue_amount.sum(),
        outstanding_principal=loans.outstanding_principal.sum(), loan_count=loans.count())
    j = sums.join(lead, "customer_id")
    debts = j.select("customer_id", bucket_expr(j.dpd, buckets).name("bucket"), "dpd",
                     "currency", "overdue_amount", "outstanding_principal", "loan_count")
    engine = portfolio_engine(app)
    return {row[0]: CustomerDebt(customer_id=row[0], bucket=row[1], dpd=int(row[2]),
                                 currency=row[3], overdue_amount=row[4],
                                 outstanding_principal=row[5], loan_count=int(row[6]))
            for row in engine.fetch(engine.compile(debts))}


def latest_applied_day(conn: Connection) -> date | None:
    """The latest day whose run finished in the operations store."""
    return conn.execute(select(func.max(DayRun.as_of)).where(
        DayRun.finished_at.is_not(None))).scalar()


def run(*, app: Any, as_of: date) -> StepResult:
    """Open, update and close the cases of ``as_of``."""
    settings = business_settings(app)
    with app.engine.begin() as conn:
        latest = latest_applied_day(conn)
        if latest is not None and as_of < latest:
            return StepResult(name="cases", detail={"skipped": f"cases are kept at {latest}"})
        buckets = settings.bucket_table()
        debts = customer_debts(app, as_of=as_of, buckets=buckets)
        plan = plan_cases(conn, debts=debts, as_of=as_of, open_dpd=settings.case_open_dpd)
        copy_customers(conn, app=app, customer_ids=plan.needs_customer)
        apply_plan(conn, plan=plan, debts=debts, as_of=as_of, buckets=buckets)
        del debts
        batches = delinquent_loans(app, as_of=as_of,
                                   money_as_text=conn.dialect.name == "sqlite")
        loans, positions = write_positions(conn, batches=batches, as_of=as_of)
    return StepResult(name="cases", rows_in=loans, rows_out=positions, detail={
        "opened": len(plan.to_open), "updated": len(plan.to_update),
        "reopened": len(plan.to_reopen), "closed": len(plan.to_close)})


@dataclass
class CasePlan:
    """What today does to the cases."""

    to_open: list[str]
    to_update: dict[str, int]   # customer_id -> case_id
    to_reopen: dict[str, int]
    to_close: dict[str, int]

    @property
    def needs_customer(self) -> list[str]:
        return self.to_open


def plan_cases(conn: Connection, *, debts: dict[str, CustomerDebt], as_of: date,
               open_dpd: int) -> CasePlan:
    """Compare today's debts with the open cases (and those a first run of today closed)."""
    open_cases = dict(conn.execute(
        select(CollectionCase.customer_id, CollectionCase.case_id)
        .where(CollectionCase.status == "open")).all())
    closed_today = dict(conn.execute(
        select(CollectionCase.customer_id, func.max(CollectionCase.case_id))
        .where(CollectionCase.status == "closed", CollectionCase.closed_on == as_of)
        .group_by(CollectionCase.customer_id)).all())
    to_update = {c: k for c, k in open_cases.items() if c in debts}
    to_close = {c: k for c, k in open_cases.items() if c not in debts}
    to_reopen = {c: k for c, k in closed_today.items()
                 if c in debts and c not in open_cases}
    to_open = sorted(c for c, d in debts.items()
                     if d.dpd >= open_dpd and c not in open_cases and c not in to_reopen)
    return CasePlan(to_open=to_open, to_update=to_update, to_reopen=to_reopen,
                    to_close=to_close)


def _figures(debt: CustomerDebt, *, as_of: date) -> dict[str, Any]:
    return {"as_of": as_of, "currency": debt.currency, "dpd": debt.dpd,
            "bucket": debt.bucket, "overdue_amount": debt.overdue_amount,
            "outstanding_principal": debt.outstanding_principal, "loan_count": debt.loan_count}


def apply_plan(conn: Connection, *, plan: CasePlan, debts: dict[str, CustomerDebt],
               as_of: date, buckets: Any, chunk: int = 100_000) -> None:
    """Insert new cases, then update, reopen and close cases: one executemany each, in
    slices of ``chunk`` cases so that the rows handed to the driver stay small."""
    cases = CollectionCase.__table__
    for part in _slices(plan.to_open, chunk):
        bulk_insert(conn, cases, [
            {"customer_id": c, "status": "open", "opened_on": as_of, "version": 1,
             **_figures(debts[c], as_of=as_of)} for c in part])
    figures = ("as_of", "currency", "dpd", "bucket", "overdue_amount",
               "outstanding_principal", "loan_count")
    # Cases that stay open keep their status (and no closing date): only their figures
    # are written, which leaves the indexes on status untouched.
    for part in _slices(list(plan.to_update.items()), chunk):
        bulk_update(conn, cases, keys=["case_id"], columns=figures, rows=[
            (*_figures(debts[c], as_of=as_of).values(), k) for c, k in part])
    changes = [("open", None, None, *_figures(debts[c], as_of=as_of).values(), k)
               for c, k in plan.to_reopen.items()]
    zero = Decimal("0.00")
    # A closed case keeps its currency, outstanding principal and loan count (NULL: kept).
    changes += [("closed", as_of, "cured", as_of, None, 0, buckets[0].name, zero, None, 0, k)
                for k in plan.to_close.values()]
    bulk_update(conn, cases, keys=["case_id"], rows=changes,
                columns=["status", "closed_on", "close_reason", *figures],
                coalesce=("currency", "outstanding_principal", "loan_count"))


def copy_customers(conn: Connection, *, app: Any, customer_ids: list[str],
                   chunk: int = 100_000) -> int:
    """Copy customers and their contact points, still encrypted, for new cases; in slices
    of customers, so that memory stays flat however many cases a first day opens."""
    if not customer_ids:
        return 0
    have = set(conn.execute(select(Customer.customer_id)).scalars())
    wanted = [c for c in customer_ids if c not in have]
    del have
    engine = portfolio_engine(app)
    copied = 0
    for start in range(0, len(wanted), chunk):
        part = wanted[start:start + chunk]
        rows = fetch_for(engine, "customers", CUSTOMER_COLS, "customer_id", part)
        bulk_insert(conn, Customer.__table__, [_customer_row(r) for r in rows])
        copied += len(rows)
        contacts = fetch_for(engine, "contacts", CONTACT_COLS, "customer_id", part)
        ids = [r[0] for r in contacts]
        known = set()
        for at in range(0, len(ids), 900):
            known.update(conn.execute(select(ContactPoint.contact_id).where(
                ContactPoint.contact_id.in_(ids[at:at + 900]))).scalars())
        bulk_insert(conn, ContactPoint.__table__, [
            dict(zip(CONTACT_COLS, r, strict=True)) for r in contacts if r[0] not in known])
    return copied


CUSTOMER_COLS = ("customer_id", "full_name_enc", "full_name_masked", "national_id_enc",
                 "national_id_hash", "national_id_masked", "birth_date", "country", "region",
                 "effective_timezone", "preferred_language", "address_enc", "address_masked")
CONTACT_COLS = ("contact_id", "customer_id", "channel", "value_enc", "value_hash",
                "value_masked", "relation", "is_primary", "consent", "timezone")


def _customer_row(row: tuple[Any, ...]) -> dict[str, Any]:
    data = dict(zip(CUSTOMER_COLS, row, strict=True))
    data["timezone"] = data.pop("effective_timezone")
    data["address_timezone"] = None
    return data


def fetch_for(engine: Any, table: str, cols: tuple[str, ...], key: str,
              ids: list[str], chunk: int = 5_000) -> list[tuple[Any, ...]]:
    """Rows of an engine table whose ``key`` is in ``ids``.

    DuckDB finds the rows' ids by joining the key column alone with the ids handed over
    as an Arrow table, then reads the wanted columns of those rows only: a next day's
    few thousand new customers are not worth reading every customer's encrypted columns
    for. Other engines get chunks of literal lists.
    """
    if engine.is_duckdb:
        con = engine.backend.con
        con.register("_wanted_ids", pa.table({"id": pa.array(ids, type=pa.string())}))
        try:
            return list(con.execute(
                f"SELECT {', '.join(cols)} FROM {table} WHERE rowid IN ("
                f"SELECT t.rowid FROM {table} t SEMI JOIN _wanted_ids w ON w.id = t.{key})"
            ).fetchall())
        finally:
            con.unregister("_wanted_ids")
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        values = ", ".join("'" + i.replace("'", "''") + "'" for i in part)
        out += engine.fetch(f"SELECT {', '.join(cols)} FROM {table} "
                            f"WHERE {key} IN ({values})")
    return out


def _slices(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def write_positions(conn: Connection, *, batches: Iterable[list[tuple[Any, ...]]],
                    as_of: date) -> tuple[int, int]:
    """Bring ``loan_positions`` to today's delinquent loans of customers with an open case:
    rows of loans still there are updated in place, others inserted or deleted. The loans
    come in batches and are written batch by batch; returns (loans read, positions)."""
    table = LoanPosition.__table__
    open_cases = dict(conn.execute(
        select(CollectionCase.customer_id, CollectionCase.case_id)
        .where(CollectionCase.status == "open")).all())
    stored = {loan_id: (customer_id, case_id) for loan_id, customer_id, case_id in
              conn.execute(select(table.c.loan_id, table.c.customer_id, table.c.case_id))}
    figures = POSITION_COLS[2:]
    kept: set[str] = set()
    read = 0
    for loans in batches:
        read += len(loans)
        inserts, updates, moves = [], [], []
        for loan in loans:
            case_id = open_cases.get(loan[1])
            if case_id is None:
                continue
            kept.add(loan[0])
            held = stored.get(loan[0])
            if held is None or held[0] != loan[1]:
                inserts.append(dict(zip(POSITION_COLS, loan, strict=True)) | {
                    "case_id": case_id, "as_of": as_of})
            elif held[1] == case_id:
                updates.append((as_of, *loan[2:], loan[0]))
            else:
                moves.append((case_id, as_of, *loan[2:], loan[0]))
        # a loan whose customer changed: its old row goes before the new one comes
        bulk_delete(conn, table, keys=["loan_id"],
                    rows=[(row["loan_id"],) for row in inserts if row["loan_id"] in stored])
        # Most loans stay with their case: only their figures are written. Setting
        # ``case_id`` costs a foreign-key check and an index entry per row, so only the
        # loans of a new case (the customer's earlier case closed at the desk) write it.
        bulk_update(conn, table, keys=["loan_id"], columns=["as_of", *figures], rows=updates)
        bulk_update(conn, table, keys=["loan_id"], columns=["case_id", "as_of", *figures],
                    rows=moves)
        bulk_insert(conn, table, inserts)
    bulk_delete(conn, table, keys=["loan_id"],
                rows=[(loan_id,) for loan_id in stored if loan_id not in kept])
    return read, len(kept)
