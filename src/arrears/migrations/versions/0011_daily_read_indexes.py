"""indexes for the daily run's reads of promises and contact attempts

The daily run reads the open promises every day (resolving them, keeping their cases with
their collectors, the strategy's conditions, the follow-up tasks), and the behaviour
features a month of contact attempts and each customer's last right-party contact within
the year. Without these indexes each read went through every promise ever made, or through
the attempts row by row; the attempts' time index now carries customer and result.

Revision ID: 0011_daily_read_indexes
Revises: 0010_case_allocations_by_day
"""
from alembic import op

revision = "0011_daily_read_indexes"
down_revision = "0010_case_allocations_by_day"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_promises_status_case", "promises", ["status", "case_id"])
    op.create_index("ix_contact_attempts_time", "contact_attempts",
                    ["at", "customer_id", "result"])
    op.drop_index("ix_contact_attempts_at", table_name="contact_attempts")
    op.create_index("ix_contact_attempts_last_reach", "contact_attempts",
                    ["result", "customer_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_contact_attempts_last_reach", table_name="contact_attempts")
    op.create_index("ix_contact_attempts_at", "contact_attempts", ["at"])
    op.drop_index("ix_contact_attempts_time", table_name="contact_attempts")
    op.drop_index("ix_promises_status_case", table_name="promises")
