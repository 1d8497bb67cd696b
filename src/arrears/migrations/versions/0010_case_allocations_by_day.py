"""case_allocations keyed day first (as_of, case_id), without rowid on SQLite

One row per open case and day goes in at the end of the key, and re-running a day deletes
that day's rows by the key instead of reading the whole history.

Revision ID: 0010_case_allocations_by_day
Revises: 0009_case_treatments_by_day
"""
import sqlalchemy as sa

from arrears.migrations.rekey import rekey

revision = "0010_case_allocations_by_day"
down_revision = "0009_case_treatments_by_day"
branch_labels = None
depends_on = None


def _columns() -> list[sa.Column]:
    return [
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    ]


def _rekey(key: tuple[str, ...], *, with_rowid: bool) -> None:
    rekey("case_allocations", columns=_columns(), key=key, with_rowid=with_rowid,
          constraints=[sa.ForeignKeyConstraint(
              ["case_id"], ["collection_cases.case_id"],
              name="fk_case_allocations_case_id_collection_cases")])


def upgrade() -> None:
    _rekey(("as_of", "case_id"), with_rowid=False)


def downgrade() -> None:
    _rekey(("case_id", "as_of"), with_rowid=True)
