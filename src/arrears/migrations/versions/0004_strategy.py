"""strategy tables

Revision ID: 0004_strategy
Revises: 0003_desk
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0004_strategy"
down_revision = "0003_desk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
