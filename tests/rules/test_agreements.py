"""Agreements through their lifecycle (portal.agencies): the moves allowed, three-year terms, in
force through the end date, renewal due from 180 days ahead."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.agencies import services
from portal.agencies.models import Agreement, AgreementModel, AgreementStatus, in_force_clause
from portal.extensions import db
from portal.timeutil import today

A = AgreementStatus
# The lifecycle as the program describes it, written out by hand.
ALLOWED = {
    (A.APPLIED, A.UNDER_REVIEW), (A.APPLIED, A.TERMINATED),
    (A.UNDER_REVIEW, A.ACTIVE), (A.UNDER_REVIEW, A.TERMINATED),
    (A.ACTIVE, A.SUSPENDED), (A.ACTIVE, A.TERMINATED), (A.ACTIVE, A.EXPIRED),
    (A.SUSPENDED, A.ACTIVE), (A.SUSPENDED, A.TERMINATED), (A.SUSPENDED, A.EXPIRED),
}
END = date(2027, 3, 31)


@pytest.mark.parametrize("old", list(A))
@pytest.mark.parametrize("new", list(A))
def test_an_agreement_moves_only_along_its_lifecycle(old, new):
    assert Agreement(status=old).can_move_to(new) is (old == new or (old, new) in ALLOWED)


def agreement(status=A.ACTIVE, ends_on=END):
    return Agreement(status=status, ends_on=ends_on, model=AgreementModel.JEM)


@pytest.mark.parametrize("on, in_force", [(END - timedelta(days=1), True), (END, True), (END + timedelta(days=1), False)])
def test_an_agreement_is_in_force_through_its_end_date(on, in_force):
    assert agreement().is_in_force(on) is in_force
    assert agreement().past_end(on) is (not in_force)


def test_only_an_active_agreement_is_in_force_and_one_without_end_date_stays_so():
    assert agreement(ends_on=None).is_in_force(date(2099, 1, 1)) is True
    assert agreement(ends_on=None).past_end(date(2099, 1, 1)) is False
    for status in set(A) - {A.ACTIVE}:
        assert agreement(status).is_in_force(END) is False and agreement(status).past_end(END + timedelta(days=1)) is False


@pytest.mark.parametrize("days_before_end, due", [(181, False), (180, True), (0, True), (-1, False)])
def test_renewal_is_due_from_180_days_before_the_end(days_before_end, due):
    on = END - timedelta(days=days_before_end)
    assert agreement().renewal_due(on) is due
    assert agreement(A.SUSPENDED).renewal_due(on) is due


def test_renewal_is_not_due_without_an_end_date_or_once_ended():
    assert agreement(ends_on=None).renewal_due(END) is False
    for status in (A.APPLIED, A.UNDER_REVIEW, A.TERMINATED, A.EXPIRED):
        assert agreement(status).renewal_due(END) is False


@pytest.mark.parametrize("on, in_force", [(END, True), (END + timedelta(days=1), False)])
def test_the_sql_in_force_rule_agrees_with_the_python_one(make, on, in_force):
    agency = make.agency()
    current = agency.agreements[0]
    current.ends_on = END
    suspended = make.agency(status=A.SUSPENDED).agreements[0]
    open_ended = make.agency().agreements[0]
    open_ended.ends_on = None
    db.session.flush()
    ids = {current.id, suspended.id, open_ended.id}
    found = set(db.session.scalars(sa.select(Agreement.id).where(in_force_clause(on), Agreement.id.in_(ids))))
    assert found == ({current.id, open_ended.id} if in_force else {open_ended.id})


@pytest.mark.parametrize("signed, ends", [
    (date(2026, 5, 4), date(2029, 5, 4)), (date(2028, 2, 29), date(2031, 2, 28)), (date(2027, 12, 31), date(2030, 12, 31)),
])
def test_an_agreement_runs_three_years(signed, ends):
    assert services.three_years_after(signed) == ends


def test_activating_an_agreement_signs_it_and_sets_its_term(make):
    agreement_ = make.agency(status=A.UNDER_REVIEW).agreements[0]
    services.change_status(agreement_, A.ACTIVE, comment="Signed by both sides", effective_on=date(2026, 5, 4))
    assert (agreement_.signed_on, agreement_.ends_on) == (date(2026, 5, 4), date(2029, 5, 4))
    last = agreement_.history[-1]
    assert (last.from_status, last.to_status, last.effective_on) == (A.UNDER_REVIEW, A.ACTIVE, date(2026, 5, 4))


def test_a_status_move_needs_a_comment_and_an_allowed_target(make):
    agreement_ = make.agency().agreements[0]
    with pytest.raises(services.AgreementError, match="comment"):
        services.change_status(agreement_, A.SUSPENDED, comment="  ")
    with pytest.raises(services.AgreementError, match="comment"):
        services.apply_agreement_changes(agreement_, status=A.SUSPENDED)
    with pytest.raises(services.AgreementError, match="cannot become"):
        services.change_status(agreement_, A.APPLIED, comment="Back to the start")
    with pytest.raises(services.AgreementError, match="already active"):
        services.change_status(agreement_, A.ACTIVE, comment="Again")
    assert agreement_.status == A.ACTIVE
    services.change_status(agreement_, A.SUSPENDED, comment="Audit findings")
    assert agreement_.status == A.SUSPENDED and agreement_.history[-1].comment == "Audit findings"


def test_editing_an_agreement_without_a_move_needs_no_comment_and_logs_no_move(make):
    agreement_ = make.agency().agreements[0]
    moves = len(agreement_.history)
    services.apply_agreement_changes(agreement_, status=A.ACTIVE, notes="Contact changed")
    assert agreement_.notes == "Contact changed" and len(agreement_.history) == moves


def test_a_signed_date_already_set_is_kept_and_the_term_follows_it(make):
    agreement_ = make.agency(status=A.UNDER_REVIEW).agreements[0]
    services.apply_agreement_changes(agreement_, status=A.ACTIVE, comment="Signed", signed_on=date(2025, 1, 15))
    assert (agreement_.signed_on, agreement_.ends_on) == (date(2025, 1, 15), date(2028, 1, 15))
    assert agreement_.history[-1].effective_on == date(2025, 1, 15)


def test_a_new_agreement_is_recorded_without_a_comment(make):
    agency = make.agency(status=None)
    agreement_ = Agreement(agency=agency, model=AgreementModel.TFM, status=None)
    services.apply_agreement_changes(agreement_, status=A.ACTIVE, signed_on=date(2026, 1, 5))
    [first] = agreement_.history
    assert (first.from_status, first.to_status, first.comment, first.effective_on) == \
        (None, A.ACTIVE, "Agreement recorded.", date(2026, 1, 5))
    assert agreement_.ends_on == date(2029, 1, 5)


def test_activating_without_a_date_signs_today_and_an_end_date_already_set_is_kept(make):
    agreement_ = make.agency(status=A.UNDER_REVIEW).agreements[0]
    agreement_.ends_on = date(2030, 6, 30)
    services.change_status(agreement_, A.ACTIVE, comment="Signed")
    assert (agreement_.signed_on, agreement_.ends_on) == (today(), date(2030, 6, 30))
    assert agreement_.history[-1].effective_on == today()


def test_a_move_other_than_activation_takes_effect_on_the_day_given_or_today(make):
    agreement_ = make.agency().agreements[0]
    services.change_status(agreement_, A.SUSPENDED, comment="Audit", effective_on=date(2026, 2, 2))
    assert agreement_.history[-1].effective_on == date(2026, 2, 2)
    services.change_status(agreement_, A.TERMINATED, comment="Ended")
    assert agreement_.history[-1].effective_on == today() and agreement_.signed_on != today()
