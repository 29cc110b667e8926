"""certificates: who signed the stored PDF and when (empty for certificates issued unsigned)

Revision ID: 0850_cred
Revises: 0800
Create Date: 2026-12-06

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0850_cred'
down_revision = '0800'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_by', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('signed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('signed_at')
        batch_op.drop_column('signed_by')
