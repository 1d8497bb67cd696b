"""scoring tables

Revision ID: 0005_scoring
Revises: 0004_strategy
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0005_scoring"
down_revision = "0004_strategy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
