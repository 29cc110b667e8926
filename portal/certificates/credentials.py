"""Open Badges 3.0 credentials: each certificate as an `OpenBadgeCredential` secured as a VC-JWT.

The credential follows 1EdTech Open Badges 3.0 on the W3C Verifiable Credentials data model 2.0:
the program is the issuer profile, the course the achievement, and the officer the subject,
identified by a salted SHA-256 of their email address (not the address itself). `validFrom` and
`validUntil` are the certificate's dates; `credentialStatus` points at the portal's revocation
list (a W3C Bitstring Status List, index = the certificate's id), so any verifier sees a
revocation without asking us anything else.

Secured as a compact JWS (VC-JOSE-COSE: the payload is the credential, `typ: vc+jwt`), ES256.
The keys are a private JWK Set in the file CREDENTIAL_SIGNING_KEYS: the first key signs, every
key is published at /.well-known/jwks.json by its `kid`, so after a rotation (a new key put first,
see `flask --app portal certificates credential-key rotate`) old credentials keep verifying.
Development generates the file into instance/ on first run; production refuses to start without it.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from portal.certificates.models import Certificate, CertificateStatus
from portal.extensions import db
from portal.links import external_url

MEDIA_TYPE = "application/vc+jwt"
ALGORITHM = "ES256"
CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
PROGRAM_NAME = "Section 287(g) Program"
STATUS_LIST_BITS = 131_072  # the minimum length: a verifier cannot tell which entries are in use
MAX_TOKEN_CHARS = 64 * 1024
#: Names the credential and achievement ids (urn:uuid:...) by serial and course code, so they stay
#: the same whatever address the portal moves to.
ID_NAMESPACE = uuid.UUID("5f0d2c61-7a6e-4d43-9a0b-287c0de287e5")


class CredentialKeyError(RuntimeError):
    """The credential key file cannot be used; the message names the setting and why."""


# --------------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------------

def new_key() -> dict:
    key = ECKey.generate_key("P-256", parameters={"alg": ALGORITHM, "use": "sig"}, auto_kid=True)
    return key.as_dict(private=True)


def _write_keys(path: Path, keys: list[dict]) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump({"keys": keys}, out, indent=1)


def write_key_file(path: Path) -> Path:
    """A key file with one fresh key, written once (development generates one into instance/)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_keys(path, [new_key()])
    return path


def rotate(path: Path) -> str:
    """Put a new signing key first in the file; the previous keys stay published. Returns its kid."""
    keys = _read_keys(path)
    key = new_key()
    _write_keys(path, [key, *keys])
    return key["kid"]


def _read_keys(path: Path | str) -> list[dict]:
    try:
        keys = json.loads(Path(path).read_text())["keys"]
    except OSError as exc:
        raise CredentialKeyError(f"CREDENTIAL_SIGNING_KEYS: cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError):
        raise CredentialKeyError(f"CREDENTIAL_SIGNING_KEYS: {path} is not a JWK Set") from None
    if not keys or not all(isinstance(k, dict) and k.get("kid") for k in keys):
        raise CredentialKeyError(f"CREDENTIAL_SIGNING_KEYS: {path} needs at least one key, each with a kid")
    return keys


@dataclass(frozen=True)
class CredentialKeys:
    signing: ECKey
    public: KeySet

    @classmethod
    def load(cls, path: str) -> CredentialKeys:
        keys = _read_keys(path)
        try:
            signing = ECKey.import_key(keys[0])
            public = KeySet.import_key_set({"keys": [ECKey.import_key(k).as_dict(private=False) for k in keys]})
        except (ValueError, TypeError, JoseError) as exc:
            raise CredentialKeyError(f"CREDENTIAL_SIGNING_KEYS: a key in {path} cannot be used ({exc})") from None
        if not signing.is_private:
            raise CredentialKeyError(f"CREDENTIAL_SIGNING_KEYS: the first key in {path} has no private part")
        return cls(signing, public)

    def jwks(self) -> dict:
        return {"keys": [{**key.as_dict(private=False), "alg": ALGORITHM, "use": "sig"} for key in self.public]}


def keys_of_app() -> CredentialKeys:
    path = current_app.config["CREDENTIAL_SIGNING_KEYS"]
    cached = current_app.extensions.get("credential_keys")
    if cached is None or cached[0] != path:
        cached = (path, CredentialKeys.load(path))
        current_app.extensions["credential_keys"] = cached
    return cached[1]


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------

def issuer_profile() -> dict:
    home = external_url("auth.index")
    return {"id": home, "type": ["Profile"], "name": PROGRAM_NAME, "url": home}


def status_list_url() -> str:
    return external_url("certificates.credential_status_list")


def credential_id(certificate: Certificate) -> str:
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, 'certificate:' + certificate.serial)}"


def identity_salt(certificate: Certificate) -> str:
    """Per certificate, stable across downloads, and no use for linking one officer's credentials."""
    return hashlib.sha256(b"ob3-identity-salt:" + certificate.code_sha256.encode()).hexdigest()[:32]


def identity_hash(email: str, salt: str) -> str:
    """Open Badges' hashed IdentityObject: "sha256$" + hex SHA-256 of the address and the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def _instant(day: date, at: time) -> str:
    return datetime.combine(day, at, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(certificate: Certificate) -> dict:
    """The unsecured OpenBadgeCredential of `certificate`."""
    hours = f"{certificate.hours} instructional hour{'' if certificate.hours == 1 else 's'}"
    salt = identity_salt(certificate)
    return {
        "@context": CONTEXTS,
        "id": credential_id(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Certificate of Completion {certificate.serial}: {certificate.course_title}",
        "issuer": issuer_profile(),
        "validFrom": _instant(certificate.issued_on, time.min),
        "validUntil": _instant(certificate.expires_on, time(23, 59, 59)),  # valid through the expiry date
        "awardedDate": _instant(certificate.issued_on, time.min),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                "identityHash": identity_hash(certificate.officer.email, salt), "salt": salt,
            }],
            "achievement": {
                "id": f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, 'course:' + certificate.course_code)}",
                "type": ["Achievement"],
                "achievementType": "CertificateOfCompletion",
                "humanCode": certificate.course_code,
                "name": certificate.course_title,
                "description": f"{certificate.course_code} {certificate.course_title}, {hours}, "
                               f"a course of the {PROGRAM_NAME}.",
                "criteria": {"narrative": f"Completed every lesson of the course ({hours}) and passed each "
                                          "exam with at least 70%, as the program requires."},
                "creator": issuer_profile(),
            },
        },
        "credentialStatus": {
            "id": f"{status_list_url()}#{certificate.id}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.id),
            "statusListCredential": status_list_url(),
        },
    }


def secure(payload: dict) -> str:
    """`payload` as a compact JWS signed with the current key (VC-JOSE-COSE)."""
    keys = keys_of_app()
    header = {"alg": ALGORITHM, "kid": keys.signing.kid, "typ": "vc+jwt", "cty": "vc"}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return jws.serialize_compact(header, body, keys.signing, algorithms=[ALGORITHM])


def issue(certificate: Certificate) -> str:
    return secure(build(certificate))


def status_list() -> str:
    """The revocation list as a BitstringStatusListCredential (VC-JWT): bit `id` set when that
    certificate is revoked. GZIP, then multibase base64url (the "u" prefix), as the spec says."""
    revoked = db.session.scalars(sa.select(Certificate.id).where(Certificate.revoked_at.is_not(None))).all()
    size = max(STATUS_LIST_BITS, ((max(revoked, default=0) // 8) + 1) * 8)
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)  # index 0 is the first (most significant) bit
    encoded = base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=").decode()
    return secure({
        "@context": CONTEXTS[:1],
        "id": status_list_url(),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile()["id"],
        "validFrom": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {"id": f"{status_list_url()}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": "u" + encoded},
    })


# --------------------------------------------------------------------------------------------
# Verifying a credential someone pasted or uploaded
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CredentialCheck:
    """What a pasted credential is: `certificate` is None when it was not issued here."""

    certificate: Certificate | None
    status: CertificateStatus | None = None
    valid_until: datetime | None = None


NOT_ISSUED_HERE = CredentialCheck(None)


def check(token: str, on: datetime | None = None) -> CredentialCheck:
    """Verify `token` with the published keys and read its status: valid, expired (past its
    `validUntil`), revoked or superseded; NOT_ISSUED_HERE for anything else."""
    token = "".join((token or "").split())
    if not token or len(token) > MAX_TOKEN_CHARS:
        return NOT_ISSUED_HERE
    try:
        payload = json.loads(jws.deserialize_compact(token, keys_of_app().public, algorithms=[ALGORITHM]).payload)
        index = int(payload["credentialStatus"]["statusListIndex"])
        valid_until = datetime.strptime(payload["validUntil"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (JoseError, ValueError, KeyError, TypeError):
        return NOT_ISSUED_HERE
    certificate = db.session.get(Certificate, index) if 0 < index < 2**63 else None
    if certificate is None or payload.get("id") != credential_id(certificate):
        return NOT_ISSUED_HERE
    if certificate.revoked_at is not None:
        status = CertificateStatus.REVOKED
    elif certificate.superseded_at is not None:
        status = CertificateStatus.SUPERSEDED
    elif (on or datetime.now(UTC)) > valid_until:
        status = CertificateStatus.EXPIRED
    else:
        status = CertificateStatus.VALID
    return CredentialCheck(certificate, status, valid_until)


if __name__ == "__main__":  # `python -m portal.certificates.credentials FILE`: a key file for production
    import sys

    if len(sys.argv) != 2 or Path(sys.argv[1]).exists():
        sys.exit("usage: python -m portal.certificates.credentials NEW_FILE (it must not exist yet)")
    print(f"Wrote {write_key_file(Path(sys.argv[1]))}: set CREDENTIAL_SIGNING_KEYS to it.")
