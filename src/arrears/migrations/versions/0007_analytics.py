"""analytics tables

Revision ID: 0007_analytics
Revises: 0006_conversation
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0007_analytics"
down_revision = "0006_conversation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
