"""Reading the interchange files into DuckDB, every value as text, every row numbered.

Rows are numbered from 1 for the first row after the header (Parquet: the first row).
A CSV row DuckDB cannot parse (wrong number of columns, bytes that are not UTF-8, an
unterminated quote) is not lost: it is kept, with its number and the parser's message,
for the quarantine, and the numbers of the rows after it stay right.
"""

from __future__ import annotations

import csv
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from arrears.errors import InvalidInput

_counter = itertools.count(1)


class SourceError(InvalidInput):
    """A file that cannot be read at all (missing, empty, not CSV/Parquet, bad header)."""

    code = "portfolio_source_invalid"


@dataclass
class SourceFile:
    """One interchange file and what its header holds."""

    table: str
    path: Path
    columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)

    @property
    def is_parquet(self) -> bool:
        return self.path.suffix.lower() == ".parquet"


def find_sources(directory: Path, tables: tuple[str, ...]) -> dict[str, SourceFile]:
    """The interchange files in ``directory`` (``customers.csv`` or ``customers.parquet``...)."""
    if not directory.is_dir():
        raise SourceError(f"{directory} is not a directory", field="source")
    found: dict[str, SourceFile] = {}
    for table in tables:
        candidates = [directory / f"{table}{ext}" for ext in (".csv", ".parquet")]
        present = [p for p in candidates if p.exists()]
        if len(present) > 1:
            raise SourceError(f"{directory}: both {table}.csv and {table}.parquet are present; "
                              "keep one", field=table)
        if present:
            found[table] = SourceFile(table, present[0])
    if not found:
        raise SourceError(f"{directory}: none of {', '.join(t + '.csv' for t in tables)} "
                          "(or .parquet) found", field="source")
    return found


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def read_header(con: duckdb.DuckDBPyConnection, source: SourceFile, *,
                required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    """Check the header: every required column present; note unknown extra columns."""
    if source.path.stat().st_size == 0:
        raise SourceError(f"{source.path.name}: the file is empty", field=source.table)
    try:
        if source.is_parquet:
            rel = con.sql(f"SELECT * FROM read_parquet({_literal(source.path)}) LIMIT 0")
            names = [c.strip() for c in rel.columns]
        else:
            names = _csv_header(source.path)
            check_encoding(source.path, table=source.table)
    except (duckdb.Error, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"{source.path.name}: cannot read the file header: "
                          f"{str(exc).splitlines()[0]}", field=source.table) from exc
    source.columns = names
    missing = [c for c in required if c not in names]
    if missing:
        raise SourceError(f"{source.path.name}: missing required column(s) "
                          f"{', '.join(missing)}", field=source.table)
    source.extra_columns = [c for c in names if c not in required + optional]


def _csv_header(path: Path) -> list[str]:
    """The header row of a CSV file (UTF-8, a byte-order mark allowed)."""
    with path.open("rb") as fh:
        first = fh.readline(1 << 20)
    text = first.decode("utf-8-sig").rstrip("\r\n")
    return [c.strip() for c in next(csv.reader([text]))]


#: How much of a CSV file the encoding check reads, and how many lines that are not UTF-8
#: it takes there (at least half of the lines with non-ASCII bytes) to call the whole file
#: another encoding; fewer are stray lines, quarantined one by one.
ENCODING_SAMPLE = 1 << 20
ENCODING_LINES = 10


def check_encoding(path: Path, *, table: str) -> None:
    """Stop on a CSV file written in another encoding than UTF-8 (a GBK export, say)
    before anything is loaded, instead of quarantining every line with Chinese text."""
    with path.open("rb") as fh:
        sample = fh.read(ENCODING_SAMPLE)
    if len(sample) == ENCODING_SAMPLE:
        sample = sample[:sample.rfind(b"\n") + 1]
    try:
        sample.decode("utf-8")
        return
    except UnicodeDecodeError:
        pass
    bad, wide, first = 0, 0, 0
    for number, line in enumerate(sample.splitlines(), start=1):
        if line.isascii():
            continue
        wide += 1
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
            first = first or number
    if bad < ENCODING_LINES or bad * 2 < wide:
        return
    if _looks_gbk(sample):
        guess, how = "it reads as GB18030 (GBK)", "convert the file (iconv -f GB18030 -t UTF-8)"
    else:
        guess, how = "it is in another encoding", "convert the file"
    raise SourceError(
        f"{path.name} is not UTF-8: {bad:,} of the first {wide:,} lines with non-ASCII "
        f"text are not (first on line {first}); {guess}. The format asks for UTF-8: "
        f"{how} and load again; nothing was loaded", field=table)


_GBK_PAIR = re.compile(rb"[\xa1-\xfe][\xa1-\xfe]")
_HIGH = re.compile(rb"[\x80-\xff]")


def _looks_gbk(sample: bytes) -> bool:
    """Chinese text in GBK/GB18030: it decodes, and its bytes above ASCII come in pairs of
    the common range (where GB2312's characters lie); text in a Latin code page has
    single accented bytes between ASCII letters instead."""
    try:
        sample.decode("gb18030")
    except UnicodeDecodeError:
        return False
    high = len(_HIGH.findall(sample))
    return high > 0 and 2 * len(_GBK_PAIR.findall(sample)) >= 0.9 * high


def _csv_options() -> str:
    return ("header=true, all_varchar=true, delim=',', quote='\"', escape='\"', "
            "auto_detect=false")


@dataclass
class NumberedRead:
    """A relation over a file with ``rn0`` (position among parsed rows) and text columns."""

    sql: str
    rejects_table: str | None


def numbered(source: SourceFile, wanted: tuple[str, ...]) -> NumberedRead:
    """SQL reading ``source`` with the ``wanted`` columns as text (absent ones NULL)."""
    cols = ", ".join(
        (f'CAST("{c}" AS VARCHAR) AS "{c}"' if c in source.columns
         else f'NULL::VARCHAR AS "{c}"')
        for c in wanted)
    if source.is_parquet:
        return NumberedRead(
            f"SELECT file_row_number + 1 AS rn0, {cols} FROM "
            f"read_parquet({_literal(source.path)}, file_row_number=true)", None)
    n = next(_counter)
    rejects = f"rej_{source.table}_{n}"
    header_cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in source.columns) + "}"
    read = (f"read_csv({_literal(source.path)}, {_csv_options()}, columns={header_cols}, "
            f"ignore_errors=true, store_rejects=true, rejects_table='{rejects}', "
            f"rejects_scan='{rejects}_scan')")
    return NumberedRead(f"SELECT row_number() OVER () AS rn0, {cols} FROM {read}", rejects)


def renumber(con: duckdb.DuckDBPyConnection, *, table: str, rejects: str | None) -> str | None:
    """Correct ``rn`` of ``table`` (made with ``rn = rn0``) to count the rejected rows.

    Returns the name of a table of rejected rows (``rn``, ``reason``, ``line``, and
    ``at_byte``: where the line starts in the file) or None.
    Rejected rows are rare: with none, ``rn`` is ``rn0``.
    """
    if rejects is None or not con.execute(f"SELECT count(*) FROM {rejects}").fetchall()[0][0]:
        return None
    bad = f"{table}_rejected"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {bad} AS
        SELECT line - 1 AS rn, string_agg(DISTINCT error_type || ': ' || error_message, '; ')
                   AS reason, first(csv_line) AS line,
               -- counted from 1, so the line starts one byte earlier
               min(line_byte_position) - 1 AS at_byte
        FROM {rejects} GROUP BY line""")
    # Good row number rn0 sits after every rejected row r whose good rows before it
    # (r - its rank among rejected rows) are fewer than rn0.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {table}_gaps AS
        SELECT g, max(j) AS j FROM (
            SELECT rn - row_number() OVER (ORDER BY rn) AS g,
                   row_number() OVER (ORDER BY rn) AS j FROM {bad}) GROUP BY g""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT t.* REPLACE (t.rn0 + coalesce(gp.j, 0) AS rn)
        FROM {table} t ASOF LEFT JOIN {table}_gaps gp ON t.rn0 > gp.g""")
    return bad
