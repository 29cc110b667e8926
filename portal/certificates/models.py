"""Certificates of completion and the per-year serial counter.

A certificate is a snapshot: the names, course and dates printed on it are copied at issue time
and never follow later edits (a correction is a *reissue*: a new certificate, the old one marked
superseded). The PDF is rendered once; its bytes and their SHA-256 are kept so every download is
the identical file and an uploaded copy can be checked.

The verification code is never stored, only its SHA-256 (see ``codes.py``): the code is a bearer
capability printed on the paper, and a copy of the database (backups, reporting replicas) should
not be enough to produce working verification links. With 140 random bits, an unsalted hash
cannot be reversed by guessing.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.auth.models import User
from portal.classes.models import Enrollment
from portal.extensions import db
from portal.timeutil import today, utcnow
from portal.column_types import enum_column


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RevocationReason(enum.StrEnum):
    ISSUED_IN_ERROR = "issued_in_error"
    TRAINING_INVALIDATED = "training_invalidated"
    MISCONDUCT = "misconduct"
    AGREEMENT_ENDED = "agreement_ended"
    LEFT_AGENCY = "left_agency"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            RevocationReason.ISSUED_IN_ERROR: "Issued in error",
            RevocationReason.TRAINING_INVALIDATED: "Training record invalidated",
            RevocationReason.MISCONDUCT: "Authorization withdrawn for conduct",
            RevocationReason.AGREEMENT_ENDED: "Agency agreement ended or suspended",
            RevocationReason.LEFT_AGENCY: "Officer left the agency",
            RevocationReason.OTHER: "Other",
        }[self]


class SerialCounter(db.Model):
    """The last serial number handed out in a year (one row per year, locked while issuing)."""

    __tablename__ = "certificate_serial_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        # At most one current (not superseded) certificate per enrollment: completing twice, or
        # two racing completions, cannot produce two.
        sa.Index(
            "uq_certificates_current_enrollment", "enrollment_id", unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(sa.String(20), unique=True)
    code_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)

    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrollments.id"), index=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The agency and class at issue time: what coordinators' access and the ZIPs go by.
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("training_classes.id"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)

    # Snapshot, as printed.
    officer_name: Mapped[str] = mapped_column(sa.String(200))
    agency_name: Mapped[str] = mapped_column(sa.String(200))
    course_title: Mapped[str] = mapped_column(sa.String(200))
    course_code: Mapped[str] = mapped_column(sa.String(40))
    hours: Mapped[int]
    instructor_name: Mapped[str] = mapped_column(sa.String(200))
    issued_on: Mapped[date]
    expires_on: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The archival document.
    pdf: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    pdf_size: Mapped[int]
    # Written into each ZIP entry's header, so bulk downloads never re-read the PDFs to checksum them.
    pdf_crc32: Mapped[int] = mapped_column(sa.BigInteger)

    # The PDF's PAdES signature, as made at issue (the verify page reads these, not the PDF);
    # certificates issued before signing have none.
    signed_by: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    signed_at: Mapped[datetime | None]

    # Superseded by a reissue (correction) or by a refresher certificate.
    superseded_at: Mapped[datetime | None]
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    supersede_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revocation_category: Mapped[RevocationReason | None] = mapped_column(enum_column(RevocationReason, 30))
    revocation_reason: Mapped[str] = mapped_column(sa.String(1000), default="")

    officer: Mapped[User] = relationship(foreign_keys=[officer_id])
    enrollment: Mapped[Enrollment] = relationship()
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    superseded_by: Mapped[Certificate | None] = relationship(
        remote_side=[id], foreign_keys=[superseded_by_id], back_populates="supersedes"
    )
    supersedes: Mapped[list[Certificate]] = relationship(
        foreign_keys=[superseded_by_id], back_populates="superseded_by"
    )

    # The verification code in clear, known only to the code that just issued the certificate
    # (it is printed in the PDF and never stored). Not a mapped column.
    issued_code = None

    def status_on(self, on: date | None = None) -> CertificateStatus:
        return status_of(self.revoked_at, self.superseded_at, self.expires_on, on)

    @property
    def status(self) -> CertificateStatus:
        return self.status_on()

    @property
    def is_current(self) -> bool:
        return self.revoked_at is None and self.superseded_at is None

    def days_left(self, on: date | None = None) -> int:
        return (self.expires_on - (on or today())).days

    @property
    def download_name(self) -> str:
        return f"{self.serial}.pdf"

    def __repr__(self) -> str:
        return f"<Certificate {self.serial}>"


def status_of(revoked_at, superseded_at, expires_on: date, on: date | None = None) -> CertificateStatus:
    """Revoked wins over superseded, which wins over expired. Valid through `expires_on` inclusive."""
    if revoked_at is not None:
        return CertificateStatus.REVOKED
    if superseded_at is not None:
        return CertificateStatus.SUPERSEDED
    if (on or today()) > expires_on:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def status_clause(status: CertificateStatus, on: date | None = None):
    """SQL condition matching `Certificate.status_on(on) == status`."""
    on = on or today()
    c = Certificate
    if status == CertificateStatus.REVOKED:
        return c.revoked_at.is_not(None)
    if status == CertificateStatus.SUPERSEDED:
        return sa.and_(c.revoked_at.is_(None), c.superseded_at.is_not(None))
    current = sa.and_(c.revoked_at.is_(None), c.superseded_at.is_(None))
    if status == CertificateStatus.EXPIRED:
        return sa.and_(current, c.expires_on < on)
    return sa.and_(current, c.expires_on >= on)
