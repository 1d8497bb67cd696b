"""conversation tables: transcripts and their analysed lines, signal actions, QA reviews,
training library

Revision ID: 0006_conversation
Revises: 0005_scoring
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_conversation"
down_revision = "0005_scoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('transcripts',
    sa.Column('transcript_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('collector_user_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('violation_count', sa.Integer(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('signals', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['contact_attempts.attempt_id'], name=op.f('fk_transcripts_attempt_id_contact_attempts')),
    sa.ForeignKeyConstraint(['case_id'], ['collection_cases.case_id'], name=op.f('fk_transcripts_case_id_collection_cases')),
    sa.ForeignKeyConstraint(['collector_user_id'], ['users.user_id'], name=op.f('fk_transcripts_collector_user_id_users')),
    sa.PrimaryKeyConstraint('transcript_id', name=op.f('pk_transcripts')),
    sa.UniqueConstraint('external_id', name=op.f('uq_transcripts_external_id'))
    )
    op.create_index(op.f('ix_transcripts_case_id'), 'transcripts', ['case_id'], unique=False)
    op.create_index(op.f('ix_transcripts_customer_id'), 'transcripts', ['customer_id'], unique=False)
    op.create_index(op.f('ix_transcripts_started_at'), 'transcripts', ['started_at'], unique=False)
    op.create_table('qa_reviews',
    sa.Column('review_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('transcript_id', sa.Integer(), nullable=False),
    sa.Column('reviewer', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.String(length=10), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('coaching', sa.Text(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['transcript_id'], ['transcripts.transcript_id'], name=op.f('fk_qa_reviews_transcript_id_transcripts')),
    sa.PrimaryKeyConstraint('review_id', name=op.f('pk_qa_reviews')),
    sa.UniqueConstraint('transcript_id', name=op.f('uq_qa_reviews_transcript_id'))
    )
    op.create_table('training_cases',
    sa.Column('entry_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('transcript_id', sa.Integer(), nullable=False),
    sa.Column('situation', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('qa_total', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('published_by', sa.String(length=100), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['transcript_id'], ['transcripts.transcript_id'], name=op.f('fk_training_cases_transcript_id_transcripts')),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_training_cases')),
    sa.UniqueConstraint('transcript_id', name=op.f('uq_training_cases_transcript_id'))
    )
    op.create_index(op.f('ix_training_cases_situation'), 'training_cases', ['situation'], unique=False)
    op.create_table('transcript_lines',
    sa.Column('line_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('transcript_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('speaker', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('violations', sa.JSON(), nullable=False),
    sa.Column('signals', sa.JSON(), nullable=False),
    sa.Column('emotion', sa.String(length=10), nullable=False),
    sa.Column('emotion_score', sa.Float(), nullable=False),
    sa.Column('suggestion', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['transcript_id'], ['transcripts.transcript_id'], name=op.f('fk_transcript_lines_transcript_id_transcripts')),
    sa.PrimaryKeyConstraint('line_id', name=op.f('pk_transcript_lines')),
    sa.UniqueConstraint('transcript_id', 'seq', name='uq_transcript_line_seq')
    )
    op.create_index(op.f('ix_transcript_lines_transcript_id'), 'transcript_lines', ['transcript_id'], unique=False)
    op.create_table('signal_actions',
    sa.Column('action_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('transcript_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('signal', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('flag', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['collection_cases.case_id'], name=op.f('fk_signal_actions_case_id_collection_cases')),
    sa.ForeignKeyConstraint(['line_id'], ['transcript_lines.line_id'], name=op.f('fk_signal_actions_line_id_transcript_lines')),
    sa.ForeignKeyConstraint(['transcript_id'], ['transcripts.transcript_id'], name=op.f('fk_signal_actions_transcript_id_transcripts')),
    sa.PrimaryKeyConstraint('action_id', name=op.f('pk_signal_actions')),
    sa.UniqueConstraint('transcript_id', 'signal', name='uq_signal_action')
    )
    op.create_index(op.f('ix_signal_actions_case_id'), 'signal_actions', ['case_id'], unique=False)
    op.create_index(op.f('ix_signal_actions_customer_id'), 'signal_actions', ['customer_id'], unique=False)
    op.create_index('ix_signal_actions_open', 'signal_actions', ['case_id', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_signal_actions_open', table_name='signal_actions')
    op.drop_index(op.f('ix_signal_actions_customer_id'), table_name='signal_actions')
    op.drop_index(op.f('ix_signal_actions_case_id'), table_name='signal_actions')
    op.drop_table('signal_actions')
    op.drop_index(op.f('ix_transcript_lines_transcript_id'), table_name='transcript_lines')
    op.drop_table('transcript_lines')
    op.drop_index(op.f('ix_training_cases_situation'), table_name='training_cases')
    op.drop_table('training_cases')
    op.drop_table('qa_reviews')
    op.drop_index(op.f('ix_transcripts_started_at'), table_name='transcripts')
    op.drop_index(op.f('ix_transcripts_customer_id'), table_name='transcripts')
    op.drop_index(op.f('ix_transcripts_case_id'), table_name='transcripts')
    op.drop_table('transcripts')
