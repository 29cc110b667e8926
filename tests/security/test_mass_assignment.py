"""Item 8: extra fields posted to any form (role, agency_id, score, is_admin, password_hash, active,
...) change nothing they should not.

Every POST rule of the URL map is sent, by every home identity allowed to use it, the form its page
shows (with that form's own values, so edit forms are valid and really save) plus the extra fields
the form does not have. Then no pre-existing row may have a changed privileged column, and no new
row may carry an injected value."""
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal.auth.roles import Role
from portal.extensions import db
from tests.security.support import HOME_IDENTITIES, allowed, build, form_for, post_rules

# Columns an attacker would like to set through a form that does not offer them. A pre-existing
# row may never see these change through a form that does not show them with its own values...
STRICT_COLUMNS = {
    "role", "agency_id", "is_admin", "password_hash", "active", "totp_secret", "locked_until",
    "failed_login_count", "officer_id", "user_id",
}
# ...and these (which legitimately move with the workflow) may never take the injected value.
WORKFLOW_COLUMNS = {"status", "score", "manual_score", "auto_score", "passed", "points", "grade"}
PRIVILEGED_COLUMNS = STRICT_COLUMNS | WORKFLOW_COLUMNS
INJECTED_HASH = "pbkdf2:sha256:1$injected$0000"
INJECTED_SCORE = 987654


def injected_fields(other_agency_id: int, present: set[str]) -> dict:
    extras = {
        "role": "admin", "agency_id": str(other_agency_id), "score": str(INJECTED_SCORE),
        "manual_score": str(INJECTED_SCORE), "is_admin": "y", "password_hash": INJECTED_HASH,
        "active": "n", "totp_secret": "JBSWY3DPEHPK3PXP", "locked_until": "", "officer_id": "1",
        "user_id": "1", "status": "completed", "passed": "y", "id": "1",
    }
    return {k: v for k, v in extras.items() if k not in present}


def privileged_snapshot() -> dict:
    snapshot = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name in PRIVILEGED_COLUMNS]
        if not columns or table.name == "audit_events":
            continue
        pk = list(table.primary_key.columns)
        for row in db.session.execute(sa.select(*pk, *columns)).all():
            key = (table.name, tuple(row[: len(pk)]))
            snapshot[key] = dict(zip([c.name for c in columns], row[len(pk):], strict=True))
    return snapshot


def injected_values_in(row: dict, sent: dict, other_agency_id: int) -> list[str]:
    found = []
    if "agency_id" in sent and row.get("agency_id") == other_agency_id:
        found.append("agency_id")
    if row.get("password_hash") == INJECTED_HASH:
        found.append("password_hash")
    if "totp_secret" in sent and row.get("totp_secret") == "JBSWY3DPEHPK3PXP":
        found.append("totp_secret")
    for name in ("score", "manual_score"):
        if row.get(name) == INJECTED_SCORE:
            found.append(name)
    if "role" in sent and str(row.get("role")) == "admin":
        found.append("role")
    return found


def test_extra_fields_posted_to_every_form_change_nothing(app, ids):
    other_agency_id = ids.other_agency.id
    problems = []
    tried = saved = 0
    for rule in post_rules(app):
        if rule.endpoint == "auth.logout":
            continue
        url = build(rule, ids.values)
        for identity in HOME_IDENTITIES:
            if not allowed(app, rule, identity):
                continue
            client = ids.client(identity, fresh=True)
            form = form_for(client.get(url).data, url) if "GET" in rule.methods else None
            fields = list(form.fields) if form else []
            present = (form.names if form else set()) | {name for name, _ in fields}
            extras = injected_fields(other_agency_id, present)
            before = privileged_snapshot()
            response = client.post(url, data=MultiDict(fields + list(extras.items())))
            tried += 1
            saved += response.status_code == 302
            after = privileged_snapshot()
            where = f"{identity} POST {rule.rule} ({response.status_code})"
            if response.status_code >= 500:
                problems.append(f"{where}: server error")
            for key, row in after.items():
                if key not in before:
                    if bad := injected_values_in(row, extras, other_agency_id):
                        problems.append(f"{where}: new {key[0]} row carries injected {bad}")
                elif row != before[key]:
                    changed = {k: (before[key][k], v) for k, v in row.items() if before[key][k] != v}
                    bad = {k: c for k, c in changed.items()
                           if k in STRICT_COLUMNS or (k in extras and str(c[1]) in (extras[k], str(INJECTED_SCORE)))}
                    if bad:
                        problems.append(f"{where}: {key} changed {bad}")
    assert problems == []
    assert tried >= 15 and saved >= 5  # real saves happened, so the extras met a working form


def test_officer_cannot_promote_themselves_through_the_password_form(ids):
    officer = ids.users[Role.OFFICER]
    client = ids.client(Role.OFFICER)
    new = "a long unusual passphrase"
    response = client.post("/account/password", data={
        "current_password": "correct horse battery staple", "new_password": new, "confirm": new,
        "role": "admin", "agency_id": ids.other_agency.id, "is_admin": "1", "active": "1",
        "password_hash": INJECTED_HASH})
    assert response.status_code == 302, response.data.decode()[-3000:]
    db.session.refresh(officer)
    assert officer.role == Role.OFFICER and officer.agency_id != ids.other_agency.id
    assert officer.password_hash != INJECTED_HASH


def test_a_new_user_gets_only_what_the_form_says(ids):
    admin = ids.client(Role.ADMIN)
    response = admin.post("/admin/users/new", data={
        "email": "new.officer@example.com", "first_name": "New", "last_name": "Officer",
        "role": "officer", "agency_id": ids.users[Role.OFFICER].agency_id, "active": "y",
        "password_hash": INJECTED_HASH, "is_admin": "1", "totp_secret": "JBSWY3DPEHPK3PXP",
        "locked_until": "2999-01-01", "id": "999"})
    assert response.status_code == 302
    from portal.auth.models import User

    user = db.session.scalar(sa.select(User).where(User.email == "new.officer@example.com"))
    assert user.role == Role.OFFICER and user.password_hash is None and user.totp_secret is None
    assert user.locked_until is None and user.id != 999


def test_completing_a_lesson_ignores_a_posted_score_or_status(app, ids):
    from portal.classes.models import Enrollment, EnrollmentStatus

    values = ids.values
    client = ids.client(Role.OFFICER)
    response = client.post(f"/classes/{values['class_id']}/lessons/{values['lesson_id']}/complete",
                           data={"status": "completed", "score": "100", "enrollment_id": "1", "officer_id": "1"})
    assert response.status_code == 302
    enrollment = db.session.get(Enrollment, values["enrollment_id"])
    assert enrollment.status == EnrollmentStatus.IN_PROGRESS
