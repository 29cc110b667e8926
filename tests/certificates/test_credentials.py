"""Open Badges 3.0 credentials (VC-JWT): verified with the published JWKS, revocation through the
status list, the verify page's valid / expired / revoked / not-issued answers, key rotation."""
import base64
import gzip
import hashlib
import io
import json
import shutil
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from joserfc import jws
from joserfc.jwk import ECKey, KeySet

from portal.auth.roles import Role
from portal.certificates.models import RevocationReason
from portal.certificates.services import revoke
from portal.config import ConfigError
from portal.extensions import db, limiter
from portal.timeutil import today

OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def published_keys(client) -> KeySet:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    jwks = response.get_json()
    assert all(k["kid"] and k["alg"] == "ES256" and "d" not in k for k in jwks["keys"])  # public parts only
    return KeySet.import_key_set(jwks)


def download(client, certificate) -> str:
    response = client.get(f"/verify/{certificate.issued_code}/credential")
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{certificate.serial}.jwt"'
    return response.get_data(as_text=True)


def verified(client, token: str) -> tuple[dict, dict]:
    """Header and payload of `token`, verified with the keys the portal publishes."""
    signature = jws.deserialize_compact(token, published_keys(client), algorithms=["ES256"])
    return signature.headers(), json.loads(signature.payload)


def status_bit(client, credential: dict) -> int:
    entry = credential["credentialStatus"]
    response = client.get(urlsplit(entry["statusListCredential"]).path)
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    _, status_list = verified(client, response.get_data(as_text=True))
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = status_list["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded[0] == "u"  # multibase base64url
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131_072
    index = int(entry["statusListIndex"])
    return (bits[index // 8] >> (7 - index % 8)) & 1


def check(client, token: str | None = None, file: bytes | None = None):
    data = {"credential": token or ""}
    if file is not None:
        data["credential_file"] = (io.BytesIO(file), "credential.jwt")
    return client.post("/verify/credential", data=data, content_type="multipart/form-data")


def test_an_issued_credential_verifies_with_the_published_keys(client, make):
    certificate = make.certificate()
    header, credential = verified(client, download(client, certificate))
    assert (header["alg"], header["typ"]) == ("ES256", "vc+jwt")
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2", OB3_CONTEXT]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {"id": "http://portal.test/", "type": ["Profile"],
                                    "name": "Section 287(g) Program", "url": "http://portal.test/"}
    assert credential["validFrom"] == f"{certificate.issued_on}T00:00:00Z"
    assert credential["validUntil"] == f"{certificate.expires_on}T23:59:59Z"
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == certificate.course_title
    assert achievement["humanCode"] == certificate.course_code
    assert f"{certificate.hours} instructional hours" in achievement["description"]
    assert "70%" in achievement["criteria"]["narrative"]
    [identity] = credential["credentialSubject"]["identifier"]
    assert identity["type"] == "IdentityObject" and identity["hashed"] is True
    assert identity["identityType"] == "emailAddress"
    email = certificate.officer.email.lower()
    assert identity["identityHash"] == "sha256$" + hashlib.sha256((email + identity["salt"]).encode()).hexdigest()
    assert email not in json.dumps(credential)
    assert status_bit(client, credential) == 0

    # The same credential (same id and subject hash) every time it is downloaded.
    _, again = verified(client, download(client, certificate))
    assert (again["id"], again["credentialSubject"]) == (credential["id"], credential["credentialSubject"])


def test_revocation_shows_in_the_status_list_and_on_the_verify_page(client, make):
    certificate = make.certificate()
    token = download(client, certificate)
    page = check(client, token)
    assert page.status_code == 200 and b'<h2 class="usa-alert__heading">Valid</h2>' in page.data
    assert b"The digital credential you checked was signed by the 287(g) Training Portal" in page.data

    revoke(certificate, RevocationReason.MISCONDUCT, "Authorization withdrawn")
    db.session.flush()
    _, credential = verified(client, token)
    assert status_bit(client, credential) == 1
    page = check(client, token)
    assert page.status_code == 200 and b'<h2 class="usa-alert__heading">Revoked</h2>' in page.data


def test_an_expired_credential_shows_as_expired(client, make):
    certificate = make.certificate(issued_on=today() - timedelta(days=3 * 366))
    assert certificate.expires_on < today()
    page = check(client, download(client, certificate))
    assert page.status_code == 200 and b'<h2 class="usa-alert__heading">Expired</h2>' in page.data
    assert f"it was valid until {certificate.expires_on:%B %-d, %Y}".encode() in page.data


def test_an_uploaded_credential_file_is_checked_too(client, make):
    certificate = make.certificate()
    page = check(client, file=download(client, certificate).encode())
    assert page.status_code == 200 and certificate.serial.encode() in page.data


def forged(token: str) -> str:
    """The same credential claiming another validity, signed by a key the portal never published."""
    header, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["validUntil"] = "2099-12-31T23:59:59Z"
    key = ECKey.generate_key("P-256", auto_kid=True)
    return jws.serialize_compact({"alg": "ES256", "kid": key.kid, "typ": "vc+jwt"}, json.dumps(claims).encode(), key)


@pytest.mark.parametrize("tamper", [
    lambda t: forged(t),
    lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"),  # signature changed
    lambda t: ".".join([t.split(".")[0], t.split(".")[1][:-2] + "xy", t.split(".")[2]]),  # payload changed
    lambda t: t.split(".")[0] + "." + t.split(".")[1],  # incomplete
    lambda t: "not a credential at all",
    lambda t: "ey" + "A" * 70_000,  # larger than any credential the portal issues
])
def test_anything_else_is_not_issued_here(client, make, tamper):
    token = download(client, make.certificate())
    page = check(client, tamper(token))
    assert page.status_code == 404
    assert b"This is not a digital credential issued by the 287(g) Training Portal" in page.data


def test_an_empty_submission_is_a_field_error(client):
    page = check(client, "   ")
    assert page.status_code == 400
    assert b"Paste the credential or choose its file." in page.data
    assert b"<title>Error: Verify a certificate |" in page.data


def test_checking_a_credential_needs_a_csrf_token(app, client, make):
    token = download(client, make.certificate())
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = check(client, token)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400 and b"Valid</h2>" not in response.data


def test_after_a_key_rotation_old_credentials_keep_verifying(app, client, make, tmp_path):
    keys = tmp_path / "keys.json"
    shutil.copy(app.config["CREDENTIAL_SIGNING_KEYS"], keys)
    saved = app.config["CREDENTIAL_SIGNING_KEYS"]
    app.config["CREDENTIAL_SIGNING_KEYS"] = str(keys)
    try:
        certificate = make.certificate()
        old = download(client, certificate)
        result = app.test_cli_runner().invoke(args=["certificates", "rotate-credential-key"])
        assert result.exit_code == 0, result.output
        new = download(client, certificate)
        old_kid, new_kid = (jws.extract_compact(t.encode()).headers()["kid"] for t in (old, new))
        assert old_kid != new_kid and new_kid in result.output
        assert {k.kid for k in published_keys(client)} == {old_kid, new_kid}
        for token in (old, new):
            verified(client, token)
            assert b"Valid</h2>" in check(client, token).data
    finally:
        app.config["CREDENTIAL_SIGNING_KEYS"] = saved


def test_officers_download_their_own_credential_from_my_certificates(client, login, make):
    certificate = make.certificate()
    login(certificate.officer)
    page = client.get("/certificates/mine")
    assert b"Download digital credential" in page.data
    assert f'href="/certificates/{certificate.id}/credential"'.encode() in page.data
    response = client.get(f"/certificates/{certificate.id}/credential")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    verified(client, response.get_data(as_text=True))

    other = make.certificate()
    assert client.get(f"/certificates/{other.id}/credential").status_code == 404


def test_the_verify_page_links_the_credential_of_a_code(client, make):
    certificate = make.certificate()
    page = client.get(f"/verify/{certificate.issued_code}")
    assert f'href="/verify/{certificate.issued_code}/credential"'.encode() in page.data
    assert b"Download digital credential" in page.data
    assert client.get("/verify/NOTACODE/credential").status_code == 404


def test_production_refuses_to_start_without_credential_keys(tmp_path):
    from portal import create_app
    from tests.conftest import TEST_CONFIG

    with pytest.raises(ConfigError, match="CREDENTIAL_SIGNING_KEYS must be set"):
        create_app(TEST_CONFIG, PORTAL_ENV="production", CREDENTIAL_SIGNING_KEYS="")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ConfigError, match="^CREDENTIAL_SIGNING_KEYS: .* is not a JWK Set"):
        create_app(TEST_CONFIG, CREDENTIAL_SIGNING_KEYS=str(tmp_path / "bad.json"))


def test_anyone_may_fetch_the_keys_and_the_status_list(client, login, make):
    login(make.user(Role.OFFICER))
    assert client.get("/.well-known/jwks.json").status_code == 200
    assert client.get("/credentials/status/revocation").status_code == 200


def test_credential_checks_and_downloads_share_the_verification_rate_limit(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "3 per minute")
    limiter.reset()
    try:
        statuses = [check(client, "not a credential").status_code,
                    client.get("/verify/NOTACODE/credential").status_code,
                    client.get("/verify").status_code]
        assert statuses == [404, 404, 200]
        assert check(client, "not a credential").status_code == 429
        assert client.get("/verify/NOTACODE/credential").status_code == 429
    finally:
        limiter.reset()


def test_coordinators_download_their_agency_s_credentials_only(app, make):
    certificate = make.certificate()
    for agency, status in [(certificate.officer.agency, 200), (make.agency(), 404)]:
        coordinator, client = make.user(Role.COORDINATOR, agency=agency), app.test_client()
        client.post("/login", data={"email": coordinator.email, "password": make.PASSWORD})
        assert client.get(f"/certificates/{certificate.id}/credential").status_code == status
