"""promises indexed by status (then case) and by resolution day

The daily run reads the open promises every day (resolving them, keeping their cases with
their collectors, the strategy's conditions, the follow-up tasks) and the behaviour
features read the promises resolved within the year; without these indexes each read
went through every promise ever made.

Revision ID: 0011_promise_indexes
Revises: 0010_case_allocations_by_day
"""
from alembic import op

revision = "0011_promise_indexes"
down_revision = "0010_case_allocations_by_day"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_promises_status_case", "promises", ["status", "case_id"])
    op.create_index("ix_promises_resolved_on", "promises", ["resolved_on"])


def downgrade() -> None:
    op.drop_index("ix_promises_resolved_on", table_name="promises")
    op.drop_index("ix_promises_status_case", table_name="promises")
