"""Nominations: one by one or as a roster CSV (all or nothing), then approval into an account.

Functions change objects and record audit events; the view or CLI command commits."""
from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import NoReturn

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from portal import csv_export
from portal.agencies.models import Agency
from portal.audit.services import record
from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.form_fields import unprintable_character
from portal.nominations import eligibility
from portal.nominations.models import Nomination, NominationStatus
from portal.timeutil import utcnow

COLUMNS = ("first_name", "last_name", "email", "badge_number", "rank", "years_experience", "us_citizen",
           "background_check_date")
TEMPLATE_EXAMPLE = ("Rosa", "Núñez", "rosa.nunez@example.gov", "4471", "Deputy", "6", "yes", "2026-01-15")
DEFAULT_MAX_BYTES = 512 * 1024
MAX_ROWS = 2000
TRUE_WORDS = {"yes", "y", "true", "1"}
FALSE_WORDS = {"no", "n", "false", "0"}
LIMITS = {"first_name": 80, "last_name": 80, "email": 254, "badge_number": 40, "rank": 60}


class NominationError(ValueError):
    """A nomination that cannot be saved: `problems` are (column, reason) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{c}: {r}" for c, r in problems))
        self.problems = problems


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: the whole file
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"Line {self.line}" if self.line else "File"
        return f"{where}{', column ' + self.column if self.column else ''}: {self.reason}"


class RosterError(ValueError):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


@dataclass
class NomineeFacts:
    first_name: str
    last_name: str
    email: str
    years_experience: float
    us_citizen: bool
    background_check_date: date | None
    badge_number: str = ""
    rank: str = ""


@dataclass
class ParsedRow:
    line: int
    facts: NomineeFacts | None
    errors: list[RowError] = field(default_factory=list)


# --- rules shared by the form and the CSV --------------------------------------------------------

def clean_text(value: str) -> str:
    """NFC-normalised, trimmed, inner whitespace collapsed (accents and apostrophes kept)."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def email_conflicts(agency: Agency, emails: list[str]) -> dict[str, str]:
    """Why each of these (lower-case) emails cannot be nominated for `agency`, for those that cannot:
    an account or an open nomination of the same agency. Two queries, however many emails.

    Accounts and nominations of other agencies are not looked at: saying "already exists" would
    tell a coordinator about another agency. Such a nomination is accepted, and the program
    administrator sees the conflict when reviewing it (`review_conflicts`)."""
    if not emails:
        return {}
    conflicts = {}
    for email, status in db.session.execute(
        sa.select(sa.func.lower(Nomination.email), Nomination.status).where(
            Nomination.agency_id == agency.id, Nomination.status != NominationStatus.REJECTED,
            sa.func.lower(Nomination.email).in_(emails))
    ):
        conflicts[email] = f"this officer is already nominated ({status.label.lower()})"
    for email in db.session.scalars(sa.select(sa.func.lower(User.email)).where(
            User.agency_id == agency.id, sa.func.lower(User.email).in_(emails))):
        conflicts[email] = "an account with this email already exists in your agency"
    return conflicts


def review_conflicts(nomination: Nomination) -> list[str]:
    """For the program administrator: accounts and other open nominations, in any agency, that
    share this nomination's email."""
    email = nomination.email.lower()
    found = []
    account = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
    if account is not None and account.id != nomination.user_id:
        where = account.agency.name if account.agency is not None else "no agency"
        found.append(f"An account with this email already exists: {account.full_name}, "
                     f"{account.role.label}, {where}.")
    for other in db.session.scalars(
        sa.select(Nomination).where(sa.func.lower(Nomination.email) == email, Nomination.id != nomination.id,
                                    Nomination.status != NominationStatus.REJECTED)
        .order_by(Nomination.nominated_at)
    ):
        found.append(f"{other.full_name} is also nominated by {other.agency.name} "
                     f"({other.status.label.lower()}, {other.nominated_at:%B %-d, %Y}).")
    return found


def with_conflicts(nominations: list[Nomination]) -> set[int]:
    """Which of these nominations (ids) share their email with an account other than their own or
    with another open nomination, in any agency: two queries for a page of them."""
    emails = list({n.email.lower() for n in nominations})
    if not emails:
        return set()
    accounts: dict[str, set[int]] = {}
    for email, user_id in db.session.execute(
            sa.select(sa.func.lower(User.email), User.id).where(sa.func.lower(User.email).in_(emails))):
        accounts.setdefault(email, set()).add(user_id)
    open_nominations: dict[str, set[int]] = {}
    for email, nomination_id in db.session.execute(
            sa.select(sa.func.lower(Nomination.email), Nomination.id).where(
                sa.func.lower(Nomination.email).in_(emails), Nomination.status != NominationStatus.REJECTED)):
        open_nominations.setdefault(email, set()).add(nomination_id)
    return {n.id for n in nominations
            if accounts.get(n.email.lower(), set()) - {n.user_id} or open_nominations.get(n.email.lower(), set()) - {n.id}}


def fact_problems(facts: NomineeFacts) -> list[tuple[str, str]]:
    """Eligibility problems of the facts themselves (no database lookup)."""
    return [
        (finding.column, finding.text)
        for finding in eligibility.problems(us_citizen=facts.us_citizen, years_experience=facts.years_experience,
                                            background_check_date=facts.background_check_date)
    ]


def nominate(agency: Agency, facts: NomineeFacts, *, source: str = "form", actor: User | None = None) -> Nomination:
    problems = fact_problems(facts)
    if (reason := email_conflicts(agency, [facts.email]).get(facts.email)) is not None:
        problems.insert(0, ("email", reason))
    if problems:
        raise NominationError(problems)
    nomination = Nomination(agency=agency, source=source, nominated_by_id=getattr(actor, "id", None), **asdict(facts))
    db.session.add(nomination)
    db.session.flush()
    record("officer_nominated", nomination, actor=actor, agency_id=agency.id, source=source)
    return nomination


# --- the roster CSV ----------------------------------------------------------------------------

def template_csv() -> bytes:
    return csv_export.document(COLUMNS, [TEMPLATE_EXAMPLE])


def max_bytes() -> int:
    return int(current_app.config.get("ROSTER_CSV_MAX_BYTES", DEFAULT_MAX_BYTES))


def decode(data: bytes, filename: str | None) -> str:
    """The file's text, or a RosterError saying plainly why it cannot be read."""
    def fail(reason: str) -> NoReturn:
        raise RosterError([RowError(None, "", reason)])

    limit = max_bytes()
    if filename is not None and not filename.lower().endswith(".csv"):
        fail(f"“{filename}” is not a CSV file. Download the template, fill it in and save it as CSV (UTF-8).")
    if len(data) > limit:
        fail(f"The file is larger than the limit of {limit // 1024} KB. Split the roster into several files.")
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        fail("The file is empty. Use the template: a header line, then one line per officer.")
    if data.startswith(b"PK") or b"\x00" in data:
        fail("The file is not CSV text (it looks like a spreadsheet or other binary file). "
             "In your spreadsheet program choose Save as → CSV UTF-8.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        fail(f"The file is not UTF-8 text (unreadable bytes on line {line}). "
             "Save it as “CSV UTF-8” so accented names are kept intact.")


def parse_bool(raw: str) -> bool | None:
    word = raw.strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def parse_date(raw: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(raw.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def parse_row(line: int, values: dict[str, str]) -> ParsedRow:
    row = ParsedRow(line, None)

    def error(column: str, reason: str) -> None:
        row.errors.append(RowError(line, column, reason))

    text = {name: clean_text(values.get(name, "")) for name in ("first_name", "last_name", "badge_number", "rank")}
    for name in text:
        if problem := unprintable_character((values.get(name) or "").strip()):
            error(name, problem)
    for name in ("first_name", "last_name"):
        if not text[name]:
            error(name, "is required")
    for name, limit in LIMITS.items():
        if name in text and len(text[name]) > limit:
            error(name, f"is longer than {limit} characters")
    raw_email = (values.get("email") or "").strip()
    email = ""
    if not raw_email:
        error("email", "is required")
    else:
        try:
            email = validate_email(raw_email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            error("email", f"“{raw_email[:60]}” is not a valid email address")
    years = None
    raw_years = (values.get("years_experience") or "").strip()
    try:
        years = float(raw_years)
        if not 0 <= years <= 60:
            raise ValueError
    except ValueError:
        error("years_experience", f"“{raw_years[:20]}” is not a number of years between 0 and 60 (e.g. 3 or 2.5)"
              if raw_years else "is required (a number of years, e.g. 3 or 2.5)")
        years = None
    citizen = parse_bool(values.get("us_citizen") or "")
    if citizen is None:
        error("us_citizen", "must be yes or no")
    checked = None
    raw_date = (values.get("background_check_date") or "").strip()
    if raw_date:
        try:
            checked = parse_date(raw_date)
        except ValueError:
            error("background_check_date", f"“{raw_date[:20]}” is not a date (use YYYY-MM-DD)")
            raw_date = "bad"
    if row.errors:
        # Still explain eligibility for the facts that could be read.
        if citizen is False:
            error("us_citizen", "must be a US citizen")
        if years is not None and years < eligibility.MIN_YEARS_EXPERIENCE:
            error(
                "years_experience",
                f"needs {eligibility.MIN_YEARS_EXPERIENCE} years of law-enforcement experience (has {years:g})",
            )
        return row
    assert years is not None and citizen is not None  # read without errors
    row.facts = NomineeFacts(first_name=text["first_name"], last_name=text["last_name"], email=email,
                             badge_number=text["badge_number"], rank=text["rank"], years_experience=years,
                             us_citizen=citizen, background_check_date=checked)
    return row


def parse_roster(agency: Agency, data: bytes, filename: str | None = None) -> list[ParsedRow]:
    """Every row read and checked for `agency`; raises RosterError listing every problem of the file."""
    text = decode(data, filename)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise RosterError([RowError(1, "", "The first line must be the header: " + ",".join(COLUMNS))]) from None
    names = [h.strip().lower() for h in header]
    if len(names) == 1 and ";" in names[0]:
        raise RosterError([RowError(1, "", "Columns are separated by semicolons; separate them by commas (save as CSV UTF-8).")])
    missing = [c for c in COLUMNS if c not in names]
    unknown = [n for n in names if n not in COLUMNS]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if missing or unknown or duplicated:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(missing))
        if unknown:
            parts.append("unknown column(s) " + ", ".join(n or "(empty)" for n in unknown))
        if duplicated:
            parts.append("repeated column(s) " + ", ".join(duplicated))
        raise RosterError([RowError(1, "", "The header is not right: " + "; ".join(parts)
                                    + ". It must be: " + ",".join(COLUMNS))])
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank line
            if len(values) != len(names):
                errors.append(RowError(line, "", f"has {len(values)} values; expected {len(names)}"))
                continue
            rows.append(parse_row(line, dict(zip(names, values, strict=True))))
            if len(rows) > MAX_ROWS:
                raise RosterError([RowError(None, "", f"The file has more than {MAX_ROWS} officers; split it.")])
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "", f"is not valid CSV ({exc})"))
    if not rows and not errors:
        raise RosterError([RowError(None, "", "The file has a header but no officers. Add one line per officer.")])
    seen: dict[str, int] = {}
    conflicts = email_conflicts(agency, [row.facts.email for row in rows if row.facts is not None])
    for row in rows:
        errors.extend(row.errors)
        if row.facts is None:
            continue
        if row.facts.email in conflicts:
            errors.append(RowError(row.line, "email", conflicts[row.facts.email]))
        for column, reason in fact_problems(row.facts):
            errors.append(RowError(row.line, column, reason))
        first = seen.setdefault(row.facts.email, row.line)
        if first != row.line:
            errors.append(RowError(row.line, "email", f"the same email is already on line {first}"))
    if errors:
        raise RosterError(sorted(errors, key=lambda e: (e.line or 0, COLUMNS.index(e.column) if e.column in COLUMNS else -1)))
    return rows


def import_roster(agency: Agency, data: bytes, filename: str | None = None, *, source: str = "csv",
                  actor: User | None = None) -> int:
    """All the file's officers nominated, or (RosterError) none of them. Returns how many.

    One INSERT for the whole file (an executemany): the ORM would send one per row on SQLite,
    which cannot say in which order RETURNING gives the new ids."""
    rows = parse_roster(agency, data, filename)
    db.session.execute(sa.insert(Nomination), [
        {"agency_id": agency.id, "source": source, "nominated_by_id": getattr(actor, "id", None), **asdict(facts)}
        for row in rows if (facts := row.facts) is not None  # every row: parse_roster raised for any without facts
    ])
    record("roster_imported", agency, actor=actor, count=len(rows), source=source, filename=(filename or "")[:120])
    return len(rows)


# --- the administrator's decision ---------------------------------------------------------------

def emails_with_accounts(emails: Iterable[str]) -> set[str]:
    """Those of the (lower-case) addresses an account uses, in one query."""
    wanted = {email.lower() for email in emails}
    if not wanted:
        return set()
    return set(db.session.scalars(sa.select(sa.func.lower(User.email)).where(sa.func.lower(User.email).in_(wanted))))


def approval_problems(nomination: Nomination, taken_emails: set[str] | None = None) -> list[tuple[str, str]]:
    """Why `nomination` cannot be approved now (none: it can). `taken_emails`: the addresses that
    accounts use, when the caller looked them up for many nominations at once."""
    if nomination.status != NominationStatus.NOMINATED:
        return [("status", f"This nomination is already {nomination.status.label.lower()}.")]
    problems = [(f.column, f.text) for f in eligibility.problems(
        us_citizen=nomination.us_citizen, years_experience=nomination.years_experience,
        background_check_date=nomination.background_check_date)]
    if taken_emails is None:
        taken_emails = emails_with_accounts([nomination.email])
    if nomination.email.lower() in taken_emails:
        problems.append(("email", "an account with this email already exists in the portal"))
    return problems


def rejection_problems(nomination: Nomination) -> list[tuple[str, str]]:
    if nomination.status != NominationStatus.NOMINATED:
        return [("status", f"This nomination is already {nomination.status.label.lower()}.")]
    return []


def approve(nomination: Nomination, *, verified_on: date, note: str = "", actor: User | None = None) -> User:
    """Background check verified: the officer gets an account (no password yet) and an invitation."""
    from portal.notifications.messages import notify_invitation

    if problems := approval_problems(nomination):
        raise NominationError(problems)
    user = User(email=nomination.email.lower(), first_name=nomination.first_name, last_name=nomination.last_name,
                role=Role.OFFICER, agency=nomination.agency, password_hash=None, active=True)
    db.session.add(user)
    db.session.flush()
    nomination.user = user
    nomination.status = NominationStatus.APPROVED
    nomination.background_check_verified_on = verified_on
    decide(nomination, note, actor)
    record("nomination_approved", nomination, actor=actor, user_id=user.id, background_check_verified_on=verified_on.isoformat())
    notify_invitation(user)
    return user


def reject(nomination: Nomination, *, note: str, actor: User | None = None) -> None:
    if problems := rejection_problems(nomination):
        raise NominationError(problems)
    nomination.status = NominationStatus.REJECTED
    decide(nomination, note, actor)
    record("nomination_rejected", nomination, actor=actor, reason=note[:500])


def decide(nomination: Nomination, note: str, actor: User | None) -> None:
    nomination.decided_at = utcnow()
    nomination.decision_note = note.strip()
    if actor is not None:
        nomination.decided_by_id = actor.id


# --- decisions in bulk ----------------------------------------------------------------------------

@dataclass
class BulkOutcome:
    decided: list[Nomination] = field(default_factory=list)
    skipped: list[tuple[Nomination, str]] = field(default_factory=list)


def why_not(problems: list[tuple[str, str]]) -> str:
    return "; ".join(reason for _column, reason in problems)


def bulk_plan(nominations: list[Nomination], decision: str) -> list[tuple[Nomination, str]]:
    """What `decide_many` would do to each: ("" or why it would be skipped), changing nothing."""
    plan = []
    emails: set[str] = set()
    taken = emails_with_accounts(n.email for n in nominations) if decision == "approve" else set()
    for nomination in nominations:
        problems = approval_problems(nomination, taken) if decision == "approve" else rejection_problems(nomination)
        if decision == "approve" and not problems and nomination.email.lower() in emails:
            problems = [("email", "another chosen nomination with this email is approved first")]
        emails.add(nomination.email.lower())
        plan.append((nomination, why_not(problems)))
    return plan


def decide_many(nominations: list[Nomination], *, decision: str, verified_on: date | None, note: str,
                actor: User | None = None) -> BulkOutcome:
    """Each nomination approved or rejected through `approve` or `reject` (same checks, each audited
    on its own); one that cannot be is skipped with the reason, the others still decided."""
    outcome = BulkOutcome()
    for nomination in nominations:
        try:
            if decision == "approve":
                assert verified_on is not None  # BulkDecisionForm requires it to approve
                approve(nomination, verified_on=verified_on, note=note, actor=actor)
            else:
                reject(nomination, note=note, actor=actor)
        except NominationError as exc:
            outcome.skipped.append((nomination, why_not(exc.problems)))
        else:
            outcome.decided.append(nomination)
    return outcome
