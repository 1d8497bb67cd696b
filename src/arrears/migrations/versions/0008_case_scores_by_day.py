"""case_scores keyed day first (as_of, model, case_id), without rowid on SQLite

A day's scores then go in at the end of the key, so that writing a day costs the same
whatever the history; the separate index on (as_of, model) is the key's prefix and goes.

Revision ID: 0008_case_scores_by_day
Revises: 0007_analytics
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_case_scores_by_day"
down_revision = "0007_analytics"
branch_labels = None
depends_on = None

COLUMNS = ("case_id", "as_of", "model", "model_id", "customer_id", "score", "points", "band",
           "reasons", "bucket", "balance_band", "segment")


def _columns() -> list[sa.Column]:
    return [
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("points", sa.Float(), nullable=True),
        sa.Column("band", sa.String(length=1), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("bucket", sa.String(length=10), nullable=True),
        sa.Column("balance_band", sa.String(length=10), nullable=True),
        sa.Column("segment", sa.String(length=40), nullable=True),
    ]


def _rebuild_sqlite(key: tuple[str, ...], *, with_rowid: bool) -> None:
    """SQLite changes neither a primary key nor rowid storage in place: the table is made
    again under a new name, filled in the new key's order, and takes the old one's name."""
    op.create_table("case_scores_rebuilt", *_columns(),
                    sa.PrimaryKeyConstraint(*key, name="pk_case_scores"),
                    sqlite_with_rowid=with_rowid)
    cols = ", ".join(COLUMNS)
    op.execute(f"INSERT INTO case_scores_rebuilt ({cols}) SELECT {cols} FROM case_scores "
               f"ORDER BY {', '.join(key)}")
    op.drop_table("case_scores")
    op.rename_table("case_scores_rebuilt", "case_scores")


def upgrade() -> None:
    op.drop_index("ix_case_scores_day", table_name="case_scores")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(("as_of", "model", "case_id"), with_rowid=False)
        return
    op.drop_constraint("pk_case_scores", "case_scores", type_="primary")
    op.create_primary_key("pk_case_scores", "case_scores", ["as_of", "model", "case_id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(("case_id", "as_of", "model"), with_rowid=True)
    else:
        op.drop_constraint("pk_case_scores", "case_scores", type_="primary")
        op.create_primary_key("pk_case_scores", "case_scores", ["case_id", "as_of", "model"])
    op.create_index("ix_case_scores_day", "case_scores", ["as_of", "model"], unique=False)
