"""The portfolio engine behind Ibis: DuckDB (the default) or PostgreSQL.

Loading validates files in DuckDB (it reads CSV and Parquet set-based); with DuckDB as the
engine that happens in the engine itself, otherwise in an in-memory DuckDB that the
engine's existing keys are copied into and whose accepted rows are then appended.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa

from arrears.adapters.portfolio.schema import (
    TABLES,
    VIEWS,
    columns,
    create_statements,
    legacy_snapshot_statements,
    view_statements,
)


class PortfolioEngine:
    """Raw access to the portfolio engine for loading, snapshots and maintenance."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.kind = backend.name  # "duckdb" | "postgres" | ...
        self._staging: duckdb.DuckDBPyConnection | None = None

    @property
    def is_duckdb(self) -> bool:
        return self.kind == "duckdb"

    def ensure_schema(self) -> None:
        """Create the portfolio tables and views that do not exist yet (moving a snapshot
        table of an older engine into its narrow table first)."""
        kinds = dict(self.fetch("SELECT table_name, table_type FROM information_schema.tables "
                                "WHERE table_schema = current_schema() "
                                "AND table_catalog = current_database()"))
        if all(t in kinds for t in TABLES) and all(kinds.get(v) == "VIEW" for v in VIEWS):
            return
        statements = create_statements()
        if kinds.get("delinquency_snapshots") == "BASE TABLE":
            statements += legacy_snapshot_statements()
        self.run_in_transaction(statements + view_statements())

    def execute(self, sql: str) -> None:
        """Run one statement on the engine (committed at once)."""
        cursor = self.backend.raw_sql(sql)
        close = getattr(cursor, "close", None)
        if close is not None and not self.is_duckdb:
            close()

    def run_in_transaction(self, statements: list[str]) -> None:
        """Run statements as one transaction: all of them, or none."""
        self.execute("BEGIN")
        try:
            for statement in statements:
                self.execute(statement)
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def compile(self, expr: Any) -> str:
        """The engine's SQL for an Ibis expression."""
        return str(self.backend.compile(expr))

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of a query on the engine."""
        if self.is_duckdb:
            return self.backend.con.execute(sql).fetchall()
        cursor = self.backend.raw_sql(sql)
        try:
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def fetch_batches(self, sql: str, size: int = 100_000) -> Iterator[list[tuple[Any, ...]]]:
        """Rows of a query, ``size`` at a time (no other query on the engine until the
        batches are read: DuckDB streams them from the one pending result)."""
        if self.is_duckdb:
            result = self.backend.con.execute(sql)
            while batch := result.fetchmany(size):
                yield batch
            return
        cursor = self.backend.raw_sql(sql)
        try:
            while batch := cursor.fetchmany(size):
                yield list(batch)
        finally:
            cursor.close()

    def staging(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection that reads and checks the incoming files."""
        if self._staging is None:
            self._staging = self.backend.con if self.is_duckdb else duckdb.connect()
        return self._staging

    def expose(self, table: str, columns: list[str], *, name: str) -> None:
        """Make the engine's ``table`` readable in staging as ``name`` (given columns only)."""
        cols = ", ".join(columns)
        con = self.staging()
        if self.is_duckdb:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {cols} FROM main.{table}")
            return
        arrow = self.backend.table(table).select(*columns).to_pyarrow()
        con.register(f"{name}_arrow", arrow)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        con.unregister(f"{name}_arrow")

    def append(self, table: str, select_sql: str) -> None:
        """Append the rows of a staging query (columns in the table's order) to ``table``."""
        con = self.staging()
        if self.is_duckdb:
            con.execute(f"INSERT INTO main.{table} {select_sql}")
            return
        arrow = con.sql(select_sql).to_arrow_table()
        self.append_arrow(table, arrow)

    def append_arrow(self, table: str, arrow: pa.Table) -> None:
        """Append an Arrow table (columns in the table's order) to ``table``."""
        if arrow.num_rows == 0:
            return
        if self.is_duckdb:
            con = self.staging()
            con.register("_append_arrow", arrow)
            try:
                con.execute(f"INSERT INTO main.{table} SELECT * FROM _append_arrow")
            finally:
                con.unregister("_append_arrow")
            return
        self._copy_into_postgres(table, arrow)

    def _copy_into_postgres(self, table: str, arrow: pa.Table) -> None:
        names = columns(table) if table in TABLES else arrow.column_names
        cols = ", ".join(names[:arrow.num_columns])
        con = self.backend.con
        with con.cursor() as cursor, con.transaction():
            with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for batch in arrow.to_batches(max_chunksize=50_000):
                    for row in zip(*(col.to_pylist() for col in batch.columns), strict=True):
                        copy.write_row(row)

    def update_from_staging(self, table: str, *, select_sql: str, keys: list[str],
                            set_columns: list[str]) -> None:
        """``UPDATE table SET set_columns`` from the rows of a staging query, matched on keys."""
        con = self.staging()
        arrow = con.sql(select_sql).to_arrow_table()
        if arrow.num_rows == 0:
            return
        tmp = f"_upd_{table}"
        if self.is_duckdb:
            con.register(tmp + "_a", arrow)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {tmp} AS SELECT * FROM {tmp}_a")
            con.unregister(tmp + "_a")
        else:
            self.backend.create_table(tmp, arrow, temp=True, overwrite=True)
        sets = ", ".join(f"{c} = {tmp}.{c}" for c in set_columns)
        where = " AND ".join(f"{table}.{k} = {tmp}.{k}" for k in keys)
        self.execute(f"UPDATE {table} SET {sets} FROM {tmp} WHERE {where}")
        self.execute(f"DROP TABLE IF EXISTS {tmp}")

    def meta(self, key: str) -> str | None:
        """A value of the engine's own settings table."""
        rows = self.fetch(f"SELECT value FROM portfolio_meta WHERE key = '{key}'")
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.execute(f"DELETE FROM portfolio_meta WHERE key = '{key}'")
        self.execute(f"INSERT INTO portfolio_meta VALUES ('{key}', '{value}')")
