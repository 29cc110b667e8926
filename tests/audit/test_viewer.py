from datetime import datetime

import pytest

from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db


@pytest.fixture
def events(make):
    alice = make.user(Role.ADMIN, email="alice.admin@example.gov")
    bob = make.user(Role.COORDINATOR, email="bob.coord@example.gov")
    rows = [
        (datetime(2026, 1, 5, 10), alice, "agreement_saved", "Agreement", "7"),
        (datetime(2026, 1, 20, 23, 59), alice, "nomination_approved", "Nomination", "3"),
        (datetime(2026, 2, 1, 0, 0), bob, "officer_nominated", "Nomination", "3"),
        (datetime(2026, 2, 15, 8), bob, "roster_imported", "Agency", "12"),
    ]
    for at, actor, action, target_type, target_id in rows:
        db.session.add(AuditEvent(at=at, actor_id=actor.id, actor_email=actor.email, action=action,
                                  target_type=target_type, target_id=target_id, details={"note": f"{action} detail"}))
    db.session.flush()
    return alice


def shown(page: str) -> set[str]:
    names = {"agreement_saved", "nomination_approved", "officer_nominated", "roster_imported"}
    return {n for n in names if f"<td>{n}</td>" in page}


@pytest.mark.parametrize("query, expected", [
    ("", {"agreement_saved", "nomination_approved", "officer_nominated", "roster_imported"}),
    ("?actor=BOB.coord", {"officer_nominated", "roster_imported"}),
    ("?action=nomination_approved", {"nomination_approved"}),
    ("?target_type=Nomination", {"nomination_approved", "officer_nominated"}),
    ("?target_type=Nomination&target_id=3&actor=alice", {"nomination_approved"}),
    ("?date_from=2026-01-20&date_to=2026-01-31", {"nomination_approved"}),
    ("?date_from=2026-02-01", {"officer_nominated", "roster_imported"}),
    ("?date_to=2026-01-05", {"agreement_saved"}),
    ("?date_to=9999-12-31", {"agreement_saved", "nomination_approved", "officer_nominated", "roster_imported"}),
])
def test_filters(client, login, events, query, expected):
    login(events)
    page = client.get("/admin/audit/" + query).get_data(as_text=True)
    assert shown(page) == expected


@pytest.mark.parametrize("query, message", [
    ("?date_from=2026-02-01&date_to=2026-01-01", "The end date must not be before the start date."),
    ("?date_from=yesterday", "Not a valid date value."),
    ("?action=no_such_action", "Not a valid choice."),
])
def test_bad_filters_explain_and_show_nothing(client, login, events, query, message):
    login(events)
    response = client.get("/admin/audit/" + query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and shown(page) == set()


def test_paginated_newest_first_keeping_the_filters(client, login, make):
    admin = make.user(Role.ADMIN, email="pager@example.gov")
    for n in range(60):
        db.session.add(AuditEvent(at=datetime(2026, 3, 1, 0, n), actor_email="pager@example.gov", action="paged_event",
                                  target_type="Thing", target_id=str(n)))
    db.session.flush()
    login(admin)
    first = client.get("/admin/audit/?action=paged_event").get_data(as_text=True)
    # Stored in UTC, read in the administrator's zone (New York by default: EST, five hours behind).
    assert "2026-02-28 19:59:00 EST" in first and "2026-02-28 19:00:00 EST" not in first
    assert "/admin/audit/?page=2&amp;action=paged_event" in first or "action=paged_event&amp;page=2" in first
    second = client.get("/admin/audit/?action=paged_event&page=2").get_data(as_text=True)
    assert "2026-02-28 19:00:00 EST" in second


def test_only_administrators(client, make, login):
    login(make.user(Role.COORDINATOR))
    assert client.get("/admin/audit/").status_code == 403
