"""The resources: each agency sees only its own, lists page stably, sync incrementally, and answer
conditional requests; certificates' PDFs are the download's bytes."""
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.certificates.models import RevocationReason
from portal.certificates.services import revoke
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.timeutil import today, utcnow


@pytest.fixture
def two_agencies(make, token_for):
    """Two agencies, each with an officer enrolled, a certificate and a nomination; a token for each."""
    world = {}
    for key in ("ours", "theirs"):
        agency = make.agency()
        officer = make.user(Role.OFFICER, agency=agency)
        enrollment = make.enrollment(officer, make.training_class(make.course(weeks=1)))
        certificate = make.certificate_record(make.enrollment(officer, make.training_class()))
        nomination = make.nomination(agency=agency)
        world[key] = {"agency": agency, "officer": officer, "enrollment": enrollment, "certificate": certificate,
                      "nomination": nomination, "token": token_for(agency)}
    db.session.commit()
    return world


def ids(response, key="id"):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item[key] for item in response.get_json()["items"]]


def test_every_list_holds_only_the_tokens_agency(two_agencies, api):
    ours, theirs = two_agencies["ours"], two_agencies["theirs"]
    assert ids(api("officers", ours["token"])) == [ours["officer"].id]
    assert set(ids(api("enrollments", ours["token"]))) == {e.id for e in db.session.scalars(
        sa.select(type(ours["enrollment"])).where(type(ours["enrollment"]).officer_id == ours["officer"].id))}
    assert ids(api("nominations", ours["token"])) == [ours["nomination"].id]
    assert ids(api("certificates", ours["token"]), "serial") == [ours["certificate"].serial]
    our_classes = {ours["enrollment"].class_id, ours["certificate"].class_id}
    assert set(ids(api("classes", ours["token"]))) == our_classes
    assert not our_classes & set(ids(api("classes", theirs["token"])))


def test_another_agencys_certificate_is_404_with_the_body_of_a_nonexistent_one(two_agencies, api):
    ours, theirs = two_agencies["ours"], two_agencies["theirs"]
    for suffix in ("", "/pdf"):
        mine = api(f"certificates/{ours['certificate'].serial}{suffix}", ours["token"])
        assert mine.status_code == 200
        other = api(f"certificates/{theirs['certificate'].serial}{suffix}", ours["token"])
        nonexistent = api(f"certificates/287G-1999-999999{suffix}", ours["token"])
        assert other.status_code == nonexistent.status_code == 404
        assert other.get_data() == nonexistent.get_data()
        assert other.mimetype == "application/problem+json"


def test_the_pdf_is_exactly_the_web_downloads_bytes(make, token_for, api, client, login):
    coordinator = make.user(Role.COORDINATOR)
    officer = make.user(Role.OFFICER, agency=coordinator.agency)
    certificate = make.certificate(make.enrollment(officer, make.training_class(make.course(weeks=1))))
    raw = token_for(coordinator.agency)
    db.session.commit()
    from_api = api(f"certificates/{certificate.serial}/pdf", raw)
    login(coordinator)
    from_web = client.get(f"/certificates/{certificate.id}/download")
    assert from_api.status_code == from_web.status_code == 200
    assert from_api.mimetype == "application/pdf" and from_api.get_data() == from_web.get_data()
    assert from_api.headers["Content-Disposition"] == from_web.headers["Content-Disposition"]
    import io

    from pypdf import PdfReader

    assert certificate.serial in "".join(p.extract_text() for p in PdfReader(io.BytesIO(from_api.get_data())).pages)


def test_certificate_detail_and_status(two_agencies, api):
    certificate = two_agencies["ours"]["certificate"]
    revoke(certificate, RevocationReason.OTHER, "test")
    db.session.commit()
    item = api(f"certificates/{certificate.serial.lower()}", two_agencies["ours"]["token"]).get_json()
    assert (item["serial"], item["status"], item["officer_id"]) == (certificate.serial, "revoked", certificate.officer_id)
    assert item["issued_on"] == certificate.issued_on.isoformat() and item["verification_url"].endswith("/verify")
    assert item["pdf_url"].endswith(f"/api/v1/certificates/{certificate.serial}/pdf")


def test_enrollments_show_progress_per_week_and_the_grade_that_counts(make, token_for, api):
    agency = make.agency()
    officer = make.user(Role.OFFICER, agency=agency)
    course = make.course(weeks=2, modules_per_week=1, lessons_per_module=2)
    enrollment = make.enrollment(officer, make.training_class(course, start=today() - timedelta(days=3)))
    make.lesson_done(enrollment, course.modules[0].lessons[0])
    quiz = make.quiz(course, [make.question(course)], module=course.modules[0], pass_mark=70)
    make.attempt(quiz, enrollment, outcome=False, number=1)
    make.attempt(quiz, enrollment, outcome=True, number=2)
    raw = token_for(agency)
    db.session.commit()
    [item] = api("enrollments", raw).get_json()["items"]
    assert item["progress"] == {"done": 1, "total": 4, "percent": 25}
    assert [(w["week"], w["open"], w["done"], w["total"]) for w in item["weeks"]] == [(1, True, 1, 2), (2, False, 0, 2)]
    [exam] = item["exams"]
    assert (exam["state"], exam["percent"], exam["attempts"], exam["pass_mark"]) == ("pass", 100.0, 2, 70)


def test_officers_carry_the_status_of_the_active_enrollment_rule(make, token_for, api):
    agency = make.agency()
    officer = make.user(Role.OFFICER, agency=agency)
    make.enrollment(officer, make.training_class(start=today() - timedelta(days=400)), status=EnrollmentStatus.WITHDRAWN)
    make.enrollment(officer, make.training_class(start=today() - timedelta(days=500)), status=EnrollmentStatus.IN_PROGRESS)
    make.user(Role.OFFICER, agency=agency)
    raw = token_for(agency)
    db.session.commit()
    statuses = {i["id"]: i["status"] for i in api("officers", raw).get_json()["items"]}
    assert statuses[officer.id] == "in_progress" and sorted(statuses.values()) == ["in_progress", "not_enrolled"]


def test_pagination_across_a_page_boundary_while_rows_are_added(make, token_for, api):
    agency = make.agency()
    first = [make.nomination(agency=agency) for _ in range(3)]
    raw = token_for(agency)
    db.session.commit()
    page1 = api("nominations?limit=2", raw).get_json()
    assert [i["id"] for i in page1["items"]] == [n.id for n in first[:2]] and page1["next"]
    added = [make.nomination(agency=agency) for _ in range(2)]  # while the client pages
    db.session.commit()
    page2 = api(page1["next"], raw).get_json()
    assert [i["id"] for i in page2["items"]] == [first[2].id, added[0].id]
    page3 = api(page2["next"], raw).get_json()
    assert [i["id"] for i in page3["items"]] == [added[1].id] and page3["next"] is None
    assert "limit=2" in page1["next"]


def test_exactly_one_full_page_has_no_next(make, token_for, api):
    agency = make.agency()
    for _ in range(2):
        make.nomination(agency=agency)
    raw = token_for(agency)
    db.session.commit()
    assert api("nominations?limit=2", raw).get_json()["next"] is None
    assert api("nominations?limit=1", raw).get_json()["next"] is not None


def test_updated_since_boundary(make, token_for, api):
    agency = make.agency()
    old, new = make.nomination(agency=agency), make.nomination(agency=agency)
    at = utcnow().replace(microsecond=0)
    old.nominated_at = at - timedelta(days=3)
    new.nominated_at = at - timedelta(days=1)
    raw = token_for(agency)
    db.session.commit()

    def since(moment):
        text = moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
        return ids(api(f"nominations?updated_since={text}", raw))

    assert since(new.nominated_at) == [new.id]  # at: included
    assert since(new.nominated_at - timedelta(seconds=1)) == [new.id]  # just before
    assert since(new.nominated_at + timedelta(seconds=1)) == []  # just after
    assert since(old.nominated_at) == [old.id, new.id]
    new.decided_at = at  # a decision is a change
    db.session.commit()
    assert since(at) == [new.id]
    offset = ids(api("nominations?updated_since=" + (at - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S") + "-05:00",
                     raw))
    assert offset == [new.id]


def test_etag_and_if_none_match_answer_304_until_something_changes(make, token_for, api):
    agency = make.agency()
    make.nomination(agency=agency)
    raw = token_for(agency)
    db.session.commit()
    first = api("nominations", raw)
    etag = first.headers["ETag"]
    again = api("nominations", raw, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    make.nomination(agency=agency)
    db.session.commit()
    changed = api("nominations", raw, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"),
                                          ("cursor=nonsense", "cursor"), ("updated_since=yesterday", "updated_since")])
def test_invalid_parameters_are_422_naming_the_field(make, token_for, api, query, field):
    response = api(f"certificates?{query}", token_for(make.agency()))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("invalid-parameters") and list(body["errors"]) == [field]


def test_limit_boundaries_are_accepted(make, token_for, api):
    raw = token_for(make.agency())
    assert api("certificates?limit=1", raw).status_code == api("certificates?limit=200", raw).status_code == 200


def test_program_resources(make, token_for, api):
    active = make.agency(state="TX")
    pending = make.agency(status=None)
    from portal.agencies.models import Agreement, AgreementModel, AgreementStatus

    pending.agreements.append(Agreement(model=AgreementModel.TFM, status=AgreementStatus.APPLIED))
    raw = token_for(None)
    db.session.commit()
    agencies = {i["id"]: i for i in api("agencies", raw).get_json()["items"]}
    assert agencies[active.id]["agreement"]["status"] == "active" and agencies[active.id]["agreement"]["in_force"]
    assert agencies[pending.id]["agreement"]["status"] == "applied"
    applications = {i["agency_id"]: i for i in api("applications", raw).get_json()["items"]}
    assert applications[pending.id]["reference"].startswith("287G-APP-")
    tables = {t["key"]: t for t in api("figures", raw).get_json()["tables"]}
    assert {"agencies-by-model", "pending-applications", "officers", "by-state"} <= set(tables)
    assert dict(map(tuple, tables["pending-applications"]["rows"]))["Applied"] >= 1


def test_verify_by_code_needs_no_token_and_says_the_status(make, api, config_override):
    officer = make.user(Role.OFFICER)
    certificate = make.certificate_record(make.enrollment(officer, make.training_class()))
    db.session.commit()
    answer = api(f"verify/{certificate.issued_code}")
    assert answer.status_code == 200 and answer.get_json()["status"] == "valid"
    assert answer.get_json()["serial"] == certificate.serial
    revoke(certificate, RevocationReason.OTHER, "test")
    db.session.commit()
    assert api(f"verify/{certificate.issued_code}").get_json()["status"] == "revoked"
    missing = api("verify/NOPE-NOPE-NOPE")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    config_override(VERIFY_RATE_LIMIT_ENABLED=True, VERIFY_RATE_LIMIT="2 per minute")
    statuses = [api(f"verify/{certificate.issued_code}").status_code for _ in range(3)]
    assert statuses[-1] == 429


def test_a_path_or_method_the_api_does_not_have_answers_a_problem_not_a_web_page(make, token_for, client):
    token = token_for(make.agency())
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    unknown = client.get("/api/v1/no-such-resource", headers=headers)
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    assert unknown.get_json()["status"] == 404
    wrong_method = client.delete("/api/v1/officers", headers=headers)
    assert wrong_method.status_code == 405 and wrong_method.mimetype == "application/problem+json"
    assert "GET" in wrong_method.headers["Allow"]
    # Outside the API, an unknown page is still the portal's own page.
    page = client.get("/api/v2/officers")
    assert page.status_code == 404 and page.mimetype == "text/html"
