"""encrypt TOTP secrets at rest (Fernet under a key derived from SECRET_KEY)

Revision ID: 0650
Revises: 0600
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from portal.secret_box import TOTP_SECRET_PURPOSE, fernet


# revision identifiers, used by Alembic.
revision = '0650'
down_revision = '0600'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))


def _rewrite(transform):
    box = fernet(current_app.config['SECRET_KEY'], TOTP_SECRET_PURPOSE)
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None))).all()
    for user_id, value in rows:
        connection.execute(users.update().where(users.c.id == user_id).values(totp_secret=transform(box, value)))


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=255))
    _rewrite(lambda box, value: box.encrypt(value.encode()).decode())


def downgrade():
    _rewrite(lambda box, value: box.decrypt(value.encode()).decode())
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255), type_=sa.String(length=64))
