"""The item analysis and the audit log as CSV (written by portal.csv_export, like every CSV): the
same figures and filters as their pages, numbers kept as numbers (a negative discrimination index
stays -100, not text), and the same access rules."""
import json
from datetime import datetime

import pytest

from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from tests.reports.test_dashboards import rows_of


@pytest.fixture
def analysed(make):
    """An exam taken by four officers: the first question is a fair one, the second's key is wrong
    (the officers who did best overall got it "wrong")."""
    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
    instructor = make.user(Role.INSTRUCTOR)
    training_class = make.training_class(course, start=make.days_ago(5), instructors=[instructor])
    fair, wrong_key = make.question(course), make.question(course)
    fair.name, wrong_key.name = "Detainers", "-Warrants"
    quiz = make.quiz(course, [fair, wrong_key], module=course.modules[0])
    for passed, (first, second) in [(True, (1.0, 0.0)), (True, (1.0, 0.0)), (False, (0.0, 1.0)), (False, (0.0, 1.0))]:
        enrollment = make.enrollment(training_class=training_class)
        make.attempt(quiz, enrollment, passed, answers=[(fair, first), (wrong_key, second)])
    return instructor, quiz


def test_the_item_analysis_downloads_with_its_figures_as_numbers(client, login, analysed):
    instructor, quiz = analysed
    login(instructor)
    page = client.get(f"/teach/quizzes/{quiz.id}/statistics").get_data(as_text=True)
    assert f'href="/teach/quizzes/{quiz.id}/statistics.csv"' in page
    assert rows_of(client.get(f"/teach/quizzes/{quiz.id}/statistics.csv")) == [
        ["Question", "Type", "Answers", "Facility (%)", "Discrimination index"],
        ["'-Warrants", "Single choice", "4", "50.0", "-100.0"],
        ["Detainers", "Single choice", "4", "50.0", ""],  # no variation in the rest of the exam
    ]


def test_the_item_analysis_csv_follows_the_pages_access_rule(client, login, make, analysed):
    _instructor, quiz = analysed
    login(make.user(Role.INSTRUCTOR))  # teaches none of the exam's classes
    assert client.get(f"/teach/quizzes/{quiz.id}/statistics.csv").status_code == 404
    client.post("/logout")
    login(make.user(Role.COORDINATOR))
    assert client.get(f"/teach/quizzes/{quiz.id}/statistics.csv").status_code == 403


@pytest.fixture
def audited(make):
    admin = make.user(Role.ADMIN, email="alice.admin@example.gov")
    for at, email, action, details in [
        (datetime(2026, 1, 5, 10), "alice.admin@example.gov", "agreement_saved", {"comment": "=1+1"}),
        (datetime(2026, 2, 1, 9, 30), "-bob@example.gov", "roster_imported", {"count": 3, "filename": "roster.csv"}),
    ]:
        db.session.add(AuditEvent(at=at, actor_email=email, action=action, target_type="Agency", target_id="12",
                                  details=details))
    db.session.flush()
    return admin


def test_the_audit_log_downloads_the_filtered_events(client, login, audited):
    login(audited)
    page = client.get("/admin/audit/?action=roster_imported").get_data(as_text=True)
    assert 'href="/admin/audit/events.csv?action=roster_imported"' in page
    rows = rows_of(client.get("/admin/audit/events.csv?action=roster_imported"))
    assert rows == [["When (UTC)", "Actor", "Action", "Target type", "Target id", "Outcome", "From", "Details"],
                    ["2026-02-01 09:30:00", "'-bob@example.gov", "roster_imported", "Agency", "12", "success", "",
                     json.dumps({"count": 3, "filename": "roster.csv"})]]
    everything = rows_of(client.get("/admin/audit/events.csv"))
    assert [r[2] for r in everything if r[2] in ("agreement_saved", "roster_imported")] == ["roster_imported", "agreement_saved"]
    assert client.get("/admin/audit/events.csv?date_from=2026-02-02&date_to=2026-02-01").status_code == 400


def test_only_administrators_download_the_audit_log(client, login, make):
    login(make.user(Role.COORDINATOR))
    assert client.get("/admin/audit/events.csv").status_code == 403
