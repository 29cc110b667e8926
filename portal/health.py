from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.access import public
from portal.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "reachable"
    except SQLAlchemyError:
        db.session.rollback()
        database = "unreachable"
    ok = database == "reachable"
    return jsonify(status="ok" if ok else "degraded", database=database), 200 if ok else 503
