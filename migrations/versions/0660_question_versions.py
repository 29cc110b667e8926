"""question versions: editing an answered question saves a new version

Revision ID: 0660
Revises: 0650
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0660'
down_revision = '0650'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_questions_replaced_by_id'), ['replaced_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_questions_replaced_by_id_questions'), 'questions', ['replaced_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_questions_replaced_by_id_questions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_questions_replaced_by_id'))
        batch_op.drop_column('replaced_by_id')
        batch_op.drop_column('version')
