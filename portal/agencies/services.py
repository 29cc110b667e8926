from datetime import date

from portal.agencies.models import Agreement, AgreementStatus
from portal.audit.services import record

TERM_YEARS = 3


class AgreementError(ValueError):
    pass


def three_years_after(day: date) -> date:
    try:
        return day.replace(year=day.year + TERM_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + TERM_YEARS, day=28)


def apply_agreement_changes(agreement: Agreement, *, status: AgreementStatus, **fields) -> None:
    """Change an agreement, refusing status moves the lifecycle does not allow."""
    if agreement.status is not None and not agreement.can_move_to(status):
        raise AgreementError(
            f"An agreement that is {agreement.status.label.lower()} cannot become {status.label.lower()}."
        )
    old_status = agreement.status
    for name, value in fields.items():
        setattr(agreement, name, value)
    agreement.status = status
    if agreement.signed_on and not agreement.ends_on:
        agreement.ends_on = three_years_after(agreement.signed_on)
    record("agreement_saved", agreement, old_status=str(old_status or ""), new_status=str(status))
