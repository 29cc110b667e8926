"""Nominations approved or rejected in bulk: one confirmation page, then each decision through the
per-nomination service, audited on its own, in one transaction."""
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.nominations.models import NominationStatus
from portal.timeutil import today
from tests.security.support import form_for

BULK = "/admin/nominations/bulk"


@pytest.fixture
def admin(make, login):
    user = make.user(Role.ADMIN)
    login(user)
    return user


def statuses(*nominations) -> list[str]:
    for n in nominations:
        db.session.refresh(n)
    return [n.status.value for n in nominations]


def audited(action: str) -> list[str]:
    return sorted(db.session.scalars(sa.select(AuditEvent.target_id).where(AuditEvent.action == action)))


def confirm_form(page: bytes) -> list[tuple[str, str]]:
    form = form_for(page, BULK)
    assert form is not None, "the confirmation page has no form posting to the bulk endpoint"
    return form.fields


def test_the_list_offers_a_labelled_checkbox_per_waiting_nomination(client, make, admin):
    waiting = make.nomination(first="Rosa", last="Núñez")
    decided = make.nomination(last="Decided", status="approved")
    page = client.get("/admin/nominations/?status=all").get_data(as_text=True)
    label = f'<label class="usa-checkbox__label" for="choose-{waiting.id}"><span class="usa-sr-only">Rosa Núñez</span>'
    assert f'id="choose-{waiting.id}"' in page and label in page
    assert f'id="choose-{decided.id}"' not in page
    assert f'action="{BULK}"' in page


def test_approving_in_bulk_confirms_first_then_approves_exactly_the_chosen(client, make, admin, csrf_on):
    first, second, left = make.nomination(last="First"), make.nomination(last="Second"), make.nomination(last="Left")
    ineligible = make.nomination(last="Tooyoung", years=1.5)
    token_page = client.get("/admin/nominations/").data
    fields = [(name, value) for name, value in form_for(token_page, BULK).fields if name == "csrf_token"]
    chosen = [("nomination_ids", str(n.id)) for n in (first, second, ineligible)]
    review = client.post(BULK, data=MultiDict(fields + chosen + [
        ("decision", "approve"), ("verified_on", today().isoformat()), ("note", "Checks cleared")]))
    assert review.status_code == 200
    text = review.get_data(as_text=True)
    assert "Nothing has changed yet" in text and "Approve 2 nomination(s)" in text
    assert "Skipped" in text and "2 years of law-enforcement experience" in text
    assert "Left" not in text
    assert statuses(first, second, ineligible, left) == ["nominated"] * 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == Role.OFFICER)) == 0
    assert audited("nomination_approved") == []

    done = client.post(BULK, data=MultiDict(confirm_form(review.data)))
    assert done.status_code == 302
    assert statuses(first, second, ineligible, left) == ["approved", "approved", "nominated", "nominated"]
    assert audited("nomination_approved") == sorted([str(first.id), str(second.id)])
    assert first.user.email == first.email and first.decided_by_id == admin.id and first.decision_note == "Checks cleared"
    shown = client.get("/admin/nominations/").get_data(as_text=True)
    assert "2 nomination(s) approved" in shown and "1 nomination(s) not approved" in shown
    assert "Tooyoung" in shown and "2 years of law-enforcement experience" in shown


def test_rejecting_in_bulk_needs_a_note_and_records_it_on_each(client, make, admin):
    one, two, other = make.nomination(), make.nomination(), make.nomination()
    chosen = {"nomination_ids": [one.id, two.id], "decision": "reject"}
    refused = client.post(BULK, data={**chosen, "note": " "})
    assert refused.status_code == 422 and "Say why the nomination is rejected." in refused.get_data(as_text=True)
    assert 'name="confirmed" type="hidden" value=""' in refused.get_data(as_text=True)
    review = client.post(BULK, data={**chosen, "note": "No agreement in force"})
    assert "Reject 2 nomination(s)" in review.get_data(as_text=True)
    assert statuses(one, two, other) == ["nominated"] * 3
    assert client.post(BULK, data=MultiDict(confirm_form(review.data))).status_code == 302
    assert statuses(one, two, other) == ["rejected", "rejected", "nominated"]
    assert [one.decision_note, two.decision_note] == ["No agreement in force"] * 2
    assert audited("nomination_rejected") == sorted([str(one.id), str(two.id)])


def test_a_nomination_decided_meanwhile_or_sharing_an_email_is_skipped_and_reported(client, make, admin):
    a = make.nomination(last="Alpha", email="same.person@example.gov")
    b = make.nomination(last="Bravo", email="same.person@example.gov")  # another agency, same officer
    c = make.nomination(last="Charlie")
    review = client.post(BULK, data={"nomination_ids": [a.id, b.id, c.id], "decision": "approve",
                                     "verified_on": today().isoformat()})
    plan = review.get_data(as_text=True)
    assert "Approve 2 nomination(s)" in plan and "another chosen nomination with this email is approved first" in plan
    c.status = NominationStatus.REJECTED  # decided by someone else between review and confirmation
    db.session.commit()
    client.post(BULK, data=MultiDict(confirm_form(review.data)))
    assert statuses(a, b, c) == ["approved", "nominated", "rejected"]
    shown = client.get("/admin/nominations/").get_data(as_text=True)
    assert "1 nomination(s) approved: Ana Alpha." in shown
    assert "an account with this email already exists" in shown and "already rejected" in shown


def test_approving_in_bulk_needs_a_verification_date_and_a_choice(client, make, admin):
    n = make.nomination()
    no_date = client.post(BULK, data={"nomination_ids": [n.id], "decision": "approve", "verified_on": ""})
    assert no_date.status_code == 422 and b"Give the date the background check was verified." in no_date.data
    none = client.post(BULK, data={"decision": "approve", "verified_on": today().isoformat()})
    assert none.status_code == 422 and b"Choose at least one nomination." in none.data
    for junk in ("x1", "9223372036854775808", "99999999999999999999", "-1"):
        refused = client.post(BULK, data={"nomination_ids": [junk], "decision": "approve",
                                          "verified_on": today().isoformat()})
        assert refused.status_code == 422, junk
    forged = client.post(BULK, data={"nomination_ids": [n.id], "decision": "approve", "verified_on": "",
                                     "confirmed": "yes"})
    assert forged.status_code == 422
    assert statuses(n) == ["nominated"]


def test_without_a_csrf_token_nothing_is_decided(client, make, admin, csrf_on):
    n = make.nomination()
    response = client.post(BULK, data={"nomination_ids": [n.id], "decision": "reject", "note": "x", "confirmed": "yes"})
    assert response.status_code == 400
    assert statuses(n) == ["nominated"]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INSTRUCTOR, Role.OFFICER])
def test_only_the_administrator_decides_in_bulk(client, make, login, role):
    n = make.nomination()
    login(make.user(role, agency=n.agency if role == Role.COORDINATOR else None))
    response = client.post(BULK, data={"nomination_ids": [n.id], "decision": "reject", "note": "x", "confirmed": "yes"})
    assert response.status_code in (403, 404)
    assert statuses(n) == ["nominated"]
