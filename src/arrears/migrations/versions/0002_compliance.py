"""compliance tables

Revision ID: 0002_compliance
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_compliance"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compliance_decisions",
        sa.Column("decision_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("party", sa.String(length=20), nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=True),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("initiated_by", sa.String(length=20), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=True),
        sa.Column("pack", sa.String(length=10), nullable=False),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("local_time", sa.String(length=40), nullable=False),
        sa.Column("local_date", sa.String(length=10), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("next_allowed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.Column("override_by", sa.String(length=100), nullable=True),
        sa.Column("override_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_compliance_decisions")),
    )
    with op.batch_alter_table("compliance_decisions", schema=None) as batch_op:
        batch_op.create_index("ix_compliance_decisions_at", ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_compliance_decisions_case_id"), ["case_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_compliance_decisions_customer_id"),
                              ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_compliance_decisions_local_date"),
                              ["local_date"], unique=False)

    op.create_table(
        "compliance_consents",
        sa.Column("consent_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("window_from", sa.String(length=5), nullable=True),
        sa.Column("window_until", sa.String(length=5), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_compliance_consents")),
    )
    with op.batch_alter_table("compliance_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_compliance_consents_customer_id"),
                              ["customer_id"], unique=False)


def downgrade() -> None:
    op.drop_table("compliance_consents")
    op.drop_table("compliance_decisions")
