"""time zones: agencies, staff and classes each have an IANA zone

Revision ID: 0955_time_zones
Revises: 0950_notifications
Create Date: 2026-12-06

Times stay stored in UTC; these say in which zone people read them and when a class's weeks open.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0955_time_zones'
down_revision = '0950_notifications'
branch_labels = None
depends_on = None

TABLES = ('agencies', 'users', 'training_classes')
STATE_ZONES = {
    'America/Chicago': 'AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI',
    'America/Denver': 'CO ID MT NM UT WY',
    'America/Los_Angeles': 'CA NV OR WA',
    'America/Phoenix': 'AZ',
    'America/Anchorage': 'AK',
    'Pacific/Honolulu': 'HI',
    'America/Puerto_Rico': 'PR VI',
    'Pacific/Guam': 'GU MP',
    'Pacific/Pago_Pago': 'AS',
}


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column('time_zone', sa.String(length=64), nullable=False,
                                       server_default='America/New_York'))
    # Each agency starts in the zone most of its state keeps (a copy of STATE_TIME_ZONES as of now).
    for zone, states in STATE_ZONES.items():
        listed = ", ".join(f"'{state}'" for state in states.split())
        op.execute(f"UPDATE agencies SET time_zone = '{zone}' WHERE state IN ({listed})")


def downgrade():
    # Plain ALTER TABLE (SQLite 3.35+ has DROP COLUMN): a batch copy of `users` would break the
    # foreign keys that point at it.
    for table in reversed(TABLES):
        op.execute(f'ALTER TABLE {table} DROP COLUMN time_zone')
