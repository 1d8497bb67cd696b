"""``arrears export delinquency``: the spec's delinquency export for one snapshot day.

``delinquency.csv``: one row per loan, sorted by ``loan_id``, exactly the spec's columns,
money with exactly two fractional digits, ``oldest_unpaid_due_date`` empty when nothing
is unpaid. The file is written beside its final name and moved into place at the end,
so a failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path
from typing import Any

from arrears.domain.money import format_money
from arrears.errors import NotFound
from arrears.services.loading import portfolio_engine

EXPORT_COLUMNS = ("as_of", "loan_id", "customer_id", "currency", "dpd", "bucket",
                  "overdue_principal", "overdue_interest", "overdue_fee", "overdue_amount",
                  "outstanding_principal", "credit_balance", "oldest_unpaid_due_date")
MONEY_COLUMNS = frozenset(EXPORT_COLUMNS[6:12])


class SnapshotMissing(NotFound):
    code = "snapshot_missing"


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column in MONEY_COLUMNS:
        return format_money(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def export_delinquency(*, app: Any, as_of: date, out: Path | str) -> int:
    """Write the delinquency export of ``as_of`` to ``out``; returns the number of loans."""
    engine = portfolio_engine(app)
    day = f"DATE '{as_of.isoformat()}'"
    if not engine.fetch(f"SELECT 1 FROM delinquency_snapshots WHERE as_of = {day} LIMIT 1"):
        raise SnapshotMissing(f"no delinquency snapshot for {as_of}: run "
                              f"`arrears run-day --as-of {as_of}` first", field="as_of")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    if engine.is_duckdb:
        count = _copy_from_duckdb(engine, as_of=as_of, path=partial)
    else:
        count = _write_rows(engine, as_of=as_of, path=partial)
    os.replace(partial, out)
    return count


def _copy_from_duckdb(engine: Any, *, as_of: date, path: Path) -> int:
    """DuckDB writes the file itself: DECIMAL(18,2) as text has exactly two digits."""
    cols = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" if c in MONEY_COLUMNS or c == "as_of"
                     else c for c in EXPORT_COLUMNS)
    target = "'" + str(path).replace("'", "''") + "'"
    con = engine.staging()
    con.execute(f"""
        COPY (SELECT {cols} FROM delinquency_snapshots
              WHERE as_of = DATE '{as_of.isoformat()}' ORDER BY loan_id)
        TO {target} (FORMAT csv, HEADER true, DELIMITER ',')""")
    return engine.fetch(f"SELECT count(*) FROM delinquency_snapshots "
                        f"WHERE as_of = DATE '{as_of.isoformat()}'")[0][0]


def _write_rows(engine: Any, *, as_of: date, path: Path) -> int:
    table = engine.backend.table("delinquency_snapshots")
    expr = table.filter(table.as_of == as_of).select(*EXPORT_COLUMNS).order_by("loan_id")
    arrow = engine.backend.to_pyarrow(expr)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for batch in arrow.to_batches(max_chunksize=100_000):
            cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for row in zip(*cols, strict=True):
                writer.writerow([_cell(c, v) for c, v in zip(EXPORT_COLUMNS, row, strict=True)])
    return arrow.num_rows
