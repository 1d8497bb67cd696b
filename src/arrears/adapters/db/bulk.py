"""Bulk writes straight through the database driver.

SQLAlchemy's per-row parameter processing costs more than the insert itself at a hundred
thousand rows; the values handed here are already plain (str, int, bool, date, Decimal,
None). Datetimes are not accepted: SQLAlchemy and the drivers format them differently.

SQLite: one executemany. SQLite, which takes no Decimal, gets the decimal text (NUMERIC
affinity stores it as the same number SQLAlchemy would have stored), and dates as the ISO
text its driver's adapter would write (once per distinct date: a column of the day's rows
holds one).

PostgreSQL: the rows go in with ``COPY`` (psycopg writes each value as its text form, the
server parses it by the column's type), never one statement per row: an executemany of a
daily run's hundred thousand rows spends most of its time in per-statement round trips.
Updates and deletes copy their rows into a temporary table shaped like the target's
columns and apply them in one ``UPDATE ... FROM`` / ``DELETE ... USING`` by the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
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
    if not sqlite:
        _copy(conn, table.name, names, rows)
        return
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
    if not sqlite:
        with _staged(conn, table.name, [*columns, *keys], _last_per_key(rows, len(keys))) as s:
            sets = ", ".join(f"{c} = COALESCE({s}.{c}, t.{c})" if c in coalesce
                             else f"{c} = {s}.{c}" for c in columns)
            on = " AND ".join(f"t.{k} = {s}.{k}" for k in keys)
            conn.exec_driver_sql(f"UPDATE {table.name} AS t SET {sets} FROM {s} WHERE {on}")
        return
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
    if not sqlite:
        with _staged(conn, table.name, keys, rows) as s:
            on = " AND ".join(f"t.{k} = {s}.{k}" for k in keys)
            conn.exec_driver_sql(f"DELETE FROM {table.name} AS t USING {s} WHERE {on}")
        return
    where = " AND ".join(f"{k} = {mark}" for k in keys)
    conn.exec_driver_sql(f"DELETE FROM {table.name} WHERE {where}", _params(rows, sqlite))


# --------------------------------------------------------------------------- PostgreSQL


def _copy(conn: Connection, table: str, names: Sequence[str],
          rows: Iterable[Sequence[Any]]) -> None:
    """``COPY table (names) FROM STDIN`` on the connection's own transaction."""
    with conn.connection.driver_connection.cursor() as cur, cur.copy(
            f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@contextmanager
def _staged(conn: Connection, table: str, names: Sequence[str],
            rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The rows copied into a temporary table with the columns ``names`` of ``table``
    (their types included), dropped again after use; yields its name."""
    stage = f"_bulk_{table}"
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "
                         f"SELECT {', '.join(names)} FROM {table} WITH NO DATA")
    _copy(conn, stage, names, rows)
    conn.exec_driver_sql(f"ANALYZE {stage}")
    yield stage
    conn.exec_driver_sql(f"DROP TABLE {stage}")


def _last_per_key(rows: Sequence[Sequence[Any]], keys: int) -> Iterable[Sequence[Any]]:
    """The rows, of those with the same key (its last ``keys`` values) only the last: one
    ``UPDATE ... FROM`` applies one of them, as the statements one by one leave the last."""
    last = {tuple(r[len(r) - keys:]): r for r in rows}
    return last.values() if len(last) < len(rows) else rows
