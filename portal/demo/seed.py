"""The demo data set: a realistic JEM Basic course, agencies in every agreement state, a running
class and accounts for every role. Dates are relative to the day it is loaded."""
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from portal.agencies.models import Agency, AgencyKind, Agreement, AgreementKind, AgreementModel, AgreementStatus, state_time_zone
from portal.agencies.services import log_status, submit_application, three_years_after
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.auth.roles import Role
from portal.classes.models import Enrollment, EnrollmentStatus, TrainingClass
from portal.courses.models import Course, Lesson, Module
from portal.extensions import db
from portal.nominations.models import Nomination
from portal.progress.models import LessonProgress
from portal.timeutil import today

CONTENT = Path(__file__).parent / "content"
DEMO_PASSWORD = "demo-287g-portal"
MECKLENBURG = "Mecklenburg County Sheriff's Office"

# name, kind, state, model, status, signed (days ago; None for agreements not signed yet), kind of agreement
AGENCIES = [
    (MECKLENBURG, AgencyKind.COUNTY, "NC", AgreementModel.JEM, AgreementStatus.ACTIVE, 400, AgreementKind.MOA),
    ("Harris County Sheriff's Office", AgencyKind.COUNTY, "TX", AgreementModel.JEM, AgreementStatus.ACTIVE, 900,
     AgreementKind.MOA),
    ("Florida Highway Patrol", AgencyKind.STATE, "FL", AgreementModel.TFM, AgreementStatus.ACTIVE, 200, AgreementKind.MOA),
    ("Frederick County Sheriff's Office", AgencyKind.COUNTY, "MD", AgreementModel.WSO, AgreementStatus.SUSPENDED, 700,
     AgreementKind.MOA),
    ("Cobb County Sheriff's Office", AgencyKind.COUNTY, "GA", AgreementModel.JEM, AgreementStatus.UNDER_REVIEW, None,
     AgreementKind.MOA),
    ("City of Mesa Police Department", AgencyKind.CITY, "AZ", AgreementModel.TFM, AgreementStatus.APPLIED, None,
     AgreementKind.MOA),
    ("Town of Herndon Police Department", AgencyKind.CITY, "VA", AgreementModel.TFM, AgreementStatus.TERMINATED, 1500,
     AgreementKind.MOU),
]

HISTORY_COMMENTS = {
    AgreementStatus.UNDER_REVIEW: "Documents complete; review by the ICE field office scheduled.",
    AgreementStatus.ACTIVE: "Agreement signed by both parties.",
    AgreementStatus.SUSPENDED: "Signed; later suspended pending a compliance review.",
    AgreementStatus.TERMINATED: "Signed; terminated at the agency's request.",
}

# Officers the Mecklenburg coordinator has nominated, waiting for the program office's decision.
NOMINEES = [
    ("Lucía", "Fernández", "l.fernandez@example.com", "MC-2231", "Deputy", 4.0, 20),
    ("Patrick", "O'Malley", "p.omalley@example.com", "MC-1874", "Sergeant", 11.0, 35),
    ("Grace", "Whitaker", "g.whitaker@example.com", "MC-2410", "Detention Officer", 2.5, 12),
]

STAFF = [
    ("admin@example.com", "Dana", "Whitfield", Role.ADMIN, None),
    ("instructor@example.com", "Marcus", "Ortega", Role.INSTRUCTOR, None),
    ("instructor2@example.com", "Alicia", "Brennan", Role.INSTRUCTOR, None),
    ("coordinator@example.com", "Karen", "Holloway", Role.COORDINATOR, MECKLENBURG),
    ("coordinator.harris@example.com", "Luis", "Garza", Role.COORDINATOR, "Harris County Sheriff's Office"),
]

# email, first, last, agency, lessons completed in the running class (None: not enrolled)
OFFICERS = [
    ("officer@example.com", "Jordan", "Reyes", MECKLENBURG, 3),
    ("t.baker@example.com", "Tamika", "Baker", MECKLENBURG, 7),
    ("m.nguyen@example.com", "Minh", "Nguyen", MECKLENBURG, 1),
    ("s.oconnor@example.com", "Sean", "O'Connor", MECKLENBURG, 0),
    ("r.nunez@example.com", "Rosa", "Núñez", MECKLENBURG, None),
    ("d.hughes@example.com", "Derek", "Hughes", "Harris County Sheriff's Office", 5),
    ("a.patel@example.com", "Anita", "Patel", "Harris County Sheriff's Office", 2),
    ("j.williams@example.com", "James", "Williams", "Harris County Sheriff's Office", 8),
    ("c.martinez@example.com", "Carlos", "Martinez", "Harris County Sheriff's Office", None),
    ("k.johnson@example.com", "Kelly", "Johnson", "Florida Highway Patrol", 8),
    ("b.lee@example.com", "Brian", "Lee", "Florida Highway Patrol", 8),
    ("e.thompson@example.com", "Erin", "Thompson", "Florida Highway Patrol", None),
    ("p.murphy@example.com", "Patrick", "Murphy", "Frederick County Sheriff's Office", None),
    ("l.kim@example.com", "Lauren", "Kim", "Cobb County Sheriff's Office", None),
    ("g.alvarez@example.com", "Gabriel", "Alvarez", MECKLENBURG, None),
    ("h.price@example.com", "Hannah", "Price", MECKLENBURG, None),
    ("m.obrien@example.com", "Maeve", "O'Brien", MECKLENBURG, None),
    ("n.shah@example.com", "Nadia", "Shah", "Harris County Sheriff's Office", None),
    ("w.foster@example.com", "Wendell", "Foster", "Florida Highway Patrol", None),
]

# Certificates from past classes: (email, class start in days ago, revoke?). With a 365-day
# validity and a 4-week course, these give valid, expiring-soon, expired and revoked examples.
PAST_CLASSES = [
    ("JEM Basic — Charlotte, NC (spring cohort)", 420, "instructor@example.com"),
    ("JEM Basic — Houston, TX (summer cohort)", 320, "instructor2@example.com"),
    ("JEM Basic — Charlotte, NC (autumn cohort)", 150, "instructor@example.com"),
]
CERTIFIED = [
    # email, past class index, revocation (category, reason) or None
    ("h.price@example.com", 0, None),            # expired about two months ago
    ("w.foster@example.com", 0, None),           # expired
    ("g.alvarez@example.com", 1, None),          # expires within 90 days
    ("n.shah@example.com", 1, None),             # expires within 90 days
    ("m.obrien@example.com", 2, None),           # valid
    ("p.murphy@example.com", 2, ("agreement_ended", "Frederick County agreement suspended pending review.")),
]


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def load_courses() -> dict[str, Course]:
    courses = {}
    for spec in json.loads((CONTENT / "courses.json").read_text(encoding="utf-8")):
        course = Course(
            code=spec["code"], title=spec["title"], description=spec.get("description", ""),
            agreement_model=spec.get("agreement_model"), weeks=spec["weeks"], hours=spec["hours"],
            pass_mark=spec.get("pass_mark", 70),
            certificate_validity_days=spec.get("certificate_validity_days", 365),
            refresher_interval_months=spec.get("refresher_interval_months"),
            is_refresher=spec.get("is_refresher", False),
        )
        positions: dict[int, int] = {}
        for module_spec in spec["modules"]:
            positions[module_spec["week"]] = positions.get(module_spec["week"], 0) + 1
            module = Module(week=module_spec["week"], position=positions[module_spec["week"]],
                            title=module_spec["title"], summary=module_spec.get("summary", ""))
            for index, lesson_spec in enumerate(module_spec["lessons"], start=1):
                body = (CONTENT / lesson_spec["file"]).read_text(encoding="utf-8")
                module.lessons.append(Lesson(position=index, title=lesson_spec["title"],
                                             minutes=lesson_spec.get("minutes", 30), body_markdown=body))
            course.modules.append(module)
        db.session.add(course)
        courses[course.code] = course
    return courses


def load_agencies(on: date, office: User) -> dict[str, Agency]:
    """The demo agencies; the program office (`office`) made every status move after the application."""
    agencies = {}
    for name, kind, state, model, status, signed_days_ago, doc in AGENCIES:
        agency = Agency(name=name, kind=kind, state=state, time_zone=state_time_zone(state), contact_name="Training Coordinator",
                        contact_email=f"training@{state.lower()}-agency.example.gov", contact_phone="555-0100")
        signed = on - timedelta(days=signed_days_ago) if signed_days_ago else None
        agreement = Agreement(
            kind=doc, model=model, status=status,
            applied_on=(signed or on) - timedelta(days=90), signed_on=signed,
            ends_on=three_years_after(signed) if signed else None,
        )
        agency.agreements.append(agreement)
        log_status(agreement, None, AgreementStatus.APPLIED, effective_on=agreement.applied_on,
                   comment="Application received by the program office.")
        if status != AgreementStatus.APPLIED:
            log_status(agreement, AgreementStatus.APPLIED, status, effective_on=signed or on - timedelta(days=10),
                       comment=HISTORY_COMMENTS.get(status, "Status recorded."), actor=office)
        db.session.add(agency)
        agencies[name] = agency
    return agencies


def make_user(email, first, last, role, agency, password_hash) -> User:
    user = User(email=email, first_name=first, last_name=last, role=role, agency=agency, password_hash=password_hash)
    db.session.add(user)
    return user


def seed(on: date | None = None) -> dict:
    on = on or today()
    courses = load_courses()
    password_hash = hash_password(DEMO_PASSWORD)  # one hash shared by the demo accounts: fast to load
    # Staff without an agency first: the administrator decided the agreements' status moves.
    staff = {email: make_user(email, first, last, role, None, password_hash)
             for email, first, last, role, agency in STAFF if agency is None}
    db.session.flush()
    agencies = load_agencies(on, office=staff["admin@example.com"])
    staff |= {email: make_user(email, first, last, role, agencies[agency], password_hash)
              for email, first, last, role, agency in STAFF if agency is not None}
    basic = courses["287G-JEM-BASIC"]
    running = TrainingClass(course=basic, name="JEM Basic — Charlotte, NC", start_date=on - timedelta(days=3),
                            capacity=24, location="Mecklenburg County Detention Center, training room B",
                            instructors=[staff["instructor@example.com"]])
    refresher = next((c for c in courses.values() if c.is_refresher), None)
    upcoming = []
    if refresher is not None:
        upcoming.append(TrainingClass(course=refresher, name="Refresher — Houston, TX", start_date=on + timedelta(days=30),
                                      capacity=30, location="Online, instructor-led", time_zone="America/Chicago",
                                      instructors=[staff["instructor2@example.com"]]))
    upcoming.append(TrainingClass(course=basic, name="JEM Basic — Houston, TX", start_date=on + timedelta(days=45),
                                  capacity=30, location="Harris County Academy", time_zone="America/Chicago",
                                  instructors=[staff["instructor2@example.com"], staff["instructor@example.com"]]))
    db.session.add_all([running, *upcoming])
    week_one = [lesson for m in basic.modules if m.week == 1 for lesson in m.lessons]
    for email, first, last, agency_name, done in OFFICERS:
        officer = make_user(email, first, last, Role.OFFICER, agencies[agency_name], password_hash)
        if done is None:
            continue
        enrollment = Enrollment(training_class=running, officer=officer,
                                status=EnrollmentStatus.IN_PROGRESS if done else EnrollmentStatus.ENROLLED)
        db.session.add(enrollment)
        db.session.flush()
        for lesson in week_one[:done]:
            db.session.add(LessonProgress(enrollment_id=enrollment.id, lesson_id=lesson.id))
    coordinator = staff["coordinator@example.com"]
    for first, last, email, badge, rank, years, checked_days_ago in NOMINEES:
        db.session.add(Nomination(agency=agencies[MECKLENBURG], first_name=first, last_name=last, email=email,
                                  badge_number=badge, rank=rank, years_experience=years, us_citizen=True,
                                  background_check_date=on - timedelta(days=checked_days_ago),
                                  nominated_by_id=None, source="form"))
    db.session.flush()
    for nomination in db.session.scalars(sa.select(Nomination)):
        nomination.nominated_by_id = coordinator.id
    submit_application(name="Collier County Sheriff's Office", kind=AgencyKind.COUNTY, state="FL",
                       model=AgreementModel.JEM, contact_name="Capt. María Ibáñez",
                       contact_email="m.ibanez@collier.example.gov", contact_phone="555-0142",
                       comment="County jail of 1,200 beds; 6 officers to train in the first class.")
    db.session.flush()
    from portal.attendance.demo import seed_attendance
    from portal.quizzes.demo import seed_quizzes

    seed_attendance(running, on, staff["instructor@example.com"])
    seed_quizzes(basic, running, on)
    verify_urls = seed_certificates(basic, staff, on)
    return {"courses": len(courses), "agencies": len(agencies), "users": len(STAFF) + len(OFFICERS),
            "certificates": certificate_count(), "verify_urls": verify_urls}


def certificate_count() -> int:
    from portal.certificates.models import Certificate

    return db.session.scalars(sa.select(sa.func.count()).select_from(Certificate)).one()


def seed_certificates(course: Course, staff: dict, on: date) -> list[str]:
    """Completed enrollments in past classes, certified through the real service (backdated).
    Returns the certificates' verification URLs, valid ones first."""
    from portal.certificates.models import CertificateStatus, RevocationReason
    from portal.certificates.services import issue, revoke, verify_url

    classes = []
    for name, started_days_ago, instructor in PAST_CLASSES:
        tc = TrainingClass(course=course, name=name, start_date=on - timedelta(days=started_days_ago),
                           capacity=24, location="Regional training academy", instructors=[staff[instructor]])
        db.session.add(tc)
        classes.append(tc)
    db.session.flush()
    officers = {u.email: u for u in db.session.scalars(sa.select(User).where(User.role == Role.OFFICER))}
    lessons = course.ordered_lessons()
    issued = []
    for email, index, revocation in CERTIFIED:
        tc = classes[index]
        finished = tc.end_date
        enrollment = Enrollment(training_class=tc, officer=officers[email], status=EnrollmentStatus.COMPLETED,
                                completed_at=datetime.combine(finished, time(16, 0)))
        db.session.add(enrollment)
        db.session.flush()
        db.session.add_all(LessonProgress(enrollment_id=enrollment.id, lesson_id=lesson.id) for lesson in lessons)
        certificate = issue(enrollment, issued_on=finished)
        if revocation:
            revoke(certificate, RevocationReason(revocation[0]), revocation[1], actor=staff["admin@example.com"])
        issued.append(certificate)
    # The demo prints where to try the public verification page.
    issued.sort(key=lambda c: c.status != CertificateStatus.VALID)
    urls = []
    for certificate in issued:
        assert certificate.issued_code is not None  # known right after issue()
        urls.append(verify_url(certificate.issued_code))
    db.session.flush()
    return urls


def demo_logins() -> list[tuple[str, str]]:
    return [(email, role.label) for email, _f, _l, role, _a in STAFF] + [("officer@example.com", Role.OFFICER.label)]
