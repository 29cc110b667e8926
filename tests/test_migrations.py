import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def test_models_and_migrations_agree(database_url):
    """What `flask db check` verifies: the migrated schema has nothing left to autogenerate."""
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
    finally:
        engine.dispose()


def test_audit_table_refuses_update_and_delete(make):
    import pytest

    from portal.audit.services import record

    event = record("test_event", make.user())
    db.session.flush()
    with pytest.raises(sa.exc.DatabaseError):
        with db.session.begin_nested():
            db.session.execute(sa.text("UPDATE audit_events SET action = 'forged'"))
    with pytest.raises(sa.exc.DatabaseError):
        with db.session.begin_nested():
            db.session.execute(sa.text("DELETE FROM audit_events"))
    assert db.session.get(type(event), event.id).action == "test_event"


def test_the_totp_encryption_migration_encrypts_existing_secrets_and_gives_them_back(tmp_path):
    from flask_migrate import downgrade, upgrade

    from portal import create_app
    from tests.conftest import TEST_CONFIG
    from tests.databases import fresh_database

    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    stored = sa.text("SELECT totp_secret FROM users WHERE email = 'enrolled@example.test'")
    with fresh_database(tmp_path) as url:
        other = create_app(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=url)
        with other.app_context():
            upgrade(revision="0600")
            db.session.execute(sa.text(
                "INSERT INTO users (email, first_name, last_name, role, active, created_at, failed_login_count, totp_secret)"
                " VALUES ('enrolled@example.test', 'Enrolled', 'Before', 'instructor', true, CURRENT_TIMESTAMP, 0, :secret)"),
                {"secret": secret})
            db.session.commit()
            upgrade()
            assert secret not in db.session.scalar(stored)
            from portal.auth.models import User

            user = db.session.scalar(sa.select(User).where(User.email == "enrolled@example.test"))
            assert user.totp_secret == secret
            db.session.rollback()
            downgrade(revision="0600")
            assert db.session.scalar(stored) == secret
            db.session.remove()
            db.engine.dispose()
