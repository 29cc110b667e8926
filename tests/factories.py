"""Small builders for test data. They add to the session and flush; they never commit."""
import itertools
from datetime import date, timedelta
from typing import TYPE_CHECKING

from werkzeug.security import generate_password_hash

from portal.agencies.models import Agency, AgencyKind, Agreement, AgreementModel, AgreementStatus
from portal.auth.models import User
from portal.auth.roles import Role
from portal.classes.models import Enrollment, EnrollmentStatus, TrainingClass
from portal.courses.models import Course, Lesson, Module
from portal.extensions import db
from portal.nominations.models import Nomination, NominationStatus
from portal.timeutil import today

if TYPE_CHECKING:
    from portal.quizzes.models import Attempt, Question, Quiz

PASSWORD = "correct horse battery staple"
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_seq = itertools.count(1)


def agency(name=None, status=AgreementStatus.ACTIVE, model=AgreementModel.JEM, state="NC") -> Agency:
    n = next(_seq)
    agency = Agency(name=name or f"Test County Sheriff's Office {n}", kind=AgencyKind.COUNTY, state=state)
    if status is not None:
        signed = today() - timedelta(days=30) if status not in (AgreementStatus.APPLIED, AgreementStatus.UNDER_REVIEW) else None
        agency.agreements.append(
            Agreement(model=model, status=status, applied_on=today() - timedelta(days=120), signed_on=signed,
                      ends_on=signed + timedelta(days=3 * 365) if signed else None)
        )
    db.session.add(agency)
    db.session.flush()
    return agency


def user(role=Role.OFFICER, agency=None, email=None, first="Pat", last=None, active=True, password=True) -> User:
    n = next(_seq)
    if agency is None and role in (Role.OFFICER, Role.COORDINATOR):
        agency = globals()["agency"]()
    user = User(
        email=email or f"{role.value}{n}@example.test", first_name=first, last_name=last or f"Tester{n}",
        role=role, agency=agency, active=active, password_hash=_HASH if password else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def course(weeks=2, modules_per_week=2, lessons_per_module=2, code=None) -> Course:
    n = next(_seq)
    course = Course(code=code or f"TEST-{n}", title=f"Test course {n}", weeks=weeks, hours=8 * weeks)
    for week in range(1, weeks + 1):
        for m in range(1, modules_per_week + 1):
            module = Module(week=week, position=m, title=f"Week {week} module {m}")
            for index in range(1, lessons_per_module + 1):
                module.lessons.append(
                    Lesson(position=index, title=f"W{week}M{m} lesson {index}", body_markdown=f"Lesson {index} text.", minutes=10)
                )
            course.modules.append(module)
    db.session.add(course)
    db.session.flush()
    return course


def training_class(course=None, start=None, instructors=(), capacity=30) -> TrainingClass:
    course = course or globals()["course"]()
    # In UTC, so that weeks open on the dates today() and days_ago() give at any hour; the time-zone
    # tests choose real zones.
    tc = TrainingClass(course=course, name=f"Class of {course.code}", start_date=start or today(),
                       capacity=capacity, instructors=list(instructors), time_zone="UTC")
    db.session.add(tc)
    db.session.flush()
    return tc


def enrollment(officer=None, training_class=None, status=EnrollmentStatus.ENROLLED) -> Enrollment:
    officer = officer or user(Role.OFFICER)
    training_class = training_class or globals()["training_class"]()
    enrollment = Enrollment(officer=officer, training_class=training_class, status=status)
    db.session.add(enrollment)
    db.session.flush()
    return enrollment


def certificate(enrollment=None, issued_on=None):
    """A certificate issued through the real service (renders a real PDF) for a completed enrollment.
    The returned object's `issued_code` holds the verification code in clear."""
    from portal.certificates.services import issue
    from portal.timeutil import utcnow

    enrollment = enrollment or globals()["enrollment"]()
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = enrollment.completed_at or utcnow()
    db.session.flush()
    return issue(enrollment, issued_on=issued_on)


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


def nomination(agency=None, email=None, first="Ana", last=None, years=5.0, citizen=True, checked=None,
               status=NominationStatus.NOMINATED) -> Nomination:
    n = next(_seq)
    nomination = Nomination(
        agency=agency or globals()["agency"](), first_name=first, last_name=last or f"Nominee{n}",
        email=email or f"nominee{n}@example.test", years_experience=years, us_citizen=citizen,
        background_check_date=checked or today() - timedelta(days=30), status=status,
    )
    db.session.add(nomination)
    db.session.flush()
    return nomination


# --- quizzes -------------------------------------------------------------------------------------

def question(course, kind="single_choice", lines="100 | Right | Well done\n0 | Wrong | No", category=None, points=1.0,
             name=None, general_feedback="") -> "Question":
    from portal.quizzes.models import Question
    from portal.quizzes.services.banks import ensure_category
    from portal.quizzes.types import REGISTRY

    n = next(_seq)
    q = Question(course_id=course.id, category=category or ensure_category(course, "Test"), kind=kind,
                 name=name or f"{kind} {n}", text=f"Question {n}?", points=points, general_feedback=general_feedback,
                 data=REGISTRY[kind].data_from_lines(lines))
    db.session.add(q)
    db.session.flush()
    return q


def quiz(course, questions=(), module=None, **settings) -> "Quiz":
    from portal.quizzes.models import Quiz, QuizSlot

    n = next(_seq)
    settings.setdefault("shuffle_choices", False)
    q = Quiz(course_id=course.id, module=module, title=settings.pop("title", f"Exam {n}"), **settings)
    for position, question_ in enumerate(questions, start=1):
        q.slots.append(QuizSlot(position=position, question=question_))
    db.session.add(q)
    db.session.flush()
    return q


def attempt(quiz, enrollment, outcome=True, number=1, answers=()) -> "Attempt":
    """An attempt row as grading leaves it. outcome: True/False graded (passed or not), None pending
    grading, "open" in progress. answers: (question, score) pairs; a score of None is an essay
    waiting for a grade."""
    from portal.quizzes.models import Attempt, AttemptStatus, Response
    from portal.timeutil import utcnow

    status = {None: AttemptStatus.PENDING_GRADING, "open": AttemptStatus.IN_PROGRESS}.get(outcome, AttemptStatus.GRADED)
    graded = status == AttemptStatus.GRADED
    row = Attempt(quiz=quiz, enrollment=enrollment, number=number, is_retake=number > 1, status=status,
                  submitted_at=None if outcome == "open" else utcnow(), graded_at=utcnow() if graded else None,
                  score=(1.0 if outcome else 0.0) if graded else None, max_score=1.0,
                  passed=outcome if graded else None)
    for position, (question_, score) in enumerate(answers, start=1):
        row.responses.append(Response(question=question_, position=position, max_points=question_.points,
                                      answer={"text": "An answer."}, auto_score=score, needs_grading=score is None))
    db.session.add(row)
    db.session.flush()
    return row


def certificate_record(enrollment, issued_on=None, valid_days=365):
    """A certificate row without rendering a PDF (a few stand-in bytes), for lists and counts; use
    `certificate` when the document itself matters. `issued_code` holds the verification code."""
    import hashlib
    import zlib

    from portal.certificates import codes
    from portal.certificates.models import Certificate

    n = next(_seq)
    issued_on = issued_on or today()
    officer, training_class = enrollment.officer, enrollment.training_class
    code = codes.new_code()
    pdf = f"%PDF-stand-in {n}".encode()
    row = Certificate(
        serial=f"287G-TEST-{n:06d}", code_sha256=codes.code_hash(code), enrollment_id=enrollment.id,
        officer_id=officer.id, agency_id=officer.agency_id, class_id=training_class.id,
        course_id=training_class.course_id, officer_name=officer.full_name,
        agency_name=officer.agency.name if officer.agency else "", course_title=training_class.course.title,
        course_code=training_class.course.code, hours=training_class.course.hours, instructor_name="Test Instructor",
        issued_on=issued_on, expires_on=issued_on + timedelta(days=valid_days),
        pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest(), pdf_size=len(pdf), pdf_crc32=zlib.crc32(pdf),
    )
    db.session.add(row)
    db.session.flush()
    row.issued_code = code
    return row


def lesson_done(enrollment, lesson):
    from portal.progress.models import LessonProgress

    db.session.add(LessonProgress(enrollment_id=enrollment.id, lesson_id=lesson.id))
    db.session.flush()
