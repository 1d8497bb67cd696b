"""analytics tables: the run days' materialised portfolio figures, money recovered per
collector and day, champion/challenger arms

Revision ID: 0007_analytics
Revises: 0006_conversation
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_analytics"
down_revision = "0006_conversation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analytics_arms',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('experiment', sa.String(length=64), nullable=False),
    sa.Column('arm', sa.String(length=64), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('contacts', sa.Integer(), nullable=False),
    sa.Column('recovered', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('estimate', sa.Float(), nullable=False),
    sa.Column('low', sa.Float(), nullable=False),
    sa.Column('high', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('as_of', 'experiment', 'arm', 'metric', name=op.f('pk_analytics_arms'))
    )
    op.create_table('analytics_bucket_days',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('product', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('bucket', sa.String(length=20), nullable=False),
    sa.Column('min_dpd', sa.Integer(), nullable=False),
    sa.Column('loans', sa.Integer(), nullable=False),
    sa.Column('overdue_amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('outstanding_principal', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('as_of', 'product', 'currency', 'bucket', name=op.f('pk_analytics_bucket_days'))
    )
    op.create_table('analytics_recovered',
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('recovered', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('paid_on', 'user_id', 'product', 'currency', name=op.f('pk_analytics_recovered'))
    )
    op.create_table('analytics_recovery',
    sa.Column('entry_on', sa.Date(), nullable=False),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('bucket', sa.String(length=20), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('overdue_at_entry', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('recovered', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('entry_on', 'window_days', 'product', 'currency', 'bucket', name=op.f('pk_analytics_recovery'))
    )
    op.create_table('analytics_roll_flows',
    sa.Column('to_as_of', sa.Date(), nullable=False),
    sa.Column('product', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('from_bucket', sa.String(length=20), nullable=False),
    sa.Column('to_bucket', sa.String(length=20), nullable=False),
    sa.Column('loans', sa.Integer(), nullable=False),
    sa.Column('balance', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('to_as_of', 'product', 'currency', 'from_bucket', 'to_bucket', name=op.f('pk_analytics_roll_flows'))
    )
    op.create_table('analytics_runs',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('snapshot_rows', sa.Integer(), nullable=False),
    sa.Column('vintage_dpd', sa.JSON(), nullable=False),
    sa.Column('recovery_window_days', sa.Integer(), nullable=False),
    sa.Column('recovery_through', sa.Date(), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('as_of', name=op.f('pk_analytics_runs'))
    )
    op.create_table('analytics_vintages',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('product', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('vintage', sa.String(length=7), nullable=False),
    sa.Column('dpd', sa.Integer(), nullable=False),
    sa.Column('mob', sa.Integer(), nullable=False),
    sa.Column('loans', sa.Integer(), nullable=False),
    sa.Column('ever', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('as_of', 'product', 'currency', 'vintage', 'dpd', name=op.f('pk_analytics_vintages'))
    )


def downgrade() -> None:
    op.drop_table('analytics_vintages')
    op.drop_table('analytics_runs')
    op.drop_table('analytics_roll_flows')
    op.drop_table('analytics_recovery')
    op.drop_table('analytics_recovered')
    op.drop_table('analytics_bucket_days')
    op.drop_table('analytics_arms')
