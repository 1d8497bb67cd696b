"""Key rotation: re-encrypt personal data with the newest key, without downtime.

Every key in the ring decrypts, the first one encrypts. Rotation: put the new key first
(``arrears keys rotate --new-key`` does it for the key file), then re-encrypt in small
batches, each its own short transaction, so the desk and the daily run keep working;
when no value uses the old key any more it may be removed from the ring.
Every ``*_enc`` column of the operations store is covered.
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
from arrears.errors import ArrearsError


class KeyFileError(ArrearsError):
    code = "key_file_error"
    status = 500


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


def rotate_keys(*, app: Any, batch: int = 500,
                progress: Callable[[str, int], None] | None = None) -> RotationReport:
    """Re-encrypt every value not under the active key, batch by batch."""
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
    return RotationReport(keyring.active_kid, scanned, changed, tables)


def key_usage(*, app: Any) -> dict[str, int]:
    """How many stored values each key id encrypts (to know when an old key may go)."""
    usage: dict[str, int] = {}
    with unit_of_work(app.session_factory) as session:
        for table, cols in encrypted_columns():
            for c in cols:
                for (value,) in session.execute(select(table.c[c]).where(
                        table.c[c].is_not(None))):
                    kid = str(value).split(":", 2)[1] if ":" in str(value) else "?"
                    usage[kid] = usage.get(kid, 0) + 1
    return usage
