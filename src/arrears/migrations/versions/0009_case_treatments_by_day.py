"""case_treatments keyed day first (as_of, case_id), without rowid on SQLite

One row per open case and day goes in at the end of the key, so that writing a day costs
the same whatever the history (as 0008 did for case_scores).

Revision ID: 0009_case_treatments_by_day
Revises: 0008_case_scores_by_day
"""
import sqlalchemy as sa

from arrears.migrations.rekey import rekey

revision = "0009_case_treatments_by_day"
down_revision = "0008_case_scores_by_day"
branch_labels = None
depends_on = None


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


def _rekey(key: tuple[str, ...], *, with_rowid: bool) -> None:
    rekey("case_treatments", columns=_columns(), key=key, with_rowid=with_rowid,
          constraints=[sa.ForeignKeyConstraint(
              ["case_id"], ["collection_cases.case_id"],
              name="fk_case_treatments_case_id_collection_cases")],
          indexes=[("ix_case_treatments_day", ("as_of", "step_id"))])


def upgrade() -> None:
    _rekey(("as_of", "case_id"), with_rowid=False)


def downgrade() -> None:
    _rekey(("case_id", "as_of"), with_rowid=True)
