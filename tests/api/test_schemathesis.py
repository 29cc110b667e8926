"""Schemathesis fuzzes every operation of the OpenAPI document against the app itself, with an
agency's token and a program token, data that fits the document and data that does not, and every
check on (status codes, content types and headers, response schemas, auth not ignored, invalid data
rejected, valid data accepted, no server error). Examples per operation and mode come from the
suite's Hypothesis profile (more in CI), so this stays well under a minute."""
import hypothesis
import pytest
import schemathesis
from schemathesis.generation.modes import GenerationMode

from portal.api.services import create_token
from portal.auth.roles import Role
from portal.extensions import db


@pytest.fixture
def fuzz_tokens(make, config_override):
    config_override(API_RATE_LIMIT_ENABLED=False)  # the fuzzer sends more than a token's budget
    agency = make.agency()
    officer = make.user(Role.OFFICER, agency=agency)
    make.certificate_record(make.enrollment(officer, make.training_class()))
    make.nomination(agency=agency)
    tokens = [create_token("Fuzzer", agency)[1], create_token("Program fuzzer", None)[1]]
    db.session.commit()
    return tokens


@pytest.fixture(scope="module")
def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_of_the_document_is_fuzzed(operations):
    labels = {operation.label for operation in operations}
    assert len(labels) == 11 and "GET /api/v1/certificates/{serial}/pdf" in labels


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_conforms_to_its_own_document(operations, fuzz_tokens, mode):
    for operation in operations:
        if mode == GenerationMode.NEGATIVE and not list(operation.query):
            continue  # nothing in it can be invalid: a path's text is any text
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
        def check(case):
            for token in fuzz_tokens:
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

        check()
