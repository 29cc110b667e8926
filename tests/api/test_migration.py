import sqlalchemy as sa

from portal.extensions import db


def test_the_api_tokens_migration_upgrades_and_downgrades(tmp_path):
    from flask_migrate import downgrade, upgrade

    from portal import create_app
    from tests.conftest import TEST_CONFIG
    from tests.databases import fresh_database

    with fresh_database(tmp_path) as url:
        other = create_app(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=url)
        with other.app_context():
            upgrade(revision="0960_api_tokens")
            assert "api_tokens" in sa.inspect(db.engine).get_table_names()
            downgrade(revision="0955_time_zones")
            assert "api_tokens" not in sa.inspect(db.engine).get_table_names()
            upgrade(revision="0960_api_tokens")
            assert {c["name"] for c in sa.inspect(db.engine).get_columns("api_tokens")} >= {
                "token_hash", "agency_id", "expires_at", "last_used_at", "revoked_at"}
            db.session.remove()
            db.engine.dispose()
