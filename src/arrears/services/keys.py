"""Key rotation: re-encrypt personal data with the newest key, without downtime.

Every key in the ring decrypts, the first one encrypts. Rotation: put the new key first
(``arrears keys rotate --new-key`` does it for the key file), then re-encrypt in small
batches, each its own short transaction, so the desk and the daily run keep working;
when no value uses the old key any more it may be removed from the ring.
Every ``*_enc`` column of the operations store is covered, and so are the personal data
columns of the portfolio engine (customers' names, ID numbers and addresses, contact
values, as the loader stores them): the rows still under an old key are selected
set-based in batches, re-encrypted in Python (AES-GCM), and written back with one
``UPDATE ... FROM`` per batch that only touches values nobody changed meanwhile.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select, update

from arrears.adapters.db.all_tables import metadata
from arrears.adapters.db.base import unit_of_work
from arrears.adapters.portfolio.engine import PortfolioEngine
from arrears.errors import ArrearsError

PORTFOLIO_PREFIX = "portfolio."


class KeyFileError(ArrearsError):
    code = "key_file_error"
    status = 500


class PortfolioBusy(ArrearsError):
    """The portfolio engine is held by another process (the daily run, a load)."""

    code = "portfolio_busy"
    status = 409


@dataclass(frozen=True)
class RotationReport:
    active_kid: str
    scanned: int
    reencrypted: int
    tables: dict[str, int]


def encrypted_columns() -> list[tuple[Table, list[str]]]:
    """Every table with ``*_enc`` columns, and those columns."""
    out = []
    for table in metadata.sorted_tables:
        cols = [c.name for c in table.columns if c.name.endswith("_enc")]
        if cols:
            out.append((table, cols))
    return out


def add_key_to_file(path: Path) -> str:
    """Put a fresh key first in the key file (the old ones stay, so they still decrypt)."""
    if not path.exists():
        raise KeyFileError(f"no key file at {path}; with ARREARS_SECRET_KEYS put the new "
                           "key first in the variable instead")
    data = json.loads(path.read_text())
    kids = {k["kid"] for k in data["keys"]}
    n = len(kids) + 1
    while f"k{n}" in kids:
        n += 1
    kid = f"k{n}"
    data["keys"].insert(0, {"kid": kid, "key": base64.b64encode(os.urandom(32)).decode()})
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
    os.replace(tmp, path)
    return kid


def _rotate_table(app: Any, keyring: Any, table: Table, cols: list[str], *, batch: int,
                  tick: Callable[[int], None]) -> tuple[int, int]:
    pk = list(table.primary_key.columns)
    scanned = changed = 0
    last: tuple[Any, ...] | None = None
    while True:
        with unit_of_work(app.session_factory) as session:
            stmt = select(*pk, *(table.c[c] for c in cols)).order_by(*pk).limit(batch)
            if last is not None:
                from sqlalchemy import tuple_

                stmt = stmt.where(tuple_(*pk) > tuple_(*last)) if len(pk) > 1 \
                    else stmt.where(pk[0] > last[0])
            rows = session.execute(stmt).all()
            for row in rows:
                values = {c: row[len(pk) + i] for i, c in enumerate(cols)}
                new = {c: keyring.encrypt(keyring.decrypt(v)) for c, v in values.items()
                       if keyring.needs_rotation(v)}
                if new:
                    cond = [col == row[i] for i, col in enumerate(pk)]
                    # Only if nobody changed the value meanwhile (no lost update).
                    cond += [table.c[c] == values[c] for c in new]
                    session.execute(update(table).where(*cond).values(**new))
                    changed += 1
            scanned += len(rows)
        tick(len(rows))
        if len(rows) < batch:
            return scanned, changed
        last = tuple(rows[-1][: len(pk)])


def portfolio_encrypted_columns() -> list[tuple[str, str, list[str]]]:
    """(table, key column, ``*_enc`` columns) of the portfolio engine's tables."""
    from arrears.adapters.portfolio.schema import TABLES

    out = []
    for table, cols in TABLES.items():
        enc = [name for name, _ in cols if name.endswith("_enc")]
        if enc:
            out.append((table, cols[0][0], enc))
    return out


def _portfolio_backend(app: Any) -> Any | None:
    """The portfolio engine when there is one with tables (never creates a DuckDB file)."""
    url = app.settings.resolved_portfolio_url()
    if url.startswith("duckdb://") and not Path(url.removeprefix("duckdb://")).exists():
        return None
    try:
        backend = app.portfolio()
    except Exception as exc:  # noqa: BLE001 - DuckDB refuses a file another process writes
        if "lock" in str(exc).lower():
            raise PortfolioBusy("the portfolio engine is in use by another process (a daily "
                                "run or a load); run the rotation again when it is done",
                                field="portfolio") from None
        raise
    return backend if _tables(backend) else None


def _tables(backend: Any) -> set[str]:
    """The portfolio tables with personal data that exist in the engine."""
    from ibis.common.exceptions import TableNotFound

    out = set()
    for table, _, _ in portfolio_encrypted_columns():
        try:
            backend.table(table)
        except TableNotFound:
            continue
        out.add(table)
    return out


def _stale_batch(backend: Any, table: str, key: str, cols: list[str], *, kid: str,
                 after: Any, batch: int) -> list[dict[str, Any]]:
    """The next rows (by key) with a value not under the active key."""
    t = backend.table(table)
    current = f"v1:{kid}:"
    stale = None
    for c in cols:
        cond = t[c].notnull() & ~t[c].startswith(current)
        stale = cond if stale is None else stale | cond
    expr = t.filter(stale)
    if after is not None:
        expr = expr.filter(t[key] > after)
    rows: list[dict[str, Any]] = (expr.select(key, *cols).order_by(key).limit(batch)
                                  .to_pyarrow().to_pylist())
    return rows


def _write_batch(backend: Any, table: str, key: str, cols: list[str],
                 rows: list[dict[str, Any]], keyring: Any) -> int:
    """Re-encrypt one batch and write it back with one set-based UPDATE."""
    import pyarrow as pa

    data: dict[str, list[Any]] = {key: [r[key] for r in rows]}
    for c in cols:
        data[f"old_{c}"] = [r[c] for r in rows]
        data[f"new_{c}"] = [keyring.encrypt(keyring.decrypt(r[c]))
                            if keyring.needs_rotation(r[c]) else r[c] for r in rows]
    tmp = f"_rotate_{table}"
    _temp_table(backend, tmp, pa.table(data))
    sets = ", ".join(f"{c} = {tmp}.new_{c}" for c in cols)
    # Only where the value is still the one read: a concurrent change is never lost.
    same = " AND ".join(f"{table}.{c} IS NOT DISTINCT FROM {tmp}.old_{c}" for c in cols)
    engine = PortfolioEngine(backend)
    engine.execute(f"UPDATE {table} SET {sets} FROM {tmp} "
                   f"WHERE {table}.{key} = {tmp}.{key} AND {same}")
    engine.execute(f"DROP TABLE IF EXISTS {tmp}")
    return len(rows)


def _temp_table(backend: Any, name: str, arrow: Any) -> None:
    """A temporary table of the engine holding ``arrow`` (replaced if it exists)."""
    if backend.name == "duckdb":
        con = backend.con
        con.register(f"{name}_arrow", arrow)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        finally:
            con.unregister(f"{name}_arrow")
        return
    cols = list(arrow.column_names)  # all text: the key and encrypted values
    con = backend.con
    with con.cursor() as cursor, con.transaction():
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMP TABLE {name} ({', '.join(c + ' TEXT' for c in cols)})")
        with cursor.copy(f"COPY {name} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in zip(*(arrow[c].to_pylist() for c in cols), strict=True):
                copy.write_row(row)


def rotate_portfolio(*, app: Any, keyring: Any, batch: int = 5000,
                     progress: Callable[[str, int], None] | None = None
                     ) -> dict[str, tuple[int, int]]:
    """Re-encrypt the portfolio engine's personal data under the active key.

    Returns ``{"portfolio.<table>": (rows scanned, rows re-encrypted)}``; nothing when
    there is no portfolio engine yet.
    """
    backend = _portfolio_backend(app)
    if backend is None:
        return {}
    names = _tables(backend)
    out: dict[str, tuple[int, int]] = {}
    for table, key, cols in portfolio_encrypted_columns():
        if table not in names:
            continue
        done, after = 0, None
        while rows := _stale_batch(backend, table, key, cols, kid=keyring.active_kid,
                                   after=after, batch=batch):
            done += _write_batch(backend, table, key, cols, rows, keyring)
            after = rows[-1][key]
            if progress:
                progress(PORTFOLIO_PREFIX + table, len(rows))
        out[PORTFOLIO_PREFIX + table] = (done, done)
    return out


def rotate_keys(*, app: Any, batch: int = 500,
                progress: Callable[[str, int], None] | None = None) -> RotationReport:
    """Re-encrypt every value not under the active key, batch by batch: the operations
    store first, then the portfolio engine."""
    keyring = app.keyring
    tables: dict[str, int] = {}
    scanned = changed = 0
    for table, cols in encrypted_columns():
        def tick(n: int, name: str = table.name) -> None:
            if progress:
                progress(name, n)

        s, c = _rotate_table(app, keyring, table, cols, batch=batch, tick=tick)
        tables[table.name] = c
        scanned, changed = scanned + s, changed + c
    for name, (s, c) in rotate_portfolio(app=app, keyring=keyring, batch=max(batch, 1000),
                                         progress=progress).items():
        tables[name] = c
        scanned, changed = scanned + s, changed + c
    return RotationReport(keyring.active_kid, scanned, changed, tables)


def key_usage(*, app: Any) -> dict[str, int]:
    """How many stored values each key id encrypts (to know when an old key may go), in
    the operations store and the portfolio engine together."""
    usage: dict[str, int] = {}
    with unit_of_work(app.session_factory) as session:
        for table, cols in encrypted_columns():
            for c in cols:
                for (value,) in session.execute(select(table.c[c]).where(
                        table.c[c].is_not(None))):
                    kid = str(value).split(":", 2)[1] if ":" in str(value) else "?"
                    usage[kid] = usage.get(kid, 0) + 1
    backend = _portfolio_backend(app)
    names = _tables(backend) if backend is not None else set()
    for table, _key, cols in portfolio_encrypted_columns():
        if table not in names:
            continue
        t = backend.table(table)  # type: ignore[union-attr]
        for c in cols:
            present = t.filter(t[c].notnull())
            counts = (present.group_by(kid=present[c].split(":")[1])
                      .aggregate(n=present.count()).to_pyarrow().to_pylist())
            for row in counts:
                usage[row["kid"] or "?"] = usage.get(row["kid"] or "?", 0) + int(row["n"])
    return usage
