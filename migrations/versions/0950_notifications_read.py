"""notifications: read state and a link to what each message is about

Revision ID: 0950_notifications
Revises: 0900_quiz
Create Date: 2026-12-06

Messages already sent count as read, so nobody signs in to years of "unread" notifications.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0950_notifications'
down_revision = '0900_quiz'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('link', sa.String(length=300), nullable=False, server_default=''))
        batch_op.create_index('ix_outbox_messages_unread', ['user_id', 'read_at'])
    op.execute("UPDATE outbox_messages SET read_at = created_at")


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_unread')
        batch_op.drop_column('link')
        batch_op.drop_column('read_at')
