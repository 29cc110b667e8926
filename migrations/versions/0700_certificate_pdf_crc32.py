"""certificates: the CRC-32 of each stored PDF, so bulk ZIPs write entries without re-reading them

Revision ID: 0700
Revises: 0660
Create Date: 2026-11-28

"""
import zlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0700'
down_revision = '0660'
branch_labels = None
depends_on = None

BATCH = 100
certificates = sa.table('certificates', sa.column('id', sa.Integer), sa.column('pdf', sa.LargeBinary),
                        sa.column('pdf_crc32', sa.BigInteger))


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf_crc32', sa.BigInteger(), nullable=True))

    # Backfill in batches of ids so at most BATCH PDFs are in memory at a time.
    connection = op.get_bind()
    last_id = 0
    while ids := connection.scalars(
        sa.select(certificates.c.id).where(certificates.c.id > last_id).order_by(certificates.c.id).limit(BATCH)
    ).all():
        rows = connection.execute(sa.select(certificates.c.id, certificates.c.pdf)
                                  .where(certificates.c.id.in_(ids))).all()
        connection.execute(
            certificates.update().where(certificates.c.id == sa.bindparam('row_id')),
            [{'row_id': row.id, 'pdf_crc32': zlib.crc32(row.pdf)} for row in rows],
        )
        last_id = ids[-1]

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('pdf_crc32', existing_type=sa.BigInteger(), nullable=False)


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('pdf_crc32')
