"""scoring tables

Revision ID: 0005_scoring
Revises: 0004_strategy
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_scoring"
down_revision = "0004_strategy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_scores",
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
        sa.PrimaryKeyConstraint("case_id", "as_of", "model", name=op.f("pk_case_scores")),
    )
    op.create_index("ix_case_scores_day", "case_scores", ["as_of", "model"], unique=False)
    op.create_table(
        "scoring_models",
        sa.Column("model_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("trained_as_of", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("band_edges", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", name=op.f("pk_scoring_models")),
    )
    op.create_index(op.f("ix_scoring_models_name"), "scoring_models", ["name"], unique=False)
    op.create_table(
        "scoring_runs",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("as_of", "model", name=op.f("pk_scoring_runs")),
    )
    op.create_table(
        "scoring_monitoring",
        sa.Column("monitor_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("monitor_id", name=op.f("pk_scoring_monitoring")),
    )
    op.create_index(op.f("ix_scoring_monitoring_as_of"), "scoring_monitoring", ["as_of"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_scoring_monitoring_as_of"), table_name="scoring_monitoring")
    op.drop_table("scoring_monitoring")
    op.drop_table("scoring_runs")
    op.drop_index(op.f("ix_scoring_models_name"), table_name="scoring_models")
    op.drop_table("scoring_models")
    op.drop_index("ix_case_scores_day", table_name="case_scores")
    op.drop_table("case_scores")
