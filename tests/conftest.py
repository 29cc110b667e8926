import dataclasses
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import hypothesis
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import InstanceState

from portal import create_app
from portal.database import configure_sqlite, ping_after_idle
from portal.extensions import db
from tests import factories
from tests.databases import DatabaseCopies, check_postgres_reachable, fresh_database, postgres_server_url

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdef0123456789")

# Hypothesis: the same examples on every run (derandomized), and a failure printed with the blob
# that replays it (@reproduce_failure). Tests that set no count of their own run `max_examples`:
# a few on a workstation, more in CI (CI=1, or HYPOTHESIS_PROFILE=ci).
hypothesis.settings.register_profile("dev", derandomize=True, print_blob=True, database=None, max_examples=6)
hypothesis.settings.register_profile("ci", hypothesis.settings.get_profile("dev"), max_examples=12)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,  # tests/security turns it back on to test it
    "LOGIN_RATE_LIMIT_ENABLED": False,  # every test signs in from 127.0.0.1; tests/security tests it
    "APPLICATION_RATE_LIMIT_ENABLED": False,
    "PASSWORD_RESET_RATE_LIMIT_ENABLED": False,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production uses scrypt
    "SERVER_NAME": "portal.test",
    # The whole suite verifies from one address; tests/certificates/test_verify.py tests the limit.
    "VERIFY_RATE_LIMIT_ENABLED": False,
    # No disk copies of certificate PDFs in the apps tests make for themselves; the suite's own app
    # (the `app` fixture) keeps them in a temporary directory.
    "CERTIFICATE_FILES": "",
}


def pytest_configure(config):
    """The suite signs certificates and credentials with keys of its own, never instance/'s."""
    from portal.certificates.signing import write_demo_material

    config.signing_dir = tempfile.TemporaryDirectory(prefix="portal-test-signing-")
    key, chain = write_demo_material(Path(config.signing_dir.name))
    os.environ.setdefault("CERTIFICATE_SIGNING_KEY", str(key))
    os.environ.setdefault("CERTIFICATE_SIGNING_CERT", str(chain))
    from portal.certificates.credentials import write_key_file

    os.environ.setdefault("CREDENTIAL_SIGNING_KEYS", str(write_key_file(Path(config.signing_dir.name) / "jwks.json")))


def pytest_unconfigure(config):
    config.signing_dir.cleanup()
    # Forget the keys just deleted, for the next run in this process (`make mutation` runs many).
    for name in ("CERTIFICATE_SIGNING_KEY", "CERTIFICATE_SIGNING_CERT", "CREDENTIAL_SIGNING_KEYS"):
        if os.environ.get(name, "").startswith(config.signing_dir.name):
            del os.environ[name]


def pytest_sessionstart(session):
    problem = check_postgres_reachable()
    if problem:
        pytest.exit(problem, returncode=3)


def pytest_report_header(config):
    return f"database: {'PostgreSQL (' + postgres_server_url() + ')' if postgres_server_url() else 'SQLite'}"


class FreshContextClient(FlaskClient):
    """Each request runs in its own application context, as in production, so nothing cached in
    `g` (such as the signed-in user) leaks between requests; the test's session is then expired
    so it sees what the request wrote."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def database_copies(database_url, tmp_path_factory):
    copies = DatabaseCopies(database_url, tmp_path_factory.mktemp("db-copies"))
    try:
        yield copies
    finally:
        copies.close()


@pytest.fixture(scope="session")
def app(database_url, database_copies, tmp_path_factory):
    app = create_app(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=database_url,
                     CERTIFICATE_FILES=str(tmp_path_factory.mktemp("certificate-files")))
    app.test_client_class = FreshContextClient
    with app.app_context():
        upgrade()
        db.engine.dispose()
    database_copies.take_template()
    return app


class SeededDatabase:
    """A copy of the migrated database with data built once and committed, for the tests that
    share it (see `seed`). Each of those tests runs on it inside a transaction rolled back
    afterwards, exactly as the others run on the suite's database (`db_transaction`)."""

    def __init__(self, app, database: str, build):
        with app.app_context():
            url = db.engines[None].url.set(database=database)
        self.engine = sa.create_engine(url, **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        if url.get_backend_name() == "sqlite":
            configure_sqlite(self.engine)
        else:
            ping_after_idle(self.engine)
        try:
            with app.app_context(), rolled_back(self.engine) as connection:
                value = build(app)
                db.session.flush()
                self._refs = _to_refs(value)
                db.session.commit()
                connection.get_transaction().commit()
        except BaseException:
            self.engine.dispose()
            raise

    def load(self):
        """The value `build` returned, its database objects read again in this test's session."""
        return _from_refs(self._refs)

    def close(self) -> None:
        self.engine.dispose()


class _Ref(tuple):
    """A mapped object as (class, primary key, attributes it carries that are not stored, such
    as a certificate's `issued_code`), to be read again in another session."""


def _to_refs(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _to_refs(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {k: _to_refs(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_to_refs(v) for v in value)
    state = sa.inspect(value, raiseerr=False)
    if isinstance(state, InstanceState):
        unstored = {name: v for name, v in vars(value).items() if not name.startswith("_") and name not in state.mapper.attrs}
        return _Ref((type(value), state.identity, unstored))
    return value


def _from_refs(value):
    if isinstance(value, _Ref):
        cls, identity, unstored = value
        loaded = db.session.get(cls, identity)
        for name, v in unstored.items():
            setattr(loaded, name, v)
        return loaded
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _from_refs(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {k: _from_refs(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_from_refs(v) for v in value)
    return value


@pytest.fixture(scope="session")
def seed(app, database_copies):
    """`with seed(build) as seeded:` a database with what `build(app)` makes (through the app and
    tests/factories, as a test would), built once, for the module or session fixture that holds
    it. Its name must start with `seeded_`: a test that uses such a fixture runs on that
    database (see `db_transaction`), and a function-scoped fixture gives the test
    `seeded.load()`, the value `build` returned with its objects in the test's session."""

    @contextmanager
    def make(build):
        seeded = SeededDatabase(app, database_copies.copy(), build)
        try:
            yield seeded
        finally:
            seeded.close()

    return make


@pytest.fixture(scope="session")
def seeded_demo(seed):
    """The demo data as `flask seed-demo --if-empty` loads it into an empty database: run once
    for the tests that check it (each runs on it, rolled back, as usual)."""
    with seed(lambda app: app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])) as seeded:
        yield seeded


@pytest.fixture
def demo_seed_result(seeded_demo):
    """That run's result (exit code and output); the test runs on the database it loaded."""
    return seeded_demo.load()


@contextmanager
def rolled_back(engine=None):
    """Inside an application context: the app's database is one connection (of `engine`, else the
    app's own engine) in one transaction, rolled back at the end unless committed by then. The
    app's commits become savepoints on that connection, so they behave as usual."""
    engines = db.engines
    app_engine = engines[None]
    connection = (engine or app_engine).connect()
    outer = connection.begin()
    engines[None] = connection
    db.session.session_factory.kw["join_transaction_mode"] = "create_savepoint"
    try:
        yield connection
    finally:
        db.session.remove()
        engines[None] = app_engine
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture(autouse=True)
def db_transaction(app, request):
    """Every test runs inside one transaction that is rolled back afterwards (`rolled_back`). A
    test that uses a `seeded_...` fixture (see `seed`) runs on that fixture's database instead of
    the suite's."""
    seeded = [request.getfixturevalue(name) for name in request.fixturenames if name.startswith("seeded_")]
    assert len(seeded) <= 1, f"{request.node.nodeid} uses more than one seeded database"
    with app.app_context(), rolled_back(seeded[0].engine if seeded else None) as connection:
        yield connection


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_on(app):
    """CSRF protection on for one test (the suite turns it off)."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def config_override(app):
    """Set app.config keys for one test and put them back afterwards."""
    saved = {}

    def override(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield override
    app.config.update(saved)


@pytest.fixture
def make():
    return factories


@pytest.fixture
def login(client):
    def sign_in(user, password=factories.PASSWORD, follow=False):
        response = client.post(
            "/login", data={"email": user.email, "password": password}, follow_redirects=follow
        )
        return response

    return sign_in


def pytest_collection_modifyitems(config, items):
    # Real-browser tests last: Playwright's sync API keeps an event loop running in this thread
    # from the first browser test to the end of the session, and pyHanko's synchronous signing and
    # validation (asyncio.run) cannot run inside it.
    items.sort(key=lambda item: "browser" in item.keywords)
    if postgres_server_url():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
