"""desk tables

Revision ID: 0003_desk
Revises: 0002_compliance
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0003_desk"
down_revision = "0002_compliance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
