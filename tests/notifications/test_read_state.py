"""Notifications link to what they are about, show an unread count in the header, and can be
marked read (one, or all), by their reader only."""
import re

import pytest
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.notifications.messages import notify_grading_done
from portal.notifications.models import OutboxMessage
from portal.notifications.services import queue
from portal.timeutil import utcnow


def header_count(page: str) -> int:
    found = re.search(r'<span class="usa-tag portal-count">(\d+)<span class="usa-sr-only"> unread</span>', page)
    return int(found.group(1)) if found else 0


@pytest.fixture
def officer(make, login):
    officer = make.user(Role.OFFICER, first="Rosa")
    login(officer)
    return officer


@pytest.mark.parametrize("unread", [0, 1, 2])
def test_the_header_counts_unread_notifications(client, officer, unread):
    for n in range(unread):
        queue("test", officer, f"Message {n}", "Body")
    read = queue("test", officer, "Already read", "Body")
    read.read_at = utcnow()
    db.session.flush()
    assert header_count(client.get("/notifications").get_data(as_text=True)) == unread


def test_marking_one_read_changes_that_one_only(client, officer, make):
    first = queue("test", officer, "First", "Body")
    queue("test", officer, "Second", "Body")
    someone_elses = queue("test", make.user(Role.OFFICER), "Theirs", "Body")
    db.session.flush()
    response = client.post("/notifications/read", data={"message": first.id})
    assert response.status_code == 302
    client.post("/notifications/read", data={"message": someone_elses.id})  # not theirs: nothing happens
    states = dict(db.session.execute(sa.select(OutboxMessage.subject, OutboxMessage.read_at)).all())
    assert states["First"] is not None and states["Second"] is None and states["Theirs"] is None
    assert header_count(client.get("/notifications").get_data(as_text=True)) == 1


def test_marking_all_read(client, officer):
    for n in range(3):
        queue("test", officer, f"Message {n}", "Body")
    db.session.flush()
    page = client.post("/notifications/read", follow_redirects=True).get_data(as_text=True)
    assert "3 notifications marked read." in page and header_count(page) == 0
    assert "Mark all as read" not in page


@pytest.mark.parametrize("value", ["abc", "²", "9" * 30])
def test_a_message_value_that_is_no_id_changes_nothing(client, officer, value):
    queue("test", officer, "Kept unread", "Body")
    db.session.flush()
    assert client.post("/notifications/read", data={"message": value}).status_code == 302
    assert db.session.scalar(sa.select(OutboxMessage.read_at)) is None


def test_a_graded_exam_links_to_its_result_and_a_certificate_to_my_certificates(client, officer):
    notify_grading_done(officer, attempt_id=41, quiz_title="Week 1 exam", percent=80, passed=True)
    queue("certificate", officer, "Certificate issued", "Body")
    db.session.flush()
    page = client.get("/notifications").get_data(as_text=True)
    assert '<a href="/attempts/41/result">Go to the page' in page
    assert '<a href="/certificates/mine">Go to the page' in page


def test_mark_read_needs_the_csrf_token(app, client, officer):
    queue("test", officer, "Kept unread", "Body")
    db.session.flush()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client.post("/notifications/read")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalar(sa.select(OutboxMessage.read_at)) is None


def test_the_header_count_comes_with_the_session_and_follows_the_request(app, make):
    """The session lookup reads the count with the user (no statement of its own); a request that
    queues or marks messages afterwards counts again."""
    from flask_login import login_user
    from sqlalchemy import event

    from portal.auth import sessions
    from portal.notifications.services import mark_read, unread_count

    reader, other = make.user(Role.OFFICER), make.user(Role.OFFICER)
    queue("test", reader, "One", "Body")
    queue("test", reader, "Two", "Body")
    queue("test", other, "Not the reader's", "Body")
    token = sessions.open_session(reader)
    db.session.commit()
    counted = []

    def record(_conn, _cursor, statement, *_args):
        counted.append("outbox_messages" in statement)

    with app.test_request_context("/"):
        login_user(sessions.resolve(token))
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert unread_count(reader) == 2 and sum(counted) == 0
            assert unread_count(other) == 1 and sum(counted) == 1  # not the signed-in user: counted
            queue("test", reader, "Three", "Body")
            assert unread_count(reader) == 3
            mark_read(reader)
            assert unread_count(reader) == 0
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
