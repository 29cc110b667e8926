"""Migration 0700 fills in the CRC-32 of certificates stored before it, on a database of its own."""
import zlib

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.certificates.models import Certificate
from portal.extensions import db
from tests import factories
from tests.conftest import TEST_CONFIG
from tests.databases import fresh_database


def test_upgrading_to_0700_backfills_the_crc_of_stored_pdfs(tmp_path):
    with fresh_database(tmp_path) as url:
        app = create_app(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            certificates = [factories.certificate() for _ in range(2)]
            db.session.commit()
            ids = [c.id for c in certificates]
            db.session.remove()

            downgrade(revision="0660")  # just before 0700
            with db.engine.connect() as connection:
                assert "pdf_crc32" not in {c["name"] for c in sa.inspect(connection).get_columns("certificates")}
            upgrade()

            stored = db.session.execute(
                sa.select(Certificate.pdf, Certificate.pdf_crc32).where(Certificate.id.in_(ids))).all()
            assert len(stored) == 2 and all(crc == zlib.crc32(pdf) for pdf, crc in stored)
            db.session.remove()
            db.engine.dispose()
