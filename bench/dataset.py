"""The program-scale data set, at a given scale (1.0: 1,000 agencies, 10,000 officers, 200 classes).

The course content is the real demo JEM Basic course (4 weeks, 34 lessons, 4 weekly exams and a
final), loaded through the ORM. Everything else is bulk-loaded rows:

- agencies with one agreement each, mostly active; one coordinator per agency; the largest agency
  holds 5% of the officers;
- classes: the largest (500 officers) ended three days ago; about 85% of the others are past,
  10% running (weeks 1 to 4), 5% upcoming;
- enrollments in every status, lesson progress, attempts with graded responses (essays graded by
  hand, a few awaiting grading), retakes, disqualifications and withdrawals;
- one certificate per completed enrollment, each with stored PDF bytes: one real WeasyPrint render,
  made distinct per certificate so its SHA-256 stays unique.

Attempts reuse a few precomputed answer sets per exam and outcome (pass, fail, awaiting grading),
scored by the question types' own `grade`, so scores, pass marks and statuses agree with the rules.
"""
from __future__ import annotations

import hashlib
import json
import random
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bench.sink import BulkWriter

SEED = 287
PASSWORD = "bench-287g-portal-password"
EMAIL_DOMAIN = "bench.example.gov"
COURSE_CODE = "287G-JEM-BASIC"
VARIANTS = 8  # answer sets per exam and outcome

FIRST = ["Jordan", "Tamika", "Minh", "Sean", "Rosa", "Derek", "Anita", "James", "Carlos", "Kelly", "Brian", "Erin",
         "Lauren", "Gabriel", "Hannah", "Maeve", "Nadia", "Wendell", "Lucía", "Patrick", "Grace", "Omar", "Priya", "Tomás"]
LAST = ["Reyes", "Baker", "Nguyen", "O'Connor", "Núñez", "Hughes", "Patel", "Williams", "Martinez", "Johnson", "Lee",
        "Thompson", "Murphy", "Kim", "Alvarez", "Price", "O'Brien", "Shah", "Foster", "Fernández", "Whitaker", "Okafor"]
STATES = ["NC", "TX", "FL", "GA", "AZ", "VA", "MD", "TN", "SC", "AL", "OK", "LA", "NV", "UT", "OH", "PA"]
KINDS = ["county", "county", "city", "state"]

# Columns written per table, parents first (the order rows are flushed in).
TABLES = {
    "agencies": ("id", "name", "kind", "state", "contact_name", "contact_email", "contact_phone", "created_at"),
    "agreements": ("id", "agency_id", "kind", "model", "status", "applied_on", "signed_on", "ends_on", "notes"),
    "users": ("id", "email", "first_name", "last_name", "role", "agency_id", "password_hash", "active", "created_at",
              "password_changed_at", "last_login_at", "failed_login_count"),
    "agreement_status_changes": ("id", "agreement_id", "from_status", "to_status", "effective_on", "comment",
                                 "actor_id", "actor_name", "recorded_at"),
    "nominations": ("id", "agency_id", "first_name", "last_name", "email", "badge_number", "rank", "years_experience",
                    "us_citizen", "background_check_date", "status", "source", "nominated_by_id", "nominated_at",
                    "background_check_verified_on", "decided_by_id", "decided_at", "decision_note"),
    "training_classes": ("id", "course_id", "name", "start_date", "capacity", "location", "created_at"),
    "class_instructors": ("class_id", "user_id"),
    "enrollments": ("id", "class_id", "officer_id", "status", "enrolled_at", "completed_at", "withdrawn_at"),
    "lesson_progress": ("id", "enrollment_id", "lesson_id", "completed_at"),
    "attempts": ("id", "quiz_id", "enrollment_id", "number", "is_retake", "status", "started_at", "deadline_at",
                 "submitted_at", "closed_by_deadline", "graded_at", "score", "max_score", "passed", "layout"),
    "responses": ("id", "attempt_id", "question_id", "position", "max_points", "answer", "saved_at", "auto_score",
                  "needs_grading", "manual_score", "feedback", "grader_id", "graded_at"),
    "grade_changes": ("id", "response_id", "grader_id", "old_score", "new_score", "reason", "at"),
    "certificate_serial_counters": ("year", "last_number"),
    "certificates": ("id", "serial", "code_sha256", "enrollment_id", "officer_id", "agency_id", "class_id", "course_id",
                     "officer_name", "agency_name", "course_title", "course_code", "hours", "instructor_name",
                     "issued_on", "expires_on", "created_at", "pdf", "pdf_sha256", "pdf_size", "pdf_crc32", "superseded_at",
                     "supersede_reason", "revoked_at", "revoked_by_id", "revocation_category", "revocation_reason"),
    "audit_events": ("id", "at", "actor_id", "actor_email", "action", "target_type", "target_id", "outcome",
                     "ip_address", "details"),
}


@dataclass
class Sizes:
    scale: float
    agencies: int = 0
    officers: int = 0
    classes: int = 0
    largest_class: int = 0
    largest_agency: int = 0
    instructors: int = 0

    def __post_init__(self):
        s = self.scale
        self.agencies = max(10, round(1000 * s))
        self.officers = max(100, round(10_000 * s))
        self.classes = max(10, round(200 * s))
        self.largest_class = max(10, round(500 * s))
        self.largest_agency = max(10, round(500 * s))
        self.instructors = max(3, round(50 * s))


def officer_email(number: int) -> str:
    return f"officer{number:05d}@{EMAIL_DOMAIN}"


def coordinator_email(agency_number: int) -> str:
    return f"coordinator{agency_number:04d}@{EMAIL_DOMAIN}"


def instructor_email(number: int) -> str:
    return f"instructor{number:03d}@{EMAIL_DOMAIN}"


ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"


def verification_code(serial: str) -> str:
    """The (never stored) verification code of a generated certificate, derived from its serial so
    the page benchmark can verify one."""
    from portal.certificates.codes import ALPHABET, LENGTH

    digest = hashlib.sha256(f"bench:{serial}".encode()).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:LENGTH])


def stamp(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour % 24, minute % 60))


# --- exams: precomputed answer sets ------------------------------------------------------------

@dataclass
class AnswerSet:
    """One way an attempt can go: its layout, responses and totals."""
    layout: str
    responses: list[tuple]  # (question_id, position, max_points, answer_json, auto_score, essay_score | None)
    max_score: float
    score: float | None  # None: an essay awaits grading
    passed: bool | None


@dataclass
class Exam:
    quiz_id: int
    title: str
    opens_day: int  # days after the class starts
    time_limit: int
    pass_mark: int
    has_essay: bool
    sets: dict[str, list[AnswerSet]] = field(default_factory=dict)


def build_exam_sets(course, rng: random.Random) -> list[Exam]:
    from portal.quizzes.services import attempts as attempt_service
    from portal.quizzes.services import rules

    exams = []
    for quiz in rules.course_quizzes(course.id):
        opens_day = 7 * (quiz.week - 1)
        exam = Exam(quiz.id, quiz.title, opens_day, quiz.time_limit_minutes or 60, quiz.pass_mark, False)
        wanted = {"pass": [], "fail": [], "pending": []}
        tries = 0
        while any(len(v) < VARIANTS for k, v in wanted.items() if k != "pending" or exam.has_essay) and tries < 2000:
            tries += 1
            questions = attempt_service.draw_questions(quiz, rng)
            layout = attempt_service.build_layout(quiz, list(questions), rng)
            by_id = {q.id: q for q in questions}
            outcome = rng.choice(["pass", "fail", "pending"])
            right_share = {"pass": 0.93, "fail": 0.35, "pending": 0.93}[outcome]
            responses, total, essay_pending = [], 0.0, False
            for position, entry in enumerate(layout, start=1):
                question = by_id[entry["question_id"]]
                right = rng.random() < right_share
                answer = question.type.model_answer(question, right)
                fraction = question.type.grade(question, answer)
                essay_score = None
                if fraction is None:
                    exam.has_essay = True
                    essay_pending = outcome == "pending"
                    essay_score = round(question.points * (0.8 if right else 0.2), 4)
                    total += essay_score
                    auto = None
                else:
                    auto = round(fraction * question.points, 4)
                    total += auto
                responses.append((question.id, position, question.points, json.dumps(answer), auto, essay_score))
            max_score = round(sum(r[2] for r in responses), 4)
            passed = max_score > 0 and 100 * total / max_score + 1e-9 >= quiz.pass_mark
            kind = "pending" if essay_pending else ("pass" if passed else "fail")
            if kind != outcome or len(wanted[kind]) >= VARIANTS:
                continue
            wanted[kind].append(AnswerSet(json.dumps(layout), responses, max_score,
                                          None if kind == "pending" else round(total, 4),
                                          None if kind == "pending" else passed))
        exam.sets = wanted
        exams.append(exam)
    return exams


# --- the generator ------------------------------------------------------------------------------

class Generator:
    def __init__(self, writer: BulkWriter, sizes: Sizes, course, lessons_by_week: dict[int, list[int]],
                 exams: list[Exam], password_hash: str, pdf: bytes, today: date, first_ids: dict[str, int]):
        self.w = writer
        self.sizes = sizes
        self.course = course
        self.lessons_by_week = lessons_by_week
        self.exams = exams
        self.password_hash = password_hash
        self.pdf = pdf
        self.today = today
        self.rng = random.Random(SEED)
        self.ids = dict(first_ids)  # the last id in use per table
        self.serials: dict[int, int] = {}

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def run(self) -> None:
        self.agencies_and_staff()
        self.officers()
        self.classes()
        self.enrollments()
        for year, last in sorted(self.serials.items()):
            self.w.add("certificate_serial_counters", year, last)
        self.w.finish()

    # agencies, agreements, coordinators, instructors, administrators, nominations
    def agencies_and_staff(self) -> None:
        s, now = self.sizes, stamp(self.today - timedelta(days=600))
        self.admin_id = self.user(ADMIN_EMAIL, "Dana", "Whitfield", "admin", None)
        self.user(f"admin2@{EMAIL_DOMAIN}", "Ray", "Castillo", "admin", None)
        self.instructor_ids, self.instructor_names = [], {}
        for n in range(s.instructors):
            first, last = FIRST[n % len(FIRST)], LAST[(n * 7) % len(LAST)]
            instructor_id = self.user(instructor_email(n), first, last, "instructor", None)
            self.instructor_ids.append(instructor_id)
            self.instructor_names[instructor_id] = f"{first} {last}"
        self.agency_names: dict[int, str] = {}
        self.active_agencies: list[int] = []
        statuses = {7: "suspended", 17: "expired", 27: "under_review", 37: "applied", 47: "terminated"}
        for number in range(s.agencies):
            agency_id = self.next_id("agencies")
            state = STATES[number % len(STATES)]
            kind = ["County Sheriff", "City Police", "State Patrol", "County Jail"][number % 4]
            name = f"{'Largest ' if number == 0 else ''}{LAST[number % len(LAST)]} {kind} Office No. {number:04d}"
            self.agency_names[agency_id] = name
            self.w.add("agencies", agency_id, name, KINDS[number % 4], state, "Training Coordinator",
                       f"training{number}@{EMAIL_DOMAIN}", "555-0100", now)
            status = statuses.get(number % 50, "active") if number else "active"
            signed = None if status in ("applied", "under_review") else self.today - timedelta(
                days=(1100 if status == "expired" else 30) + (number * 37) % 900)
            applied = (signed or self.today) - timedelta(days=90)
            agreement_id = self.next_id("agreements")
            self.w.add("agreements", agreement_id, agency_id, "MOA", "JEM" if number % 3 else "TFM", status, applied, signed,
                       signed + timedelta(days=3 * 365) if signed else None, "")
            self.w.add("agreement_status_changes", self.next_id("agreement_status_changes"), agreement_id, None, "applied",
                       applied, "Application received by the program office.", None, "Program office", stamp(applied))
            if status != "applied":
                effective = signed or self.today - timedelta(days=10)
                self.w.add("agreement_status_changes", self.next_id("agreement_status_changes"), agreement_id, "applied",
                           status, effective, "Status recorded.", None, "Program office", stamp(effective))
            coordinator = self.user(coordinator_email(number), FIRST[(number + 3) % len(FIRST)],
                                    LAST[(number + 5) % len(LAST)], "coordinator", agency_id)
            if status == "active":
                self.active_agencies.append(agency_id)
                if number % 5 == 0:
                    self.nominations(agency_id, coordinator, number)

    def nominations(self, agency_id: int, coordinator: int, number: int) -> None:
        for k in range(3):
            status = ["nominated", "approved", "rejected"][k]
            decided = status != "nominated"
            self.w.add("nominations", self.next_id("nominations"), agency_id, FIRST[k], LAST[(number + k) % len(LAST)],
                       f"nominee{number:04d}.{k}@{EMAIL_DOMAIN}", f"B-{number:04d}{k}", "Deputy", 2.5 + k, True,
                       self.today - timedelta(days=20), status, "form", coordinator, stamp(self.today - timedelta(days=15)),
                       self.today - timedelta(days=10) if decided else None, self.admin_id if decided else None,
                       stamp(self.today - timedelta(days=10)) if decided else None, "")

    def user(self, email: str, first: str, last: str, role: str, agency_id: int | None) -> int:
        user_id = self.next_id("users")
        created = stamp(self.today - timedelta(days=700))
        self.w.add("users", user_id, email, first, last, role, agency_id, self.password_hash, True, created, created, None, 0)
        return user_id

    def officers(self) -> None:
        s = self.sizes
        self.officer_ids: list[int] = []
        self.officer_agency: dict[int, int] = {}
        self.officer_names: dict[int, str] = {}
        others = self.active_agencies[1:]
        for number in range(s.officers):
            agency_id = self.active_agencies[0] if number < s.largest_agency else others[number % len(others)]
            first, last = FIRST[number % len(FIRST)], LAST[(number // len(FIRST)) % len(LAST)]
            officer_id = self.user(officer_email(number), first, last, "officer", agency_id)
            self.officer_ids.append(officer_id)
            self.officer_agency[officer_id] = agency_id
            self.officer_names[officer_id] = f"{first} {last}"

    # classes: (id, start date, kind, officer ids, instructor ids)
    def classes(self) -> None:
        s, rng = self.sizes, self.rng
        enrolled = list(self.officer_ids)
        rng.shuffle(enrolled)
        enrolled = enrolled[: int(len(enrolled) * 0.98)]  # 2% nominated officers wait for a class
        largest, rest = enrolled[: s.largest_class], enrolled[s.largest_class:]
        others = s.classes - 1
        running = max(2, round(others * 0.10))
        upcoming = max(1, round(others * 0.05))
        past = others - running - upcoming
        self.class_plan = []
        kinds = ["past"] * past + ["running"] * running + ["upcoming"] * upcoming
        lead = self.instructor_ids[0]
        created = stamp(self.today - timedelta(days=520))
        self.class_plan.append(self.add_class("JEM Basic — the largest cohort", self.today - timedelta(days=31), "past",
                                              largest, [lead, self.instructor_ids[1]], created))
        for index, kind in enumerate(kinds):
            members = rest[index::others]
            if kind == "past":
                start = self.today - timedelta(days=35 + (index * 470) // max(1, past))
            elif kind == "running":
                start = self.today - timedelta(days=1 + (index - past) * 26 // max(1, running - 1))
            else:
                start = self.today + timedelta(days=7 + (index - past - running) * 10)
            teacher = lead if kind == "running" or index % 10 == 0 else self.instructor_ids[1 + index % (s.instructors - 1)]
            state = STATES[index % len(STATES)]
            self.class_plan.append(self.add_class(f"JEM Basic — {state} cohort {index + 1:03d}", start, kind, members,
                                                  [teacher], created))

    def add_class(self, name, start, kind, members, instructors, created):
        class_id = self.next_id("training_classes")
        self.w.add("training_classes", class_id, self.course.id, name, start, max(len(members), 24),
                   "Regional training academy", created)
        for instructor in instructors:
            self.w.add("class_instructors", class_id, instructor)
        return class_id, start, kind, members, instructors

    def enrollments(self) -> None:
        for index, (class_id, start, kind, members, instructors) in enumerate(self.class_plan):
            elapsed = (self.today - start).days
            for officer_id in members:
                self.enroll(class_id, start, kind, elapsed, officer_id, instructors[0], largest=index == 0)

    def enroll(self, class_id, start, kind, elapsed, officer_id, grader, largest) -> None:
        rng = self.rng
        self.w.flush_if_full()
        enrollment_id = self.next_id("enrollments")
        enrolled_at = stamp(start - timedelta(days=14))
        if kind == "upcoming":
            self.w.add("enrollments", enrollment_id, class_id, officer_id, "enrolled", enrolled_at, None, None)
            return
        open_exams = [e for e in self.exams if e.opens_day <= elapsed]
        to_take = list(open_exams)
        if kind == "running" and to_take and rng.random() < 0.4:
            to_take.pop()  # the newest exam is open and not taken yet
        withdraw = rng.random() < 0.015
        if withdraw:
            to_take = to_take[: rng.randint(0, len(to_take))]
        status, passed_all, retake_used = "in_progress", True, False
        for position, exam in enumerate(to_take):
            last = position == len(to_take) - 1
            taken = start + timedelta(days=min(exam.opens_day + 5, max(exam.opens_day, elapsed - 1)))
            pending_ok = exam.has_essay and last and (kind == "running" or largest)
            roll = rng.random()
            if pending_ok and roll < 0.08:
                self.attempt(exam, enrollment_id, 1, False, "pending", taken, grader)
                passed_all = False
                break
            if roll < 0.95:
                self.attempt(exam, enrollment_id, 1, False, "pass", taken, grader)
                continue
            self.attempt(exam, enrollment_id, 1, False, "fail", taken, grader)
            passed_all = False
            if retake_used:
                status = "disqualified"
                break
            if kind == "running" and last and rng.random() < 0.5:
                status = "remediation"  # the retake is still to come
                break
            retake_used = True
            if rng.random() < 0.10:
                self.attempt(exam, enrollment_id, 2, True, "fail", taken + timedelta(days=1), grader)
                status = "disqualified"
                break
            self.attempt(exam, enrollment_id, 2, True, "pass", taken + timedelta(days=1), grader)
            passed_all = True
        lessons_done = self.lesson_progress(enrollment_id, start, elapsed, kind, status, withdraw)
        completed_at = withdrawn_at = None
        if withdraw and status != "disqualified":
            status, withdrawn_at = "withdrawn", stamp(start + timedelta(days=min(elapsed, 10)))
        elif status == "in_progress" and kind == "past" and passed_all and len(to_take) == len(self.exams):
            status = "completed"
            end = start + timedelta(days=7 * self.course.weeks - 1)
            completed_at = stamp(end, 16)
        elif status == "in_progress" and not to_take and not lessons_done:
            status = "enrolled"
        self.w.add("enrollments", enrollment_id, class_id, officer_id, status, enrolled_at, completed_at, withdrawn_at)
        if status == "completed":
            self.certificate(enrollment_id, class_id, officer_id, completed_at.date(), grader)

    def lesson_progress(self, enrollment_id, start, elapsed, kind, status, withdraw) -> int:
        weeks_open = min(self.course.weeks, elapsed // 7 + 1)
        done = 0
        for week in range(1, weeks_open + 1):
            lessons = self.lessons_by_week[week]
            if week == weeks_open and kind == "running" or withdraw or status == "disqualified":
                lessons = lessons[: self.rng.randint(0, len(lessons))]
            for lesson_id in lessons:
                self.w.add("lesson_progress", self.next_id("lesson_progress"), enrollment_id, lesson_id,
                           stamp(start + timedelta(days=7 * (week - 1) + 1), 10 + done % 8))
                done += 1
        return done

    def attempt(self, exam: Exam, enrollment_id: int, number: int, retake: bool, outcome: str, day: date, grader: int):
        answers = self.rng.choice(exam.sets[outcome])
        attempt_id = self.next_id("attempts")
        started = stamp(day, 9 + number, self.rng.randint(0, 59))
        submitted = started + timedelta(minutes=25)
        graded = submitted + timedelta(hours=20) if any(r[5] is not None for r in answers.responses) else submitted
        status = "pending_grading" if outcome == "pending" else "graded"
        self.w.add("attempts", attempt_id, exam.quiz_id, enrollment_id, number, retake, status, started,
                   started + timedelta(minutes=exam.time_limit), submitted, False,
                   None if outcome == "pending" else graded, answers.score, answers.max_score, answers.passed, answers.layout)
        for question_id, position, max_points, answer, auto, essay in answers.responses:
            response_id = self.next_id("responses")
            essay_graded = essay is not None and outcome != "pending"
            self.w.add("responses", response_id, attempt_id, question_id, position, max_points, answer,
                       started + timedelta(minutes=position), auto, essay is not None,
                       essay if essay_graded else None,
                       (("Clear and grounded in the MOA." if essay > max_points / 2
                         else "Cite the limits of delegated authority.") if essay_graded else ""),
                       grader if essay_graded else None, graded if essay_graded else None)
            if essay_graded:
                self.w.add("grade_changes", self.next_id("grade_changes"), response_id, grader, None, essay, "", graded)
        self.w.add("audit_events", self.next_id("audit_events"), submitted, None, "", "attempt_submitted", "attempt",
                   str(attempt_id), "success", "127.0.0.1", json.dumps({"quiz_id": exam.quiz_id, "enrollment_id": enrollment_id}))

    def certificate(self, enrollment_id, class_id, officer_id, issued_on: date, instructor_id) -> None:
        certificate_id = self.next_id("certificates")
        year = issued_on.year
        self.serials[year] = self.serials.get(year, 0) + 1
        serial = f"287G-{year}-{self.serials[year]:06d}"
        pdf = self.pdf + f"\n% bench certificate {serial}\n".encode()
        agency_id = self.officer_agency[officer_id]
        revoked = certificate_id % 97 == 0
        self.w.add("certificates", certificate_id, serial, hashlib.sha256(verification_code(serial).encode()).hexdigest(),
                   enrollment_id, officer_id, agency_id, class_id, self.course.id, self.officer_names[officer_id],
                   self.agency_names[agency_id], self.course.title, self.course.code, self.course.hours,
                   self.instructor_names[instructor_id], issued_on,
                   issued_on + timedelta(days=self.course.certificate_validity_days),
                   stamp(issued_on, 17), pdf, hashlib.sha256(pdf).hexdigest(), len(pdf), zlib.crc32(pdf), None, "",
                   stamp(issued_on + timedelta(days=30)) if revoked else None, self.admin_id if revoked else None,
                   "left_agency" if revoked else None, "Officer left the agency." if revoked else "")
        self.w.add("audit_events", self.next_id("audit_events"), stamp(issued_on, 17), None, "", "certificate_issued",
                   "certificate", str(certificate_id), "success", "127.0.0.1", json.dumps({"serial": serial}))
