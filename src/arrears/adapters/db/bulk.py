"""Bulk writes straight through the database driver's executemany.

SQLAlchemy's per-row parameter processing costs more than the insert itself at a hundred
thousand rows; the values handed here are already plain (str, int, bool, date, Decimal,
None). SQLite, which takes no Decimal, gets the decimal text (NUMERIC affinity stores it
as the same number SQLAlchemy would have stored). Datetimes are not accepted: SQLAlchemy
and the sqlite3 adapter format them differently.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection


def _plain(conn: Connection) -> tuple[str, bool]:
    sqlite = conn.dialect.name == "sqlite"
    return ("?" if sqlite else "%s"), sqlite


def _decimal_columns(rows: Sequence[Sequence[Any]]) -> list[int]:
    """Positions whose first non-NULL value is a Decimal (a column holds one type)."""
    out = []
    for i in range(len(rows[0])):
        first = next((r[i] for r in rows if r[i] is not None), None)
        if isinstance(first, Decimal):
            out.append(i)
    return out


def _params(rows: Sequence[Sequence[Any]], sqlite: bool) -> list[tuple[Any, ...]]:
    decimals = _decimal_columns(rows) if sqlite and rows else []
    if not decimals:
        return [tuple(r) for r in rows]
    out = []
    for r in rows:
        row = list(r)
        for i in decimals:
            if row[i] is not None:
                row[i] = str(row[i])
        out.append(tuple(row))
    return out


def bulk_insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows (dicts with the same keys, in the same order) in one executemany."""
    if not rows:
        return
    names = list(rows[0])
    mark, sqlite = _plain(conn)
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
           f"VALUES ({', '.join(mark for _ in names)})")
    conn.exec_driver_sql(sql, _params([list(r.values()) for r in rows], sqlite))


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
