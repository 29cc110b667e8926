"""class sessions, holidays, attendance marks, calendar feeds; a course's required attendance share

Revision ID: 0980_class_sessions
Revises: 0970_exam_lesson_gate
Create Date: 2026-12-06

A class meets in sessions (times in the class's zone); officers' attendance at each adds up to the
hours that completion and the certificate count. Holidays start with the federal holidays of
2025 to 2030 (a copy of portal.attendance.holidays as of now); the administrator edits them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0980_class_sessions'
down_revision = '0970_exam_lesson_gate'
branch_labels = None
depends_on = None

FEDERAL_HOLIDAYS = (
    ('2025-01-01', "New Year's Day"), ('2025-01-20', 'Birthday of Martin Luther King, Jr.'), ('2025-02-17', "Washington's Birthday"), ('2025-05-26', 'Memorial Day'),
    ('2025-06-19', 'Juneteenth National Independence Day'), ('2025-07-04', 'Independence Day'), ('2025-09-01', 'Labor Day'), ('2025-10-13', 'Columbus Day'),
    ('2025-11-11', 'Veterans Day'), ('2025-11-27', 'Thanksgiving Day'), ('2025-12-25', 'Christmas Day'),
    ('2026-01-01', "New Year's Day"), ('2026-01-19', 'Birthday of Martin Luther King, Jr.'), ('2026-02-16', "Washington's Birthday"), ('2026-05-25', 'Memorial Day'),
    ('2026-06-19', 'Juneteenth National Independence Day'), ('2026-07-03', 'Independence Day'), ('2026-09-07', 'Labor Day'), ('2026-10-12', 'Columbus Day'),
    ('2026-11-11', 'Veterans Day'), ('2026-11-26', 'Thanksgiving Day'), ('2026-12-25', 'Christmas Day'),
    ('2027-01-01', "New Year's Day"), ('2027-01-18', 'Birthday of Martin Luther King, Jr.'), ('2027-02-15', "Washington's Birthday"), ('2027-05-31', 'Memorial Day'),
    ('2027-06-18', 'Juneteenth National Independence Day'), ('2027-07-05', 'Independence Day'), ('2027-09-06', 'Labor Day'), ('2027-10-11', 'Columbus Day'),
    ('2027-11-11', 'Veterans Day'), ('2027-11-25', 'Thanksgiving Day'), ('2027-12-24', 'Christmas Day'),
    ('2027-12-31', "New Year's Day"), ('2028-01-17', 'Birthday of Martin Luther King, Jr.'), ('2028-02-21', "Washington's Birthday"), ('2028-05-29', 'Memorial Day'),
    ('2028-06-19', 'Juneteenth National Independence Day'), ('2028-07-04', 'Independence Day'), ('2028-09-04', 'Labor Day'), ('2028-10-09', 'Columbus Day'),
    ('2028-11-10', 'Veterans Day'), ('2028-11-23', 'Thanksgiving Day'), ('2028-12-25', 'Christmas Day'),
    ('2029-01-01', "New Year's Day"), ('2029-01-15', 'Birthday of Martin Luther King, Jr.'), ('2029-02-19', "Washington's Birthday"), ('2029-05-28', 'Memorial Day'),
    ('2029-06-19', 'Juneteenth National Independence Day'), ('2029-07-04', 'Independence Day'), ('2029-09-03', 'Labor Day'), ('2029-10-08', 'Columbus Day'),
    ('2029-11-12', 'Veterans Day'), ('2029-11-22', 'Thanksgiving Day'), ('2029-12-25', 'Christmas Day'),
    ('2030-01-01', "New Year's Day"), ('2030-01-21', 'Birthday of Martin Luther King, Jr.'), ('2030-02-18', "Washington's Birthday"), ('2030-05-27', 'Memorial Day'),
    ('2030-06-19', 'Juneteenth National Independence Day'), ('2030-07-04', 'Independence Day'), ('2030-09-02', 'Labor Day'), ('2030-10-14', 'Columbus Day'),
    ('2030-11-11', 'Veterans Day'), ('2030-11-28', 'Thanksgiving Day'), ('2030-12-25', 'Christmas Day'),
)


def upgrade():
    op.add_column('courses', sa.Column('attendance_share', sa.Integer(), nullable=False, server_default='90'))
    op.create_table(
        'class_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('starts_at', sa.Time(), nullable=False),
        sa.Column('ends_at', sa.Time(), nullable=False),
        sa.Column('room', sa.String(length=120), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('online_url', sa.String(length=500), nullable=False),
        sa.Column('topic', sa.String(length=200), nullable=False),
        sa.Column('instructor_id', sa.Integer(), nullable=True),
        sa.Column('cancelled', sa.Boolean(), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['class_id'], ['training_classes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['instructor_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_class_sessions_class_id', 'class_sessions', ['class_id'])
    op.create_index('ix_class_sessions_day', 'class_sessions', ['day'])
    holidays = op.create_table(
        'holidays',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('day'),
    )
    op.create_table(
        'attendance_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('presence', sa.Enum('present', 'excused', 'absent', name='presence', native_enum=False, length=20),
                  nullable=False),
        sa.Column('late_minutes', sa.Integer(), nullable=False),
        sa.Column('left_early_minutes', sa.Integer(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('session_id', 'enrollment_id'),
    )
    op.create_index('ix_attendance_marks_session_id', 'attendance_marks', ['session_id'])
    op.create_index('ix_attendance_marks_enrollment_id', 'attendance_marks', ['enrollment_id'])
    op.create_table(
        'calendar_feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('class_id', sa.Integer(), nullable=True),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('renewed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['class_id'], ['training_classes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('class_id'),
        sa.UniqueConstraint('user_id'),
    )
    from datetime import date
    op.bulk_insert(holidays, [{'day': date.fromisoformat(day), 'name': name} for day, name in FEDERAL_HOLIDAYS])


def downgrade():
    op.drop_table('calendar_feeds')
    op.drop_index('ix_attendance_marks_enrollment_id', table_name='attendance_marks')
    op.drop_index('ix_attendance_marks_session_id', table_name='attendance_marks')
    op.drop_table('attendance_marks')
    op.drop_table('holidays')
    op.drop_index('ix_class_sessions_day', table_name='class_sessions')
    op.drop_index('ix_class_sessions_class_id', table_name='class_sessions')
    op.drop_table('class_sessions')
    # Plain ALTER TABLE: a batch copy of `courses` would break the foreign keys that point at it.
    op.execute('ALTER TABLE courses DROP COLUMN attendance_share')
