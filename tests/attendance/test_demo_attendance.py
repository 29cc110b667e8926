import sqlalchemy as sa

from portal.attendance.models import AttendanceMark, ClassSession, Presence
from portal.classes.models import TrainingClass
from portal.extensions import db


def test_the_demo_class_meets_and_has_a_late_arrival_and_an_excused_absence(app, demo_seed_result):
    result = demo_seed_result
    assert result.exit_code == 0, result.output
    running = db.session.scalar(sa.select(TrainingClass).where(TrainingClass.name == "JEM Basic — Charlotte, NC"))
    sessions = db.session.scalars(sa.select(ClassSession).where(ClassSession.class_id == running.id)).all()
    assert len(sessions) >= 18  # four weeks of weekdays, less any holiday
    marks = db.session.scalars(sa.select(AttendanceMark).join(ClassSession).where(ClassSession.class_id == running.id)).all()
    assert any(m.late_minutes == 20 for m in marks)
    assert any(m.presence == Presence.EXCUSED for m in marks)
