"""The browser's side of the API: the token pages (a coordinator's agency tokens, an administrator's
program tokens), the OpenAPI document and the human documentation rendered from it."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from portal.access import public, roles
from portal.agencies.models import Agency
from portal.api import services
from portal.api.forms import RevokeForm, TokenForm
from portal.api.models import ApiToken
from portal.api.views import spec_dict
from portal.auth.roles import Role
from portal.extensions import db
from portal.timeutil import utcnow

bp = Blueprint("api_pages", __name__, template_folder="templates")


@bp.get("/api/v1/openapi.json")
@public
def openapi():
    return jsonify(spec_dict())


@bp.get("/api/docs")
@public
def docs():
    spec = spec_dict()
    return render_template("api/docs.html", spec=spec, schemas=spec["components"]["schemas"])


def scope() -> Agency | None:
    """The coordinator's agency; None (the program) for an administrator."""
    if current_user.role == Role.COORDINATOR:
        if current_user.agency is None:
            abort(404)
        return current_user.agency
    return None


def endpoint(name: str) -> str:
    return f"api_pages.{'agency' if current_user.role == Role.COORDINATOR else 'admin'}_{name}"


def tokens_page():
    agency = scope()
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        try:
            token, raw = services.create_token(form.label.data or "", agency, form.expires_days.data, actor=current_user)
        except services.TokenError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            created = (token, raw)
            form = TokenForm(formdata=None)
    status = 400 if form.errors else 200
    return render_template("api/tokens.html", form=form, agency=agency, tokens=services.tokens_for(agency),
                           created=created, now=utcnow(), revoke_endpoint=endpoint("revoke")), status


def revoke_page(token_id: int):
    agency = scope()
    token = db.session.get(ApiToken, token_id)
    if token is None or (agency is not None and token.agency_id != agency.id):
        abort(404)  # an administrator may revoke any token (a leaked agency token too)
    form = RevokeForm()
    if form.validate_on_submit() and token.revoked_at is None:
        services.revoke_token(token, actor=current_user)
        db.session.commit()
        flash(f"Token “{token.label}” is revoked: it no longer works.", "success")
        return redirect(url_for(endpoint("tokens")))
    return render_template("api/revoke.html", form=form, token=token, cancel_url=url_for(endpoint("tokens")))


@bp.route("/agency/api-tokens", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def agency_tokens():
    return tokens_page()


@bp.route("/agency/api-tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def agency_revoke(token_id: int):
    return revoke_page(token_id)


@bp.route("/admin/api-tokens", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_tokens():
    return tokens_page()


@bp.route("/admin/api-tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_revoke(token_id: int):
    return revoke_page(token_id)
