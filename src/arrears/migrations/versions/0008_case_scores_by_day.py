"""case_scores keyed day first (as_of, model, case_id), without rowid on SQLite

A day's scores then go in at the end of the key, so that writing a day costs the same
whatever the history; the separate index on (as_of, model) is the key's prefix and goes.

Revision ID: 0008_case_scores_by_day
Revises: 0007_analytics
"""
import sqlalchemy as sa
from alembic import op

from arrears.migrations.rekey import rekey

revision = "0008_case_scores_by_day"
down_revision = "0007_analytics"
branch_labels = None
depends_on = None


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


def upgrade() -> None:
    op.drop_index("ix_case_scores_day", table_name="case_scores")
    rekey("case_scores", columns=_columns(), key=("as_of", "model", "case_id"),
          with_rowid=False)


def downgrade() -> None:
    rekey("case_scores", columns=_columns(), key=("case_id", "as_of", "model"),
          with_rowid=True)
    op.create_index("ix_case_scores_day", "case_scores", ["as_of", "model"], unique=False)
