"""Changing a table's primary key in a migration, on SQLite and PostgreSQL alike.

The mechanics only: each migration names its table's columns, constraints and indexes as
they were at its revision (a migration is a frozen snapshot of the schema).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def rekey(table: str, *, columns: Sequence[sa.Column], key: Sequence[str],
          with_rowid: bool, constraints: Sequence[sa.Constraint] = (),
          indexes: Sequence[tuple[str, Sequence[str]]] = ()) -> None:
    """Give ``table`` the primary key ``key`` (named ``pk_<table>``), keeping its rows.

    PostgreSQL replaces the key in place. SQLite changes neither a primary key nor rowid
    storage in place: the table is made again under a new name with ``columns`` and
    ``constraints``, filled in the new key's order (without rowid unless ``with_rowid``),
    takes the old one's name, and gets ``indexes`` (name, columns) back.
    """
    name = f"pk_{table}"
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(name, table, type_="primary")
        op.create_primary_key(name, table, list(key))
        return
    rebuilt = f"{table}_rebuilt"
    op.create_table(rebuilt, *columns, *constraints, sa.PrimaryKeyConstraint(*key, name=name),
                    sqlite_with_rowid=with_rowid)
    cols = ", ".join(c.name for c in columns)
    op.execute(f"INSERT INTO {rebuilt} ({cols}) SELECT {cols} FROM {table} "
               f"ORDER BY {', '.join(key)}")
    for index, _ in indexes:
        op.drop_index(index, table_name=table)
    op.drop_table(table)
    op.rename_table(rebuilt, table)
    for index, on in indexes:
        op.create_index(index, table, list(on), unique=False)
