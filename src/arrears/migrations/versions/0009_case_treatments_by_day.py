"""case_treatments keyed day first (as_of, case_id), without rowid on SQLite

One row per open case and day goes in at the end of the key, so that writing a day costs
the same whatever the history (as 0008 did for case_scores).

Revision ID: 0009_case_treatments_by_day
Revises: 0008_case_scores_by_day
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_case_treatments_by_day"
down_revision = "0008_case_scores_by_day"
branch_labels = None
depends_on = None

COLUMNS = ("case_id", "as_of", "strategy_version_id", "strategy_name", "arm", "segment",
           "path", "step_id", "step_kind", "step_index", "channel", "script", "tone",
           "team_id", "role", "agency", "entered_on", "escalations", "dpd", "bucket",
           "balance", "reason")


def _columns() -> list[sa.Column]:
    return [
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("strategy_version_id", sa.Integer(), nullable=True),
        sa.Column("strategy_name", sa.String(length=60), nullable=False),
        sa.Column("arm", sa.String(length=40), nullable=False),
        sa.Column("segment", sa.String(length=60), nullable=False),
        sa.Column("path", sa.String(length=60), nullable=False),
        sa.Column("step_id", sa.String(length=60), nullable=False),
        sa.Column("step_kind", sa.String(length=30), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("script", sa.String(length=60), nullable=True),
        sa.Column("tone", sa.String(length=10), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("agency", sa.Boolean(), nullable=False),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=10), nullable=False),
        sa.Column("balance", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    ]


def _rebuild_sqlite(key: tuple[str, ...], *, with_rowid: bool) -> None:
    """SQLite changes neither a primary key nor rowid storage in place: the table is made
    again under a new name, filled in the new key's order, and takes the old one's name."""
    op.create_table("case_treatments_rebuilt", *_columns(),
                    sa.ForeignKeyConstraint(
                        ["case_id"], ["collection_cases.case_id"],
                        name="fk_case_treatments_case_id_collection_cases"),
                    sa.PrimaryKeyConstraint(*key, name="pk_case_treatments"),
                    sqlite_with_rowid=with_rowid)
    cols = ", ".join(COLUMNS)
    op.execute(f"INSERT INTO case_treatments_rebuilt ({cols}) SELECT {cols} "
               f"FROM case_treatments ORDER BY {', '.join(key)}")
    op.drop_index("ix_case_treatments_day", table_name="case_treatments")
    op.drop_table("case_treatments")
    op.rename_table("case_treatments_rebuilt", "case_treatments")
    op.create_index("ix_case_treatments_day", "case_treatments", ["as_of", "step_id"],
                    unique=False)


def _rekey(key: tuple[str, ...], *, with_rowid: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(key, with_rowid=with_rowid)
        return
    op.drop_constraint("pk_case_treatments", "case_treatments", type_="primary")
    op.create_primary_key("pk_case_treatments", "case_treatments", list(key))


def upgrade() -> None:
    _rekey(("as_of", "case_id"), with_rowid=False)


def downgrade() -> None:
    _rekey(("case_id", "as_of"), with_rowid=True)
