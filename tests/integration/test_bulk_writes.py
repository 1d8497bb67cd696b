"""Bulk writes through the driver store what the ORM would have stored (SQLite and
PostgreSQL): dates, Decimals and NULLs alike, so that rows written either way read back
and compare equal in SQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from arrears.adapters.db.bulk import bulk_delete, bulk_insert, bulk_update, insert_rows
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


def _stored(app: Any) -> dict[str, tuple[Any, ...]]:
    table = LoanPosition.__table__
    with app.engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(select(*table.c[NAMES]))}


def test_bulk_update_and_delete_do_what_the_statements_one_by_one_would(app: Any) -> None:
    table = LoanPosition.__table__
    day = date(2026, 11, 28)
    rows = [_row(f"L{k}", day, date(2026, 10, k + 1), f"{k}00.00") for k in range(5)]
    with app.engine.begin() as conn:
        insert_rows(conn, table, NAMES, rows)
    later = date(2026, 11, 29)
    with app.engine.begin() as conn:
        bulk_update(conn, table, keys=["loan_id"],
                    columns=["as_of", "dpd", "overdue_amount", "oldest_unpaid_due_date"],
                    coalesce=("oldest_unpaid_due_date",), rows=[
                        (later, 40, Decimal("1.05"), None, "L1"),     # NULL keeps the date
                        (later, 41, Decimal("2.50"), date(2026, 9, 1), "L2"),
                        (later, 99, Decimal("9.99"), None, "L3"),     # overtaken below
                        (later, 43, Decimal("3.00"), None, "L3"),     # the last one counts
                        (later, 50, Decimal("5.00"), None, "L-none")])  # no such row
        bulk_delete(conn, table, keys=["loan_id"], rows=[("L0",), ("L4",), ("L-none",)])
    stored = _stored(app)
    assert sorted(stored) == ["L1", "L2", "L3"]
    expected = list(rows[1][1:])  # in the stored order: customer_id first
    expected[1], expected[5], expected[10] = later, 40, Decimal("1.05")
    assert stored["L1"] == tuple(expected)
    assert stored["L2"][5] == 41 and stored["L2"][-1] == date(2026, 9, 1)
    assert (stored["L3"][5], stored["L3"][10]) == (43, Decimal("3.00"))
    assert stored["L3"][-1] == rows[3][-1]


def test_any_text_goes_in_and_comes_back_unchanged(app: Any) -> None:
    table = LoanPosition.__table__
    awkward = ["tab\there", "line\nbreak", "back\\slash \\N", "quote ' and \"", "张三 £ €",
               "\\.", ""]
    rows = [(*_row(f"T{k}", date(2026, 11, 28), None, "1.00")[:1], text,
             *_row("x", date(2026, 11, 28), None, "1.00")[2:]) for k, text in enumerate(awkward)]
    with app.engine.begin() as conn:
        insert_rows(conn, table, NAMES, rows)
        bulk_update(conn, table, keys=["loan_id"], columns=["product"],
                    rows=[(text, f"T{k}") for k, text in enumerate(reversed(awkward))])
    stored = _stored(app)
    assert [stored[f"T{k}"][0] for k in range(len(awkward))] == awkward
    assert [stored[f"T{k}"][2] for k in range(len(awkward))] == list(reversed(awkward))
