"""quizzes: an exam may ask for its week's lessons to be complete before it starts

Revision ID: 0970_exam_lesson_gate
Revises: 0960_api_tokens
Create Date: 2026-12-06

Existing exams keep starting as they did: the setting is off for them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0970_exam_lesson_gate'
down_revision = '0960_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lessons_first', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_column('lessons_first')
