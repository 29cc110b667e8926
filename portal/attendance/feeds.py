"""Calendar feeds (RFC 5545) of sessions, written with the icalendar library: each event in its
class's time zone (with its VTIMEZONE), a UID that never changes and the session's SEQUENCE, so
that a subscribed calendar moves or cancels the event it already shows."""
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from portal.attendance.models import ClassSession
from portal.classes.models import TrainingClass
from portal.quizzes.models import Quiz
from portal.timeutil import utcnow

PRODID = "-//287(g) Training Portal//Class sessions//EN"


def session_uid(session: ClassSession, host: str) -> str:
    return f"session-{session.id}@{host}"


def exam_window(quiz: Quiz, training_class: TrainingClass) -> tuple[datetime, datetime]:
    """When an exam may be taken in a class: from its opening (else its week's first midnight in the
    class's zone) to its closing (else the midnight after the class's last day)."""
    zone = ZoneInfo(training_class.time_zone)
    opens = (quiz.opens_at.replace(tzinfo=UTC).astimezone(zone) if quiz.opens_at
             else datetime.combine(training_class.week_opens_on(quiz.week), time(), zone))
    closes = (quiz.closes_at.replace(tzinfo=UTC).astimezone(zone) if quiz.closes_at
              else datetime.combine(training_class.end_date + timedelta(days=1), time(), zone))
    return opens, closes


def calendar(name: str, sessions: Iterable[ClassSession], host: str,
             exams: Iterable[tuple[Quiz, TrainingClass]] = ()) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = utcnow().replace(microsecond=0)
    for session in sessions:
        event = Event()
        event.add("uid", session_uid(session, host))
        event.add("dtstamp", stamp)
        event.add("last-modified", session.updated_at.replace(microsecond=0))
        event.add("sequence", session.sequence)
        event.add("dtstart", session.start)
        event.add("dtend", session.end)
        event.add("summary", f"{session.training_class.name}{': ' + session.topic if session.topic else ''}")
        if session.place:
            event.add("location", session.place)
        if session.online_url:
            event.add("url", session.online_url)
        details = [f"Course {session.training_class.course.code}"]
        if session.instructor:
            details.append(f"Instructor: {session.instructor.full_name}")
        if session.online_url:
            details.append(f"Join online: {session.online_url}")
        event.add("description", "\n".join(details))
        event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
        cal.add_component(event)
    for quiz, training_class in exams:
        opens, closes = exam_window(quiz, training_class)
        if closes <= opens:
            continue
        event = Event()
        event.add("uid", f"exam-{quiz.id}-class-{training_class.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", opens)
        event.add("dtend", closes)
        event.add("summary", f"Exam window: {quiz.title} ({training_class.name})")
        event.add("transp", "TRANSPARENT")  # a window, not a meeting: the time stays free
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
