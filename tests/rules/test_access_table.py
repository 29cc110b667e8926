"""Who may use each sensitive endpoint, written down by hand from the program's roles (the
answer the declarations are judged against, not read from them): the access matrix proves that
enforcement matches each view's declaration; this proves the declarations are the right ones."""
import pytest

from portal.access import PUBLIC, access_rule
from portal.auth.roles import Role

ADMIN, INSTRUCTOR, COORDINATOR, OFFICER = Role.ADMIN, Role.INSTRUCTOR, Role.COORDINATOR, Role.OFFICER
STAFF_WHO_GRADE = {ADMIN, INSTRUCTOR}

EXPECTED = {
    # Grading: instructors (their classes) and administrators; never officers or coordinators.
    "grading.queue": STAFF_WHO_GRADE,
    "grading.grade": STAFF_WHO_GRADE,
    "grading.grade_attempt": STAFF_WHO_GRADE,
    "grading.grade_question": STAFF_WHO_GRADE,
    "grading.gradebook": STAFF_WHO_GRADE,
    "grading.gradebook_export": STAFF_WHO_GRADE,
    "grading.grant_retake": STAFF_WHO_GRADE,
    "grading.statistics": STAFF_WHO_GRADE,
    "grading.statistics_export": STAFF_WHO_GRADE,
    "grading.teaching_exams": STAFF_WHO_GRADE,
    "grading.agency_grades": {COORDINATOR},  # their agency's officers' grades, read only
    # Certificates: the officer's own, the agency's for its coordinator, all for administrators;
    # instructors teach but do not hand out certificates.
    "certificates.mine": {OFFICER},
    "certificates.download": {OFFICER, COORDINATOR, ADMIN},
    "certificates.credential_download": {OFFICER, COORDINATOR, ADMIN},  # the same certificate, as a credential
    "certificates.agency_certificates": {COORDINATOR},
    "certificates.agency_zip": {COORDINATOR, ADMIN},
    "certificates.class_zip": {COORDINATOR, ADMIN},
    "certificates.admin_list": {ADMIN},
    "certificates.admin_show": {ADMIN},
    "certificates.admin_revoke": {ADMIN},
    "certificates.admin_reissue": {ADMIN},
    "certificates.verify": PUBLIC,  # the public checks a certificate by code or QR
    "certificates.verify_code": PUBLIC,
    "certificates.verify_credential": PUBLIC,
    "certificates.verify_code_credential": PUBLIC,
    "certificates.credential_status_list": PUBLIC,  # verifiers read revocations without an account
    "certificates.jwks": PUBLIC,  # the public keys credentials are checked with
    # Agency data: the coordinator of the agency; administrators run agencies and agreements.
    "agencies.coordinator_home": {COORDINATOR},
    "nominations.coordinator_list": {COORDINATOR},
    "nominations.coordinator_new": {COORDINATOR},
    "nominations.coordinator_import": {COORDINATOR},
    "nominations.roster_template": {COORDINATOR, ADMIN},
    "reports.agency_csv": {COORDINATOR},
    "agencies.admin_list": {ADMIN},
    "agencies.admin_show": {ADMIN},
    "agencies.admin_new": {ADMIN},
    "agencies.admin_edit": {ADMIN},
    "agencies.admin_new_agreement": {ADMIN},
    "agencies.admin_edit_agreement": {ADMIN},
    "agencies.admin_agreement_status": {ADMIN},
    "agencies.admin_applications": {ADMIN},
    "agencies.apply": PUBLIC,  # a new agency applies before it has any account
    "agencies.application_received": PUBLIC,
    "nominations.admin_list": {ADMIN},
    "nominations.admin_show": {ADMIN},
    "nominations.admin_import": {ADMIN},
    "nominations.admin_bulk": {ADMIN},
    # Administration: program administrators only.
    "admin.home": {ADMIN},
    "admin.users": {ADMIN},
    "admin.user_new": {ADMIN},
    "admin.user_show": {ADMIN},
    "admin.user_edit": {ADMIN},
    "admin.user_password_link": {ADMIN},
    "admin.user_reset_two_factor": {ADMIN},
    "audit.events": {ADMIN},
    "audit.export": {ADMIN},
    "reports.program": {ADMIN},
    "reports.program_csv": {ADMIN},
    "classes.admin_list": {ADMIN},
    "classes.admin_show": {ADMIN},
    "classes.admin_new": {ADMIN},
    "classes.admin_edit": {ADMIN},
    "classes.admin_move": {ADMIN},
    "classes.admin_withdraw": {ADMIN},
    "courses.admin_list": {ADMIN},
    "courses.admin_show": {ADMIN},
    "courses.admin_new": {ADMIN},
    "courses.admin_edit": {ADMIN},
    "courses.admin_new_module": {ADMIN},
    "courses.admin_edit_module": {ADMIN},
    "courses.admin_new_lesson": {ADMIN},
    "courses.admin_edit_lesson": {ADMIN},
    # The officer's training record: the officer, the agency's coordinator, the officer's
    # instructors and administrators (records.services.visible_officer narrows each to whom).
    "records.mine": {OFFICER},
    "records.show": {OFFICER, INSTRUCTOR, COORDINATOR, ADMIN},
    "records.show_csv": {OFFICER, INSTRUCTOR, COORDINATOR, ADMIN},
    # API tokens: a coordinator their agency's, an administrator the program's. The API itself is
    # public to the session rule: its Bearer token decides (portal/api/views.py).
    "api_pages.agency_tokens": {COORDINATOR},
    "api_pages.agency_revoke": {COORDINATOR},
    "api_pages.admin_tokens": {ADMIN},
    "api_pages.admin_revoke": {ADMIN},
    "api_pages.openapi": PUBLIC,
    "api_pages.docs": PUBLIC,
    **{f"api.{name}": PUBLIC for name in ("officers", "enrollments", "nominations", "certificates", "certificate",
                                          "certificate_pdf", "classes", "agencies", "applications", "figures", "verify")},
    # Attendance: instructors (the classes they teach) and administrators take it; the schedule is
    # the administrator's; a coordinator reads their agency's officers' hours; calendar feeds are
    # read by calendar apps without a session, at a secret address.
    "attendance.admin_schedule": {ADMIN},
    "attendance.admin_session_edit": {ADMIN},
    "attendance.admin_session_cancel": {ADMIN},
    "attendance.admin_holidays": {ADMIN},
    "attendance.admin_holiday_delete": {ADMIN},
    "attendance.class_attendance": STAFF_WHO_GRADE,
    "attendance.take": STAFF_WHO_GRADE,
    "attendance.class_csv": STAFF_WHO_GRADE,
    "attendance.renew_class_feed": STAFF_WHO_GRADE,
    "attendance.renew_my_feed": {OFFICER},
    "attendance.agency_attendance": {COORDINATOR},
    "attendance.officer_feed": PUBLIC,
    "attendance.class_feed": PUBLIC,
}

# Every endpoint of these blueprints must be in the table, so that a new sensitive view gets an
# answer written by hand too.
SENSITIVE_BLUEPRINTS = ("grading", "certificates", "agencies", "nominations", "admin", "audit", "reports", "records",
                        "api", "api_pages", "attendance")


def declared(app, endpoint):
    with app.app_context():
        rule = access_rule(endpoint)
    return rule if rule == PUBLIC or rule is None else set(rule)


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_sensitive_endpoint_is_declared_for_exactly_the_roles_the_program_allows(app, endpoint):
    assert endpoint in app.view_functions, f"{endpoint} is gone: update the table"
    assert declared(app, endpoint) == EXPECTED[endpoint]


def test_every_endpoint_of_a_sensitive_feature_has_a_hand_written_answer(app):
    unlisted = sorted(e for e in app.view_functions
                      if e.split(".")[0] in SENSITIVE_BLUEPRINTS and not e.endswith("static") and e not in EXPECTED)
    assert unlisted == [], "add these to EXPECTED with the roles the program allows"


def test_everything_under_admin_is_for_administrators_only(app):
    admin_endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin/")}
    assert admin_endpoints and all(declared(app, e) == {ADMIN} for e in admin_endpoints)
