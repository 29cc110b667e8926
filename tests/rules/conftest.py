"""The program's rules, each pinned at its boundary (issue 20). `make mutation` runs these tests
against mutated rules, so a test that needs no database builds none: the database (and the app
with its migrations) is set up only for tests that ask for `app`, `client`, `login` or `make`."""
import pytest

NEEDS_DATABASE = {"app", "make"}


@pytest.fixture(autouse=True)
def db_transaction(request):
    if NEEDS_DATABASE.isdisjoint(request.fixturenames):
        yield None
    else:
        yield request.getfixturevalue("db_transaction")
