"""The session lookup writes the last-seen time at most once a minute (TOUCH_EVERY_SECONDS), and
the idle timeout counts from that time: pinned on both sides of each boundary, through the client."""
from datetime import timedelta

import sqlalchemy as sa

from portal.auth.models import UserSession
from portal.auth.sessions import TOUCH_EVERY_SECONDS
from portal.extensions import db
from portal.timeutil import utcnow


def last_seen_ago(delta: timedelta):
    at = (utcnow() - delta).replace(microsecond=0)
    db.session.execute(sa.update(UserSession).values(last_seen_at=at))
    db.session.commit()
    return at


def recorded_last_seen():
    return db.session.scalar(sa.select(UserSession.last_seen_at))


def is_anonymous(response):
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_request_within_the_minute_writes_nothing(client, make, login):
    login(make.user())
    at = last_seen_ago(timedelta(seconds=TOUCH_EVERY_SECONDS - 2))
    assert client.get("/dashboard").status_code == 200
    assert recorded_last_seen() == at


def test_the_first_request_after_the_minute_records_the_time(client, make, login):
    login(make.user())
    at = last_seen_ago(timedelta(seconds=TOUCH_EVERY_SECONDS + 1))
    before = utcnow().replace(microsecond=0)
    assert client.get("/dashboard").status_code == 200
    assert recorded_last_seen() >= before > at


def test_the_idle_timeout_keeps_a_session_just_below_thirty_minutes(client, make, login):
    login(make.user())
    last_seen_ago(timedelta(minutes=30) - timedelta(seconds=3))
    assert client.get("/dashboard").status_code == 200
    # and that request counts as activity: the session lives on
    assert recorded_last_seen() > utcnow() - timedelta(minutes=1)


def test_the_idle_timeout_ends_a_session_just_above_thirty_minutes(client, make, login):
    login(make.user())
    last_seen_ago(timedelta(minutes=30, seconds=1))
    assert is_anonymous(client.get("/dashboard"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
