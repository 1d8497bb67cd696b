"""desk tables: call scripts (versioned), audit log head

Revision ID: 0003_desk
Revises: 0002_compliance
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_desk"
down_revision = "0002_compliance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_scripts",
        sa.Column("script_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("stage", sa.String(30), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("script_id", name=op.f("pk_call_scripts")),
        sa.UniqueConstraint("stage", "language", "version",
                            name="uq_call_scripts_stage_language_version"),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("head_id", sa.Integer(), nullable=False),
        sa.Column("appended", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("head_id", name=op.f("pk_audit_head")),
    )
    op.bulk_insert(head, [{"head_id": 1, "appended": 0}])


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_table("call_scripts")
