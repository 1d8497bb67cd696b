"""conversation tables

Revision ID: 0006_conversation
Revises: 0005_scoring
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0006_conversation"
down_revision = "0005_scoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
