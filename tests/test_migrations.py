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
