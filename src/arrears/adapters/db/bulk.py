"""Bulk writes straight through the database driver's executemany.

SQLAlchemy's per-row parameter processing costs more than the insert itself at a hundred
thousand rows; the values handed here are already plain (str, int, bool, date, Decimal,
None). SQLite, which takes no Decimal, gets the decimal text (NUMERIC affinity stores it
as the same number SQLAlchemy would have stored), and dates as the ISO text its driver's
adapter would write (once per distinct date: a column of the day's rows holds one).
Datetimes are not accepted: SQLAlchemy and the sqlite3 adapter format them differently.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection


def _plain(conn: Connection) -> tuple[str, bool]:
    sqlite = conn.dialect.name == "sqlite"
    return ("?" if sqlite else "%s"), sqlite


def _text_columns(rows: Sequence[Sequence[Any]]) -> tuple[list[int], list[int]]:
    """Positions whose first non-NULL value is a Decimal, and those where it is a date (a
    column holds one type)."""
    decimals, dates = [], []
    for i in range(len(rows[0])):
        first = next((r[i] for r in rows if r[i] is not None), None)
        if isinstance(first, Decimal):
            decimals.append(i)
        elif isinstance(first, date) and not isinstance(first, datetime):
            dates.append(i)
    return decimals, dates


def _params(rows: Sequence[Sequence[Any]], sqlite: bool) -> list[tuple[Any, ...]]:
    decimals, dates = _text_columns(rows) if sqlite and rows else ([], [])
    if not decimals and not dates:
        return [r if type(r) is tuple else tuple(r) for r in rows]
    iso: dict[date, str] = {}
    out = []
    for r in rows:
        row = list(r)
        for i in decimals:
            if row[i] is not None:
                row[i] = str(row[i])
        for i in dates:
            day = row[i]
            if day is not None:
                text = iso.get(day)
                if text is None:
                    text = iso[day] = day.isoformat()
                row[i] = text
        out.append(tuple(row))
    return out


def bulk_insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows (dicts with the same keys, in the same order) in one executemany."""
    if not rows:
        return
    insert_rows(conn, table, list(rows[0]), [tuple(r.values()) for r in rows])


def insert_rows(conn: Connection, table: Any, names: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """INSERT many rows given as value tuples in the order of ``names``."""
    if not rows:
        return
    mark, sqlite = _plain(conn)
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
           f"VALUES ({', '.join(mark for _ in names)})")
    conn.exec_driver_sql(sql, _params(rows, sqlite))


def bulk_update(conn: Connection, table: Any, *, keys: Sequence[str], columns: Sequence[str],
                rows: Sequence[Sequence[Any]], coalesce: Sequence[str] = ()) -> None:
    """``UPDATE table SET columns WHERE keys`` for many rows: each row is the column
    values followed by the key values. A NULL given for a ``coalesce`` column keeps
    the stored value."""
    if not rows:
        return
    mark, sqlite = _plain(conn)
    sets = ", ".join(f"{c} = COALESCE({mark}, {c})" if c in coalesce else f"{c} = {mark}"
                     for c in columns)
    where = " AND ".join(f"{k} = {mark}" for k in keys)
    conn.exec_driver_sql(f"UPDATE {table.name} SET {sets} WHERE {where}",
                         _params(rows, sqlite))


def bulk_delete(conn: Connection, table: Any, *, keys: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """``DELETE FROM table WHERE keys`` for many rows of key values."""
    if not rows:
        return
    mark, sqlite = _plain(conn)
    where = " AND ".join(f"{k} = {mark}" for k in keys)
    conn.exec_driver_sql(f"DELETE FROM {table.name} WHERE {where}", _params(rows, sqlite))
