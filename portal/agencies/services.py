"""Agreements through their lifecycle. Functions change objects and record audit events; callers commit."""
from datetime import date

import sqlalchemy as sa
from flask import has_request_context
from flask_login import current_user

from portal.agencies.models import (
    Agency,
    AgencyKind,
    Agreement,
    AgreementKind,
    AgreementModel,
    AgreementStatus,
    AgreementStatusChange,
    state_time_zone,
)
from portal.audit.services import record
from portal.auth.models import User
from portal.extensions import db
from portal.timeutil import today

TERM_YEARS = 3


class AgreementError(ValueError):
    pass


class ApplicationError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def three_years_after(day: date) -> date:
    try:
        return day.replace(year=day.year + TERM_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + TERM_YEARS, day=28)


def _acting_user(actor: User | None) -> User | None:
    if actor is None and has_request_context() and current_user.is_authenticated:
        signed_in: User = current_user  # flask_login is untyped
        return signed_in
    return actor


def log_status(agreement: Agreement, old: AgreementStatus | None, new: AgreementStatus, *,
               comment: str, effective_on: date | None = None, actor: User | None = None) -> AgreementStatusChange:
    """Add a history row for a status move (or for the agreement's first status)."""
    actor = _acting_user(actor)
    change = AgreementStatusChange(
        from_status=old, to_status=new, effective_on=effective_on or today(), comment=comment.strip(),
        actor_id=getattr(actor, "id", None),
        actor_name=(getattr(actor, "full_name", "") or "")[:254],
    )
    agreement.history.append(change)
    return change


def apply_agreement_changes(agreement: Agreement, *, status: AgreementStatus, comment: str = "",
                            effective_on: date | None = None, **fields: object) -> None:
    """Change an agreement, refusing status moves the lifecycle does not allow; a status move
    needs a comment and is written to the agreement's history."""
    if agreement.status is not None and not agreement.can_move_to(status):
        raise AgreementError(
            f"An agreement that is {agreement.status.label.lower()} cannot become {status.label.lower()}."
        )
    old_status = agreement.status
    moved = old_status != status
    if moved and old_status is not None and not comment.strip():
        raise AgreementError("Say why the status changes: a comment is required.")
    for name, value in fields.items():
        setattr(agreement, name, value)
    agreement.status = status
    if status == AgreementStatus.ACTIVE and not agreement.signed_on:
        agreement.signed_on = effective_on or today()
    if agreement.signed_on and not agreement.ends_on:
        agreement.ends_on = three_years_after(agreement.signed_on)
    if moved:
        log_status(agreement, old_status, status, comment=comment or "Agreement recorded.",
                   effective_on=effective_on or (agreement.signed_on if status == AgreementStatus.ACTIVE else None))
    record("agreement_saved", agreement, old_status=str(old_status or ""), new_status=str(status),
           comment=comment.strip()[:500])


def change_status(agreement: Agreement, status: AgreementStatus, *, comment: str,
                  effective_on: date | None = None) -> None:
    """Move an agreement to `status` on `effective_on` (today by default), with a required comment."""
    if status == agreement.status:
        raise AgreementError(f"The agreement is already {status.label.lower()}.")
    apply_agreement_changes(agreement, status=status, comment=comment, effective_on=effective_on)


def pending_application(agency: Agency) -> Agreement | None:
    return next((a for a in agency.agreements if a.is_pending), None)


def submit_application(*, name: str, kind: AgencyKind, state: str, model: AgreementModel,
                       contact_name: str, contact_email: str, contact_phone: str = "",
                       comment: str = "", actor: User | None = None) -> Agreement:
    """A new agency asks to join the program: the agency and an 'applied' agreement."""
    name = " ".join(name.split())
    if db.session.scalar(sa.select(Agency.id).where(sa.func.lower(Agency.name) == name.lower())):
        raise ApplicationError(
            "name", "An agency with this name is already known to the program. Its coordinator can "
                    "apply for a new agreement after signing in, or contact the program office."
        )
    agency = Agency(name=name, kind=kind, state=state, time_zone=state_time_zone(state), contact_name=contact_name.strip(),
                    contact_email=contact_email.strip().lower(), contact_phone=contact_phone.strip())
    db.session.add(agency)
    agreement = Agreement(agency=agency, model=model, kind=AgreementKind.MOA, status=AgreementStatus.APPLIED,
                          applied_on=today(), notes=comment.strip())
    db.session.add(agreement)
    log_status(agreement, None, AgreementStatus.APPLIED, actor=actor,
               comment=f"Application submitted by {contact_name.strip()} <{contact_email.strip().lower()}>."
                       + (f" {comment.strip()}" if comment.strip() else ""))
    db.session.flush()
    record("agency_applied", agreement, actor=actor, agency=agency.name, model=str(model))
    return agreement


def apply_for_renewal(agency: Agency, model: AgreementModel, comment: str = "", actor: User | None = None) -> Agreement:
    """A coordinator asks for a new agreement (renewal, another model, or after one ended)."""
    if pending_application(agency) is not None:
        raise ApplicationError("model", "Your agency already has an application under consideration.")
    agreement = Agreement(agency=agency, model=model, kind=AgreementKind.MOA, status=AgreementStatus.APPLIED,
                          applied_on=today(), notes=comment.strip())
    db.session.add(agreement)
    log_status(agreement, None, AgreementStatus.APPLIED, actor=actor,
               comment="Application submitted by the agency's coordinator." + (f" {comment.strip()}" if comment.strip() else ""))
    db.session.flush()
    record("agency_applied", agreement, actor=actor, agency=agency.name, model=str(model))
    return agreement
