"""Bulk writes through the driver store what the ORM would have stored (SQLite and
PostgreSQL): dates, Decimals and NULLs alike, so that rows written either way read back
and compare equal in SQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from arrears.adapters.db.bulk import bulk_insert, insert_rows
from arrears.adapters.db.tables import LoanPosition

NAMES = ("loan_id", "customer_id", "as_of", "product", "currency", "principal", "dpd",
         "bucket", "overdue_principal", "overdue_interest", "overdue_fee", "overdue_amount",
         "outstanding_principal", "credit_balance", "oldest_unpaid_due_date")


def _row(loan: str, as_of: date, due: date | None, amount: str) -> tuple[Any, ...]:
    money = Decimal(amount)
    return (loan, "C1", as_of, "cash", "CNY", money, 31, "M2", money, Decimal("0.10"),
            Decimal("0.00"), money + Decimal("0.10"), money * 2, Decimal("0.00"), due)


def test_bulk_rows_are_stored_as_the_orm_stores_them(app: Any) -> None:
    days = (date(2026, 11, 28), date(1999, 1, 2))
    rows = [_row(f"L{k}", days[k % 2], None if k % 3 == 0 else date(2026, 10, k + 1),
                 f"{k}123.45") for k in range(6)]
    with app.engine.begin() as conn:
        insert_rows(conn, LoanPosition.__table__, NAMES, rows[:3])
        bulk_insert(conn, LoanPosition.__table__,
                    [dict(zip(NAMES, r, strict=True)) for r in rows[3:]])
        # the same rows under other ids, through SQLAlchemy's own parameter handling
        conn.execute(insert(LoanPosition.__table__), [
            dict(zip(NAMES, ("O" + r[0], *r[1:]), strict=True)) for r in rows])
    table = LoanPosition.__table__
    with app.engine.connect() as conn:
        stored = {r[0]: r[1:] for r in conn.exec_driver_sql(
            f"SELECT {', '.join(NAMES)} FROM {table.name}")}
        typed = {r[0]: tuple(r[1:]) for r in conn.execute(select(*table.c[NAMES]))}
        matched = conn.exec_driver_sql(
            f"SELECT count(*) FROM {table.name} a JOIN {table.name} b "
            f"ON b.loan_id = 'O' || a.loan_id AND a.as_of = b.as_of "
            f"AND a.principal = b.principal AND a.oldest_unpaid_due_date "
            f"IS NOT DISTINCT FROM b.oldest_unpaid_due_date").scalar()
    assert matched == len(rows)
    for r in rows:
        assert stored[r[0]] == stored["O" + r[0]]
        assert typed[r[0]] == r[1:]
