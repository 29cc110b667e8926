"""Issue 12 item 5: every absolute link that is printed, QR-encoded, written into a credential or
mailed comes from the configured address, never from the request's Host header."""
import base64
import io
import json
import re

import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp

from portal.auth.roles import Role
from portal.certificates.models import Certificate
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeutil import today
from tests.certificates.conftest import pdf_text

#: Sent as the Host header.
HOSTILE = {"Host": "attacker.example"}


def sign_in_through_hostile_host(client, login, user) -> None:
    """Sign in, and send the session cookie to the hostile host too (as a browser would behind a
    proxy that forwards whatever Host it is given)."""
    login(user)
    cookie = client.get_cookie("session", domain=client.application.config.get("SERVER_NAME") or "localhost")
    client.set_cookie("session", cookie.value, domain="attacker.example")


def qr_payloads(pdf: bytes) -> list[str]:
    """The QR codes on the page, decoded from a rendering of it (what a phone reads)."""
    image = pypdfium2.PdfDocument(io.BytesIO(pdf))[0].render(scale=3).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def reissue_with_hostile_host(client, login, make) -> Certificate:
    old = make.certificate()
    sign_in_through_hostile_host(client, login, make.user(Role.ADMIN))
    response = client.post(f"/admin/certificates/{old.id}/reissue", headers=HOSTILE,
                           data={"reason": "Surname corrected", "confirm": "y"})
    new = db.session.scalar(sa.select(Certificate).where(Certificate.enrollment_id == old.enrollment_id,
                                                         Certificate.superseded_at.is_(None)))
    assert new.id != old.id and response.headers["Location"].endswith(f"/admin/certificates/{new.id}")
    return new


@pytest.mark.parametrize("settings, base", [
    ({"PORTAL_BASE_URL": "https://training.example.gov"}, "https://training.example.gov"),
    # Demo mode with no address configured: the local `make run` address, not the request's host.
    ({"PORTAL_BASE_URL": "", "SERVER_NAME": None}, "http://127.0.0.1:5000"),
])
def test_a_reissue_through_a_hostile_host_prints_the_configured_address(client, login, make, config_override,
                                                                       monkeypatch, settings, base):
    monkeypatch.delenv("PORT", raising=False)
    config_override(**settings)
    new = reissue_with_hostile_host(client, login, make)
    text = pdf_text(new.pdf)
    [printed] = re.findall(r"\S+/verify/\S+", text)
    assert printed.startswith(f"{base}/verify/")
    assert "attacker" not in text
    assert qr_payloads(new.pdf) == [printed]


def test_credentials_name_the_configured_address(client, make, config_override):
    config_override(PORTAL_BASE_URL="https://training.example.gov")
    certificate = make.certificate()
    response = client.get(f"/verify/{certificate.issued_code}/credential", headers=HOSTILE)
    assert response.status_code == 200
    token = response.get_data(as_text=True)
    payload = token.split(".")[1]
    credential = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert credential["issuer"]["id"] == "https://training.example.gov/"
    assert credential["credentialStatus"]["statusListCredential"] == \
        "https://training.example.gov/credentials/status/revocation"
    assert "attacker" not in token and "attacker" not in json.dumps(credential)


def test_set_password_links_name_the_configured_address(client, login, make, config_override):
    config_override(PORTAL_BASE_URL="https://training.example.gov")
    sign_in_through_hostile_host(client, login, make.user(Role.ADMIN))
    user = make.user(password=False)
    page = client.post(f"/admin/users/{user.id}/set-password-link", headers=HOSTILE)
    assert page.status_code == 200
    assert re.search(rb"https://training\.example\.gov/set-password/\S+", page.data)
    assert b"attacker" not in page.data

    nomination = make.nomination(email="hostile.host@example.gov")
    approved = client.post(f"/admin/nominations/{nomination.id}", headers=HOSTILE,
                           data={"decision": "approve", "verified_on": today().isoformat()})
    assert approved.status_code == 302
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address == "hostile.host@example.gov"))
    assert re.search(r"https://training\.example\.gov/set-password/\S+", message.body)
    assert "attacker" not in message.body
